"""Grouping records of several departments into cases: what belongs together, what stays apart, IDs."""

from __future__ import annotations

import pandas as pd
import pytest

from entity_resolution.events import EventOptions, case_timeline, link_events, resolve_events
from entity_resolution.events.reconcile import relearn_cases
from entity_resolution.review import empty_decisions, record_decision
from ontology.errors import NotFound
from tests.entity_resolution.events.conftest import background, event, table

NOISE = "neighbour_dispute.noise"
ROOM = "500106/聚龙城/3/2/501"


def dispute() -> list[dict[str, object]]:
    """A noise dispute told to the police, the hotline and the grid worker, and records around it."""
    return [
        event("0001", "police", NOISE, "2026-03-02 21:05", ROOM, ("P-a", "P-b"), "楼上住户深夜噪音扰民"),
        event("0002", "hotline", NOISE, "2026-03-02 21:10", ROOM, ("P-a",), "楼上住户深夜噪音扰民"),
        event("0003", "grid", NOISE, "2026-03-03 10:00", ROOM, ("P-a", "P-b"), "楼上住户深夜噪音扰民"),
        # the same night, the same words, another estate: another incident
        event(
            "0004",
            "grid",
            NOISE,
            "2026-03-02 22:00",
            "500106/江南丽景/3/2/501",
            ("P-c",),
            "楼上住户深夜噪音扰民",
        ),
        # the same building, another room
        event(
            "0005",
            "grid",
            NOISE,
            "2026-03-02 21:30",
            "500106/聚龙城/3/2/601",
            ("P-d",),
            "楼上住户深夜噪音扰民",
        ),
        # the same room and people, four months later
        event("0006", "grid", NOISE, "2026-07-15 20:00", ROOM, ("P-a", "P-b"), "楼上住户深夜噪音扰民"),
    ]


def cases_of(resolution: object, ids: list[str]) -> list[str]:
    case = resolution.assignments.set_index("event_id")["case_id"]  # type: ignore[attr-defined]
    return [case[i] for i in ids]


@pytest.fixture(scope="module")
def resolved() -> object:
    return resolve_events(table(*dispute(), *background()), options=None)


def test_one_incident_told_to_three_departments_is_one_case(resolved: object) -> None:
    police, hotline, grid = cases_of(resolved, ["police:J0001", "hotline:RX0002", "grid:SJ0003"])
    assert police == hotline == grid
    case = resolved.cases.set_index("case_id").loc[police]  # type: ignore[attr-defined]
    assert case["sources"] == ["hotline", "grid", "police"]
    assert case["category"] == NOISE


def test_no_grouping_across_distant_places_or_times(resolved: object) -> None:
    ids = ["hotline:RX0002", "grid:SJ0004", "grid:SJ0005", "grid:SJ0006"]
    assert len(set(cases_of(resolved, ids))) == 4


def test_every_grouping_is_explained(resolved: object) -> None:
    links = resolved.links  # type: ignore[attr-defined]
    pair = links[(links["left"] == "grid:SJ0003") & (links["right"] == "hotline:RX0002")].iloc[0]
    assert pair["linked"]
    assert pair["explanation"].startswith("same room +")
    assert "within 1 day (grid|hotline close) +" in pair["explanation"]
    assert pair["score"] == pytest.approx(
        sum(pair[f"w_{e}"] for e in ("place", "time", "category", "text", "people")) + resolved.weights.prior,
        abs=1e-3,
    )
    other = links[(links["left"] == "grid:SJ0005") & (links["right"] == "hotline:RX0002")]
    assert not other["linked"].any()


def test_case_ids_are_stable_across_reruns(resolved: object) -> None:
    events = table(*dispute(), *background())
    again = resolve_events(events.sample(frac=1.0, random_state=3), previous=resolved)
    pd.testing.assert_frame_equal(again.assignments, resolved.assignments)  # type: ignore[attr-defined]
    assert again.id_changes.empty
    fresh = resolve_events(events)  # no previous: the same input still gives the same IDs
    pd.testing.assert_frame_equal(fresh.assignments, resolved.assignments)  # type: ignore[attr-defined]


def test_a_bridging_record_merges_cases_and_says_so(resolved: object) -> None:
    split = resolve_events(table(*dispute()[1:]))  # without the police record
    hotline, grid = cases_of(split, ["hotline:RX0002", "grid:SJ0003"])
    assert hotline == grid
    petition = event("0007", "petitions", NOISE, "2026-04-20", ROOM, ("P-a",), "楼上住户深夜噪音扰民")
    grown = resolve_events(table(*dispute()[1:], petition), previous=split)
    assert cases_of(grown, ["hotline:RX0002", "petitions:XF0007"]) == [hotline, hotline]
    assert grown.id_changes.empty


def test_incremental_linking_touches_only_the_cases_it_reaches() -> None:
    first = table(*dispute()[:2], *background())
    batch = table(*dispute()[2:])
    before = resolve_events(first)
    linked = link_events(batch, before)
    # a batch is scored with the weights learnt before it: compare with a full run on those
    full = resolve_events(table(*dispute(), *background()), options=EventOptions(weights=before.weights))
    merged = linked.assignments.merge(full.assignments, on="event_id", suffixes=("_inc", "_full"))
    assert len(merged) == len(full.assignments)
    # the same grouping as a full run
    assert merged.groupby("case_id_inc")["case_id_full"].nunique().max() == 1
    assert merged.groupby("case_id_full")["case_id_inc"].nunique().max() == 1
    # earlier cases keep their IDs; the batch's grid report joined the police and hotline case
    kept = before.assignments.merge(linked.assignments, on="event_id", suffixes=("_before", "_after"))
    assert (kept["case_id_before"] == kept["case_id_after"]).all()
    assert len(set(cases_of(linked, ["police:J0001", "hotline:RX0002", "grid:SJ0003"]))) == 1
    # only the dispute's case was re-linked: the links cover the batch and that case
    assert set(linked.links["left"]) | set(linked.links["right"]) <= set(batch["event_id"]) | {
        "police:J0001",
        "hotline:RX0002",
    }
    assert len(linked.cases) == linked.assignments["case_id"].nunique()


def test_a_batch_can_bring_a_new_version_of_a_record() -> None:
    before = resolve_events(table(*dispute()))
    update = table(
        event(
            "0003",
            "grid",
            NOISE,
            "2026-03-03 10:00",
            ROOM,
            ("P-a", "P-b"),
            "楼上住户深夜噪音扰民",
            status="closed",
        )
    )
    linked = link_events(update, before)
    assert len(linked.assignments) == len(before.assignments)
    assert cases_of(linked, ["grid:SJ0003"]) == cases_of(before, ["grid:SJ0003"])
    timeline = case_timeline(linked, cases_of(linked, ["grid:SJ0003"])[0])
    assert timeline.loc[timeline["source"] == "grid", "status"].tolist() == ["closed"]


def test_human_decisions_win(resolved: object) -> None:
    log = record_decision(
        empty_decisions(), "grid:SJ0003", "hotline:RX0002", "not_same", who="wang", at="2026-03-05"
    )
    log = record_decision(log, "grid:SJ0005", "hotline:RX0002", "same", who="wang", at="2026-03-05")
    decided = resolve_events(table(*dispute(), *background()), previous=resolved, decisions=log)
    hotline, grid, other_room = cases_of(decided, ["hotline:RX0002", "grid:SJ0003", "grid:SJ0005"])
    assert hotline != grid and hotline == other_room


def test_case_timeline_is_in_report_order(resolved: object) -> None:
    case = cases_of(resolved, ["hotline:RX0002"])[0]
    timeline = case_timeline(resolved, case)
    assert timeline["source"].tolist() == ["police", "hotline", "grid"]
    assert timeline["occurred_at"].is_monotonic_increasing
    with pytest.raises(NotFound):
        case_timeline(resolved, "C-nonexistent")


def test_a_wrong_earlier_grouping_is_split_and_reported() -> None:
    events = table(*dispute())
    previous = pd.DataFrame(
        {"event_id": ["hotline:RX0002", "grid:SJ0005", "grid:SJ0003"], "case_id": ["C-old", "C-old", "C-old"]}
    )
    resolved = resolve_events(events, previous=previous, options=None)
    hotline, other_room = cases_of(resolved, ["hotline:RX0002", "grid:SJ0005"])
    assert hotline == "C-old" and other_room != "C-old"
    changes = resolved.id_changes[["entity", "old_id", "new_id", "kind", "records"]].values.tolist()
    assert changes == [["case", "C-old", other_room, "split", 1]]


def test_two_tickets_of_one_department_about_one_leak_are_one_case() -> None:
    leak = "neighbour_dispute.water_leak"
    room = "500106/锦绣花园/3/2/501"
    first = event("0401", "hotline", leak, "2026-03-02 09:00", room, ("P-x",), "楼上卫生间漏水至本户天花板")
    again = event(
        "0402", "hotline", "纠纷/邻里纠纷", "2026-03-05 18:00", room, ("P-x",), "楼上漏水仍未处理，再次来电"
    )
    other = event(
        "0403", "hotline", leak, "2026-03-05 18:00", "500106/锦绣花园/3/2/601", ("P-y",), "厨房水管漏水"
    )
    resolved = resolve_events(table(first, again, other, *dispute(), *background()))
    one, two, three = cases_of(resolved, ["hotline:RX0401", "hotline:RX0402", "hotline:RX0403"])
    assert one == two != three


def recurring_town(households: int = 60) -> list[dict[str, object]]:
    """Households whose noise dispute is told to the hotline and the grid worker (hours to days
    apart) and comes back weeks to months later, told to both again by the same people in the
    same words: many such pairs, so the file itself shows how recurrences spread in time."""
    follow_up = (0.5, 3, 14, 40, 100)  # hours from the call to the grid worker's report
    comes_back = (12, 20, 35, 50, 80, 110, 150)  # days until the dispute comes back
    rows = []
    for k in range(households):
        room = f"500106/{('锦绣花园', '聚龙城', '江南丽景')[k % 3]}/{1 + k % 5}/{1 + k % 2}/{100 * (1 + k % 9) + k}"
        start = pd.Timestamp("2026-01-05 20:00") + pd.Timedelta(hours=37 * k)
        again = start + pd.Timedelta(days=comes_back[k % len(comes_back)])
        for n, when in enumerate((start, again)):
            later = when + pd.Timedelta(hours=follow_up[(k + n) % len(follow_up)])
            for source, number, at in (("hotline", 5, when), ("grid", 6, later)):
                stamp = at.strftime("%Y-%m-%d %H:%M")
                rows.append(
                    event(
                        f"{number}{k:02d}{n}",
                        source,
                        NOISE,
                        stamp,
                        room,
                        (f"P-h{k}",),
                        "楼上住户深夜噪音扰民",
                    )
                )
    return rows


def test_a_dispute_that_comes_back_weeks_later_is_a_case_of_its_own() -> None:
    resolved = resolve_events(table(*recurring_town(), *background()))
    case = resolved.assignments.set_index("event_id")["case_id"]
    for k in range(60):
        first = {case[f"hotline:RX5{k:02d}0"], case[f"grid:SJ6{k:02d}0"]}
        again = {case[f"hotline:RX5{k:02d}1"], case[f"grid:SJ6{k:02d}1"]}
        assert len(first) == 1 and len(again) == 1, k  # each incident's two reports: one case
        assert first != again, k  # the dispute coming back: another case


def test_reconciliation_learns_the_model_again_and_resolves_as_a_full_run() -> None:
    rows = [*recurring_town(), *dispute(), *background()]
    early = [r for r in rows if r["occurred_at"] < pd.Timestamp("2026-03-15")]
    late = [r for r in rows if r["occurred_at"] >= pd.Timestamp("2026-03-15")]
    linked = link_events(table(*late), resolve_events(table(*early)))
    full = resolve_events(table(*rows))
    # linking scores with the model learnt before the batch; a full run learns it from everything
    assert repr(linked.weights) != repr(full.weights)
    relearnt = relearn_cases(linked)
    assert repr(relearnt.weights) == repr(full.weights)
    assert relearnt.text_model.documents == full.text_model.documents == len(rows)
    assert (relearnt.text_model.idf == full.text_model.idf).all()
    merged = relearnt.assignments.merge(full.assignments, on="event_id", suffixes=("_re", "_full"))
    assert len(merged) == len(rows)
    assert merged.groupby("case_id_re")["case_id_full"].nunique().max() == 1
    assert merged.groupby("case_id_full")["case_id_re"].nunique().max() == 1
    # a case the new model leaves as it was keeps its ID; the others are reported
    before = linked.assignments.groupby("case_id")["event_id"].apply(frozenset)
    after = relearnt.assignments.groupby("case_id")["event_id"].apply(frozenset)
    unchanged = set(before) & set(after)
    assert unchanged and all(before[before == g].index[0] == after[after == g].index[0] for g in unchanged)
    assert len(relearnt.id_changes) and set(relearnt.id_changes["kind"]) <= {"merge", "split"}
