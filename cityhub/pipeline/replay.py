"""Replay quarantined rows after a mapping fix: map and check the kept raw rows again, load the
ones that pass and release them from quarantine, counting them accepted in their batch, so that
extracted = accepted + quarantined still holds for every batch. Watermarks do not move.

Rows no mapping can cure (a malformed line, an empty or repeated record ID) are not replayed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from cityhub.pipeline.ingest import judge_rows, lake_source, load_accepted
from cityhub.warehouse import Warehouse
from cityhub.warehouse.schema import batches, quarantine
from connectors.spec import SourceSpec, Stream
from ontology.errors import NotFound


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """What replaying one batch's quarantined rows did."""

    source: str
    batch_id: str
    replayed: int
    accepted: int
    still_quarantined: int


def _stream_of(spec: SourceSpec, key: str) -> Stream:
    """Return the stream of a source whose batches go under `key` (its lake name)."""
    for stream in spec.streams:
        if lake_source(spec, stream) == key:
            return stream
    raise NotFound(f"{spec.source}: no stream loads batches under {key!r}")


def replay_quarantine(
    warehouse: Warehouse, specs: dict[str, SourceSpec], source: str | None = None
) -> list[ReplayResult]:
    """Return, per batch, what replaying the quarantined rows (of one source, or all) did."""
    where: sa.ColumnElement[bool] = quarantine.c.replayable.is_(True)
    if source is not None:
        where = where & (quarantine.c.source == source)
    kept = warehouse.unsealed_quarantine(where)
    if kept.empty:
        return []
    keys = warehouse.read_table("batches", batches.c.batch_id.in_(sorted(set(kept["batch_id"]))))
    key_of = dict(zip(keys["batch_id"], keys["source"], strict=True))
    now = dt.datetime.now().replace(microsecond=0)
    results = []
    for (name, batch_id), group in kept.groupby(["source", "batch_id"], sort=True):
        if str(name) not in specs:
            raise NotFound(f"quarantine holds rows of {name!r}, which is not a configured source")
        spec = specs[str(name)]
        stream = _stream_of(spec, key_of.get(batch_id, spec.source))
        results.append(_replay_batch(warehouse, spec, stream, str(batch_id), group, now))
    return results


def _replay_batch(
    warehouse: Warehouse,
    spec: SourceSpec,
    stream: Stream,
    batch_id: str,
    group: pd.DataFrame,
    now: dt.datetime,
) -> ReplayResult:
    """Return what replaying one batch's rows did: load what passes, release it, note the rest."""
    group = group.sort_values("row_number")
    row_numbers = [int(n) for n in group["row_number"]]
    judgement = judge_rows(spec, stream, list(group["row"]), batch_id, now)
    load_accepted(warehouse, judgement)
    passed = [n for position, n in enumerate(row_numbers) if position not in judgement.reasons]
    warehouse.release_quarantined(spec.source, batch_id, passed)
    still = {
        row_numbers[position]: "; ".join(dict.fromkeys(reasons))
        for position, reasons in judgement.reasons.items()
    }
    warehouse.requarantine(spec.source, batch_id, still)
    return ReplayResult(spec.source, batch_id, len(row_numbers), len(passed), len(still))


def quarantine_where(source: str | None, batch_id: str | None) -> sa.ColumnElement[bool]:
    """Return the filter of quarantined rows of a source and batch (either may be None: any)."""
    where: sa.ColumnElement[bool] = sa.true()
    if source is not None:
        where = where & (quarantine.c.source == source)
    if batch_id is not None:
        where = where & (quarantine.c.batch_id == batch_id)
    return where
