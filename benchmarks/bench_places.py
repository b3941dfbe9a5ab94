"""Place resolution on simulated cities: pairwise and B-cubed F1 of event addresses, time and memory.

cityhub bench places --people 200000 [--city DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.report import peak_rss_mb, print_rows, write_result
from proving.evaluation import evaluate_places
from simulators.city import simulate_city


def run(people: int, seed: int, city: Path | None) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as folder:
        root = city or Path(folder)
        if city is None:
            simulate_city(people=people, seed=seed, out=root)
        rows = evaluate_places(root)
    return [{**row, "people": people, "peak_mb": round(peak_rss_mb())} for row in rows]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=200_000, help="residents of the simulated city")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--city", type=Path, default=None, help="an existing simulated city (skips simulation)"
    )
    args = parser.parse_args(argv)
    rows = run(args.people, args.seed, args.city)
    print_rows("place resolution", rows)
    print(write_result("bench_places", rows, {"people": args.people, "seed": args.seed}))


if __name__ == "__main__":
    main()
