"""Projecting the resolved tables into the graph and the search index: all, or what changed.

An increment reads the rows changed since the projection's last run (by `changed_at`, indexed), then
only the rows of the entities they name, each carried in full (a person with all their mentions, a
case with all its events, a place with its ancestors), and upserts them by id; merged and removed
entities are redirected or deleted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pandas as pd
import sqlalchemy as sa

from cityhub.config import Settings, get_settings
from cityhub.pipeline.heap import batch_collections
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from cityhub.warehouse.resolved import JSON_COLUMNS, RESOLVED_TABLES, projection_runs

__all__ = ["project_graph", "project_search", "read_resolved"]

_CHUNK = 500  # ids per IN list


def _warehouse(settings: Settings) -> Warehouse:
    settings.home.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_warehouse_url()
    upgrade(url)
    return Warehouse(url)


def _decoded(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    for json_column in JSON_COLUMNS.get(name, ()):
        frame[json_column] = [json.loads(v) if isinstance(v, str) else [] for v in frame[json_column]]
    return frame.drop(columns=["changed_at", "change_id"], errors="ignore")


def read_resolved(warehouse: Warehouse, since: dt.datetime | None = None) -> dict[str, pd.DataFrame]:
    """Return the resolved tables (rows changed after `since`, or all), list columns decoded."""
    tables: dict[str, pd.DataFrame] = {}
    for name, table in RESOLVED_TABLES.items():
        column = table.c.at if name == "id_changes" else table.c.changed_at
        frame = warehouse.read_table(table.name, None if since is None else column > since)
        tables[name] = _decoded(name, frame)
    return tables


def _last_run(warehouse: Warehouse, projection: str) -> dt.datetime | None:
    with warehouse.engine.connect() as connection:
        return connection.execute(
            sa.select(projection_runs.c.caught_up_to).where(projection_runs.c.projection == projection)
        ).scalar_one_or_none()


def _latest_change(warehouse: Warehouse) -> dt.datetime | None:
    """Return the newest change in any resolved table: what a projection catches up to."""
    with warehouse.engine.connect() as connection:
        stamps = [
            connection.execute(
                sa.select(sa.func.max(t.c.at if n == "id_changes" else t.c.changed_at))
            ).scalar_one_or_none()
            for n, t in RESOLVED_TABLES.items()
        ]
    known = [s for s in stamps if s is not None]
    return max(known) if known else None


def _mark(warehouse: Warehouse, projection: str, caught_up_to: dt.datetime) -> None:
    with warehouse.engine.begin() as connection:
        connection.execute(projection_runs.delete().where(projection_runs.c.projection == projection))
        connection.execute(
            projection_runs.insert().values(
                projection=projection,
                caught_up_to=caught_up_to,
                projected_at=dt.datetime.now().replace(microsecond=0),
            )
        )


def project_graph(settings: Settings | None = None, full: bool = False) -> dict[str, int]:
    """Project the resolved tables into the graph: all of it, or what changed since the last projection."""
    from cityhub.projections import write_graph  # the graph stack loads only when projecting

    return _project(settings, "graph", full, write_graph)


def project_search(settings: Settings | None = None, full: bool = False) -> dict[str, int]:
    """Project the resolved tables into the search index: all of it, or what changed since the last run."""
    from cityhub.projections import write_search

    return _project(settings, "search", full, write_search)


def _project(
    settings: Settings | None,
    projection: str,
    full: bool,
    write: Callable[[Settings, dict[str, pd.DataFrame], bool], dict[str, int]],
) -> dict[str, int]:
    settings = settings or get_settings()
    warehouse = _warehouse(settings)
    latest = _latest_change(warehouse)
    if latest is None:
        return {"rows": 0}
    since = None if full else _last_run(warehouse, projection)
    increment = since is not None
    tables = read_resolved(warehouse, since) if increment else read_resolved(warehouse)
    if increment:
        tables = _complete_increment(warehouse, tables)
    with batch_collections():  # as for an increment's resolve: the kept state stays out of collections
        counts = write(settings, tables, increment)
    _mark(warehouse, projection, latest)
    return counts


def _read_in(warehouse: Warehouse, name: str, column: str, values: set[str]) -> pd.DataFrame:
    """Return the rows of a resolved table whose `column` is one of `values` (decoded)."""
    table = RESOLVED_TABLES[name]
    ordered = sorted(v for v in values if isinstance(v, str))
    parts = [
        warehouse.read_table(table.name, table.c[column].in_(ordered[i : i + _CHUNK]))
        for i in range(0, len(ordered), _CHUNK)
    ]
    frame = pd.concat(parts, ignore_index=True) if parts else warehouse.read_table(table.name, sa.false())
    return _decoded(name, frame)


def _complete_increment(warehouse: Warehouse, changed: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Return the increment with every entity it names carried in full (a person with all their
    mentions, a case with all its events, a place with its ancestors), as the projections expect."""
    people = (
        set(changed["people"]["person_id"])
        | set(changed["person_mentions"]["person_id"].dropna())
        | set(changed["event_people"]["person_id"])
    )
    cases = set(changed["cases"]["case_id"]) | set(changed["events"]["case_id"].dropna())
    events = set(changed["events"]["event_id"]) | set(changed["event_people"]["event_id"])
    of_events = _read_in(warehouse, "events", "event_id", events)
    cases |= set(of_events["case_id"].dropna())
    case_events = _read_in(warehouse, "events", "case_id", cases)
    all_events = pd.concat([of_events, case_events], ignore_index=True).drop_duplicates("event_id")
    places = set(changed["places"]["place_id"]) | set(all_events["place_id"].dropna())
    place_rows = _read_in(warehouse, "places", "place_id", places)
    frontier = set(place_rows["parent_id"].dropna()) - places
    while frontier:
        places |= frontier
        parents = _read_in(warehouse, "places", "place_id", frontier)
        place_rows = pd.concat([place_rows, parents], ignore_index=True)
        frontier = set(parents["parent_id"].dropna()) - places
    grids = set(place_rows["grid_id"].dropna())
    return {
        "people": _read_in(warehouse, "people", "person_id", people),
        "person_mentions": _read_in(warehouse, "person_mentions", "person_id", people),
        "places": place_rows.drop_duplicates("place_id", ignore_index=True),
        "grids": _read_in(warehouse, "grids", "grid_id", grids),
        "events": all_events.reset_index(drop=True),
        "event_people": _read_in(warehouse, "event_people", "event_id", set(all_events["event_id"])),
        "cases": _read_in(warehouse, "cases", "case_id", cases),
        "id_changes": changed["id_changes"],
    }
