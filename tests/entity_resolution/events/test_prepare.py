"""Checking and encoding events: clear errors on bad input, place paths from addresses."""

from __future__ import annotations

import pandas as pd
import pytest

from entity_resolution.events import EVENT_COLUMNS, address_place_path, resolve_events
from entity_resolution.events.prepare import PrepareOptions, encode_events, place_chain, prepare_events
from ontology.errors import BadInput
from tests.entity_resolution.events.conftest import event, table

ROOM = "500106/聚龙城/3/2/501"


def events() -> pd.DataFrame:
    return table(
        event("1", "hotline", "neighbour_dispute.noise", "2026-03-02 21:10", ROOM, ("P-a",), "噪音"),
        event("2", "grid", "other.unclassified", "2026-03-03 10:00", "500106/聚龙城", (), "巡查"),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["place_path"]), "missing column(s) place_path"),
        (lambda f: f.assign(event_id=["a", "a"]), "event_id 'a' appears twice"),
        (lambda f: f.assign(occurred_at=[None, "2026-03-03"]), "occurred_at"),
        (lambda f: f.assign(occurred_at=["yesterday", "2026-03-03"]), "occurred_at"),
        (lambda f: f.assign(source=["", "grid"]), "source ''"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(change: object, message: str) -> None:
    frame = change(events().assign(event_id=["a", "b"]))  # type: ignore[operator]
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve_events(frame)


def test_prepared_events_have_clean_lists_and_majors() -> None:
    frame = events().assign(person_ids=[["P-a", "P-a", ""], None], place_path=[["500106", "x"], None])
    prepared = prepare_events(frame).set_index("event_id")
    assert prepared["person_ids"].tolist() == [[], ["P-a"]]  # sorted by event id: grid first
    assert prepared["place_path"].tolist() == [[], ["500106", "x"]]
    assert prepared["major"].tolist() == ["", "neighbour_dispute"]  # other.unclassified: no major
    assert list(prepare_events(frame).columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)


def test_encoding_reads_paths_down_to_the_first_unknown_place() -> None:
    frame = events().assign(place_path=[["", "|聚龙城", "|聚龙城|3"], ["500106", "500106|聚龙城"]])
    enc = encode_events(prepare_events(frame))  # rows: grid:SJ2, hotline:RX1
    assert enc.depth.tolist() == [2, 0]
    assert enc.site[0] != 0 and enc.site[1] == 0
    assert enc.major[0] == -1  # other.unclassified goes with any category


def test_an_empty_table_gives_an_empty_resolution() -> None:
    resolved = resolve_events(events().iloc[:0])
    assert resolved.assignments.empty and resolved.cases.empty and resolved.links.empty


@pytest.mark.parametrize(
    ("address", "path"),
    [
        (
            "重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501",
            ["500106", "500106|聚龙城", "500106|聚龙城|3", "500106|聚龙城|3|2", "500106|聚龙城|3|2|501"],
        ),
        ("沙坪坝聚龙城三栋", ["500106", "500106|聚龙城", "500106|聚龙城|3"]),
        ("聚龙城3-2-501", ["", "|聚龙城", "|聚龙城|3", "|聚龙城|3|2", "|聚龙城|3|2|501"]),
        ("", []),
    ],
)
def test_address_place_path(address: str, path: list[str]) -> None:
    assert address_place_path(address, "500100") == path


@pytest.mark.parametrize(
    ("path", "chain"),
    [
        (
            ["500106", "500106006", "500106006001", "PL-e", "PL-b", "PL-u", "PL-r"],
            ["500106", "PL-e", "PL-b", "PL-u", "PL-r"],
        ),
        (["500106", "PL-e", "PL-b"], ["500106", "PL-e", "PL-b"]),
        (["500106", "500106006"], ["500106"]),
        (["", "|聚龙城", "|聚龙城|3"], []),  # no district: no place
        (["PL-e", "PL-b"], []),
        ([], []),
    ],
)
def test_place_chain_leaves_out_the_divisions_writers_drop(path: list[str], chain: list[str]) -> None:
    assert place_chain(path) == chain


def test_paths_with_and_without_street_and_community_meet_at_the_room() -> None:
    resolved = ["500106", "500106006", "500106006001", "PL-e", "PL-b", "PL-u", "PL-r"]
    frame = events().assign(place_path=[resolved, ["500106", "PL-e", "PL-b", "PL-u", "PL-r"]])
    enc = encode_events(prepare_events(frame))
    assert enc.depth.tolist() == [5, 5] and (enc.path[0] == enc.path[1]).all()


@pytest.mark.parametrize(
    ("label", "category", "major"),
    [
        ("neighbour_dispute.noise", "neighbour_dispute.noise", "neighbour_dispute"),
        ("纠纷/邻里纠纷", "neighbour_dispute", "neighbour_dispute"),  # coarse: noise and leaks alike
        ("劳资纠纷/欠薪", "labour.wage_arrears", "labour"),
        ("信访/邻里矛盾", "neighbour_dispute", "neighbour_dispute"),
        ("neighbour_dispute", "neighbour_dispute", "neighbour_dispute"),
        ("来电咨询", "other.unclassified", ""),  # names nothing: weaker evidence, not an error
        (None, "other.unclassified", ""),
    ],
)
def test_department_labels_are_read_never_refused(label: object, category: str, major: str) -> None:
    prepared = prepare_events(events().assign(category=[label, "other.unclassified"]))
    row = prepared.set_index("event_id").loc["hotline:RX1"]
    assert (row["category"], row["major"], row["category_label"]) == (category, major, label)


def test_a_user_mapping_reads_a_label_nothing_else_knows() -> None:
    frame = events().assign(category=["A07楼上滴漏", "other.unclassified"])
    assert prepare_events(frame).set_index("event_id").loc["hotline:RX1", "category"] == "other.unclassified"
    options = PrepareOptions(categories={"A07楼上滴漏": "neighbour_dispute.water_leak"})
    mapped = prepare_events(frame, options).set_index("event_id")
    assert mapped.loc["hotline:RX1", "category"] == "neighbour_dispute.water_leak"


@pytest.mark.parametrize(
    "written",
    ["2026年03月02日 21时10分", "2026/3/2 21:10", "20260302 21:10", "2026-03-02T13:10:00Z", "202603022110"],
)
def test_times_are_read_in_every_form_the_normalisers_know(written: str) -> None:
    prepared = prepare_events(events().assign(occurred_at=[written, "2026年03月03日"]))
    times = prepared.set_index("event_id")["occurred_at"]
    assert times["hotline:RX1"] == pd.Timestamp("2026-03-02 21:10")
    assert times["grid:SJ2"] == pd.Timestamp("2026-03-03")
