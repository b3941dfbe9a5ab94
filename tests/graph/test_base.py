"""The GraphStore contract, run on every backend (`store` is parametrised in conftest.py).

The city (tests/graph/city.py): P1 and P2 quarrel at 聚龙城 3栋 through all four departments
(case K1), P2 and P3 share case K2 at 锦绣花园, P7 is a duplicate of P2, P6 has no records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest

from graph import GraphStore, NodeRef, apply_increment, project, write_batches
from graph.projection import IdChange, ResolvedTables
from graph.results import CoInvolvement, Neighbour
from ontology.errors import BadInput, NotFound
from tests.graph.city import city, city_after_merge, t


def _events(store: GraphStore, person_id: str) -> list[tuple[str, str]]:
    return [(i.event["event_id"], i.role) for i in store.person_360(person_id).involvements]


def test_counts_are_the_projected_batches(graph: GraphStore) -> None:
    sizes = project(city()).sizes()
    assert graph.counts() == {name: sizes.get(name, 0) for name in graph.counts()}
    assert graph.counts()["Person"] == 7 and graph.counts()["INVOLVED_IN"] == 13


def test_writing_the_same_batches_again_changes_nothing(store: GraphStore) -> None:
    counts, person, dossier = store.counts(), store.person_360("P1"), store.address_dossier("B1")
    write_batches(store, project(city()))
    assert store.counts() == counts
    assert store.person_360("P1") == person
    assert store.address_dossier("B1") == dossier


def test_an_upsert_replaces_named_properties_removes_none_and_keeps_the_rest(store: GraphStore) -> None:
    store.upsert_nodes("Person", [{"person_id": "P1", "name": "张玮", "id_number": None}])
    node = store.get_node("Person", "P1")
    assert (node["name"], node["id_number"], node["gender"]) == ("张玮", None, "M")
    assert node["birth_date"] == dt.date(1980, 3, 7) and node["phones"] == ["13800000001"]


def test_relations_carry_their_provenance(graph: GraphStore) -> None:
    found = graph.relations("Event", "police:J3")
    assert [(r.type, r.start.key, r.end.key) for r in found] == [
        ("HANDLED_BY", "police:J3", "police"),
        ("INVOLVED_IN", "P1", "police:J3"),
        ("INVOLVED_IN", "P2", "police:J3"),
        ("OCCURRED_AT", "police:J3", "R2"),
        ("PART_OF_CASE", "police:J3", "K1"),
        ("RECORDED_IN", "police:J3", "police:J3"),
    ]
    assert {r.properties["role"] for r in found if r.type == "INVOLVED_IN"} == {"victim", "suspect"}
    for relation in found:
        assert relation.properties["sources"] == ["police:J3"]
        assert (relation.properties["first_seen"], relation.properties["last_seen"]) == (t(12), t(12, 18))


def test_a_relation_to_a_node_not_in_the_graph_is_skipped(store: GraphStore) -> None:
    before = store.counts()
    written = store.upsert_relations(
        "LIVES_AT",
        [
            {"start": "P1", "end": "nowhere", "sources": []},
            {"start": "P6", "end": "R3", "sources": ["police:J4"]},
        ],
    )
    assert written == 1
    assert store.counts()["LIVES_AT"] == before["LIVES_AT"] + 1


def test_person_360_lists_every_record_across_the_four_departments(graph: GraphStore) -> None:
    found = graph.person_360("P1")
    assert found.person["name"] == "张伟" and found.person["id_number"] == "500106198003071234"
    assert found.departments == {"grid": 2, "hotline": 1, "petitions": 1, "police": 1}
    assert [(i.event["event_id"], i.role, i.place_id, i.case_id) for i in found.involvements] == [
        ("hotline:H1", "caller", "R1", "K1"),
        ("grid:G7", "party", "B1", "K1"),
        ("grid:G8", "party", "R4", "K2"),
        ("police:J3", "victim", "R2", "K1"),
        ("petitions:X9", "petitioner", "R1", "K1"),
    ]
    assert [place["place_id"] for place in found.addresses] == ["R1"]
    assert [case["case_id"] for case in found.cases] == ["K1", "K2"]
    assert found.cases[0]["escalating"] is True
    assert found.involvements[0].event["occurred_at"] == t(5)
    assert found.person["sources"] == ["grid:G7", "grid:G8", "hotline:H1", "petitions:X9", "police:J3"]


def test_person_360_of_someone_without_records_is_empty(graph: GraphStore) -> None:
    found = graph.person_360("P6")
    assert (found.involvements, found.addresses, found.cases, found.departments) == ([], [], [], {})


def test_address_dossier_covers_everything_below_a_building(graph: GraphStore) -> None:
    found = graph.address_dossier("B1")
    assert found.place["name"] == "3栋"
    assert [p["place_id"] for p in found.ancestors] == ["E1", "C1", "S1", "D1"]
    assert [p["place_id"] for p in found.places] == ["B1", "R1", "R2", "U1"]
    assert [(e.event["event_id"], e.place_id, e.case_id) for e in found.events] == [
        ("hotline:H1", "R1", "K1"),
        ("grid:G7", "B1", "K1"),
        ("police:J3", "R2", "K1"),
        ("police:J5", "R2", None),
        ("petitions:X9", "R1", "K1"),
    ]
    assert found.events[1].people == [("P1", "party"), ("P2", "party"), ("P5", "grid_worker")]
    assert [(r.person["person_id"], r.place_id) for r in found.residents] == [
        ("P1", "R1"),
        ("P2", "R2"),
        ("P7", "R2"),
    ]
    assert [case["case_id"] for case in found.cases] == ["K1"]


def test_address_dossier_of_a_room_has_only_that_room(graph: GraphStore) -> None:
    found = graph.address_dossier("R4")
    assert [p["place_id"] for p in found.places] == ["R4"]
    assert [e.event["event_id"] for e in found.events] == ["hotline:H2", "grid:G8"]
    assert [r.person["person_id"] for r in found.residents] == ["P3"]


def test_neighbours_to_depth_two(graph: GraphStore) -> None:
    found = graph.neighbours("Place", "R1", depth=2)
    assert [n for n in found if n.distance == 1] == [
        Neighbour(1, "Event", "hotline:H1"),
        Neighbour(1, "Event", "petitions:X9"),
        Neighbour(1, "Person", "P1"),
        Neighbour(1, "Place", "U1"),
    ]
    assert {(n.label, n.key) for n in found if n.distance == 2} == {
        ("Case", "K1"),
        ("Department", "hotline"),
        ("Department", "petitions"),
        ("Event", "grid:G7"),
        ("Event", "grid:G8"),
        ("Event", "police:J3"),
        ("Person", "P2"),
        ("Place", "B1"),
        ("Place", "R2"),
        ("SourceRecord", "hotline:H1"),
        ("SourceRecord", "petitions:X9"),
    }


def test_neighbours_along_chosen_relations(graph: GraphStore) -> None:
    found = graph.neighbours("Place", "R1", depth=3, relations=["PART_OF"])
    assert found == [
        Neighbour(1, "Place", "U1"),
        Neighbour(2, "Place", "B1"),
        Neighbour(2, "Place", "R2"),
        Neighbour(3, "Place", "E1"),
    ]


def test_shortest_path_between_two_people(graph: GraphStore) -> None:
    path = graph.shortest_path(NodeRef("Person", "P5"), NodeRef("Person", "P3"))
    assert path is not None
    assert path.nodes == [
        NodeRef("Person", "P5"),
        NodeRef("Event", "grid:G7"),
        NodeRef("Person", "P2"),
        NodeRef("Event", "hotline:H2"),
        NodeRef("Person", "P3"),
    ]
    assert path.relations == ["INVOLVED_IN"] * 4 and path.length == 4


def test_shortest_path_is_none_between_unconnected_nodes_and_empty_to_itself(graph: GraphStore) -> None:
    assert graph.shortest_path(NodeRef("Person", "P5"), NodeRef("Person", "P6")) is None
    assert graph.shortest_path(NodeRef("Person", "P1"), NodeRef("Place", "R3"), max_length=2) is None
    itself = graph.shortest_path(NodeRef("Person", "P1"), NodeRef("Person", "P1"))
    assert itself is not None and itself.length == 0


def test_co_involvement_counts_shared_cases(graph: GraphStore) -> None:
    assert graph.co_involved("P1") == [
        CoInvolvement("P2", "李娜", 2, ["K1", "K2"]),
        CoInvolvement("P3", "王芳", 1, ["K2"]),
        CoInvolvement("P5", "陈静", 1, ["K1"]),
    ]
    assert graph.co_involved("P4") == []


@pytest.mark.parametrize(
    "ask",
    [
        lambda s: s.person_360("P404"),
        lambda s: s.address_dossier("R404"),
        lambda s: s.neighbours("Person", "P404", 1),
        lambda s: s.shortest_path(NodeRef("Person", "P1"), NodeRef("Person", "P404")),
        lambda s: s.co_involved("P404"),
        lambda s: s.get_node("Case", "K404"),
    ],
    ids=["person_360", "address_dossier", "neighbours", "shortest_path", "co_involved", "get_node"],
)
def test_unknown_ids_raise_not_found(graph: GraphStore, ask: Callable[[GraphStore], object]) -> None:
    with pytest.raises(NotFound):
        ask(graph)


def test_unknown_labels_and_depths_are_bad_input(graph: GraphStore) -> None:
    with pytest.raises(BadInput):
        graph.neighbours("Suspect", "P1", 1)
    with pytest.raises(BadInput):
        graph.neighbours("Person", "P1", 0)
    with pytest.raises(BadInput):
        graph.upsert_nodes("Person", [{"person_id": "P9", "shoe_size": 42}])


def test_a_merge_moves_relations_to_the_survivor_and_removes_the_duplicate(store: GraphStore) -> None:
    apply_increment(store, city_after_merge())
    with pytest.raises(NotFound):
        store.get_node("Person", "P7")
    assert ("police:J5", "suspect") in _events(store, "P2")
    assert store.person_360("P2").departments == {"grid": 1, "hotline": 2, "police": 2}
    assert store.counts()["Person"] == 6
    assert store.counts()["INVOLVED_IN"] == 13  # P7's involvement moved, none lost or doubled
    home = store.address_dossier("R2").residents
    assert [r.person["person_id"] for r in home] == ["P2"]
    assert "police:J5" in store.get_node("Person", "P2")["sources"]


def test_a_merge_redirect_alone_unites_provenance(store: GraphStore) -> None:
    home_before = [r for r in store.relations("Person", "P2") if r.type == "LIVES_AT"]
    assert "police:J5" not in home_before[0].properties["sources"]
    moved = store.apply_id_changes([IdChange("Person", "P7", "P2", "merge")])
    assert moved == 2  # P7's INVOLVED_IN and LIVES_AT
    involved = [r for r in store.relations("Person", "P2") if r.end == NodeRef("Event", "police:J5")]
    assert [(r.type, r.properties["role"], r.properties["sources"]) for r in involved] == [
        ("INVOLVED_IN", "suspect", ["police:J5"])
    ]
    home = [r for r in store.relations("Person", "P2") if r.type == "LIVES_AT"]
    assert [r.end for r in home] == [NodeRef("Place", "R2")]
    assert home[0].properties["sources"] == sorted({*home_before[0].properties["sources"], "police:J5"})
    assert home[0].properties["first_seen"] == home_before[0].properties["first_seen"]
    assert store.neighbours("Place", "R2", 1, relations=["LIVES_AT"]) == [Neighbour(1, "Person", "P2")]
    assert store.apply_id_changes([IdChange("Person", "P7", "P2", "merge")]) == 0  # a replay is safe


def test_replaying_an_increment_leaves_the_graph_as_it_was(store: GraphStore) -> None:
    apply_increment(store, city_after_merge())
    counts, person = store.counts(), store.person_360("P2")
    apply_increment(store, city_after_merge())
    assert store.counts() == counts and store.person_360("P2") == person


def test_a_split_leaves_no_stale_relation_on_the_old_person(store: GraphStore) -> None:
    before = city()
    people = before.table("people")
    p8 = people[people["person_id"] == "P1"].assign(person_id="P8", addresses=[[]])
    involved = before.table("event_people").copy()
    involved.loc[involved["event_id"] == "petitions:X9", "person_id"] = "P8"
    mentions = before.table("person_mentions").copy()
    mentions.loc[mentions["record_id"] == "X9", "person_id"] = "P8"
    split = ResolvedTables(
        people=pd.concat([people, p8]),
        person_mentions=mentions,
        places=before.places,
        grids=before.grids,
        events=before.events,
        event_people=involved,
        cases=before.cases,
        id_changes=pd.DataFrame(
            [{"entity": "person", "old_id": "P1", "new_id": "P8", "kind": "split", "at": t(27)}]
        ),
    )
    apply_increment(store, split)
    assert "petitions:X9" not in [e for e, _ in _events(store, "P1")]
    assert _events(store, "P8") == [("petitions:X9", "petitioner")]
    assert "petitions:X9" not in store.get_node("Person", "P1")["sources"]
    assert len(_events(store, "P1")) == 4


def test_deleting_a_node_takes_its_relations(store: GraphStore) -> None:
    before = store.counts()
    assert store.delete_nodes("Event", ["police:J4"]) == 1
    after = store.counts()
    assert after["Event"] == before["Event"] - 1
    assert after["INVOLVED_IN"] == before["INVOLVED_IN"] - 1
    assert after["HANDLED_BY"] == before["HANDLED_BY"] - 1
    assert store.person_360("P4").involvements == []


def test_clear_empties_the_graph(store: GraphStore) -> None:
    store.clear()
    assert set(store.counts().values()) == {0}
