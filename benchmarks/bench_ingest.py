"""Benchmark ingestion from the four department systems of a simulated city.

Per source: records/s of the HTTP pull alone (1,000 records a page), and of the whole ingest
(pull, lake, mapping, quality gate, warehouse). Then the city advances a day and the increment is
ingested; the warehouse is compared with what the city holds (exact, no duplicates).
Run: `cityhub bench ingest --people 100000`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from benchmarks.report import peak_rss_mb, print_rows, stopwatch, write_result
from cityhub.lake import Lake
from cityhub.pipeline.ingest import ingest_source
from cityhub.pipeline.readers import open_reader
from cityhub.warehouse import Warehouse
from connectors.spec import SourceSpec, load_sources
from simulators.city import simulate_city
from simulators.services.runner import ID_COLUMNS, DepartmentSystems, history_end

CHANNELS = {
    "hotline": ("hotline",),
    "grid": ("grid",),
    "police": ("police_incidents",),
    "petitions": ("petitions",),
}


def pull_rate(spec: SourceSpec, variables: Mapping[str, str]) -> float:
    """Return records/s of reading every page of the source's first stream (no processing)."""
    reader = open_reader(spec.source, spec.streams[0], variables)
    with stopwatch() as elapsed:
        count = sum(len(page) for page in reader.pages(""))
        seconds = elapsed()
    reader.close()
    return count / seconds


def city_matches(warehouse: Warehouse, city: Path, clock: dt.datetime) -> tuple[bool, int]:
    """Return (whether the warehouse holds exactly the city's records, duplicate keys found)."""
    events = warehouse.read_table("EventRecord")
    duplicates = int(events.duplicated(["source", "record_id"]).sum())
    truth = pq.read_table(city / "truth/records.parquet").to_pandas()
    broken = set(map(tuple, truth[truth["malformed"]][["source", "record_id"]].to_numpy()))
    for source, channels in CHANNELS.items():
        for channel in channels:
            frame = pq.read_table(city / "channels" / f"{channel}.parquet").to_pandas()
            frame = frame[pd.to_datetime(frame["updated_at"]) <= pd.Timestamp(clock)]
            latest = (
                frame.sort_values([ID_COLUMNS[channel], "version"])
                .drop_duplicates(ID_COLUMNS[channel], keep="last")
                .set_index(ID_COLUMNS[channel])
            )
            stored = events[events["source"] == source].set_index("record_id")
            wanted = sorted(r for r in latest.index if (source, r) not in broken)
            if not set(wanted) <= set(stored.index) or not set(stored.index) <= set(latest.index):
                return False, duplicates
            if not (
                pd.to_datetime(stored.loc[wanted, "updated_at"])
                == pd.to_datetime(latest.loc[wanted, "updated_at"])
            ).all():
                return False, duplicates
    return True, duplicates


def run(people: int, seed: int, workdir: Path) -> list[dict[str, Any]]:
    """Return one row per source and a row for the whole city."""
    city = workdir / f"city-{people}-{seed}"
    if not (city / "manifest.json").exists():
        simulate_city(people=people, seed=seed, out=city)
    warehouse = Warehouse(f"sqlite:///{workdir}/warehouse.sqlite")
    warehouse.create_all()
    lake = Lake(workdir / "lake")
    end = history_end(city)
    rows: list[dict[str, Any]] = []
    with DepartmentSystems(city, workdir / "systems", clock=end - dt.timedelta(days=1)) as systems:
        variables = systems.environment()
        specs = load_sources()
        for name in ("hotline", "grid"):
            rows.append(
                {
                    "what": f"{name} HTTP pull only",
                    "records": None,
                    "records_per_s": round(pull_rate(specs[name], variables)),
                }
            )
        total, total_seconds = 0, 0.0
        for name, spec in specs.items():
            with stopwatch() as elapsed:
                results = ingest_source(spec, warehouse, lake, variables=variables)
                seconds = elapsed()
            records = sum(r.extracted for r in results)
            total, total_seconds = total + records, total_seconds + seconds
            rows.append(
                {
                    "what": f"{name} ingest",
                    "records": records,
                    "seconds": round(seconds, 2),
                    "records_per_s": round(records / seconds),
                    "quarantined": sum(r.quarantined for r in results),
                }
            )
        rows.append(
            {
                "what": "whole city ingest",
                "records": total,
                "seconds": round(total_seconds, 2),
                "records_per_s": round(total / total_seconds),
            }
        )
        systems.advance(end)
        with stopwatch() as elapsed:
            increment = sum(
                r.extracted
                for spec in specs.values()
                for r in ingest_source(spec, warehouse, lake, variables=variables)
            )
            seconds = elapsed()
        matches, duplicates = city_matches(warehouse, city, end)
        rows.append(
            {
                "what": "next day's increment",
                "records": increment,
                "seconds": round(seconds, 2),
                "records_per_s": round(increment / seconds),
                "matches_city": matches,
                "duplicates": duplicates,
                "peak_rss_mb": round(peak_rss_mb()),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        rows = run(args.people, args.seed, Path(folder))
    print_rows(f"cityhub ingest, {args.people:,}-resident city", rows)
    write_result("ingest", rows, {"people": args.people, "seed": args.seed})


if __name__ == "__main__":
    main()
