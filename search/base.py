"""The `SearchIndex` interface, and the values that cross it: documents, queries and results.

A backend stores `SearchDocument`s (tokens already computed by `search.analysis`), runs a
`SearchQuery` (built by the pure `search.queries.build_query`) and reports, per hit, which of the
query's clauses matched; scores, facet counts and highlights follow from that in the same way on
every backend. A document's score is the sum of the weights of the clauses it matches; ties are
broken by id, so two backends holding the same documents return the same hits in the same order.

Each kind (person, place, case) lives in its own versioned index behind an alias:
`full_rebuild` fills a new version and moves the alias in one step, so readers never see a
half-built index, and `bulk_upsert` / `delete` change the live version in place.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ontology.errors import BadInput

__all__ = [
    "FACET_FIELDS",
    "KINDS",
    "Clause",
    "Filters",
    "Hit",
    "MatchedHit",
    "SearchDocument",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
    "check_kind",
    "checked_documents",
    "epoch_seconds",
]

KINDS: tuple[str, ...] = ("person", "place", "case")
# Facet fields every document may carry: department (source system), district, major and full
# category code of the taxonomy, and the month of the document's time.
FACET_FIELDS: tuple[str, ...] = ("source", "district", "category", "subcategory", "month")


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One searchable person, place or case.

    `tokens` come from `search.analysis`; `facets` map a field of FACET_FIELDS to its values;
    `time` is what time filters apply to (last seen, last activity); `display` holds what
    highlights are drawn on, sensitive values only as masks.
    """

    id: str
    kind: str
    title: str
    tokens: tuple[str, ...]
    facets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    time: dt.datetime | None = None
    display: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Clause:
    """Part of a query: a document having any of `tokens` scores `weight`.

    `field` is the token field (see `search.analysis`) and `text` the piece of the query it came
    from, which highlights use.
    """

    field: str
    tokens: tuple[str, ...]
    weight: float
    text: str


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrict hits: every field in `values` must have one of its values, no field in `exclude`
    any of its values (how access policies leave out documents carrying a source); `time` within bounds."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    time_from: dt.datetime | None = None
    time_to: dt.datetime | None = None
    exclude: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return (
            bool(self.values) or bool(self.exclude) or self.time_from is not None or self.time_to is not None
        )


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """An analysed query both backends execute: clauses, the kinds searched, filters and facets."""

    text: str
    clauses: tuple[Clause, ...]
    kinds: tuple[str, ...] = KINDS
    filters: Filters = field(default_factory=Filters)
    facets: tuple[str, ...] = ()
    size: int = 10


@dataclass(frozen=True, slots=True)
class MatchedHit:
    """A hit as a backend reports it: what the document is and which clauses it matched."""

    id: str
    kind: str
    score: float
    title: str
    display: Mapping[str, Any]
    matched: tuple[int, ...]  # indices into SearchQuery.clauses


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: the document's id and kind, its score, title and highlighted fields."""

    id: str
    kind: str
    score: float
    title: str
    highlights: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class SearchResults:
    """The best hits, how many documents matched, and facet counts over all of them."""

    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


class SearchIndex(ABC):
    """A search index of people, places and cases; `search` is shared, backends `execute`.

    `city_code` is the hub's city (Settings.city_code): queries read addresses inside it, as the
    documents were built (None: anywhere in the country).
    """

    city_code: str | None = None

    @abstractmethod
    def ensure_index(self) -> None:
        """Create the templates and, for each kind without one, an empty live index."""

    @abstractmethod
    def bulk_upsert(self, kind: str, docs: Iterable[SearchDocument]) -> int:
        """Insert or replace documents of one kind in the live index; return how many."""

    @abstractmethod
    def delete(self, kind: str, ids: Iterable[str]) -> int:
        """Remove documents of one kind by id (unknown ids are ignored); return how many were asked."""

    @abstractmethod
    def full_rebuild(self, kind: str, docs: Iterable[SearchDocument]) -> str:
        """Build a new version of a kind's index from `docs`, swap the alias to it, drop the old one.

        Returns the new version's name. Readers keep seeing the old version until the swap.
        """

    def rebuild_kinds(self, streams: Mapping[str, Iterable[SearchDocument]]) -> dict[str, str]:
        """Full-rebuild each kind from its stream (`full_rebuild`); return each kind's new version.

        One kind after another here; a backend that indexes kinds side by side says so.
        """
        return {kind: self.full_rebuild(kind, docs) for kind, docs in streams.items()}

    @abstractmethod
    def execute(self, query: SearchQuery) -> tuple[list[MatchedHit], int, dict[str, dict[str, int]]]:
        """Run an analysed query: the best `size` hits, the total matched, facet counts."""

    @abstractmethod
    def count(self, kind: str) -> int:
        """Return how many documents of a kind the live index holds."""

    @abstractmethod
    def versions(self, kind: str) -> list[str]:
        """Return the names of a kind's versioned indices (one, except while a rebuild runs)."""

    @abstractmethod
    def drop(self) -> None:
        """Delete every index of this prefix (a test run's, a retired deployment's)."""

    def close(self) -> None:  # noqa: B027 - most backends have something to release, not all
        """Release connections and files."""

    def search(
        self,
        text: str,
        kinds: Sequence[str] | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
        facets: Sequence[str] = (),
        size: int = 10,
    ) -> SearchResults:
        """Return the best `size` documents for `text`, with highlights and facet counts.

        `filters` maps facet fields to a value or list of values, plus `time_from` / `time_to`.
        """
        from search.queries import build_query

        return self.run(
            build_query(
                text, kinds=kinds, filters=filters, facets=facets, size=size, city_code=self.city_code
            )
        )

    def run(self, query: SearchQuery, highlight_from: int = 0) -> SearchResults:
        """Return the results of an analysed query, with highlights drawn on the clauses each hit matched.

        Hits before `highlight_from` (the pages before the one asked for) get no highlights.
        """
        from search.highlight import highlight

        if not query.clauses:
            return SearchResults(hits=[], total=0, facets={name: {} for name in query.facets})
        matched, total, facet_counts = self.execute(query)
        hits = [
            Hit(
                h.id,
                h.kind,
                h.score,
                h.title,
                highlight(h.display, [query.clauses[i] for i in h.matched]) if n >= highlight_from else {},
            )
            for n, h in enumerate(matched)
        ]
        return SearchResults(hits=hits, total=total, facets=facet_counts)

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_kind(kind: str) -> None:
    """Raise BadInput unless `kind` is one of KINDS."""
    if kind not in KINDS:
        raise BadInput(f"search: unknown kind {kind!r}; kinds are {', '.join(KINDS)}")


def checked_documents(kind: str, docs: Iterable[SearchDocument]) -> Iterator[SearchDocument]:
    """Yield the documents, raising BadInput at the first that is not of `kind`."""
    check_kind(kind)
    for doc in docs:
        if doc.kind != kind:
            raise BadInput(f"search: document {doc.id} is a {doc.kind}, not a {kind}")
        yield doc


def epoch_seconds(time: dt.datetime) -> int:
    """Return seconds since 1970 of a time; naive times are read as UTC (as Elasticsearch reads them)."""
    if time.tzinfo is None:
        time = time.replace(tzinfo=dt.UTC)
    return int(time.timestamp())
