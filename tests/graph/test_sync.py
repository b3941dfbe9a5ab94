"""Full rebuilds (`graph.sync.rebuild`), run on every backend: readers never see a half-built graph.

The rebuild writes the city after resolution merged P7 into P2 and renamed P3, in chunks of three
rows, and a second store on the same graph (another process's view) reads it after every chunk.
"""

from __future__ import annotations

import pandas as pd
import pytest

from graph import GraphStore, project, rebuild, write_batches
from graph.projection import GraphBatches, ResolvedTables
from ontology.errors import BadInput, NotFound
from tests.graph.city import city, city_after_merge
from tests.graph.conftest import second_reader

CHUNK = 3


def _rebuilt_city() -> ResolvedTables:
    """Return the city without P7 (merged into P2, no id change to apply) and with P3 renamed."""
    merged = city_after_merge()
    people = merged.table("people").copy()
    people.loc[people["person_id"] == "P3", "name"] = "王芳芳"
    return ResolvedTables(
        people=people,
        person_mentions=merged.person_mentions,
        places=merged.places,
        grids=merged.grids,
        events=merged.events,
        event_people=merged.event_people,
        cases=merged.cases,
    )


def _node_keys(batches: GraphBatches) -> set[tuple[str, str]]:
    return {
        (label, str(key))
        for label, frame in batches.nodes.items()
        for key in frame[GraphStore.model.node(label).key]
    }


def _relation_ends(batches: GraphBatches, person_ids: set[str]) -> set[tuple[str, str, str]]:
    """Return (type, start, end) of the relations leaving these people."""
    found = set()
    for type_, frame in batches.relations.items():
        if GraphStore.model.relation(type_).source == "Person":
            pairs = zip(frame["start"], frame["end"], strict=True)
            found |= {(type_, start, end) for start, end in pairs if start in person_ids}
    return found


def _read_relations(reader: GraphStore, person_ids: set[str]) -> set[tuple[str, str, str]]:
    return {
        (r.type, r.start.key, r.end.key)
        for person in sorted(person_ids)
        for r in reader.relations("Person", person)
        if r.start.label == "Person"
    }


def test_a_rebuild_drops_what_it_did_not_write_and_readers_never_miss_a_kept_item(store: GraphStore) -> None:
    old, new = project(city()), project(_rebuilt_city())
    kept_nodes = _node_keys(old) & _node_keys(new)
    people = {key for label, key in kept_nodes if label == "Person"}
    kept_relations = _relation_ends(old, people) & _relation_ends(new, people)
    reader = second_reader(store)
    seen: list[str] = []

    def checkpoint(name: str, written: int) -> None:
        for label, key in sorted(kept_nodes):
            reader.get_node(label, key)  # raises NotFound if a kept node went missing
        assert kept_relations <= _read_relations(reader, people), name
        seen.append(name)

    try:
        assert reader.get_node("Person", "P7")["name"]
        written = rebuild(store, _rebuilt_city(), chunk=CHUNK, checkpoint=checkpoint)
        assert len(seen) >= len(new.sizes()) and "INVOLVED_IN" in seen  # checked midway, many times
        assert written == new.sizes()
        for graph in (store, reader):
            with pytest.raises(NotFound):
                graph.get_node("Person", "P7")
            assert graph.get_node("Person", "P3")["name"] == "王芳芳"
            assert graph.counts() == {name: new.sizes().get(name, 0) for name in graph.counts()}
            assert _read_relations(graph, {"P2"}) == _relation_ends(new, {"P2"})
    finally:
        reader.close()


def test_a_failed_rebuild_leaves_every_item_of_the_old_graph_readable(store: GraphStore) -> None:
    old = project(city())

    def fail_midway(name: str, written: int) -> None:
        if name == "INVOLVED_IN":
            raise RuntimeError("the warehouse went away")

    with pytest.raises(RuntimeError, match="went away"):
        rebuild(store, _rebuilt_city(), chunk=CHUNK, checkpoint=fail_midway)
    for label, key in sorted(_node_keys(old)):
        store.get_node(label, key)
    counts = store.counts()
    assert all(counts[name] >= size for name, size in old.sizes().items()), counts


def test_rebuilding_twice_from_the_same_tables_changes_nothing(store: GraphStore) -> None:
    rebuild(store, _rebuilt_city())
    counts, person = store.counts(), store.person_360("P2")
    rebuild(store, _rebuilt_city())
    assert store.counts() == counts and store.person_360("P2") == person
    assert counts["Person"] == len(pd.unique(_rebuilt_city().table("people")["person_id"]))


def test_a_bad_row_stops_the_write_at_its_chunk_with_its_label_named(store: GraphStore) -> None:
    """The next chunk is prepared while one is written: its error still surfaces, and nothing after it."""
    batches = project(city())
    people = batches.nodes["Person"].copy()
    assert len(people) > CHUNK
    people.loc[people.index[-1], "person_id"] = None
    batches.nodes["Person"] = people
    store.clear()
    with pytest.raises(BadInput, match="Person row without person_id"):
        write_batches(store, batches, chunk=CHUNK)
    counts = store.counts()
    assert 0 < counts["Person"] < len(people)
    assert all(counts[type_] == 0 for type_ in batches.relations), counts
