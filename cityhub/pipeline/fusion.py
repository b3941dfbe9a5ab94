"""The fusion steps after ingest: standardise -> check_quality -> resolve -> project_graph -> project_search.

Each step reads what the one before wrote (a Parquet snapshot under `home/fusion`, the resolved
tables in the warehouse), so any step can be re-run alone and gives the same result. Each takes
the settings (default: from the environment) and returns counts; the DAGs and the CLI call these.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa

from cityhub.config import Settings, get_settings
from cityhub.pipeline.operations import refresh_operations
from cityhub.pipeline.resolve_tables import CanonicalSnapshot, Previous, resolve_snapshot
from cityhub.resolve_files import people_options, place_options
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from cityhub.warehouse.resolved import JSON_COLUMNS, RESOLVED_TABLES, projection_runs
from cityhub.warehouse.review import read_decisions, write_review_queue
from ontology.errors import QualityError

__all__ = [
    "check_quality",
    "full_rebuild",
    "project_graph",
    "project_search",
    "read_resolved",
    "resolve",
    "standardise",
]

SNAPSHOT_TABLES = {
    "events": "EventRecord",
    "person_mentions": "PersonMention",
    "place_mentions": "PlaceMention",
}
HISTORY = "status_history"  # every event record version's status, for handling times
KEYS = {
    "EventRecord": ["source", "record_id"],
    "PersonMention": ["source", "mention_id"],
    "PlaceMention": ["source", "mention_id"],
}


def _warehouse(settings: Settings) -> Warehouse:
    settings.home.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_warehouse_url()
    upgrade(url)
    return Warehouse(url)


def _snapshot_dir(settings: Settings) -> Path:
    return settings.home / "fusion" / "snapshot"


def standardise(settings: Settings | None = None) -> dict[str, int]:
    """Write the latest live canonical records (deletes dropped) as the Parquet snapshot to resolve."""
    settings = settings or get_settings()
    warehouse = _warehouse(settings)
    folder = _snapshot_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, record_type in SNAPSHOT_TABLES.items():
        frame = warehouse.read_table(record_type)
        live = frame[~frame["deleted"].astype(bool)].sort_values(KEYS[record_type], ignore_index=True)
        temporary = folder / f".{name}.parquet"
        live.to_parquet(temporary, index=False)
        temporary.replace(folder / f"{name}.parquet")  # readers never see half a file
        counts[name] = len(live)
    history = warehouse.read_table("record_status_history")
    history.to_parquet(folder / f".{HISTORY}.parquet", index=False)
    (folder / f".{HISTORY}.parquet").replace(folder / f"{HISTORY}.parquet")
    counts[HISTORY] = len(history)
    return counts


def _read_snapshot(settings: Settings) -> CanonicalSnapshot:
    folder = _snapshot_dir(settings)
    missing = [n for n in SNAPSHOT_TABLES if not (folder / f"{n}.parquet").is_file()]
    if missing:
        raise QualityError(f"fusion: no snapshot of {', '.join(missing)} in {folder}; run standardise first")
    history = folder / f"{HISTORY}.parquet"
    return CanonicalSnapshot(
        **{n: pd.read_parquet(folder / f"{n}.parquet") for n in SNAPSHOT_TABLES},
        status_history=pd.read_parquet(history) if history.is_file() else None,
    )


def check_quality(settings: Settings | None = None) -> dict[str, int]:
    """Check the snapshot before resolution: unique keys, no empty keys, and every mention's record present.

    Row-level checks ran at ingest (the GX gate); these are the checks across tables that a batch
    cannot make. A failure raises QualityError naming the table and what is wrong.
    """
    settings = settings or get_settings()
    snapshot = _read_snapshot(settings)
    for name, record_type in SNAPSHOT_TABLES.items():
        frame = getattr(snapshot, name)
        keys = KEYS[record_type]
        if frame[keys].isna().any().any():
            raise QualityError(
                f"fusion snapshot {name}: {int(frame[keys].isna().any(axis=1).sum())} row(s) "
                f"with an empty key ({', '.join(keys)})"
            )
        duplicated = frame.duplicated(keys)
        if duplicated.any():
            raise QualityError(
                f"fusion snapshot {name}: {int(duplicated.sum())} duplicate key(s), "
                f"first {frame.loc[duplicated, keys].iloc[0].tolist()}"
            )
    known = set(zip(snapshot.events["source"], snapshot.events["record_id"], strict=True))
    orphans = [
        (s, r)
        for s, r in zip(
            snapshot.person_mentions["source"], snapshot.person_mentions["record_id"], strict=True
        )
        if (s, r) not in known
    ]
    return {
        "events": len(snapshot.events),
        "person_mentions": len(snapshot.person_mentions),
        "place_mentions": len(snapshot.place_mentions),
        "mentions_without_event": len(orphans),
    }


def _previous(warehouse: Warehouse) -> Previous:
    people = warehouse.read_table("resolved_person_mentions")
    events = warehouse.read_table("resolved_events")
    if people.empty and events.empty:
        return Previous()
    places = pd.concat(
        [
            pd.DataFrame({"record_id": "event:" + events["event_id"], "place_id": events["place_id"]}),
            pd.DataFrame(
                {
                    "record_id": "person:" + people["source"] + ":" + people["mention_id"],
                    "place_id": people["place_id"],
                }
            ),
        ],
        ignore_index=True,
    ).dropna()
    return Previous(
        people=pd.DataFrame(
            {"record_id": people["source"] + ":" + people["mention_id"], "person_id": people["person_id"]}
        ),
        places=places,
        cases=events[["event_id", "case_id"]],
    )


def _canonical(value: object) -> str:
    """Return a value as text that is the same whether it came from pandas or back from SQL."""
    if value is None or (not isinstance(value, (list, str)) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _row_hashes(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    text = frame[columns].apply(lambda column: column.map(_canonical))
    return pd.util.hash_pandas_object(text, index=False)


def _with_changed_at(new: pd.DataFrame, old: pd.DataFrame, keys: list[str], at: dt.datetime) -> pd.DataFrame:
    """Return `new` with changed_at: kept from `old` for rows whose content did not change."""
    columns = [c for c in new.columns if c != "changed_at"]
    new = new.assign(_hash=_row_hashes(new, columns).to_numpy())
    if old.empty:
        return new.drop(columns="_hash").assign(changed_at=at)
    old = old.assign(_hash=_row_hashes(old, columns).to_numpy())[[*keys, "_hash", "changed_at"]]
    merged = new.merge(old, on=[*keys, "_hash"], how="left")
    merged["changed_at"] = merged["changed_at"].fillna(at)
    return merged.drop(columns="_hash")


def _encoded(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in JSON_COLUMNS.get(name, ()):
        frame[column] = [json.dumps(list(v), ensure_ascii=False) for v in frame[column]]
    return frame


def _removed(
    name: str, new: pd.DataFrame, old: pd.DataFrame, keys: list[str], at: dt.datetime
) -> pd.DataFrame:
    """Return id changes of kind 'removed' for entities that are gone (their records were deleted)."""
    entity = {"people": "person", "places": "place", "cases": "case", "events": "event"}.get(name)
    if entity is None or old.empty:
        return pd.DataFrame()
    gone = sorted(set(old[keys[0]]) - set(new[keys[0]]))
    return pd.DataFrame(
        {"entity": entity, "old_id": gone, "new_id": "", "kind": "removed", "records": 0, "at": at}
    )


def _write(warehouse: Warehouse, tables: dict[str, pd.DataFrame], at: dt.datetime) -> dict[str, int]:
    """Replace the resolved tables and the review queue in one transaction; append the id changes."""
    counts: dict[str, int] = {}
    changes = [tables["id_changes"]]
    with warehouse.engine.begin() as connection:
        if "person_review" in tables:
            counts["people to review"] = write_review_queue(connection, "person", tables["person_review"], at)
        for name, table in RESOLVED_TABLES.items():
            if name == "id_changes":
                continue
            keys = [c.name for c in table.primary_key.columns]
            old = pd.read_sql(sa.select(table), connection)
            new = _encoded(name, tables[name])
            changes.append(_removed(name, new, old, keys, at))
            rows = _with_changed_at(new, old, keys, at)
            connection.execute(table.delete())
            if len(rows):
                rows = rows.astype(object).where(rows.notna(), None)
                connection.execute(table.insert(), _records(rows))
            counts[name] = len(rows)
            counts[f"{name} changed"] = int((rows["changed_at"] == at).sum()) if len(rows) else 0
        changes = [c for c in changes if len(c)]
        id_changes = pd.concat(changes, ignore_index=True) if changes else pd.DataFrame()
        if len(id_changes):
            id_changes = id_changes.assign(at=at, records=id_changes["records"].fillna(0).astype(int))
            connection.execute(
                RESOLVED_TABLES["id_changes"].insert(),
                _records(id_changes[["entity", "old_id", "new_id", "kind", "records", "at"]]),
            )
        counts["id_changes"] = len(id_changes)
    return counts


def resolve(settings: Settings | None = None) -> dict[str, int]:
    """Resolve the snapshot into people, places, events and cases, keeping IDs stable; write them.

    The people review log (`review_decisions`) is obeyed, and the pairs left to decide replace the
    `review_queue` table. The statistics and the alerts are then rebuilt as of this run.
    """
    settings = settings or get_settings()
    warehouse = _warehouse(settings)
    at = dt.datetime.now().replace(microsecond=0)
    tables = resolve_snapshot(
        _read_snapshot(settings),
        _previous(warehouse),
        people_options(settings),
        place_options(settings),
        at,
        person_decisions=read_decisions(warehouse.engine, "person"),
    )
    counts = _write(warehouse, tables, at)
    counts.update(refresh_operations(settings, at))  # statistics and alerts as of this run
    return counts


def read_resolved(warehouse: Warehouse, since: dt.datetime | None = None) -> dict[str, pd.DataFrame]:
    """Return the resolved tables (rows changed after `since`, or all), list columns decoded."""
    tables: dict[str, pd.DataFrame] = {}
    for name, table in RESOLVED_TABLES.items():
        column = table.c.at if name == "id_changes" else table.c.changed_at
        frame = warehouse.read_table(table.name, None if since is None else column > since)
        for json_column in JSON_COLUMNS.get(name, ()):
            frame[json_column] = [json.loads(v) if isinstance(v, str) else [] for v in frame[json_column]]
        tables[name] = frame.drop(columns=["changed_at", "change_id"], errors="ignore")
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
    from cityhub.projections import write_graph

    return _project(settings, "graph", full, write_graph)


def project_search(settings: Settings | None = None, full: bool = False) -> dict[str, int]:
    """Project the resolved tables into the search index: all of it, or what changed since the last run."""
    from cityhub.projections import write_search

    return _project(settings, "search", full, write_search)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the frame's rows as column-name -> value dicts, for an executemany insert."""
    return cast(list[dict[str, Any]], frame.to_dict("records"))  # the columns are the table's names


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
    counts = write(settings, tables, increment)
    _mark(warehouse, projection, latest)
    return counts


def _complete_increment(warehouse: Warehouse, changed: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Return the increment with every entity it names carried in full (a person with all their
    mentions, a case with all its events, a place with its ancestors), as the projections expect."""
    everything = read_resolved(warehouse)
    people = (
        set(changed["people"]["person_id"])
        | set(changed["person_mentions"]["person_id"])
        | set(changed["event_people"]["person_id"])
    )
    cases = set(changed["cases"]["case_id"]) | set(changed["events"]["case_id"].dropna())
    events = set(changed["events"]["event_id"]) | set(changed["event_people"]["event_id"])
    events |= set(everything["events"].loc[everything["events"]["case_id"].isin(cases), "event_id"])
    cases |= set(everything["events"].loc[everything["events"]["event_id"].isin(events), "case_id"].dropna())
    places = set(changed["places"]["place_id"]) | set(
        everything["events"].loc[everything["events"]["event_id"].isin(events), "place_id"].dropna()
    )
    parent = everything["places"].set_index("place_id")["parent_id"]
    frontier = set(places)
    while frontier:
        frontier = {p for p in (parent.get(x) for x in frontier) if isinstance(p, str)} - places
        places |= frontier
    pick = {
        "people": everything["people"]["person_id"].isin(people),
        "person_mentions": everything["person_mentions"]["person_id"].isin(people),
        "places": everything["places"]["place_id"].isin(places),
        "grids": everything["grids"]["grid_id"].isin(
            set(everything["places"].loc[everything["places"]["place_id"].isin(places), "grid_id"].dropna())
        ),
        "events": everything["events"]["event_id"].isin(events),
        "event_people": everything["event_people"]["event_id"].isin(events),
        "cases": everything["cases"]["case_id"].isin(cases),
    }
    tables = {name: everything[name][mask].reset_index(drop=True) for name, mask in pick.items()}
    tables["id_changes"] = changed["id_changes"]
    return tables


def full_rebuild(settings: Settings | None = None) -> dict[str, int]:
    """Run every step and rebuild both projections from scratch."""
    settings = settings or get_settings()
    counts: dict[str, int] = {}
    for step in (standardise, check_quality, resolve):
        counts.update({f"{step.__name__}.{k}": v for k, v in step(settings).items()})
    counts.update({f"graph.{k}": v for k, v in project_graph(settings, full=True).items()})
    counts.update({f"search.{k}": v for k, v in project_search(settings, full=True).items()})
    return counts
