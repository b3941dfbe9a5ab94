"""Smoke tests of the real servers the test harness starts: each does the operations cityhub relies on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from elasticsearch import Elasticsearch, helpers
from neo4j import GraphDatabase

pytestmark = pytest.mark.servers

ROWS = 1_000


@pytest.fixture
def run_id() -> str:
    """A prefix of names for this test, so runs against a shared server never collide."""
    return f"smoke{uuid.uuid4().hex[:10]}"


def test_postgres_creates_inserts_and_selects(postgres_url: str, run_id: str) -> None:
    engine = sa.create_engine(postgres_url)
    table = sa.Table(
        f"{run_id}_people",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
    )
    try:
        table.create(engine)
        with engine.begin() as connection:
            connection.execute(table.insert(), [{"id": i, "name": f"居民{i}"} for i in range(ROWS)])
        with engine.connect() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(table)) == ROWS
            assert connection.scalar(sa.select(table.c.name).where(table.c.id == 7)) == "居民7"
    finally:
        table.drop(engine, checkfirst=True)
        engine.dispose()


def test_neo4j_merges_rows_under_a_uniqueness_constraint(neo4j_url: str, run_id: str) -> None:
    label = run_id.capitalize()
    rows = [{"id": f"P{i:05d}", "name": f"居民{i}"} for i in range(ROWS)]
    with GraphDatabase.driver(neo4j_url, auth=None) as driver:
        try:
            driver.execute_query(
                f"CREATE CONSTRAINT {run_id}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
            )
            merge = f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n.name = row.name"
            driver.execute_query(merge, rows=rows)
            driver.execute_query(merge, rows=rows[:10])  # re-merging must not duplicate
            records, _, _ = driver.execute_query(f"MATCH (n:{label}) RETURN count(n) AS nodes")
            assert records[0]["nodes"] == ROWS
        finally:
            driver.execute_query(f"MATCH (n:{label}) DETACH DELETE n")
            driver.execute_query(f"DROP CONSTRAINT {run_id}_id IF EXISTS")


@pytest.fixture
def search(elasticsearch_url: str, run_id: str) -> Iterator[Elasticsearch]:
    """An Elasticsearch client; the indices named with this test's prefix are deleted after."""
    client = Elasticsearch(elasticsearch_url, request_timeout=60)
    try:
        yield client
    finally:
        # deleting by wildcard is refused by default (action.destructive_requires_name): name them
        names = list(client.indices.get(index=f"{run_id}-*", allow_no_indices=True))
        if names:
            client.indices.delete(index=",".join(names))
        client.close()


def test_elasticsearch_bulk_loads_searches_and_swaps_an_alias(search: Elasticsearch, run_id: str) -> None:
    client = search
    old, new, alias = f"{run_id}-people-v1", f"{run_id}-people-v2", f"{run_id}-people"
    mappings = {
        "properties": {
            "id": {"type": "keyword"},
            "name": {"type": "keyword"},
            "district": {"type": "keyword"},
        }
    }
    for index in (old, new):
        # one node: replicas would never be assigned and the index would stay yellow
        client.indices.create(
            index=index, mappings=mappings, settings={"number_of_shards": 1, "number_of_replicas": 0}
        )
    client.indices.put_alias(index=old, name=alias)

    actions = (
        {
            "_index": new,
            "_id": f"P{i:05d}",
            "_source": {"id": f"P{i:05d}", "name": f"居民{i}", "district": f"D{i % 7}"},
        }
        for i in range(ROWS)
    )
    loaded = sum(ok for ok, _ in helpers.streaming_bulk(client, actions, chunk_size=500))
    assert loaded == ROWS
    client.indices.refresh(index=new)
    assert client.count(index=new)["count"] == ROWS
    hits = client.search(index=new, query={"term": {"district": "D3"}}, size=0, track_total_hits=True)
    assert hits["hits"]["total"]["value"] == len([i for i in range(ROWS) if i % 7 == 3])

    # readers follow the alias: move it in one request so no search sees neither or both indices
    client.indices.update_aliases(
        actions=[{"remove": {"index": old, "alias": alias}}, {"add": {"index": new, "alias": alias}}]
    )
    assert list(client.indices.get_alias(name=alias)) == [new]
    found = client.search(index=alias, query={"term": {"id": "P00042"}})
    assert [hit["_source"]["name"] for hit in found["hits"]["hits"]] == ["居民42"]
