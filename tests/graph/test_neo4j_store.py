"""What only the Neo4j adapter does: trusted read-only Cypher, and constraints made by the code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph import open_graph, rebuild
from graph.neo4j_store import Neo4jGraphStore
from ontology.errors import BadInput, Forbidden
from tests.graph.city import city

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def neo4j_store(neo4j_url: str) -> Iterator[Neo4jGraphStore]:
    """The city on Neo4j, built once: every test here only reads, or shows that a write was refused."""
    store = open_graph(neo4j_url)
    assert isinstance(store, Neo4jGraphStore)
    try:
        rebuild(store, city())
        yield store
    finally:
        store.close()


def test_read_only_cypher_answers_reads(neo4j_store: Neo4jGraphStore) -> None:
    rows = neo4j_store.run_read(
        "MATCH (p:Person)-[:INVOLVED_IN]->(e:Event {source: $source}) "
        "RETURN p.person_id AS person ORDER BY person",
        {"source": "petitions"},
    )
    assert rows == [{"person": "P1"}]


@pytest.mark.parametrize(
    "write",
    [
        "CREATE (:Person {person_id: 'P99'})",
        "MATCH (p:Person {person_id: 'P1'}) SET p.name = 'x'",
        "MATCH (p:Person {person_id: 'P1'}) DETACH DELETE p",
        "CREATE INDEX person_pinyin IF NOT EXISTS FOR (n:Person) ON (n.name_pinyin)",
    ],
)
def test_read_only_cypher_refuses_a_write(neo4j_store: Neo4jGraphStore, write: str) -> None:
    with pytest.raises(Forbidden):
        neo4j_store.run_read(write)
    assert neo4j_store.get_node("Person", "P1")["name"] == "张伟"
    assert neo4j_store.counts()["Person"] == 7


def test_bad_cypher_is_bad_input(neo4j_store: Neo4jGraphStore) -> None:
    with pytest.raises(BadInput):
        neo4j_store.run_read("MATCH (n RETURN n")


def test_the_code_creates_the_uniqueness_constraints(neo4j_store: Neo4jGraphStore) -> None:
    rows = neo4j_store.run_read(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type "
        "WHERE type = 'UNIQUENESS' "
        "RETURN labelsOrTypes[0] AS label, properties[0] AS key"
    )
    found = {(row["label"], row["key"]) for row in rows}
    assert {
        ("Person", "person_id"),
        ("Place", "place_id"),
        ("Event", "event_id"),
        ("Case", "case_id"),
        ("Grid", "grid_id"),
        ("Department", "department_id"),
        ("SourceRecord", "record_key"),
    } <= found
