"""Incremental fusion: what a run reads from the warehouse, and the plan `standardise` leaves for `resolve`.

A run covers the batches loaded since the last run's mark (`fusion_state.FUSION_MARK`, the newest
batch `loaded_at` it resolved): the latest version of every record those batches touched, deletes
included, and the whole status history of those event records. `standardise` decides, writes the
plan (`home/fusion/plan.json`) and the records to resolve as Parquet; `check_quality` and `resolve`
follow the plan, so every step can be re-run alone.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from cityhub.pipeline.resolve_tables import CanonicalSnapshot
from cityhub.warehouse import Warehouse
from cityhub.warehouse.schema import RECORD_TABLES, record_status_history

__all__ = ["Plan", "read_batch", "read_plan", "write_plan"]

_CHUNK = 500  # values per IN list


@dataclass(frozen=True, slots=True)
class Plan:
    """What the next `resolve` does: everything again (`full`), or the batches since `since` up to `up_to`."""

    full: bool
    since: dt.datetime | None
    up_to: dt.datetime | None
    batches: int

    def as_json(self) -> str:
        """Return the plan as JSON text."""
        moment = {
            k: None if v is None else v.isoformat() for k, v in (("since", self.since), ("up_to", self.up_to))
        }
        return json.dumps({"full": self.full, "batches": self.batches, **moment})


def _plan_path(home: Path) -> Path:
    return home / "fusion" / "plan.json"


def write_plan(home: Path, plan: Plan) -> None:
    """Write the plan the next steps follow (readers never see half a file)."""
    path = _plan_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    temporary.write_text(plan.as_json(), "utf-8")
    temporary.replace(path)


def read_plan(home: Path) -> Plan:
    """Return the plan the last `standardise` wrote (a full run when there is none)."""
    path = _plan_path(home)
    if not path.is_file():
        return Plan(True, None, None, 0)
    raw = json.loads(path.read_text("utf-8"))
    moment = {k: None if raw[k] is None else dt.datetime.fromisoformat(raw[k]) for k in ("since", "up_to")}
    return Plan(bool(raw["full"]), moment["since"], moment["up_to"], int(raw["batches"]))


def _read_in(warehouse: Warehouse, table: sa.Table, column: str, values: list[str]) -> pd.DataFrame:
    parts = [
        warehouse.read_table(table.name, table.c[column].in_(values[i : i + _CHUNK]))
        for i in range(0, len(values), _CHUNK)
    ]
    return pd.concat(parts, ignore_index=True) if parts else warehouse.read_table(table.name, sa.false())


def read_batch(warehouse: Warehouse, batch_ids: list[str]) -> CanonicalSnapshot:
    """Return the latest version of every record whose latest version came in one of `batch_ids`
    (deleted ones included, `deleted` set), with the whole status history of those event records."""
    frames = {
        name: _read_in(warehouse, RECORD_TABLES[record_type], "batch_id", batch_ids)
        for name, record_type in (
            ("events", "EventRecord"),
            ("person_mentions", "PersonMention"),
            ("place_mentions", "PlaceMention"),
        )
    }
    events = frames["events"]
    history = _read_in(warehouse, record_status_history, "record_id", sorted(set(events["record_id"])))
    history = history.merge(events[["source", "record_id"]].drop_duplicates(), on=["source", "record_id"])
    return CanonicalSnapshot(frames["events"], frames["person_mentions"], frames["place_mentions"], history)
