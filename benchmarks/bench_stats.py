"""Benchmark the statistics queries: p95 latency over a year of a city, embedded (SQLite). Target 200 ms.

By default the city's resolved tables are written directly (`benchmarks.stats_city`: a year of a
`--people` city at the simulator's proportions), the fusion run's operations step rebuilds the
aggregates and alerts from them (timed), and each query below runs `--repeats` times through
`cityhub.stats.query.StatsQuery`, as the API calls it. `--home` reuses a hub home that fusion
has resolved (a demo home, a fused simulated city) instead.

    cityhub bench stats --people 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.report import peak_rss_mb, print_rows, write_result

TARGET_MS = 200.0


def queries(query: Any, end: dt.date) -> dict[str, Callable[[], Any]]:
    """Return the timed statistics queries over the year ending `end`."""
    from cityhub.stats.query import StatsFilter

    year = StatsFilter(start=(end - dt.timedelta(days=364)), end=end)
    months = StatsFilter(
        start=dt.date(end.year - 1, end.month, 1) + dt.timedelta(days=32),
        end=end.replace(day=1) - dt.timedelta(days=1),
    )
    months = StatsFilter(start=months.start.replace(day=1) if months.start else None, end=months.end)  # type: ignore[union-attr]
    leader = StatsFilter(start=year.start, end=end, sources=("hotline", "grid", "petitions"))
    district = query.district_ids(["沙坪坝区"]) or ("500106",)
    staff = StatsFilter(start=year.start, end=end, sources=("hotline", "grid"), districts=district)
    august = StatsFilter(start=dt.date(end.year, 8, 1), end=dt.date(end.year, 8, 31))
    return {
        "year by district (days at both ends)": lambda: query.counts(["district"], year),
        "12 whole months by category": lambda: query.counts(["category"], months),
        "year by department, rates (leader's sources)": lambda: query.counts(["department"], leader),
        "year by community": lambda: query.counts(["community"], year),
        "year by street and major category": lambda: query.counts(["street", "major"], year),
        "year by grid, one category": lambda: query.counts(
            ["grid"], StatsFilter(year.start, end, category="city_appearance")
        ),
        "year by month and source (area-limited)": lambda: query.counts(["month", "source"], staff),
        "month by district with mom and yoy": lambda: query.compare(["district"], august),
        "year by source and month, compared": lambda: query.compare(["source", "month"], year),
        "events per 10,000 residents": lambda: query.per_10k(year),
        "hot-spot places (year)": lambda: query.hotspots("place", year, 2, 20),
        "hot-spot people (year)": lambda: query.hotspots("person", year, 2, 20),
    }


def _time(run: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    """Return the first call's milliseconds (cold pages, reported apart) and the repeats'."""
    started = time.perf_counter()
    run()  # the first call reads cold pages; officials' queries hit a warm database
    first = (time.perf_counter() - started) * 1000
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        out.append((time.perf_counter() - started) * 1000)
    return first, out


def _refreshed(settings: Any) -> dict[str, Any]:
    """Run the operations step a fusion run adds and return its row (time, rows written)."""
    from cityhub.pipeline.operations import refresh_operations

    started = time.perf_counter()
    refreshed = refresh_operations(settings)
    return {
        "what": "operations step (aggregates + alerts)",
        "ms": round((time.perf_counter() - started) * 1000),
        "daily rows": refreshed.get("stats_daily"),
        "monthly rows": refreshed.get("stats_monthly"),
        "quarterly rows": refreshed.get("stats_quarterly"),
        "alerts": refreshed.get("alerts new", 0) + refreshed.get("alerts kept", 0),
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def run(
    people: int,
    seed: int,
    repeats: int,
    home: Path | None,
    workdir: Path | None,
    refresh: bool = True,
) -> dict[str, Any]:
    """Return the benchmark's rows and parameters."""
    from cityhub.config import Settings
    from cityhub.stats.query import StatsQuery
    from cityhub.warehouse import Warehouse

    rows: list[dict[str, Any]] = []
    end = dt.date(2026, 11, 20)
    if home is None:
        from benchmarks.stats_city import write_city

        home = Path(tempfile.mkdtemp(prefix="bench-stats-", dir=workdir))
        started = time.perf_counter()
        written = write_city(home, people, seed, end)
        rows.append(
            {"what": "write resolved tables", "ms": round((time.perf_counter() - started) * 1000), **written}
        )
    settings = Settings(home=home, warehouse_url="")
    if refresh:
        rows.append(_refreshed(settings))

    # answers kept by the API's query object would make every repeat a lookup: each repeat counts afresh
    query = StatsQuery(Warehouse(settings.resolved_warehouse_url()), keep_answers=False)
    every: list[float] = []
    firsts: list[float] = []
    for name, call in queries(query, end).items():
        first, times = _time(call, repeats)
        every += times
        firsts.append(first)
        rows.append(
            {
                "what": name,
                "p50 ms": round(statistics.median(times), 1),
                "p95 ms": round(_p95(times), 1),
                "max ms": round(max(times), 1),
                "first call ms": round(first, 1),
            }
        )
    rows.append(
        {
            "what": "all queries",
            "p50 ms": round(statistics.median(every), 1),
            "p95 ms": round(_p95(every), 1),
            "within target": "yes" if _p95(every) <= TARGET_MS else "no",
            "first call ms": round(max(firsts), 1),
            "peak MB": round(peak_rss_mb()),
        }
    )
    return {
        "rows": rows,
        "parameters": {"people": people, "seed": seed, "repeats": repeats, "home": str(home)},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000, help="residents of the written city")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=20, help="timed runs of each query")
    parser.add_argument("--home", type=Path, default=None, help="a resolved hub home to query instead")
    parser.add_argument("--workdir", type=Path, default=None, help="folder for the written city's home")
    parser.add_argument(
        "--out-dir", type=Path, default=None, help="folder of the JSON (default benchmarks/results)"
    )
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="with --home: time the queries on its aggregates as they are, without the operations step",
    )
    args = parser.parse_args(argv)
    if args.queries_only and args.home is None:
        parser.error("--queries-only needs --home")
    result = run(args.people, args.seed, args.repeats, args.home, args.workdir, refresh=not args.queries_only)
    print_rows(f"statistics queries (target p95 <= {TARGET_MS:.0f} ms)", result["rows"])
    print(write_result("stats", result["rows"], result["parameters"], args.out_dir))


if __name__ == "__main__":
    main()
