"""Benchmark graph upserts and queries: Neo4j (a real server on this machine) and the embedded store.

A synthetic resolved city (people in rooms of a district > street > community > estate > building
> unit > room hierarchy, events in the four departments with their people, cases of several events)
is projected once (`graph.projection.project`, timed) and written into each store
(`graph.sync.write_batches`, 10,000 rows a call). Each store first writes and clears a small city
until the server's JIT compilers are nearly idle (`--warm-up-rounds` at most), so the numbers are
those of a running server rather than of a JVM still compiling: on Neo4j the C2 compiler took as
much CPU as the Bolt worker through the first three loads of a fresh JVM. The compiler CPU of
each measured phase is reported too (Linux: per-thread CPU from /proc). Reported per store:
nodes, relations, write seconds and nodes+relations per second for a full load, for writing
the same batches again (idempotent re-upsert) and for a full rebuild over the loaded graph
(`GraphStore.rebuilding`: readers never see it half done), each `--repeats` times with the graph
cleared in between, and their medians (the same run varied by a fifth on this shared machine);
then median and p95 milliseconds of person 360, address dossier of a building, neighbours at
depth 2 and shortest path between two people. Target: >= 20,000 nodes+relations/s on Neo4j.
The load average is recorded with the results: on a shared machine the numbers are lower bounds.

Run alone: `python -m benchmarks.bench_graph --nodes 200000`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.report import (
    RetryCount,
    jit_cpu_seconds,
    print_rows,
    process_tree_cpu_seconds,
    stopwatch,
    write_result,
)
from graph import GraphStore, NodeRef, open_graph, project, write_batches
from graph.projection import GraphBatches, ResolvedTables

SOURCES = ("hotline", "grid", "police", "petitions")
ROLES = ("caller", "party", "victim", "suspect", "petitioner", "witness")
NODES_PER_PERSON = 2.6  # people, places, events, records and cases a synthetic resident brings
QUERIES = 50
WARM_UP_NODES = 20_000
START = dt.datetime(2026, 1, 1)


def _places(people: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return places (district down to room, about one room per household of 3) and grids."""
    levels = [
        ("district", 5),
        ("street", 5),
        ("community", 4),
        ("estate", 3),
        ("building", 10),
        ("unit", 2),
        ("room", 6),
    ]
    rooms_wanted = max(people // 3, 1)
    fixed = int(np.prod([n for _, n in levels[1:]]))
    districts = max(1, -(-rooms_wanted // fixed))
    rows: list[tuple[str, str, str, str, str | None, str | None]] = []
    grids: list[tuple[str, str, str | None]] = []
    parents: list[str | None] = [None]
    for depth, (level, fan_out) in enumerate(levels):
        made: list[str] = []
        for parent in parents:
            for i in range(districts if depth == 0 else fan_out):
                place_id = f"{level[0].upper()}{len(rows):07d}"
                grid = f"G{len(rows) // 40:06d}" if level == "building" else None
                name = f"{level}{i + 1}"
                rows.append((place_id, level, name, f"{parent or ''}/{name}", parent, grid))
                made.append(place_id)
                if grid and (not grids or grids[-1][0] != grid):
                    grids.append((grid, f"网格{grid}", parent))
        parents = list(made)
    places = pd.DataFrame(rows, columns=["place_id", "level", "name", "full_address", "parent_id", "grid_id"])
    return places, pd.DataFrame(grids, columns=["grid_id", "name", "community_id"])


def synthetic_city(nodes: int, seed: int = 7) -> ResolvedTables:
    """Return resolved tables whose projection has about `nodes` nodes."""
    rng = np.random.default_rng(seed)
    n_people = max(int(nodes / NODES_PER_PERSON), 10)
    places, grids = _places(n_people, rng)
    rooms = places.loc[places["level"] == "room", "place_id"].to_numpy()
    person_ids = np.array([f"P{i:08d}" for i in range(n_people)])
    homes = rng.choice(rooms, n_people)
    people = pd.DataFrame(
        {
            "person_id": person_ids,
            "name": [f"居民{i}" for i in range(n_people)],
            "name_pinyin": None,
            "id_number": None,
            "gender": rng.choice(["M", "F"], n_people),
            "birth_date": dt.date(1980, 1, 1),
            "phones": [[] for _ in range(n_people)],
            "addresses": [[h] for h in homes],
            "first_seen": START,
            "last_seen": START,
        }
    )
    n_events = int(n_people * 0.45)
    sources = rng.choice(SOURCES, n_events)
    record_ids = [f"R{i:08d}" for i in range(n_events)]
    occurred = START + pd.to_timedelta(rng.integers(0, 365 * 24, n_events), unit="h")
    in_case = rng.random(n_events) < 0.4
    cases = [f"K{i // 2:07d}" if chosen else None for i, chosen in enumerate(in_case)]
    events = pd.DataFrame(
        {
            "event_id": [f"{s}:{r}" for s, r in zip(sources, record_ids, strict=True)],
            "source": sources,
            "record_id": record_ids,
            "category": "neighbour_dispute.noise",
            "occurred_at": occurred,
            "status": "received",
            "description": None,
            "address": None,
            "place_id": rng.choice(rooms, n_events),
            "case_id": cases,
            "updated_at": occurred + pd.Timedelta(hours=6),
        }
    )
    involved = pd.DataFrame(
        {
            "event_id": np.repeat(events["event_id"].to_numpy(), 2),
            "person_id": rng.choice(person_ids, n_events * 2),
            "role": rng.choice(ROLES, n_events * 2),
        }
    )
    involved = involved.drop_duplicates(["event_id", "person_id"])
    mentions = involved.merge(events[["event_id", "source", "record_id", "updated_at"]], on="event_id")
    mentions = mentions.assign(
        mention_id=range(len(mentions)), name=None, id_number=None, phone=None, address=None
    ).drop(columns=["event_id"])
    case_ids = pd.Series(cases).dropna().unique()
    case_table = pd.DataFrame(
        {
            "case_id": case_ids,
            "category": "neighbour_dispute.noise",
            "opened_at": START,
            "last_activity_at": START,
            "escalating": False,
            "escalation_reason": None,
            "sources": [[] for _ in case_ids],
        }
    )
    return ResolvedTables(
        people=people,
        person_mentions=mentions,
        places=places,
        grids=grids,
        events=events,
        event_people=involved,
        cases=case_table,
    )


def _latency(ask: Callable[[Any], object], keys: Sequence[Any]) -> tuple[float, float]:
    """Return median and p95 milliseconds of `ask` over `keys`."""
    times = []
    for key in keys:
        began = time.perf_counter()
        ask(key)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def _queries(store: GraphStore, tables: ResolvedTables) -> dict[str, float]:
    """Return median and p95 milliseconds of each query over the same random people and buildings."""
    rng = np.random.default_rng(1)
    assert tables.event_people is not None and tables.places is not None
    people = list(rng.choice(tables.event_people["person_id"].unique(), QUERIES))
    buildings = list(rng.choice(tables.places.loc[tables.places["level"] == "building", "place_id"], QUERIES))
    found: dict[str, float] = {}
    asks: dict[str, tuple[Callable[[Any], object], Sequence[Any]]] = {
        "person_360": (store.person_360, people),
        "dossier": (store.address_dossier, buildings),
        "neighbours_2": (lambda p: store.neighbours("Person", p, 2), people),
        "path": (
            lambda pair: store.shortest_path(NodeRef("Person", pair[0]), NodeRef("Person", pair[1])),
            list(zip(people[:20], people[20:40], strict=True)),
        ),
    }
    for name, (ask, keys) in asks.items():
        median, p95 = _latency(ask, keys)
        found[f"{name}_ms"], found[f"{name}_p95_ms"] = round(median, 2), round(p95, 2)
    return found


def _warm_up(store: GraphStore, server_pid: int | None, rounds: int) -> int:
    """Write a small city as the measured phases do and clear it until the JIT compilers are
    nearly idle; return the rounds run.

    A round is idle when the compiler threads used under a tenth of the server's CPU in it. Each
    phase runs its own statements (a rebuild's are stamped), so each is warmed, as on a hub that
    has projected before.
    """
    small = project(synthetic_city(WARM_UP_NODES, seed=1))
    store.ensure_schema()
    for done in range(1, rounds + 1):
        compiling, total = _jit_seconds(server_pid), _cpu_seconds(server_pid) if server_pid else 0.0
        _write_phases(store, small)
        store.clear()
        if server_pid is None:
            return done  # an embedded store has no JIT to warm
        if _jit_seconds(server_pid) - compiling < 0.1 * (_cpu_seconds(server_pid) - total):
            return done
    return rounds


PHASES = ("full load", "same batches again", "rebuild over it")


def _write_phase(store: GraphStore, batches: GraphBatches, phase: str) -> None:
    if phase == "rebuild over it":
        with store.rebuilding() as target:  # stamped upserts, then the sweep (or a file swap)
            write_batches(target, batches)
    else:
        write_batches(store, batches)


def _write_phases(store: GraphStore, batches: GraphBatches) -> None:
    for phase in PHASES:
        _write_phase(store, batches, phase)


def _jit_seconds(pid: int | None) -> float:
    return 0.0 if pid is None else jit_cpu_seconds(pid)


def _cpu_seconds(pid: int | None) -> float:
    """Return the CPU seconds process `pid` (and its children) has used, this process when None."""
    return time.process_time() if pid is None else process_tree_cpu_seconds(pid)


def _run(
    name: str,
    store: GraphStore,
    batches: GraphBatches,
    server_pid: int | None = None,
    warm_up_rounds: int = 6,
    repeats: int = 3,
) -> list[dict[str, Any]]:
    """Measure the phases `repeats` times over (the graph cleared in between); rows and medians."""
    warmed = _warm_up(store, server_pid, warm_up_rounds)
    retried = RetryCount()
    logging.getLogger("neo4j").addHandler(retried)
    rows = []
    for repeat in range(1, repeats + 1):
        if repeat > 1:
            store.clear()
        for what in PHASES:
            rows.append(
                _phase(name, store, batches, what, server_pid, retried)
                | {"repeat": repeat, "warm_up_rounds": warmed}
            )
    logging.getLogger("neo4j").removeHandler(retried)
    counts = store.counts()
    assert all(counts[label] == len(frame) for label, frame in batches.nodes.items()), counts
    medians = []
    for what in PHASES:
        rates = sorted(row["items_per_s"] for row in rows if row["what"] == what)
        medians.append(
            {
                "system": name,
                "what": f"{what}: median of {repeats}",
                "writers": store.writers,
                "items_per_s": rates[len(rates) // 2],
            }
        )
    return rows + medians


def _phase(
    name: str,
    store: GraphStore,
    batches: GraphBatches,
    what: str,
    server_pid: int | None,
    retried: RetryCount,
) -> dict[str, Any]:
    nodes = sum(len(frame) for frame in batches.nodes.values())
    relations = sum(len(frame) for frame in batches.relations.values())
    client, server = _cpu_seconds(None), _cpu_seconds(server_pid) if server_pid else 0.0
    compiling, retried.retries = _jit_seconds(server_pid), 0
    with stopwatch() as elapsed:
        _write_phase(store, batches, what)
        seconds = elapsed()
    print(f"{name}: {what} took {seconds:.1f} s", file=sys.stderr, flush=True)
    server_cpu = _cpu_seconds(server_pid) - server if server_pid else None
    jit_cpu = _jit_seconds(server_pid) - compiling if server_pid else None
    return {
        "system": name,
        "what": what,
        "nodes": nodes,
        "relations": relations,
        "seconds": round(seconds, 2),
        "items_per_s": round((nodes + relations) / seconds),
        "client_cpu_s": round(_cpu_seconds(None) - client, 1),
        "server_cpu_s": None if server_cpu is None else round(server_cpu, 1),
        "server_jit_cpu_s": None if jit_cpu is None else round(jit_cpu, 1),
        "writers": store.writers,
        "retried_transactions": retried.retries if server_pid else None,
        "load_1min": round(os.getloadavg()[0], 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=200_000, help="about how many nodes the city has")
    parser.add_argument(
        "--backend", choices=["embedded", "neo4j"], action="append", help="stores to measure (default: both)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--writers", type=int, default=3, help="Neo4j transactions at once (graph.lanes)")
    parser.add_argument("--repeats", type=int, default=3, help="measure the phases this many times")
    parser.add_argument(
        "--warm-up-rounds",
        type=int,
        default=6,
        help="at most this many writes of a small city before measuring (JIT warm-up)",
    )
    args = parser.parse_args(argv)
    backends = args.backend or ["embedded", "neo4j"]
    tables = synthetic_city(args.nodes, args.seed)
    with stopwatch() as elapsed:
        batches = project(tables)
        projected = elapsed()
    rows: list[dict[str, Any]] = [
        {
            "system": "projection",
            "what": "tables to batches",
            "nodes": sum(len(f) for f in batches.nodes.values()),
            "relations": sum(len(f) for f in batches.relations.values()),
            "seconds": round(projected, 2),
        }
    ]
    queries: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        if "embedded" in backends:
            with open_graph(Path(folder) / "graph.db") as store:
                rows += _run(
                    "embedded (SQLite)",
                    store,
                    batches,
                    warm_up_rounds=args.warm_up_rounds,
                    repeats=args.repeats,
                )
                queries.append({"system": "embedded (SQLite)", **_queries(store, tables)})
        if "neo4j" in backends:
            from proving.servers import start_neo4j

            with (
                start_neo4j(heap="2g", fast_start=False) as server,
                open_graph(server.url, writers=args.writers) as store,
            ):
                rows += _run(
                    "Neo4j 5.26", store, batches, server.process.pid, args.warm_up_rounds, args.repeats
                )
                queries.append({"system": "Neo4j 5.26", **_queries(store, tables)})
    print_rows("Graph upserts (nodes + relations per second)", rows)
    print_rows(f"Graph queries, milliseconds (median and p95 of {QUERIES})", queries)
    load = os.getloadavg()[0]
    parameters = {
        "nodes": args.nodes,
        "seed": args.seed,
        "backends": backends,
        "warm_up_rounds": args.warm_up_rounds,
        "writers": args.writers,
        "repeats": args.repeats,
        "warm_up_nodes": WARM_UP_NODES,
        "load_average_1min": round(load, 1),
    }
    path = write_result("graph", rows + queries, parameters)
    print(f"wrote {path} (load average {load:.1f} while measuring)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
