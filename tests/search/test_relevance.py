"""Relevance on the simulated city's judged queries, and the same answers from both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from search import open_index
from search.base import SearchDocument, SearchIndex
from search.documents import case_documents, person_documents, place_documents
from search.evaluate import CATEGORIES, JudgedQuery, city_tables, evaluate, judged_queries

QUERIES_PER_CATEGORY = 40


@pytest.fixture(scope="module")
def city_documents(small_city: Path) -> dict[str, list[SearchDocument]]:
    tables = city_tables(small_city)
    return {
        "person": list(person_documents(tables["people"], tables["person_mentions"], tables["events"],
                                        tables["event_people"])),
        "place": list(place_documents(tables["places"], tables["events"])),
        "case": list(case_documents(tables["cases"], tables["events"], tables["event_people"],
                                    tables["people"])),
    }


@pytest.fixture(scope="module")
def city_queries(small_city: Path) -> list[JudgedQuery]:
    return judged_queries(small_city, per_category=QUERIES_PER_CATEGORY, seed=1)


def _filled(index: SearchIndex, docs: dict[str, list[SearchDocument]]) -> SearchIndex:
    index.ensure_index()
    for kind, kind_docs in docs.items():
        index.full_rebuild(kind, kind_docs)
    return index


@pytest.fixture(scope="module")
def embedded(city_documents: dict[str, list[SearchDocument]],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    index = _filled(open_index(tmp_path_factory.mktemp("city-index")), city_documents)
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


def test_both_backends_return_the_same_top_hits(embedded: SearchIndex,
                                                city_documents: dict[str, list[SearchDocument]],
                                                city_queries: list[JudgedQuery],
                                                elasticsearch_url: str) -> None:
    elastic = _filled(open_index(elasticsearch_url, f"test-{uuid.uuid4().hex[:10]}"), city_documents)
    try:
        mixed = JudgedQuery("mixed", "张 渝中 噪音", "", frozenset(), ("person", "case"))
        for query in [*city_queries, mixed]:
            ours = embedded.search(query.text, kinds=query.kinds, facets=["source", "district"])
            theirs = elastic.search(query.text, kinds=query.kinds, facets=["source", "district"])
            assert [(h.id, h.score, h.highlights) for h in ours.hits] == \
                   [(h.id, h.score, h.highlights) for h in theirs.hits], query
            assert (ours.total, ours.facets) == (theirs.total, theirs.facets), query
    finally:
        elastic.drop()
        elastic.close()
