"""Views built once and kept while nothing they were built from has changed.

A person page asks for the person, their timeline, their cases and the people co-involved: four
requests that would each build the same 360. The reader keeps each view it builds under the
entity, the caller's scope (role and areas: what is shaped and left out differs by both) and the
generation of what it was built from: the fusion run each projection has caught up to (the
`projection_runs` table, read on every lookup, so a landed run is seen at once) and the visibility
facts in use. A view of an older generation is never returned; the cache holds a bounded number of
views, least recently used dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

import sqlalchemy as sa

from cityhub.access.policy import Scope
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import projection_runs

__all__ = ["VIEWS_KEPT", "ViewCache", "scope_key"]

VIEWS_KEPT = 512  # a dossier of a street is a few MB at most; a 360 a few KB
T = TypeVar("T")


def scope_key(scope: Scope) -> Hashable:
    """Return what makes two scopes see the same view: the role's policy and the areas."""
    role = scope.role
    return (role.code, role.sources, tuple(sorted(role.fields.items())), scope.areas)


class ViewCache:
    """Views by (kind, entity, scope) for the current generation of the projections."""

    def __init__(self, warehouse: Warehouse, kept: int = VIEWS_KEPT) -> None:
        self.warehouse = warehouse
        self._views: OrderedDict[Hashable, Any] = OrderedDict()
        self.kept = kept
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def generation(self) -> tuple[Any, ...]:
        """Return the fusion run each projection has caught up to (changes when a run lands)."""
        with self.warehouse.engine.connect() as connection:
            rows = connection.execute(
                sa.select(
                    projection_runs.c.projection,
                    projection_runs.c.caught_up_to,
                    projection_runs.c.projected_at,
                ).order_by(projection_runs.c.projection)
            ).all()
        return tuple(tuple(row) for row in rows)

    def get(self, kind: str, entity: str, scope: Scope, facts: object, build: Callable[[], T]) -> T:
        """Return the view `build` makes for `entity` under `scope`, built once per generation and facts."""
        key = (kind, entity, scope_key(scope), self.generation())
        with self._lock:
            found = self._kept(key, facts)
            if found is not None:
                return cast(T, found)
            building = self._building.setdefault(key, threading.Lock())
        with building:  # requests for the same view at once: one builds, the others wait for it
            with self._lock:
                found = self._kept(key, facts)
                if found is not None:
                    return cast(T, found)
            view = build()
            with self._lock:
                self._views[key] = (facts, view)  # the facts kept too: compared by identity, never reused
                while len(self._views) > self.kept:
                    self._views.popitem(last=False)
                self._building.pop(key, None)
            return view

    def _kept(self, key: Hashable, facts: object) -> Any:
        """Return the view kept under `key` if it was built with these very facts, else None."""
        kept = self._views.get(key)
        if kept is None or kept[0] is not facts:
            return None
        self._views.move_to_end(key)
        return kept[1]

    def clear(self) -> None:
        """Forget every view (tests, or a home swapped under a running reader)."""
        with self._lock:
            self._views.clear()
