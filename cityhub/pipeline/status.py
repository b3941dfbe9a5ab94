"""Where each source stands: watermark, last batch, records, quarantine, last error, age."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from cityhub.pipeline.ingest import lake_source
from cityhub.warehouse import Warehouse
from connectors.spec import SourceSpec


def _age(since: Any, now: dt.datetime) -> str:
    """Return how long ago `since` was, as `2d 3h`, `3h 12m` or `45s` ("never" for none)."""
    if since is None or pd.isna(since):
        return "never"
    seconds = int((now - pd.Timestamp(since).to_pydatetime()).total_seconds())
    days, rest = divmod(max(seconds, 0), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else (f"{minutes}m" if minutes else f"{seconds}s")


def _last_error(runs: pd.DataFrame, names: list[str]) -> str:
    """Return the newest error of the named runs (the stream, its source) that no later success
    of either cleared ("" if none)."""
    own = runs[runs["source"].isin(names)]
    found = own[own["last_error"].notna()].sort_values("last_error_at")
    if found.empty:
        return ""
    newest = found.iloc[-1]
    succeeded = own["last_ok_at"].dropna()
    if len(succeeded) and succeeded.max() > newest["last_error_at"]:
        return ""
    return f"{pd.Timestamp(newest['last_error_at']):%Y-%m-%d %H:%M} {newest['last_error']}"


def source_status(
    warehouse: Warehouse, specs: dict[str, SourceSpec], now: dt.datetime
) -> list[dict[str, object]]:
    """Return one row per configured stream: its watermark, last batch and when it was loaded,
    records accepted and rows quarantined over all its batches, its last error, and age."""
    batches = warehouse.read_table("batches")
    marks = warehouse.read_table("watermarks").set_index("source")["watermark"]
    quarantined = warehouse.read_table("quarantine")[["batch_id"]]
    runs = warehouse.read_table("source_runs")
    rows: list[dict[str, object]] = []
    for spec in sorted(specs.values(), key=lambda s: s.source):
        for stream in spec.streams:
            key = lake_source(spec, stream)
            own = batches[batches["source"] == key].sort_values("loaded_at")
            last = own.iloc[-1] if len(own) else None
            rows.append(
                {
                    "stream": key,
                    "watermark": marks.get(key, "") or "-",
                    "last batch": "-" if last is None else f"{last['batch_id']}",
                    "loaded": "-" if last is None else f"{pd.Timestamp(last['loaded_at']):%Y-%m-%d %H:%M}",
                    "age": _age(None if last is None else last["loaded_at"], now),
                    "records": int(own["accepted"].sum()),
                    "quarantined": int(quarantined["batch_id"].isin(own["batch_id"]).sum()),
                    "last error": _last_error(runs, [key, spec.source]) or "-",
                }
            )
    return rows
