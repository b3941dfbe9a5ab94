"""Benchmark `cityhub simulate`: wall time, peak memory and records per channel for a city size.

The simulation runs in a child process so its peak resident memory is its own.
Run alone: `python -m benchmarks.bench_simulate --people 100000 --people 1000000`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.report import print_rows, stopwatch, write_result

_CHILD = """
import json, resource, sys
from pathlib import Path
from simulators.city import simulate_city
people, seed, out, noise = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
counts = simulate_city(people=people, seed=seed, out=out, noise=noise)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"counts": counts, "peak_rss_mb": peak}))
"""
CHANNELS = ("hotline", "grid", "police_incidents", "police_persons", "petitions")


def run(people: int, seed: int, workdir: Path, noise: str = "realistic") -> dict[str, Any]:
    """Simulate a city of `people` into `workdir`; return seconds, peak RSS (MB) and rows per table."""
    out = workdir / f"city-{people}-{seed}-{noise}"
    with stopwatch() as elapsed:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(people), str(seed), str(out), noise],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = elapsed()
    report = json.loads(done.stdout.strip().splitlines()[-1])
    counts: dict[str, int] = report["counts"]
    return {
        "people": people,
        "noise": noise,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(report["peak_rss_mb"], 1),
        "incidents": counts["incidents"],
        "records": counts["records"],
        **{f"{channel}_rows": counts[channel] for channel in CHANNELS},
        "disk_mb": round(sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, action="append", help="city size (repeatable); default 100000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise", action="append", help="profile (repeatable); default realistic")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        rows = [
            run(n, args.seed, Path(folder), noise)
            for n in (args.people or [100_000])
            for noise in (args.noise or ["realistic"])
        ]
    print_rows("cityhub simulate", rows)
    write_result("simulate", rows, {"seed": args.seed, "noise": args.noise or ["realistic"]})


if __name__ == "__main__":
    main()
