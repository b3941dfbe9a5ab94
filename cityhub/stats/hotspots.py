"""Hot spots: the places and people with the most cases in a time range, counted from `stats_hotspots`.

No range gives an entity more cases than it has of all time (`stats_hotspot_entities`), so the count
starts with the entities with the most cases of all time: once the list of the best of them is full,
its last entry's cases is a bar that only entities with at least as many cases of all time can
reach, and only those are counted next. Over a long range that is a few hundred entities, not the
hundred thousand people with repeated cases; when nothing can be left out, every entity is counted.
The answer is the same as counting every entity: the most cases first, ties by id.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from cityhub.warehouse.ops_tables import stats_hotspot_entities, stats_hotspots

__all__ = ["FIRST_ENTITIES", "top_hotspots"]

FIRST_ENTITIES = 200  # entities with the most cases of all time counted first (at least the limit)


def _clauses(kind: str, start: Any, end: Any, sources: Any, districts: Any, district: Any) -> list[Any]:
    t = stats_hotspots
    clauses: list[Any] = [t.c.kind == kind]
    if start is not None:
        clauses.append(t.c.day >= start)
    if end is not None:
        clauses.append(t.c.day <= end)
    if sources is not None:
        clauses.append(t.c.source.in_(sources))
    if districts is not None:
        clauses.append(t.c.district_id.in_(districts))
    if district:
        clauses.append(t.c.district_id == district)
    return clauses


def _top(
    connection: sa.Connection, clauses: list[Any], min_cases: int, limit: int, among: Any = None
) -> list[Any]:
    """Return (entity_id, cases, last_day) of the `limit` entities (of `among`) with most cases in range."""
    t = stats_hotspots
    cases = sa.func.count(t.c.case_id).label("cases")
    where = clauses if among is None else [*clauses, t.c.entity_id.in_(among)]
    query = (
        sa.select(t.c.entity_id, cases, sa.func.max(t.c.day).label("last_day"))
        .where(*where)
        .group_by(t.c.entity_id)
        .having(cases >= min_cases)
        .order_by(cases.desc(), t.c.entity_id)
        .limit(limit)
    )
    return list(connection.execute(query).all())


def top_hotspots(
    engine: sa.Engine,
    kind: str,
    filters: dict[str, Any],
    min_cases: int,
    limit: int,
) -> pd.DataFrame:
    """Return entity_id, cases, last_day of the `limit` entities with at least `min_cases` cases in range.

    `filters` holds start, end, sources, districts and district (None: not limited).
    """
    clauses = _clauses(kind, **filters)
    e = stats_hotspot_entities
    by_cases = sa.select(e.c.entity_id).where(e.c.kind == kind)
    first = max(FIRST_ENTITIES, limit)
    rows: list[Any] = []
    with engine.connect() as connection:
        if limit > 0:
            most = by_cases.order_by(e.c.cases.desc(), e.c.entity_id).limit(first)
            rows = _top(connection, clauses, min_cases, limit, most)
            bar = rows[-1][1] if len(rows) == limit else min_cases  # what the rest must reach
            next_most = connection.execute(
                sa.select(e.c.cases).where(e.c.kind == kind).order_by(e.c.cases.desc()).offset(first).limit(1)
            ).scalar_one_or_none()
            if next_most is not None and next_most >= bar:  # some of the rest may reach the list
                among = by_cases.where(e.c.cases >= bar) if bar > min_cases else None  # None: all
                rows = _top(connection, clauses, min_cases, limit, among)
    return pd.DataFrame([tuple(r) for r in rows], columns=["entity_id", "cases", "last_day"])
