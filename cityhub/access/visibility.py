"""Which entities a caller may see, from the resolved tables: every graph hop and list asks here.

An entity is visible to a scope when
    Person        one of its mentions comes from a readable source, in the caller's area
    Event         its source is readable and its place is in the area
    Case          every source of its events is readable (its timeline would show the rest), and
                  one of its events is in the area
    Place, Grid   it lies in the area (a district, or below one)
    SourceRecord  its source is readable
    Department    always (the departments are public)
Areas are districts, the name of the district-level place (沙坪坝区). Outside an area-limited
scope's districts nothing is visible, and places above district level are not either.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cityhub.access.policy import Scope
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import RESOLVED_TABLES

__all__ = [
    "REBUILD_SECONDS",
    "REFRESH_SECONDS",
    "Visibility",
    "VisibilityIndex",
    "build_visibility",
    "case_columns",
    "place_districts",
    "subtree_sizes",
]

REFRESH_SECONDS = 2.0  # how often readers look for a fusion run's changes (a cheap query)
REBUILD_SECONDS = 3600.0  # facts read whole again at least this often (a deleted mention's trace)
Facts = set[tuple[str, str | None]]  # (source, district) pairs


@dataclass
class Visibility:
    """Per-entity facts the policy is decided on, read from the resolved tables at one time."""

    place_district: dict[str, str | None] = field(default_factory=dict)
    places_below: dict[str, int] = field(default_factory=dict)  # places in each place's subtree
    grid_district: dict[str, str | None] = field(default_factory=dict)
    person: dict[str, Facts] = field(default_factory=dict)
    event: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    case_sources: dict[str, set[str]] = field(default_factory=dict)
    case_districts: dict[str, set[str | None]] = field(default_factory=dict)
    mention_person: dict[str, str] = field(default_factory=dict)  # source:mention_id -> person_id
    event_case: dict[str, str] = field(default_factory=dict)  # event_id -> case_id

    def district_of(self, place_id: Any) -> str | None:
        """Return the district a place lies in (None above district level or when unknown)."""
        return self.place_district.get(str(place_id)) if place_id is not None else None

    def visible(self, scope: Scope, label: str, key: str) -> bool:
        """Return whether the node `label`/`key` may be seen (or reached) by `scope`."""
        if not scope.role.read:
            return False
        if label == "Person":
            return any(scope.allows_source(s) and scope.allows_area(d) for s, d in self.person.get(key, ()))
        if label == "Event":
            found = self.event.get(key)
            return found is not None and scope.allows_source(found[0]) and scope.allows_area(found[1])
        if label == "Case":
            sources = self.case_sources.get(key)
            return (
                sources is not None
                and all(scope.allows_source(s) for s in sources)
                and any(scope.allows_area(d) for d in self.case_districts.get(key, {None}))
            )
        if label == "Place":
            return key in self.place_district and (
                scope.areas is None or scope.allows_area(self.place_district[key])
            )
        if label == "Grid":
            return key in self.grid_district and (
                scope.areas is None or scope.allows_area(self.grid_district[key])
            )
        if label == "SourceRecord":
            return scope.allows_source(key.split(":", 1)[0])
        return label == "Department"

    def source_allowed(self, scope: Scope, record_key: str) -> bool:
        """Return whether a "source:record_id" provenance key may be shown."""
        return scope.allows_source(str(record_key).split(":", 1)[0])


def place_districts(places: pd.DataFrame) -> dict[str, str | None]:
    """Return place_id -> the name of its district-level ancestor (itself when it is one)."""
    parent = dict(zip(places["place_id"].astype(str), places["parent_id"], strict=True))
    level = dict(zip(places["place_id"].astype(str), places["level"], strict=True))
    name = dict(zip(places["place_id"].astype(str), places["name"], strict=True))
    found: dict[str, str | None] = {}
    for place_id in parent:
        chain: list[str] = []
        node: str | None = place_id
        district: str | None = None
        while node is not None and node not in found and len(chain) < 20:
            chain.append(node)
            if level.get(node) == "district":
                district = str(name[node])
                break
            up = parent.get(node)
            node = str(up) if isinstance(up, str) and up else None
        else:
            district = found.get(node) if node is not None else None
        for item in chain:
            found[item] = district
    return found


def subtree_sizes(places: pd.DataFrame) -> dict[str, int]:
    """Return place_id -> how many places its subtree holds (itself included)."""
    parent = {
        str(p): (str(u) if isinstance(u, str) and u else None)
        for p, u in zip(places["place_id"], places["parent_id"], strict=True)
    }
    sizes = dict.fromkeys(parent, 0)
    for place_id in parent:
        node: str | None = place_id
        steps = 0
        while node is not None and node in sizes and steps < 20:
            sizes[node] += 1
            node, steps = parent.get(node), steps + 1
    return sizes


def build_visibility(warehouse: Warehouse) -> Visibility:
    """Return the visibility facts of what the warehouse's resolved tables hold now."""
    table = {name: spec.name for name, spec in RESOLVED_TABLES.items()}
    places = warehouse.read_table(table["places"])
    seen = Visibility(place_district=place_districts(places), places_below=subtree_sizes(places))
    grids = warehouse.read_table(table["grids"])
    seen.grid_district = {
        str(g): seen.district_of(c) for g, c in zip(grids["grid_id"], grids["community_id"], strict=True)
    }
    events = warehouse.read_table(table["events"])
    for event_id, source, place_id in zip(
        events["event_id"], events["source"], events["place_id"], strict=True
    ):
        seen.event[str(event_id)] = (str(source), seen.district_of(place_id))
    people: dict[str, Facts] = defaultdict(set)
    mentions = warehouse.read_table(table["person_mentions"])
    for person_id, source, mention_id, place_id in zip(
        mentions["person_id"], mentions["source"], mentions["mention_id"], mentions["place_id"], strict=True
    ):
        people[str(person_id)].add((str(source), seen.district_of(place_id)))
        seen.mention_person[f"{source}:{mention_id}"] = str(person_id)
    links = warehouse.read_table(table["event_people"])
    for event_id, person_id in zip(links["event_id"], links["person_id"], strict=True):
        if str(event_id) in seen.event:
            people[str(person_id)].add(seen.event[str(event_id)])
    seen.person = dict(people)
    for case_id, sources in zip(*case_columns(warehouse.read_table(table["cases"])), strict=True):
        seen.case_sources[case_id] = sources
    located = events[events["case_id"].notna()]
    for event_id, case_id, source, place_id in zip(
        located["event_id"], located["case_id"], located["source"], located["place_id"], strict=True
    ):
        seen.event_case[str(event_id)] = str(case_id)
        seen.case_sources.setdefault(str(case_id), set()).add(str(source))
        seen.case_districts.setdefault(str(case_id), set()).add(seen.district_of(place_id))
    return seen


def case_columns(cases: pd.DataFrame) -> tuple[list[str], list[set[str]]]:
    """Return the case ids of resolved case rows and each case's departments (from its JSON list)."""
    ids = [str(c) for c in cases["case_id"]]
    sources = [set(json.loads(s)) if isinstance(s, str) and s else set() for s in cases["sources"]]
    return ids, sources


class VisibilityIndex:
    """The facts, built once and brought up to date in the background when the resolved tables change.

    Readers never wait for a refresh (they keep the facts they have meanwhile); whether the tables
    changed is checked at most once a `REFRESH_SECONDS`, by their latest changes; a change
    is applied from the rows it touched (`visibility_update`), and the facts are read whole again
    at least once a `REBUILD_SECONDS`.
    """

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self._facts: Visibility | None = None
        self._signature: tuple[Any, ...] | None = None
        self._since: dt.datetime | None = None  # the newest change the facts hold
        self._built = 0.0
        self._checked = 0.0
        self._refreshing = False
        self._lock = threading.Lock()

    def _read_whole(self) -> tuple[Visibility, tuple[Any, ...], dt.datetime | None]:
        from cityhub.access.visibility_update import change_stamps

        signature = change_stamps(self.warehouse)
        known = [s for s in signature if s is not None]
        return build_visibility(self.warehouse), signature, max(known) if known else None

    def facts(self) -> Visibility:
        """Return the current facts (built now if there are none yet)."""
        with self._lock:
            if self._facts is None:
                self._facts, self._signature, self._since = self._read_whole()
                self._built = self._checked = time.monotonic()
            elif time.monotonic() - self._checked > REFRESH_SECONDS and not self._refreshing:
                self._refreshing = True
                self._checked = time.monotonic()
                threading.Thread(target=self._refresh, name="visibility-refresh", daemon=True).start()
            return self._facts

    def _refresh(self) -> None:
        from cityhub.access.visibility_update import change_stamps, update_visibility

        try:
            signature = change_stamps(self.warehouse)
            if signature == self._signature:
                return
            whole = self._since is None or time.monotonic() - self._built > REBUILD_SECONDS
            if whole or self._facts is None or self._since is None:
                facts, signature, since = self._read_whole()
                self._built = time.monotonic()
            else:
                since = max(s for s in signature if s is not None)
                facts = update_visibility(self.warehouse, self._facts, self._since)
            with self._lock:
                self._facts, self._signature, self._since = facts, signature, since
        finally:
            self._refreshing = False
