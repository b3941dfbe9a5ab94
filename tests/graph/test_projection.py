"""Resolved tables into graph batches: what each batch holds, provenance, and id changes."""

from __future__ import annotations

import pandas as pd
import pytest

from graph.projection import (
    GraphBatches,
    IdChange,
    ResolvedTables,
    affected_keys,
    id_changes_of,
    project,
    stale_nodes,
)
from ontology.errors import BadInput
from tests.graph.city import ADDRESS_R1, city, t


@pytest.fixture(scope="module")
def batches() -> GraphBatches:
    return project(city())


def _pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return sorted(zip(frame["start"], frame["end"], strict=True))


def _row(frame: pd.DataFrame, **match: str) -> pd.Series:
    found = frame
    for column, value in match.items():
        found = found[found[column] == value]
    assert len(found) == 1, match
    return found.iloc[0]


def test_every_label_and_relation_type_has_its_batch(batches: GraphBatches) -> None:
    assert batches.sizes() == {
        "Person": 7,
        "Place": 14,
        "Grid": 2,
        "Event": 8,
        "Case": 2,
        "Department": 4,
        "SourceRecord": 8,
        "LIVES_AT": 5,
        "INVOLVED_IN": 13,
        "OCCURRED_AT": 8,
        "PART_OF": 13,
        "IN_GRID": 3,
        "PART_OF_CASE": 6,
        "RECORDED_IN": 8,
        "HANDLED_BY": 8,
    }


def test_node_batches_hold_only_the_model_properties(batches: GraphBatches) -> None:
    event = _row(batches.nodes["Event"], event_id="police:J3")
    assert event["source_record_id"] == "J3" and "case_id" not in batches.nodes["Event"]
    assert "addresses" not in batches.nodes["Person"] and "escalation_reason" not in batches.nodes["Case"]
    assert _row(batches.nodes["Department"], department_id="petitions")["name"] == "信访"


def test_provenance_lists_the_records_that_name_each_node(batches: GraphBatches) -> None:
    person = _row(batches.nodes["Person"], person_id="P3")
    assert person["sources"] == ["hotline:H2"]
    room = _row(batches.nodes["Place"], place_id="R1")  # two events there, and P1's police mention
    assert room["sources"] == ["hotline:H1", "petitions:X9", "police:J3"]
    assert (room["first_seen"], room["last_seen"]) == (t(5), t(20, 18))
    # the case's own `sources` column lists channels; the node's lists its events' records
    case = _row(batches.nodes["Case"], case_id="K2")
    assert case["sources"] == ["grid:G8", "hotline:H2"] and case["first_seen"] == t(6)
    assert _row(batches.nodes["Department"], department_id="police")["sources"] == []


def test_lives_at_follows_written_addresses_and_place_ids(batches: GraphBatches) -> None:
    homes = batches.relations["LIVES_AT"]
    assert _pairs(homes) == [("P1", "R1"), ("P2", "R2"), ("P3", "R4"), ("P4", "R3"), ("P7", "R2")]
    # P1's home is named by the police record that wrote that address
    assert _row(homes, start="P1")["sources"] == ["police:J3"]


def _with_resolved_mentions(places: dict[tuple[str, str], str]) -> ResolvedTables:
    """Return the city whose mentions carry place resolution's place_id, set per (person, record)."""
    tables = city()
    mentions = tables.table("person_mentions").assign(place_id=None)
    for (person, record), place in places.items():
        chosen = (mentions["person_id"] == person) & (mentions["record_id"] == record)
        # shorthand that no text lookup resolves: only the resolved place_id can place it
        mentions.loc[chosen, ["place_id", "address"]] = [place, "3-2-501"]
    return ResolvedTables(**{**tables.__dict__, "person_mentions": mentions})


def test_lives_at_follows_the_place_resolution_gave_a_mention() -> None:
    homes = project(_with_resolved_mentions({("P4", "J4"): "R4"})).relations["LIVES_AT"]
    # P4's people row says R3, but their police record was resolved to R4: the record wins
    assert _row(homes, start="P4")["end"] == "R4"
    assert _row(homes, start="P4")["sources"] == ["police:J4"]


def test_lives_at_is_the_finest_place_a_person_is_named_at() -> None:
    tables = _with_resolved_mentions({("P1", "J3"): "R1", ("P1", "X9"): "B1", ("P3", "H2"): "B3"})
    homes = project(tables).relations["LIVES_AT"]
    assert [end for start, end in _pairs(homes) if start == "P1"] == ["R1"]  # the room, not its building
    assert [end for start, end in _pairs(homes) if start == "P3"] == ["B3"]  # no room known: the building


def test_an_address_written_differently_still_finds_its_place() -> None:
    tables = city()
    assert tables.people is not None
    people = tables.people.copy()
    people.loc[people["person_id"] == "P1", "addresses"] = pd.Series(
        [[ADDRESS_R1.replace("3栋", "３栋 ")]], index=people.index[people["person_id"] == "P1"]
    )
    moved = project(ResolvedTables(**{**tables.__dict__, "people": people}))
    assert ("P1", "R1") in _pairs(moved.relations["LIVES_AT"])


def test_hierarchy_relations_take_the_lower_places_provenance(batches: GraphBatches) -> None:
    part_of = batches.relations["PART_OF"]
    assert _row(part_of, start="U1")["end"] == "B1"
    assert _row(part_of, start="R2")["sources"] == ["police:J3", "police:J5"]
    assert _row(batches.relations["IN_GRID"], start="B1")["sources"] == ["grid:G7"]


def test_involvement_rows_keep_the_role_and_the_event_record(batches: GraphBatches) -> None:
    involved = batches.relations["INVOLVED_IN"]
    row = _row(involved, start="P5", end="grid:G7")
    assert row["role"] == "grid_worker" and row["sources"] == ["grid:G7"]
    assert (row["first_seen"], row["last_seen"]) == (t(8), t(8, 18))


def test_an_increment_without_some_tables_projects_what_it_has() -> None:
    tables = city()
    partial = project(ResolvedTables(events=tables.events, event_people=tables.event_people))
    assert set(partial.nodes) == {"Event", "Department", "SourceRecord"}
    assert "INVOLVED_IN" in partial.relations and "LIVES_AT" not in partial.relations


def test_id_changes_come_in_the_order_they_happened() -> None:
    frame = pd.DataFrame(
        [
            {"entity": "person", "old_id": "P9", "new_id": "P2", "kind": "merge", "at": t(9)},
            {"entity": "place", "old_id": "R8", "new_id": "R1", "kind": "split", "at": t(3)},
            {"entity": "case", "old_id": "K1", "new_id": "K1", "kind": "merge", "at": t(4)},  # no change
        ]
    )
    assert id_changes_of(frame) == [
        IdChange("Place", "R8", "R1", "split"),
        IdChange("Person", "P9", "P2", "merge"),
    ]
    with pytest.raises(BadInput, match="vehicle"):
        id_changes_of(frame.assign(entity="vehicle"))


def test_stale_nodes_are_the_merged_away_ones_not_reused_later() -> None:
    changes = [
        IdChange("Person", "P7", "P2", "merge"),
        IdChange("Person", "P3", "P4", "merge"),
        IdChange("Person", "P4", "P3", "split"),
        IdChange("Place", "R9", "R1", "split"),
    ]
    assert stale_nodes(changes) == {"Person": ["P7"]}
    assert affected_keys(changes) == {"Person": {"P2", "P3", "P4", "P7"}, "Place": {"R1", "R9"}}
