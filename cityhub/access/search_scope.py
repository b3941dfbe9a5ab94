"""Search under a scope: the clauses a role may send, and the filters that keep out what it may not see.

Documents carrying a source the role may not read are left out whole (their tokens, facets and
highlights could come from that source); area-limited roles search their districts only; places,
being public geography, are searched apart (see `run_scoped`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cityhub.access.policy import SOURCES, Scope
from search.base import Filters, SearchIndex, SearchQuery, SearchResults
from search.queries import IDENTIFIER_FIELDS

__all__ = ["WHOLE_NUMBER_CLAUSES", "identifier_clauses", "replace_query", "run_scoped", "scoped_filters"]


def replace_query(query: SearchQuery, **changes: Any) -> SearchQuery:
    """Return `query` with `changes`."""
    return dataclasses.replace(query, **changes)


WHOLE_NUMBER_CLAUSES = frozenset({"if", "tf", "tl"})


def identifier_clauses(scope: Scope) -> frozenset[str]:
    """Return the identifier clause fields a scope may search by.

    A role that sees identifiers in clear may search by any part of one; a role that sees them
    masked only by a whole number (each query confirms or refutes one number: fragments would
    narrow a mask down digit by digit); others not at all.
    """
    if not scope.role.identifier_search:
        return frozenset()
    if scope.field_form("id_number") == "clear" and scope.field_form("phone") == "clear":
        return IDENTIFIER_FIELDS
    return WHOLE_NUMBER_CLAUSES


def run_scoped(index: SearchIndex, query: SearchQuery, scoped: Filters, offset: int) -> SearchResults:
    """Run a query under scoped filters; places are searched apart when no source or category is asked.

    A place is public geography: only the events at it carry a source, and they reach a place's
    document as its source and category facets. So places are not left out for an event another
    department recorded there; instead their facet counts are not taken (but for district), and a
    place search filtered by source or category leaves them out like any other document.
    """
    asked = set(query.filters.values) & {"source", "category", "subcategory"}
    if "place" not in query.kinds or asked or not scoped.exclude:
        return index.run(replace_query(query, filters=scoped), offset)
    others = tuple(k for k in query.kinds if k != "place")
    open_filters = Filters(scoped.values, scoped.time_from, scoped.time_to)
    places = index.run(
        replace_query(query, kinds=("place",), filters=open_filters, facets=("district",)), offset
    )
    if not others:
        return SearchResults(places.hits, places.total, {"district": places.facets.get("district", {})})
    rest = index.run(replace_query(query, kinds=others, filters=scoped), offset)
    hits = sorted([*places.hits, *rest.hits], key=lambda h: (-h.score, h.id))[: query.size]
    facets = dict(rest.facets)
    for value, count in places.facets.get("district", {}).items():
        facets.setdefault("district", {})[value] = facets.get("district", {}).get(value, 0) + count
    return SearchResults(hits, places.total + rest.total, facets)


def scoped_filters(filters: Filters, scope: Scope) -> Filters | None:
    """Return the filters with the scope's sources and areas added, or None when nothing can match."""
    values = dict(filters.values)
    if "source" in values:
        values["source"] = tuple(s for s in values["source"] if scope.allows_source(s))
        if not values["source"]:
            return None
    if scope.areas is not None:
        asked = values.get("district")
        values["district"] = tuple(d for d in (asked or scope.areas) if d in scope.areas)
        if not values["district"]:
            return None
    refused = tuple(s for s in SOURCES if not scope.allows_source(s))
    return Filters(values, filters.time_from, filters.time_to, {"source": refused} if refused else {})
