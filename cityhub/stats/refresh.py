"""Rebuild the statistics aggregates from the resolved tables (each fusion run does, after resolving).

The aggregates are a projection like the graph and the index: rebuilt whole from the warehouse's
resolved tables in one transaction, and marked in `projection_runs` ('stats') with the fusion run
they are as of.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa

from cityhub.stats.frames import OperationsFrames, divisions_of_places
from cityhub.warehouse import Warehouse
from cityhub.warehouse.ops_tables import (
    CASE_MEASURES,
    CUBOIDS,
    DAILY_CUBOIDS,
    DIMENSIONS,
    QUARTERLY_CUBOIDS,
    stats_daily,
    stats_hotspot_entities,
    stats_hotspots,
    stats_monthly,
    stats_quarterly,
    stats_residents,
)
from cityhub.warehouse.resolved import projection_runs

__all__ = ["aggregate", "hotspot_pairs", "mark_run", "quarters_of", "refresh_stats", "residents_by_community"]

DIVISIONS = ("place_id", "district_id", "street_id", "community_id", "grid_id")
ABOVE_PLACES = ("district", "street", "community")  # a hot spot is a place below the community
BULK_ROWS = 100_000  # rows handed to the driver at once


def aggregate(frames: OperationsFrames, period: str) -> pd.DataFrame:
    """Return event and case counts by `period` ('day' or 'month') in its roll-ups (CUBOIDS)."""
    events = frames.events.assign(events=1)
    cases = frames.cases.assign(events=0)
    for measure in CASE_MEASURES:
        events[measure] = 0
    rows = pd.concat(
        [
            events[["day", *DIMENSIONS, "events", *CASE_MEASURES]],
            cases[["day", *DIMENSIONS, "events", *CASE_MEASURES]],
        ],
        ignore_index=True,
    ).dropna(subset=["day"])
    for column in DIMENSIONS:
        rows[column] = rows[column].fillna("").astype(str)
    if period == "month":
        rows["day"] = [d.replace(day=1) for d in rows["day"]]
    rows = rows.rename(columns={"day": period}).groupby([period, *DIMENSIONS], as_index=False).sum()
    rollups = []
    for name, kept in CUBOIDS.items():
        if period == "day" and name not in DAILY_CUBOIDS:
            continue
        blanked = rows.assign(**{d: "" for d in DIMENSIONS if d not in kept})
        rollup = blanked.groupby([period, *DIMENSIONS], as_index=False, sort=True).sum()
        rollups.append(rollup.assign(cuboid=name))
    return pd.concat(rollups, ignore_index=True)


def quarters_of(monthly: pd.DataFrame) -> pd.DataFrame:
    """Return the monthly roll-ups kept by quarter (QUARTERLY_CUBOIDS) summed by quarter."""
    rows = monthly[monthly["cuboid"].isin(QUARTERLY_CUBOIDS)]
    quarter = [m.replace(month=(m.month - 1) // 3 * 3 + 1) for m in rows["month"]]
    rows = rows.drop(columns="month").assign(quarter=quarter)
    return rows.groupby(["cuboid", "quarter", *DIMENSIONS], as_index=False, sort=True).sum()


def hotspot_pairs(frames: OperationsFrames, people: pd.DataFrame) -> pd.DataFrame:
    """Return (kind, entity_id, case_id, day, source, district_id) of every place and person with 2+ cases.

    `people` is resolved_event_people (event_id, person_id). A place is where the events happened,
    below the community; `day` is the entity's first event of the case.
    """
    level = frames.places.set_index("place_id")["level"] if len(frames.places) else pd.Series(dtype=object)
    events = frames.events.dropna(subset=["case_id"])
    at_places = events[events["place_id"].notna() & ~events["place_id"].map(level).isin(ABOVE_PLACES)]
    place_rows = at_places.assign(kind="place", entity_id=at_places["place_id"])
    person_rows = events.merge(people[["event_id", "person_id"]], on="event_id").assign(kind="person")
    person_rows["entity_id"] = person_rows["person_id"]
    columns = ["kind", "entity_id", "case_id", "day", "source", "district_id", "occurred_at", "event_id"]
    both = pd.concat([place_rows[columns], person_rows[columns]], ignore_index=True)
    first = both.sort_values(["occurred_at", "event_id"]).drop_duplicates(["kind", "entity_id", "case_id"])
    repeated = first.groupby(["kind", "entity_id"])["case_id"].transform("size") >= 2
    return first[repeated].drop(columns=["occurred_at", "event_id"]).reset_index(drop=True)


def residents_by_community(frames: OperationsFrames, mentions: pd.DataFrame) -> pd.DataFrame:
    """Return community_id, district_id, residents: people whose latest placed mention is there."""
    divisions = divisions_of_places(frames.places)
    placed = mentions.dropna(subset=["place_id"]).join(divisions, on="place_id")
    placed = placed[placed["community_id"].fillna("") != ""]
    latest = placed.sort_values(["updated_at", "mention_id"]).drop_duplicates("person_id", keep="last")
    counts = latest.groupby(["community_id", "district_id"], as_index=False).size()
    return counts.rename(columns={"size": "residents"})


def _replace(connection: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    connection.execute(table.delete())
    if not len(frame):
        return
    statement = table.insert().compile(dialect=connection.dialect, column_keys=list(frame.columns))
    if not statement.positional or statement.positiontup is None:
        rows = frame.astype(object).where(frame.notna(), None)
        connection.execute(table.insert(), cast(list[dict[str, Any]], rows.to_dict("records")))
        return
    # SQLite: a million rows bound as tuples by the driver, each column through its type's own bind
    # processor (dates stored as SQLAlchemy stores them); dicts through SQLAlchemy took minutes and GBs
    values = []
    for name in statement.positiontup:
        column = frame[name].astype(object).where(frame[name].notna(), None)
        process = table.c[name].type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
        values.append(column.tolist() if process is None else [process(v) for v in column])
    for start in range(0, len(frame), BULK_ROWS):
        connection.exec_driver_sql(
            str(statement), list(zip(*(v[start : start + BULK_ROWS] for v in values), strict=True))
        )


def mark_run(connection: sa.Connection, projection: str, as_of: dt.datetime) -> None:
    """Record that `projection` ('stats', 'alerts') is as of the fusion run `as_of`."""
    connection.execute(projection_runs.delete().where(projection_runs.c.projection == projection))
    connection.execute(
        projection_runs.insert().values(
            projection=projection, caught_up_to=as_of, projected_at=dt.datetime.now().replace(microsecond=0)
        )
    )


def refresh_stats(warehouse: Warehouse, frames: OperationsFrames, as_of: dt.datetime) -> dict[str, int]:
    """Rebuild the aggregates, hot spots and residents from `frames`; return the rows written."""
    daily = aggregate(frames, "day")
    monthly = aggregate(frames, "month")
    quarterly = quarters_of(monthly)
    hotspots = hotspot_pairs(frames, warehouse.read_table("resolved_event_people"))
    entities = (
        hotspots.groupby(["kind", "entity_id"], as_index=False).size().rename(columns={"size": "cases"})
    )
    residents = residents_by_community(frames, warehouse.read_table("resolved_person_mentions"))
    with warehouse.engine.begin() as connection:
        _replace(connection, stats_daily, daily)
        _replace(connection, stats_monthly, monthly)
        _replace(connection, stats_quarterly, quarterly)
        _replace(connection, stats_hotspots, hotspots)
        _replace(connection, stats_hotspot_entities, entities)
        _replace(connection, stats_residents, residents)
        mark_run(connection, "stats", as_of)
    if warehouse.engine.dialect.name == "sqlite":  # the planner picks the roll-ups' indexes by their sizes
        with warehouse.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return {
        "stats_daily": len(daily),
        "stats_monthly": len(monthly),
        "stats_quarterly": len(quarterly),
        "stats_hotspots": len(hotspots),
        "communities with residents": len(residents),
    }
