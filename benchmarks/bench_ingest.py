"""Benchmark ingestion from the four department systems of a simulated city.

Per source: records/s of the HTTP pull alone (1,000 records a page), and of the whole ingest
(pull, lake, mapping, quality gate, warehouse), wall-clock and the ingest process's own CPU time
(which the machine's load disturbs less). Then the city advances a day and the increment is
ingested; the warehouse is compared with what the city holds (exact, no duplicates).

The city is simulated, and its department systems served, in a child process, so the peak memory
and CPU time reported are the ingest's alone. `--warehouse postgresql` loads a PostgreSQL server
started for the run; `--runs N` repeats the whole benchmark on fresh warehouses and reports each
row's median. Run: `cityhub bench ingest --people 100000 --runs 3`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from multiprocessing.connection import Connection
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


def _serve_systems(city: Path, workdir: Path, people: int, seed: int, pipe: Connection) -> None:
    """In the child: simulate the city if needed, serve its systems a day before its end, send the
    variables that point at them, advance the clock when asked, stop when told."""
    if not (city / "manifest.json").exists():
        simulate_city(people=people, seed=seed, out=city)
    end = history_end(city)
    with DepartmentSystems(city, workdir, clock=end - dt.timedelta(days=1)) as systems:
        pipe.send(systems.environment())
        while pipe.recv() == "advance":
            systems.advance(end)
            pipe.send("advanced")


@contextmanager
def systems_apart(
    city: Path, workdir: Path, people: int, seed: int
) -> Iterator[tuple[dict[str, str], Connection]]:
    """Yield the variables of the city's systems, served by a child process, and the pipe that
    advances them a day ("advance"); the child stops on leaving."""
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=_serve_systems, args=(city, workdir, people, seed, theirs), daemon=True
    )
    child.start()
    try:
        yield ours.recv(), ours
    finally:
        ours.send("stop")
        child.join(timeout=30)
        if child.is_alive():
            child.terminate()


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


@contextmanager
def warehouse_at(kind: str, workdir: Path) -> Iterator[Warehouse]:
    """Yield an empty warehouse: a SQLite file, or a PostgreSQL server started for the run."""
    if kind == "sqlite":
        warehouse = Warehouse(f"sqlite:///{workdir}/warehouse.sqlite", workdir / "quarantine.key")
        warehouse.create_all()
        yield warehouse
        warehouse.engine.dispose()
        return
    from proving.servers.postgres import start_postgres

    server = start_postgres()  # its own folder, which the postgres user can reach
    try:
        warehouse = Warehouse(server.url, workdir / "quarantine.key")
        warehouse.create_all()
        yield warehouse
        warehouse.engine.dispose()
    finally:
        server.stop()


def _timed_ingest(
    specs: list[SourceSpec], warehouse: Warehouse, lake: Lake, variables: Mapping[str, str]
) -> dict[str, Any]:
    """Return the records, wall and CPU seconds (this process) and quarantined rows of an ingest."""
    cpu = time.process_time()
    with stopwatch() as elapsed:
        results = [r for spec in specs for r in ingest_source(spec, warehouse, lake, variables=variables)]
        seconds = elapsed()
    records = sum(r.extracted for r in results)
    return {
        "records": records,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "records_per_s": round(records / seconds),
        "quarantined": sum(r.quarantined for r in results),
    }


def run(people: int, seed: int, workdir: Path, warehouse_kind: str = "sqlite") -> list[dict[str, Any]]:
    """Return one row per source, a row for the whole city and one for the next day's increment."""
    city = workdir / f"city-{people}-{seed}"
    run_dir = Path(tempfile.mkdtemp(dir=workdir))
    rows: list[dict[str, Any]] = []
    with (
        systems_apart(city, run_dir / "systems", people, seed) as (variables, systems),
        warehouse_at(warehouse_kind, run_dir) as warehouse,
    ):
        lake = Lake(run_dir / "lake")
        specs = load_sources()
        for name in ("hotline", "grid"):
            rows.append(
                {"what": f"{name} HTTP pull only", "records_per_s": round(pull_rate(specs[name], variables))}
            )
        for name, spec in specs.items():
            rows.append({"what": f"{name} ingest", **_timed_ingest([spec], warehouse, lake, variables)})
        total = {k: sum(r[k] for r in rows[2:]) for k in ("records", "seconds", "cpu_seconds", "quarantined")}
        total["records_per_s"] = round(total["records"] / total["seconds"])
        rows.append({"what": "whole city ingest", **total})
        systems.send("advance")
        systems.recv()
        increment = _timed_ingest(list(specs.values()), warehouse, lake, variables)
        peak = round(peak_rss_mb())  # before the comparison below reads the city's truth
        matches, duplicates = city_matches(warehouse, city, history_end(city))
        rows.append(
            {
                "what": "next day's increment",
                **increment,
                "matches_city": matches,
                "duplicates": duplicates,
                "peak_rss_mb": peak,
            }
        )
    return rows


def medians(runs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Return each row with its numbers replaced by their median over the runs (flags: all must hold)."""
    merged = []
    for position, first in enumerate(runs[0]):
        row: dict[str, Any] = {}
        for key, value in first.items():
            values = [run[position].get(key) for run in runs]
            if isinstance(value, bool):
                row[key] = all(values)
            elif isinstance(value, int | float):
                middle = statistics.median(values)
                whole = all(isinstance(v, int) for v in values) and middle == int(middle)
                row[key] = int(middle) if whole else round(middle, 2)
            else:
                row[key] = value
        merged.append(row)
    return merged


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=1, help="repeat on fresh warehouses; report medians")
    parser.add_argument("--warehouse", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        runs = [run(args.people, args.seed, Path(folder), args.warehouse) for _ in range(args.runs)]
    rows = medians(runs)
    title = f"cityhub ingest, {args.people:,}-resident city, {args.warehouse}, median of {args.runs}"
    print_rows(title, rows)
    name = "ingest" if args.warehouse == "sqlite" else f"ingest_{args.warehouse}"
    parameters = {"people": args.people, "seed": args.seed, "runs": args.runs, "warehouse": args.warehouse}
    write_result(name, rows, {**parameters, "each_run": runs})


if __name__ == "__main__":
    main()
