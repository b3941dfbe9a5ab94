"""Benchmark freshness: seconds from triggering the hotline ingest DAG until a new call about a
known resident is searchable and listed on that person's 360 under the same person_id.

Reuses a demo home (`--home`, default the one `make demo` builds) or runs the demo there first,
then lets a resident call the hotline again and runs the hotline ingest DAG and the fusion DAG
through Airflow in this process (see `proving.freshness`). Target: 60 s.

Run alone: `python -m benchmarks.bench_freshness --home .cityhub/demo`.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> None:
    from proving.freshness import TARGET_SECONDS, as_row, measure_freshness

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--home",
        type=Path,
        default=Path(".cityhub/demo"),
        help="demo home to reuse (the demo runs there first if it has no resolved city)",
    )
    parser.add_argument("--people", type=int, default=5_000, help="residents, when the demo has to run first")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--cold",
        action="store_true",
        help="no poll before the call: first imports and caches count, as in a fresh process",
    )
    parser.add_argument(
        "--out-dir", type=Path, default=None, help="folder of the JSON (default benchmarks/results)"
    )
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    result = measure_freshness(
        args.home, args.people, args.seed, lambda line: console.print(line), warm=not args.cold
    )
    rows = stage_rows(result, TARGET_SECONDS)
    print_rows(f"freshness of hotline call {result.ticket_id} (target {TARGET_SECONDS:.0f} s)", rows)
    console.print(
        f"person {result.person_id_before} before, {result.person_id_after} after; found before "
        f"the trigger: {result.seen_before_trigger}; cpu {result.cpu_seconds:.1f} s from the "
        f"trigger; load average (1 min) {result.load_average_1m:.1f}"
    )
    write_result(
        "freshness_cold" if args.cold else "freshness",
        rows,
        {
            "home": str(args.home),
            "people": args.people,
            "seed": args.seed,
            "cold": args.cold,
            "target_seconds": TARGET_SECONDS,
            "result": as_row(result),
        },
        out_dir=args.out_dir,
    )


if __name__ == "__main__":
    main()
