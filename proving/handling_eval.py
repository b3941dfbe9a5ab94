"""`cityhub eval handling`: completion, on-time and satisfaction rates from the hub against the truth.

The hub sees a record's statuses only as its department's system shows them when it is asked, so
the city's systems are run at a clock that advances a day at a time and every source is ingested
after each step, as the daily DAGs would; fusion then resolves the warehouse once. The hub's rates
come from `resolved_cases`; the truth's (`truth/cases.parquet`) are recomputed as of the fusion
run, since a case open and not yet due is judged at that moment.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pandas as pd

from cityhub.config import Settings, get_settings
from entity_resolution.events.handling import handling_rates
from ontology.errors import BadInput

__all__ = ["evaluate_handling", "ingested_daily", "simulated_for_handling", "truth_as_of"]

RATES = ("completion_rate", "on_time_rate", "satisfaction_rate")


def simulated_for_handling(people: int, seed: int, noise: str, days: int, home: Path) -> Path:
    """Return the folder of the city `eval handling` simulates (once) under `home`."""
    from simulators.city import simulate_city

    folder = home / "eval" / f"city-{people}-{seed}-{noise}-{days}d"
    if not (folder / "manifest.json").is_file():
        simulate_city(people=people, seed=seed, out=folder, noise=noise, days=days)
    return folder


def ingested_daily(city: Path, home: Path, step_hours: int = 24) -> Settings:
    """Return the settings of a hub home holding `city` ingested step by step over its whole history
    (every `step_hours`) and resolved once; a second call with the same home reuses it."""
    from cityhub.lake import Lake
    from cityhub.pipeline import fusion
    from cityhub.pipeline.run import ingest_sources
    from cityhub.warehouse import Warehouse
    from cityhub.warehouse.migrate import upgrade
    from connectors.spec import load_sources
    from simulators.services.runner import DepartmentSystems, history_end

    settings = Settings(home=home, warehouse_url="", lake_dir=None, sources_dir=None)
    done = home / "handling.done"
    if done.is_file():
        return settings
    home.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_warehouse_url()
    upgrade(url)
    warehouse, lake = Warehouse(url), Lake(settings.resolved_lake_dir())
    manifest = json.loads((city / "manifest.json").read_text("utf-8"))
    clock = dt.datetime.fromisoformat(str(manifest["history_start"])[:10]) + dt.timedelta(hours=step_hours)
    end = history_end(city)
    specs = list(load_sources().values())
    with DepartmentSystems(city, home / "systems", clock=clock) as systems:
        variables = systems.environment()
        while True:
            systems.advance(min(clock, end))
            ingest_sources(specs, warehouse, lake, variables=variables)
            if clock >= end:
                break
            clock += dt.timedelta(hours=step_hours)
    for step in (fusion.standardise, fusion.check_quality, fusion.resolve):
        step(settings)
    done.touch()
    return settings


def truth_as_of(truth: pd.DataFrame, at: dt.datetime) -> pd.DataFrame:
    """Return the truth's cases or tickets with overdue and on_time judged at `at` (the hub's run)."""
    closed = truth["closed_at"].notna()
    late_closed = closed & (truth["closed_at"] > truth["due_at"])
    late_open = ~closed & (truth["due_at"] < pd.Timestamp(at))
    on_time = pd.Series(closed & ~late_closed, dtype=object).where(closed | late_open, None)
    return truth.assign(overdue=late_closed | late_open, on_time=on_time)


def evaluate_handling(
    people: int = 20_000,
    seed: int = 7,
    noise: str = "realistic",
    days: int = 120,
    settings: Settings | None = None,
) -> list[dict[str, object]]:
    """Return, per rate (completion, on time, satisfaction), the hub's value, the truth's and the gap in
    percentage points, for a city simulated with `days` of history and ingested a day at a time."""
    if days < 7:
        raise BadInput(f"eval handling --days {days}: a week of history at least")
    root = (settings or get_settings()).home
    city = simulated_for_handling(people, seed, noise, days, root)
    started = time.perf_counter()
    hub = ingested_daily(city, root / "eval" / f"handling-{people}-{seed}-{noise}-{days}d")
    seconds = time.perf_counter() - started
    from cityhub.pipeline.fusion import read_resolved
    from cityhub.warehouse import Warehouse

    warehouse = Warehouse(hub.resolved_warehouse_url())
    resolved = read_resolved(warehouse)
    at = pd.Timestamp(warehouse.read_table("resolved_cases")["changed_at"].max()).to_pydatetime()
    rows: list[dict[str, object]] = []
    for level, table, truth_file in (("case", "cases", "cases"), ("ticket", "events", "tickets")):
        found = handling_rates(resolved[table])
        expected = handling_rates(truth_as_of(pd.read_parquet(city / "truth" / f"{truth_file}.parquet"), at))
        rows += [
            {
                "level": level,
                "rate": name,
                "hub": round(100 * found[name], 2),
                "truth": round(100 * expected[name], 2),
                "gap_pp": round(100 * abs(found[name] - expected[name]), 2),
            }
            for name in RATES
        ]
        rows.append(
            {
                "level": level,
                "rate": "count",
                "hub": int(found["cases"]),
                "truth": int(expected["cases"]),
                "gap_pp": "",
            }
        )
    rows.append({"level": "", "rate": "seconds", "hub": round(seconds, 1), "truth": "", "gap_pp": ""})
    return rows
