"""The escalation signal on hand-made cases: climbing the channels, recurring, and neither."""

from __future__ import annotations

import pandas as pd
import pytest

from entity_resolution.events import EscalationOptions, EventOptions, resolve_events
from entity_resolution.events.escalation import longest_climb, recurrences
from tests.entity_resolution.events.conftest import background, event, table

LEAK = "neighbour_dispute.water_leak"
ROOM = "500106/聚龙城/3/2/501"
WHAT = "楼上卫生间漏水至本户天花板"


def staged() -> list[dict[str, object]]:
    """A leak the first line did not settle: hotline, grid days later, police, then a petition."""
    return [
        event("0101", "hotline", LEAK, "2026-03-01 09:00", ROOM, ("P-a",), WHAT, "closed"),
        event("0102", "grid", LEAK, "2026-03-04 15:00", ROOM, ("P-a", "P-b"), WHAT, "closed"),
        event("0103", "police", LEAK, "2026-03-15 20:00", ROOM, ("P-a", "P-b"), WHAT, "in_progress"),
        event("0104", "petitions", LEAK, "2026-04-20", ROOM, ("P-a",), WHAT, "received"),
    ]


def prompt() -> list[dict[str, object]]:
    """A fight told to the police and the hotline within minutes, and a grid visit the next morning."""
    room = "500106/江南丽景/5/1/302"
    what = "因琐事与邻居发生打斗"
    return [
        event("0201", "police", "public_order.fight", "2026-03-10 22:05", room, ("P-c", "P-d"), what),
        event("0202", "hotline", "public_order.fight", "2026-03-10 22:20", room, ("P-c",), what),
        event("0203", "grid", "public_order.fight", "2026-03-11 09:30", room, ("P-c", "P-d"), what),
    ]


def case_row(resolution: object, event_id: str) -> pd.Series:
    case = resolution.assignments.set_index("event_id")["case_id"][event_id]  # type: ignore[attr-defined]
    return resolution.cases.set_index("case_id").loc[case]  # type: ignore[attr-defined]


def test_a_case_climbing_the_channels_is_escalating() -> None:
    resolved = resolve_events(table(*staged(), *prompt(), *background()))
    case = case_row(resolved, "hotline:RX0101")
    assert case["sources"] == ["hotline", "grid", "police", "petitions"]
    assert case["escalating"]
    assert case["escalation_reason"] == (
        "channels: hotline 2026-03-01 > grid 2026-03-04 > police 2026-03-15 > petitions 2026-04-20"
    )
    assert case["opened_at"] == pd.Timestamp("2026-03-01 09:00")
    assert case["last_activity_at"] == pd.Timestamp("2026-04-20")


def test_one_incident_told_several_times_at_once_is_not_escalating() -> None:
    resolved = resolve_events(table(*staged(), *prompt(), *background()))
    case = case_row(resolved, "police:J0201")
    assert case["sources"] == ["hotline", "grid", "police"]
    assert not case["escalating"] and case["escalation_reason"] is None


def test_the_same_dispute_again_weeks_later_recurs() -> None:
    again = [
        event("0301", "hotline", LEAK, "2026-05-10 08:00", ROOM, ("P-a",), "邻居家水管破裂渗水到楼下"),
        event("0302", "grid", LEAK, "2026-05-11 10:00", ROOM, ("P-a", "P-b"), "邻居家水管破裂渗水到楼下"),
    ]
    resolved = resolve_events(table(*staged(), *again, *background()))
    first, later = case_row(resolved, "hotline:RX0101"), case_row(resolved, "hotline:RX0301")
    assert first.name != later.name
    assert later["escalating"]
    assert later["escalation_reason"] == (
        f"recurrence: after {first.name} of 2026-03-01 (same people, same place)"
    )
    # with a shorter window, ten weeks later is history, not a recurrence
    short = EventOptions(escalation=EscalationOptions(recurrence_days=30))
    resolved = resolve_events(table(*staged(), *again, *background()), options=short)
    assert not case_row(resolved, "hotline:RX0301")["escalating"]


def test_recurrence_needs_the_same_room_or_people_and_category() -> None:
    elsewhere = [
        event("0401", "hotline", LEAK, "2026-05-10 08:00", "500106/聚龙城/3/2/601", ("P-x",), WHAT),
        event(
            "0402",
            "hotline",
            "neighbour_dispute.noise",
            "2026-05-12 08:00",
            ROOM,
            ("P-a",),
            "楼上住户深夜噪音扰民",
        ),
        event("0403", "hotline", LEAK, "2026-09-10 08:00", ROOM, ("P-a",), WHAT),  # too late
    ]
    resolved = resolve_events(table(*staged(), *elsewhere, *background()))
    for event_id in ("hotline:RX0401", "hotline:RX0402", "hotline:RX0403"):
        assert not case_row(resolved, event_id)["escalating"], event_id


@pytest.mark.parametrize(
    ("rungs", "hours", "climb"),
    [
        ([0, 1, 2, 3], [0, 72, 336, 1200], [0, 1, 2, 3]),
        ([2, 0, 1], [0, 0.25, 13], [0]),  # police, hotline, grid within hours: no climb at all
        ([0, 1, 1, 2], [0, 2, 48, 200], [0, 2, 3]),  # the grid visit a day after the call counts
        ([0, 3], [0, 900], [0, 1]),
    ],
)
def test_longest_climb(rungs: list[int], hours: list[float], climb: list[int]) -> None:
    assert longest_climb(rungs, [int(h * 3600) for h in hours], 24 * 3600) == climb


def test_escalation_settings_change_the_signal() -> None:
    options = EscalationOptions(climb_rungs=5)
    resolved = resolve_events(table(*staged(), *background()), options=EventOptions(escalation=options))
    assert not case_row(resolved, "hotline:RX0101")["escalating"]


def test_recurrences_of_some_cases_are_those_found_among_all_cases() -> None:
    again = [
        event("0301", "hotline", LEAK, "2026-05-10 08:00", ROOM, ("P-a",), "邻居家水管破裂渗水到楼下"),
        event(
            "0501",
            "hotline",
            "public_order.fight",
            "2026-04-30 21:00",
            "500106/江南丽景/5/1/302",
            ("P-c",),
            "又与邻居打架",
        ),
    ]
    events = table(*staged(), *prompt(), *again, *background())
    resolved = resolve_events(events)
    keys = resolved.case_keys
    every = recurrences(keys, None, EscalationOptions())
    assert len(every) >= 2  # both the leak and the fight recur
    for case_id in pd.unique(keys["case_id"]):
        some = recurrences(keys, pd.Index([case_id]), EscalationOptions())
        assert some.to_dict() == every.reindex(some.index).to_dict()
        assert (case_id in every.index) == (case_id in some.index)
