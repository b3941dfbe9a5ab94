"""Incremental fusion day by day, checked against a full re-resolve of the same warehouse.

A simulated city is ingested up to some days before the end of its history and fused in full; then,
day by day, the department systems' clock moves on a day, every source is ingested and the fusion
steps run incrementally (projections included), each day timed. At the end the warehouse is copied
and resolved again from scratch; the incremental and the full clusterings of person mentions into
people and of event records into cases are compared pair by pair (pairwise F1 between the two).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cityhub.config import Settings
from proving.scores import pairwise_scores

__all__ = ["DailyRun", "agreement", "fuse_daily", "full_reference"]


@dataclass(slots=True)
class DailyRun:
    """Seconds of the first full fusion and of every day's ingest and incremental fusion, with counts."""

    initial_seconds: float = 0.0
    days: list[dict[str, float]] = field(default_factory=list)


def _fuse(settings: Settings, full: bool) -> dict[str, float]:
    """Run the fusion DAG's steps in order; return each step's seconds and the resolve counts."""
    from cityhub.pipeline import fusion

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    counts = fusion.standardise(settings, full=full)
    seconds["standardise"] = time.perf_counter() - started
    for name, step in (
        ("quality", fusion.check_quality),
        ("resolve", fusion.resolve),
        ("project_graph", fusion.project_graph),
        ("project_search", fusion.project_search),
    ):
        begun = time.perf_counter()
        result = step(settings)
        seconds[name] = time.perf_counter() - begun
        if name == "resolve":
            counts = {**counts, **result}
    seconds["fusion"] = time.perf_counter() - started
    seconds["incremental"] = float(counts.get("incremental", 0))
    seconds["events changed"] = float(counts.get("events changed", 0))
    seconds["people changed"] = float(counts.get("people changed", 0))
    return seconds


def fuse_daily(
    city: Path, home: Path, days: int, say: Callable[[str], None] = lambda _: None, reconcile_every: int = 0
) -> tuple[Settings, DailyRun]:
    """Return the settings of `home` holding `city` fused in full up to `days` before its end, then
    ingested and fused incrementally a day at a time to the end (reconciled every `reconcile_every`
    days when > 0), and the seconds it took."""
    from cityhub.lake import Lake
    from cityhub.pipeline import fusion
    from cityhub.pipeline.run import ingest_sources
    from cityhub.warehouse import Warehouse
    from cityhub.warehouse.migrate import upgrade
    from connectors.spec import load_sources
    from proving.demo import return_free_memory
    from simulators.services.runner import DepartmentSystems, history_end

    settings = Settings(home=home, warehouse_url="", lake_dir=None, sources_dir=None)
    home.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_warehouse_url()
    upgrade(url)
    warehouse, lake = Warehouse(url), Lake(settings.resolved_lake_dir())
    end = history_end(city)
    clock = end - dt.timedelta(days=days)
    specs = list(load_sources().values())
    run = DailyRun()
    with DepartmentSystems(city, home / "systems", clock=clock) as systems:
        ingest_sources(specs, warehouse, lake, variables=systems.environment())
    # the systems' histories are not held under the full fusion (at a million residents they are
    # gigabytes), as in the demo; they open again at the same clock for the days
    return_free_memory()
    run.initial_seconds = _fuse(settings, full=True)["fusion"]
    say(f"{clock:%Y-%m-%d}: fused in full in {run.initial_seconds:.1f} s")
    return_free_memory()
    with DepartmentSystems(city, home / "systems", clock=clock) as systems:
        variables = systems.environment()
        for day in range(1, days + 1):
            clock += dt.timedelta(days=1)
            systems.advance(min(clock, end))
            started = time.perf_counter()
            ingest_sources(specs, warehouse, lake, variables=variables)
            ingest = time.perf_counter() - started
            seconds = {"day": float(day), "ingest": ingest, **_fuse(settings, full=False)}
            if reconcile_every and day % reconcile_every == 0:
                begun = time.perf_counter()
                fusion.reconcile(settings)
                seconds["reconcile"] = time.perf_counter() - begun
            run.days.append(seconds)
            say(
                f"{clock:%Y-%m-%d}: ingest {ingest:.1f} s, fusion {seconds['fusion']:.1f} s "
                f"(resolve {seconds['resolve']:.1f} s, {seconds['events changed']:.0f} events changed)"
            )
    return settings, run


def full_reference(settings: Settings, home: Path) -> Settings:
    """Return the settings of a copy of `settings`' warehouse at `home`, resolved again from scratch."""
    from cityhub.pipeline import fusion

    home.mkdir(parents=True, exist_ok=True)
    with (
        sqlite3.connect(settings.home / "warehouse.sqlite") as source,
        sqlite3.connect(home / "warehouse.sqlite") as copy,
    ):
        source.backup(copy)
    reference = Settings(home=home, warehouse_url="", lake_dir=None, sources_dir=None)
    fusion.standardise(reference, full=True)
    fusion.resolve(reference)
    return reference


def _clusters(settings: Settings) -> dict[str, pd.DataFrame]:
    from cityhub.warehouse import Warehouse

    warehouse = Warehouse(settings.resolved_warehouse_url())
    mentions = warehouse.read_table("resolved_person_mentions").dropna(subset=["person_id"])
    events = warehouse.read_table("resolved_events")
    return {
        "people": pd.DataFrame(
            {"record_id": mentions["source"] + ":" + mentions["mention_id"], "cluster": mentions["person_id"]}
        ),
        "cases": pd.DataFrame({"record_id": events["event_id"], "cluster": events["case_id"]}),
    }


def agreement(incremental: Settings, full: Settings) -> dict[str, float]:
    """Return pairwise precision, recall and F1 of the incremental clusterings against the full ones,
    for people (person mentions) and cases (event records), and the records compared."""
    ours, reference = _clusters(incremental), _clusters(full)
    result: dict[str, float] = {}
    for name in ("people", "cases"):
        common = set(ours[name]["record_id"]) & set(reference[name]["record_id"])
        a = ours[name][ours[name]["record_id"].isin(common)]
        b = reference[name][reference[name]["record_id"].isin(common)]
        scores = pairwise_scores(a, b)
        result[f"{name} records"] = float(len(common))
        result[f"{name} only one side"] = float(
            len(set(ours[name]["record_id"]) ^ set(reference[name]["record_id"]))
        )
        result[f"{name} precision"] = scores.precision
        result[f"{name} recall"] = scores.recall
        result[f"{name} f1"] = scores.f1
    return result


def summary(run: DailyRun) -> dict[str, float]:
    """Return the median and the largest seconds of a day's ingest and fusion."""
    frame = pd.DataFrame(run.days)
    return {
        "days": float(len(frame)),
        "initial full fusion s": run.initial_seconds,
        "day fusion median s": float(frame["fusion"].median()),
        "day fusion max s": float(frame["fusion"].max()),
        "day resolve median s": float(frame["resolve"].median()),
        "day ingest median s": float(frame["ingest"].median()),
    }


def as_json(run: DailyRun) -> str:
    """Return the run's days as JSON text."""
    return json.dumps({"initial_seconds": run.initial_seconds, "days": run.days})
