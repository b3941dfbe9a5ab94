"""The fusion steps after ingest: standardise -> check_quality -> resolve -> project_graph -> project_search.

Each step reads what the one before wrote (a Parquet snapshot under `home/fusion`, the resolved
tables in the warehouse), so any step can be re-run alone and gives the same result. Each takes
the settings (default: from the environment) and returns counts; the DAGs and the CLI call these.

A run is incremental when the last run's state is at hand (`fusion_state`): `standardise` then
writes only the records of the batches loaded since that run, `resolve` links them into the
resolved people, places and cases (`link_tables`) and updates the resolved tables in place. Without
a state (the first run, another process's rebuild) or with `full=True` (the rebuild DAG) every
record is resolved again; that full result is the reference the incremental one is checked against,
and `reconcile` corrects the drift of incremental linking over the blocks it touched.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from cityhub.config import Settings, get_settings
from cityhub.pipeline.case_changes import corefer_increment
from cityhub.pipeline.fusion_state import (
    FusionState,
    JournalEntry,
    Replay,
    append_state,
    load_state,
    new_batches,
    read_mark,
    save_state,
)
from cityhub.pipeline.heap import batch_collections
from cityhub.pipeline.increment import Plan, read_batch, read_plan, write_plan
from cityhub.pipeline.link_tables import Increment, input_hashes, link_batch
from cityhub.pipeline.operations import refresh_operations
from cityhub.pipeline.projection_steps import project_graph, project_search, read_resolved
from cityhub.pipeline.resolve_tables import STAFF_ROLES, CanonicalSnapshot, Previous, resolve_with_state
from cityhub.pipeline.resolved_write import apply_changes, changed_tables, write_all
from cityhub.resolve_files import people_options, place_options
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from cityhub.warehouse.review import read_decisions
from ontology.errors import QualityError

__all__ = [
    "check_quality",
    "full_rebuild",
    "project_graph",
    "project_search",
    "read_resolved",
    "reconcile",
    "replay_increment",
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


def _usable_state(settings: Settings, warehouse: Warehouse) -> FusionState | None:
    mark, at = read_mark(warehouse)
    return load_state(settings.home, mark, at, replay_increment(settings))


def _write_parquet(folder: Path, name: str, frame: pd.DataFrame) -> None:
    temporary = folder / f".{name}.parquet"
    frame.to_parquet(temporary, index=False)
    temporary.replace(folder / f"{name}.parquet")  # readers never see half a file


def standardise(settings: Settings | None = None, full: bool = False) -> dict[str, int]:
    """Write the records to resolve as the Parquet snapshot: the batches loaded since the last run
    when its state is at hand (deletes kept, marked), else (or `full`) every live record."""
    settings = settings or get_settings()
    warehouse = _warehouse(settings)
    folder = _snapshot_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    state = None if full else _usable_state(settings, warehouse)
    since = state.mark if state is not None else None
    batch_ids, up_to = new_batches(warehouse, since)
    if state is not None:
        snapshot = read_batch(warehouse, batch_ids)
    else:
        snapshot = CanonicalSnapshot(
            **{
                name: warehouse.read_table(record_type).pipe(lambda f: f[~f["deleted"].astype(bool)])
                for name, record_type in SNAPSHOT_TABLES.items()
            },
            status_history=warehouse.read_table("record_status_history"),
        )
    counts = {}
    for name, record_type in SNAPSHOT_TABLES.items():
        frame = getattr(snapshot, name).sort_values(KEYS[record_type], ignore_index=True)
        _write_parquet(folder, name, frame)
        counts[name] = len(frame)
    history = snapshot.status_history if snapshot.status_history is not None else pd.DataFrame()
    _write_parquet(folder, HISTORY, history)
    counts[HISTORY] = len(history)
    write_plan(settings.home, Plan(state is None, since, up_to, len(batch_ids)))
    counts["incremental"] = int(state is not None)
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
    cannot make. A failure raises QualityError naming the table and what is wrong. On an
    incremental snapshot a mention's record may be an earlier one: it is counted, not refused.
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


def _full(settings: Settings, warehouse: Warehouse, plan: Plan, at: dt.datetime) -> dict[str, int]:
    """Resolve the whole snapshot, keeping IDs stable; write every table; keep the state."""
    snapshot = _read_snapshot(settings)
    tables, resolutions = resolve_with_state(
        snapshot,
        _previous(warehouse),
        people_options(settings),
        place_options(settings),
        at,
        person_decisions=read_decisions(warehouse.engine, "person"),
    )
    mark = plan.up_to or at
    counts, written = write_all(warehouse, tables, at, mark)
    mentions = snapshot.person_mentions[~snapshot.person_mentions["role"].isin(STAFF_ROLES)]
    save_state(settings.home, FusionState(mark, at, resolutions, written, input_hashes(mentions)))
    return counts


def _link(
    settings: Settings,
    state: FusionState,
    batch: CanonicalSnapshot,
    at: dt.datetime,
    decisions: pd.DataFrame | None,
) -> Increment:
    options = people_options(settings)
    increment = link_batch(
        batch,
        state.resolutions,
        state.tables,
        state.inputs,
        options,
        place_options(settings),
        at,
        person_decisions=decisions,
    )
    return corefer_increment(increment, state.tables, decisions, options, at)


def _next_state(
    state: FusionState,
    increment: Increment,
    tables: dict[str, pd.DataFrame],
    mark: dt.datetime,
    at: dt.datetime,
) -> FusionState:
    touched = {k: state.touched.get(k, set()) | v for k, v in increment.touched.items()}
    return FusionState(mark, at, increment.resolutions, tables, increment.inputs, touched, state.serial + 1)


def _increment(
    settings: Settings, warehouse: Warehouse, plan: Plan, state: FusionState, at: dt.datetime
) -> dict[str, int]:
    """Link the snapshot's batch into the last run; write only what changed; keep the state and
    journal the batch."""
    batch = _read_snapshot(settings)
    decisions = read_decisions(warehouse.engine, "person")
    increment = _link(settings, state, batch, at, decisions)
    mark = plan.up_to or state.mark
    counts, tables = apply_changes(warehouse, state.tables, increment.changes, increment.id_changes, at, mark)
    entry = JournalEntry(batch, mark, at, decisions, (state.mark, state.at))
    append_state(settings.home, _next_state(state, increment, tables, mark, at), entry)
    return counts


def replay_increment(settings: Settings) -> Replay:
    """Return how a journalled increment is linked into the state before it again, as the run did."""

    def replay(state: FusionState, entry: JournalEntry) -> FusionState:
        increment = _link(settings, state, entry.batch, entry.at, entry.person_decisions)
        tables = changed_tables(state.tables, increment.changes, entry.at)
        return _next_state(state, increment, tables, entry.mark, entry.at)

    return replay


def resolve(settings: Settings | None = None) -> dict[str, int]:
    """Resolve the snapshot into people, places, events and cases, keeping IDs stable; write them.

    Follows the plan `standardise` left: everything again (the people review log obeyed, the pairs
    left to decide replacing the `review_queue` table), or the batch linked into the last run. A
    batch already resolved is not applied twice. After a full run the statistics and the alerts are
    rebuilt as of it; after an increment the alerts DAG rebuilds them on its schedule.
    """
    settings = settings or get_settings()
    warehouse = _warehouse(settings)
    at = dt.datetime.now().replace(microsecond=0)
    plan = read_plan(settings.home)
    state = None if plan.full else _usable_state(settings, warehouse)
    if state is not None and plan.up_to is not None and state.mark >= plan.up_to and plan.since != state.mark:
        return {"already resolved": 1}
    if state is None or plan.since != state.mark:
        if not plan.full:  # the state moved on or is gone: this batch alone would not do
            standardise(settings, full=True)
            plan = read_plan(settings.home)
        counts = _full(settings, warehouse, plan, at)
    else:
        # statistics and alerts are aggregates over the whole city: an increment leaves them to the
        # alerts DAG (every quarter of an hour, as of the newest fusion run) rather than wait for them.
        # The kept state is millions of containers (paths, people lists) that a batch neither frees
        # nor cycles: full collections over it cost seconds each, so it is left out of them.
        with batch_collections():
            return _increment(settings, warehouse, plan, state, at)
    counts.update(refresh_operations(settings, at))  # statistics and alerts as of this run
    return counts


def full_rebuild(settings: Settings | None = None) -> dict[str, int]:
    """Run every step on every record and rebuild both projections from scratch."""
    settings = settings or get_settings()
    counts: dict[str, int] = {}
    counts.update({f"standardise.{k}": v for k, v in standardise(settings, full=True).items()})
    for step in (check_quality, resolve):
        counts.update({f"{step.__name__}.{k}": v for k, v in step(settings).items()})
    counts.update({f"graph.{k}": v for k, v in project_graph(settings, full=True).items()})
    counts.update({f"search.{k}": v for k, v in project_search(settings, full=True).items()})
    return counts


def reconcile(settings: Settings | None = None) -> dict[str, int]:
    """Re-resolve the blocks incremental runs touched since the last reconciliation (see `reconcile`)."""
    from cityhub.pipeline.reconcile import reconcile as reconcile_blocks

    return reconcile_blocks(settings)
