"""Bringing visibility facts up to date from what a fusion run changed, without reading every table.

Rebuilding the facts reads every resolved table, work that grows with the city, after every run.
`update_visibility` reads only the rows changed after the facts were read (`changed_at` is indexed)
and the id changes since, then recomputes, from narrow reads, the facts of every person and case
those rows name or named before (a mention or event that moved, a merge, a split, a removal), so
nothing is left more visible than a rebuild would leave it. Places are read again whole only when a
place row changed (their districts and subtree sizes hang together).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

import pandas as pd
import sqlalchemy as sa

from cityhub.access.visibility import Facts, Visibility, case_columns, place_districts, subtree_sizes
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import RESOLVED_TABLES

__all__ = ["FACT_TABLES", "change_stamps", "latest_change", "update_visibility"]

FACT_TABLES = ("places", "grids", "events", "person_mentions", "event_people", "cases")
_CHUNK = 500  # ids per IN list


def change_stamps(warehouse: Warehouse) -> tuple[dt.datetime | None, ...]:
    """Return the newest `changed_at` of each table the facts are read from and the newest id change:
    index lookups, as cheap in a large city as in a small one."""
    stamps = []
    with warehouse.engine.connect() as connection:
        for name in (*FACT_TABLES, "id_changes"):
            table = RESOLVED_TABLES[name]
            column = table.c.at if name == "id_changes" else table.c.changed_at
            stamps.append(connection.execute(sa.select(sa.func.max(column))).scalar_one_or_none())
    return tuple(stamps)


def latest_change(warehouse: Warehouse) -> dt.datetime | None:
    """Return the newest `changed_at` of the tables the facts are read from, and of the id changes."""
    known = [s for s in change_stamps(warehouse) if s is not None]
    return max(known) if known else None


def _changed(warehouse: Warehouse, name: str, since: dt.datetime) -> pd.DataFrame:
    table = RESOLVED_TABLES[name]
    column = table.c.at if name == "id_changes" else table.c.changed_at
    return warehouse.read_table(table.name, column > since)


def _read_in(warehouse: Warehouse, name: str, column: str, values: set[str]) -> pd.DataFrame:
    table = RESOLVED_TABLES[name]
    ordered = sorted(values)
    parts = [
        warehouse.read_table(table.name, table.c[column].in_(ordered[i : i + _CHUNK]))
        for i in range(0, len(ordered), _CHUNK)
    ]
    return pd.concat(parts, ignore_index=True) if parts else warehouse.read_table(table.name, sa.false())


def _ids(changes: pd.DataFrame, entity: str) -> set[str]:
    rows = changes[changes["entity"] == entity]
    return {str(v) for v in pd.concat([rows["old_id"], rows["new_id"]]) if isinstance(v, str) and v}


def _recompute_cases(warehouse: Warehouse, seen: Visibility, cases: set[str]) -> None:
    """Set the facts of the given cases from their rows and their events as they are now."""
    for case_id in cases:
        seen.case_sources.pop(case_id, None)
        seen.case_districts.pop(case_id, None)
    for case_id, sources in zip(*case_columns(_read_in(warehouse, "cases", "case_id", cases)), strict=True):
        seen.case_sources[case_id] = sources
    events = _read_in(warehouse, "events", "case_id", cases)
    for event_id, case_id, source, place_id in zip(
        events["event_id"], events["case_id"], events["source"], events["place_id"], strict=True
    ):
        seen.event_case[str(event_id)] = str(case_id)
        seen.case_sources.setdefault(str(case_id), set()).add(str(source))
        seen.case_districts.setdefault(str(case_id), set()).add(seen.district_of(place_id))


def _recompute_people(warehouse: Warehouse, seen: Visibility, people: set[str]) -> None:
    """Set the facts of the given people from their mentions and events as they are now."""
    facts: dict[str, Facts] = defaultdict(set)
    mentions = _read_in(warehouse, "person_mentions", "person_id", people)
    for source, mention_id, person_id, place_id in zip(
        mentions["source"], mentions["mention_id"], mentions["person_id"], mentions["place_id"], strict=True
    ):
        seen.mention_person[f"{source}:{mention_id}"] = str(person_id)
        facts[str(person_id)].add((str(source), seen.district_of(place_id)))
    links = _read_in(warehouse, "event_people", "person_id", people)
    for event_id, person_id in zip(links["event_id"], links["person_id"], strict=True):
        if str(event_id) in seen.event:
            facts[str(person_id)].add(seen.event[str(event_id)])
    for person_id in people:
        if person_id in facts:
            seen.person[person_id] = facts[person_id]
        else:
            seen.person.pop(person_id, None)


def update_visibility(warehouse: Warehouse, facts: Visibility, since: dt.datetime) -> Visibility:
    """Return new facts: `facts` (read as of `since`) with what changed after `since` applied.

    `facts` is not changed (readers may hold it); the result shares nothing mutable with it.
    """
    changed = {name: _changed(warehouse, name, since) for name in (*FACT_TABLES, "id_changes")}
    seen = replace(
        facts,
        person=dict(facts.person),
        event=dict(facts.event),
        case_sources=dict(facts.case_sources),
        case_districts=dict(facts.case_districts),
        grid_district=dict(facts.grid_district),
        mention_person=dict(facts.mention_person),
        event_case=dict(facts.event_case),
    )
    if len(changed["places"]):
        places = warehouse.read_table(RESOLVED_TABLES["places"].name)
        seen.place_district, seen.places_below = place_districts(places), subtree_sizes(places)
    grids = changed["grids"]
    for grid_id, community_id in zip(grids["grid_id"], grids["community_id"], strict=True):
        seen.grid_district[str(grid_id)] = seen.district_of(community_id)
    ids = changed["id_changes"]
    events = changed["events"]
    cases = _ids(ids, "case") | {str(c) for c in changed["cases"]["case_id"]}
    for event_id, source, place_id, case_id in zip(
        events["event_id"], events["source"], events["place_id"], events["case_id"], strict=True
    ):
        seen.event[str(event_id)] = (str(source), seen.district_of(place_id))
        cases |= {c for c in (seen.event_case.get(str(event_id)), case_id) if isinstance(c, str)}
    for event_id in _ids(ids, "event"):
        seen.event.pop(event_id, None)
    _recompute_cases(warehouse, seen, cases)
    mentions = changed["person_mentions"]
    people = _ids(ids, "person") | {str(p) for p in mentions["person_id"]}
    people |= {str(p) for p in changed["event_people"]["person_id"]}
    people |= {
        p
        for p in (
            seen.mention_person.get(f"{s}:{m}")
            for s, m in zip(mentions["source"], mentions["mention_id"], strict=True)
        )
        if p
    }
    _recompute_people(warehouse, seen, people)
    return seen
