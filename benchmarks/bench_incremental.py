"""Benchmark incremental fusion: a simulated city fused in full, then ingested and fused a day at a
time for `--increments` days; the result is compared with a full re-resolve of the same warehouse
(pairwise F1 between the two clusterings, for people and for cases; target >= 0.995) and each day's
fusion (all four sources' increment: standardise, quality, resolve, graph and search) is timed
(target <= 60 s).

`--city DIR` reuses a simulated city folder (e.g. the one a freshness home holds) instead of
simulating one; `--no-reference` leaves out the full re-resolve, for a large city where only the day's
seconds are wanted (the agreement is then not measured).

Run alone: `python -m benchmarks.bench_incremental --people 20000 --increments 30`.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks.report import peak_rss_mb, print_rows, write_result

F1_TARGET = 0.995
DAY_TARGET_SECONDS = 60.0


def main(argv: list[str] | None = None) -> None:
    from proving.incremental import agreement, full_reference, fuse_daily, summary
    from simulators.city import simulate_city

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=365, help="days of simulated history")
    parser.add_argument("--increments", type=int, default=30, help="days fused incrementally at the end")
    parser.add_argument("--reconcile-every", type=int, default=0, help="reconcile every N days (0: never)")
    parser.add_argument("--work", type=Path, default=Path(".cityhub/bench-incremental"))
    parser.add_argument("--city", type=Path, default=None, help="simulated city folder to reuse")
    parser.add_argument(
        "--no-reference",
        dest="reference",
        action="store_false",
        help="skip the full re-resolve of the end state (no agreement rows)",
    )
    parser.add_argument("--out-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    city = args.city or args.work / f"city-{args.people}-{args.seed}-{args.days}d"
    if not (city / "manifest.json").is_file():
        simulate_city(people=args.people, seed=args.seed, out=city, days=args.days)
    home = args.work / f"home-{args.people}-{args.seed}-{args.increments}-r{args.reconcile_every}"
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(home.with_name(home.name + "-full"), ignore_errors=True)
    settings, run = fuse_daily(
        city,
        home,
        args.increments,
        say=lambda line: console.print(line),
        reconcile_every=args.reconcile_every,
    )
    timing = summary(run)
    rows = day_rows(timing)
    if args.reference:
        started = time.perf_counter()
        reference = full_reference(settings, home.with_name(home.name + "-full"))
        full_seconds = time.perf_counter() - started
        rows = agreement_rows(agreement(settings, reference)) + rows
        rows.append({"what": "full re-resolve of the end state s", "value": full_seconds, "target": None})
    rows.append({"what": "peak memory MB", "value": peak_rss_mb(), "target": None})
    for row in rows:
        target = row["target"]
        if target is not None:
            better = row["value"] >= target if "F1" in row["what"] else row["value"] <= target
            row["holds"] = "yes" if better else "no"
    print_rows(
        f"incremental fusion: {args.people:,} residents, {args.increments} daily increments "
        f"(reconcile every {args.reconcile_every or 'never'})",
        rows,
    )
    name = f"incremental_{args.people}" + ("" if args.seed == 7 else f"_seed{args.seed}")
    write_result(
        name + ("" if args.reference else f"_days{args.increments}"),
        rows,
        {
            **vars(args),
            "work": str(args.work),
            "city": str(city),
            "out_dir": None,
            "days_seconds": run.days,
        },
        out_dir=args.out_dir,
    )


def agreement_rows(scores: dict[str, float]) -> list[dict[str, Any]]:
    """Return the pairwise agreement rows of incremental against full, for people and cases."""
    rows: list[dict[str, Any]] = [
        {
            "what": f"{name} pairwise F1, incremental vs full",
            "value": scores[f"{name} f1"],
            "target": F1_TARGET,
        }
        for name in ("people", "cases")
    ]
    rows += [
        {"what": f"{name} {part}", "value": scores[f"{name} {part}"], "target": None}
        for name in ("people", "cases")
        for part in ("precision", "recall", "records")
    ]
    return rows


def day_rows(timing: dict[str, float]) -> list[dict[str, Any]]:
    """Return the rows of a day's fusion seconds and of the first full fusion."""
    return [
        {
            "what": "a day's fusion, median s",
            "value": timing["day fusion median s"],
            "target": DAY_TARGET_SECONDS,
        },
        {
            "what": "a day's fusion, largest s",
            "value": timing["day fusion max s"],
            "target": DAY_TARGET_SECONDS,
        },
        {"what": "a day's resolve, median s", "value": timing["day resolve median s"], "target": None},
        {"what": "a day's ingest, median s", "value": timing["day ingest median s"], "target": None},
        {"what": "first full fusion s", "value": timing["initial full fusion s"], "target": None},
    ]


if __name__ == "__main__":
    main()
