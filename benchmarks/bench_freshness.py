"""Benchmark freshness: seconds from triggering the hotline ingest DAG until a new call about a
known resident is searchable and listed on that person's 360 under the same person_id.

Reuses a demo home (`--home`, default the one `make demo` builds) or runs the demo there first,
then lets a resident call the hotline again and runs the hotline ingest DAG and the fusion DAG
through Airflow in this process (see `proving.freshness`), `--calls` times (20 by default), each
call from another known resident; the p95 over the calls is what counts. Target: 30 s.
`--people N` builds (once) and reuses a demo home of N residents (`.cityhub/freshness-N` unless
`--home` is given); the fusion runs are incremental, so the seconds grow with the news, not the city.

Run alone: `python -m benchmarks.bench_freshness --people 100000`.
"""

from __future__ import annotations

import argparse
import math
import statistics
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks.report import print_rows, write_result
from cityhub.orchestration import FUSION_STEPS


def stage_rows(result: Any, target: float) -> list[dict[str, Any]]:
    """Return one row per stage: its own seconds and the seconds since the trigger."""
    ingest, fusion = result.ingest_dag_seconds, result.fusion_dag_seconds
    rows = [
        {
            "what": "poll before the call (ingest + fusion; not counted)",
            "seconds": result.previous_cycle_seconds or None,
            "since trigger": None,
        },
        {"what": "hotline ingest DAG", "seconds": ingest, "since trigger": ingest},
        *(
            {
                "what": f"  fusion task {task}",
                "seconds": result.fusion_task_seconds[task],
                "since trigger": None,
            }
            for task in FUSION_STEPS
            if task in result.fusion_task_seconds
        ),
        {"what": "fusion DAG", "seconds": fusion, "since trigger": ingest + fusion},
        {
            "what": "searchable (case found by the call's text)",
            "seconds": None,
            "since trigger": result.searchable_seconds,
        },
        {
            "what": "attached (on the 360 of the same person_id)",
            "seconds": None,
            "since trigger": result.attached_seconds,
        },
    ]
    for row in rows[-2:]:
        done = row["since trigger"]
        row["within target"] = "no (never)" if done is None else ("yes" if done <= target else "no")
    return rows


def _p95(values: list[float | None]) -> float | None:
    """Return the 95th percentile (nearest rank) of the values; a call never seen counts as infinite."""
    if not values:
        return None
    ordered = sorted(float("inf") if v is None else v for v in values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def call_rows(results: list[Any], target: float) -> list[dict[str, Any]]:
    """Return one row per call, then the median, p95 and largest of each column."""
    rows = [
        {
            "call": r.ticket_id,
            "ingest DAG": r.ingest_dag_seconds,
            "fusion DAG": r.fusion_dag_seconds,
            "resolve": r.fusion_task_seconds.get("resolve"),
            "searchable": r.searchable_seconds,
            "attached": r.attached_seconds,
            "CPU": r.cpu_seconds,
            "fusion CPU": r.fusion_cpu_seconds,
            "same person": r.person_id_after == r.person_id_before,
            "load": r.load_average_1m,
        }
        for r in results
    ]
    columns = ["ingest DAG", "fusion DAG", "resolve", "searchable", "attached", "CPU", "fusion CPU"]
    for label, pick in (
        ("median", lambda v: statistics.median(float("inf") if x is None else x for x in v)),
        ("p95", _p95),
        ("max", lambda v: max(float("inf") if x is None else x for x in v)),
    ):
        row: dict[str, Any] = {"call": label}
        row.update({c: pick([r[c] for r in rows]) for c in columns})
        rows.append(row)
    p95 = rows[-2]
    p95["same person"] = all(r["same person"] for r in rows[: len(results)])
    p95["load"] = f"within {target:.0f} s: " + (
        "yes" if max(p95["searchable"], p95["attached"]) <= target else "no"
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    from proving.freshness import TARGET_SECONDS, as_row, measure_calls, measure_freshness

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--home",
        type=Path,
        default=None,
        help="demo home to reuse (the demo runs there first if it has no resolved city); default "
        ".cityhub/demo at 5,000 residents, else .cityhub/freshness-N",
    )
    parser.add_argument("--people", type=int, default=5_000, help="residents, when the demo has to run first")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--calls", type=int, default=20, help="new calls measured one after another")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="one call, no poll before it: first imports and caches count, as in a fresh process",
    )
    parser.add_argument(
        "--out-dir", type=Path, default=None, help="folder of the JSON (default benchmarks/results)"
    )
    args = parser.parse_args(argv)
    home = args.home or Path(".cityhub/demo" if args.people == 5_000 else f".cityhub/freshness-{args.people}")
    console = Console(stderr=True)
    say = lambda line: console.print(line)  # noqa: E731
    details = {"home": str(home), "people": args.people, "seed": args.seed, "cold": args.cold}
    if args.cold or args.calls <= 1:
        result = measure_freshness(home, args.people, args.seed, say, warm=not args.cold)
        rows = stage_rows(result, TARGET_SECONDS)
        print_rows(f"freshness of hotline call {result.ticket_id} (target {TARGET_SECONDS:.0f} s)", rows)
        details["result"] = as_row(result)
    else:
        results = measure_calls(home, args.people, args.seed, say, args.calls)
        rows = call_rows(results, TARGET_SECONDS)
        print_rows(
            f"freshness of {len(results)} hotline calls, {args.people:,} residents "
            f"(target p95 {TARGET_SECONDS:.0f} s)",
            rows,
        )
        details["results"] = [as_row(r) for r in results]
    name = (
        "freshness_cold"
        if args.cold
        else ("freshness" if args.calls <= 1 else f"freshness_calls_{args.people}")
    )
    write_result(name, rows, {**details, "target_seconds": TARGET_SECONDS}, out_dir=args.out_dir)


if __name__ == "__main__":
    main()
