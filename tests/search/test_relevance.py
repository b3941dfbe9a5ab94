"""Relevance on the simulated city's judged queries, and the same answers from both backends.

Two judged sets: documents built from the city's truth (`judged_queries`), and documents built
from what ingest and fusion really produced from it (`resolved_judged_queries`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pandas as pd
import pytest

from proving.search_relevance import (
    CATEGORIES,
    JudgedQuery,
    city_tables,
    evaluate,
    judged_queries,
    resolved_judged_queries,
)
from search import open_index
from search.base import SearchDocument, SearchIndex
from search.documents import case_documents, person_documents, place_documents
from tests.search.conftest import CITY_CODE

QUERIES_PER_CATEGORY = 40


@pytest.fixture(scope="module")
def city_documents(small_city: Path) -> dict[str, list[SearchDocument]]:
    tables = city_tables(small_city)
    people, events = tables["people"], tables["events"]
    return {
        "person": list(
            person_documents(
                people, tables["person_mentions"], events, tables["event_people"], city_code=CITY_CODE
            )
        ),
        "place": list(place_documents(tables["places"], events, city_code=CITY_CODE)),
        "case": list(
            case_documents(tables["cases"], events, tables["event_people"], people, city_code=CITY_CODE)
        ),
    }


@pytest.fixture(scope="module")
def city_queries(small_city: Path) -> list[JudgedQuery]:
    return judged_queries(small_city, per_category=QUERIES_PER_CATEGORY, seed=1)


def _filled(index: SearchIndex, docs: Mapping[str, Iterable[SearchDocument]]) -> SearchIndex:
    index.ensure_index()
    for kind, kind_docs in docs.items():
        index.full_rebuild(kind, kind_docs)
    return index


@pytest.fixture(scope="module")
def embedded(
    city_documents: dict[str, list[SearchDocument]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchIndex]:
    index = _filled(open_index(tmp_path_factory.mktemp("city-index"), city_code=CITY_CODE), city_documents)
    yield index
    index.close()


def test_judged_set_covers_every_category(city_queries: list[JudgedQuery]) -> None:
    assert {q.category for q in city_queries} == set(CATEGORIES)
    assert all(q.expected in q.relevant for q in city_queries)


def test_recall_and_mrr_meet_the_targets(embedded: SearchIndex, city_queries: list[JudgedQuery]) -> None:
    result = evaluate(embedded, city_queries)
    assert result.queries == len(city_queries)
    assert result.recall >= 0.95, result.by_category
    assert result.mrr >= 0.85, result.by_category


@pytest.mark.servers
def test_both_backends_return_the_same_top_hits(
    embedded: SearchIndex,
    city_documents: dict[str, list[SearchDocument]],
    city_queries: list[JudgedQuery],
    elasticsearch_url: str,
) -> None:
    elastic = _filled(
        open_index(elasticsearch_url, f"test-{uuid.uuid4().hex[:10]}", city_code=CITY_CODE), city_documents
    )
    try:
        mixed = JudgedQuery("mixed", "张 渝中 噪音", "", frozenset(), ("person", "case"))
        for query in [*city_queries, mixed]:
            ours = embedded.search(query.text, kinds=query.kinds, facets=["source", "district"])
            theirs = elastic.search(query.text, kinds=query.kinds, facets=["source", "district"])
            assert [(h.id, h.score, h.highlights) for h in ours.hits] == [
                (h.id, h.score, h.highlights) for h in theirs.hits
            ], query
            assert (ours.total, ours.facets) == (theirs.total, theirs.facets), query
    finally:
        elastic.drop()
        elastic.close()


@pytest.fixture(scope="module")
def resolved(small_city: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    from proving.evaluation import resolved_city

    return resolved_city(small_city, tmp_path_factory.mktemp("resolved-city"))


@pytest.fixture(scope="module")
def resolved_queries(small_city: Path, resolved: dict[str, pd.DataFrame]) -> list[JudgedQuery]:
    return resolved_judged_queries(small_city, resolved, per_category=QUERIES_PER_CATEGORY, seed=1)


def test_resolved_judged_set_names_resolved_entities(
    resolved: dict[str, pd.DataFrame], resolved_queries: list[JudgedQuery]
) -> None:
    assert {q.category for q in resolved_queries} == set(CATEGORIES)
    people, places = set(resolved["people"]["person_id"]), set(resolved["places"]["place_id"])
    for query in resolved_queries:
        assert query.expected in query.relevant, query
        assert query.relevant <= (places if query.kinds == ("place",) else people), query


@pytest.mark.parametrize("backend", ["embedded", pytest.param("elasticsearch", marks=pytest.mark.servers)])
def test_recall_and_mrr_on_resolved_documents(
    backend: str,
    resolved: dict[str, pd.DataFrame],
    resolved_queries: list[JudgedQuery],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    from cityhub.projections import search_documents

    url = str(tmp_path) if backend == "embedded" else request.getfixturevalue("elasticsearch_url")
    index = _filled(
        open_index(url, f"test-{uuid.uuid4().hex[:10]}", city_code=CITY_CODE),
        search_documents(resolved, CITY_CODE),
    )
    try:
        result = evaluate(index, resolved_queries)
    finally:
        index.drop()
        index.close()
    assert result.queries == len(resolved_queries)
    assert result.recall >= 0.95, result.by_category
    assert result.mrr >= 0.9, result.by_category
