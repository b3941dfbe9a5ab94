"""Place resolution on a held-out city beside the tuning city: pairwise and B-cubed F1, time, memory.

cityhub bench places [--people 200000] [--tuning-seed 7 --tuning-noise realistic]
                     [--heldout-seed 2027 --heldout-noise hard] [--work DIR] [--city DIR]

The tuning city is the seed and noise profile place resolution was developed on; the held-out one
is a seed never used while tuning, with the `hard` profile (divisions the gazetteer does not know,
mixed granularity). Each city's event addresses are resolved in one process, grid codes included
(`proving.evaluation.evaluate_places`), and scored against the simulator's truth; `f1_gap` is tuning
F1 minus held-out F1. `--city DIR` scores one existing city instead. Writes
benchmarks/results/bench_places.json.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.report import peak_rss_mb, print_rows, write_result
from proving.evaluation import evaluate_places
from simulators.city import simulate_city


def _city(work: Path, people: int, seed: int, noise: str) -> Path:
    """Return the folder of a simulated city under `work`, simulating it unless it is there."""
    root = work / f"city-{people}-{seed}-{noise}"
    if not (root / "manifest.json").is_file():
        simulate_city(people=people, seed=seed, out=root, noise=noise)
    return root


def measure(root: Path, label: str, people: int) -> dict[str, Any]:
    """Return the scores of place resolution on one city, labelled."""
    (row,) = evaluate_places(root)
    return {"city": label, **row, "people": people, "peak_mb": round(peak_rss_mb())}


def run(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    """Return one row per city (tuning, held-out) and a row with the F1 gap."""
    if args.city is not None:
        return [measure(args.city, args.city.name, args.people)]
    rows = [
        measure(_city(work, args.people, seed, noise), f"{label}: seed {seed}, {noise}", args.people)
        for label, seed, noise in (
            ("tuning", args.tuning_seed, args.tuning_noise),
            ("held-out", args.heldout_seed, args.heldout_noise),
        )
    ]
    gap = round(float(rows[0]["f1"]) - float(rows[1]["f1"]), 4)
    return [*rows, {"city": "f1_gap (tuning - held-out)", "f1": gap}]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=200_000, help="residents of each simulated city")
    parser.add_argument("--tuning-seed", type=int, default=7)
    parser.add_argument("--tuning-noise", default="realistic")
    parser.add_argument("--heldout-seed", type=int, default=2027)
    parser.add_argument("--heldout-noise", default="hard")
    parser.add_argument("--work", type=Path, default=None, help="keep the simulated cities here")
    parser.add_argument("--city", type=Path, default=None, help="score one existing simulated city only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        work = args.work or Path(folder)
        work.mkdir(parents=True, exist_ok=True)
        rows = run(args, work)
    print_rows("place resolution, held-out city beside the tuning city", rows)
    parameters = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "work"}
    print(write_result("bench_places", rows, parameters))


if __name__ == "__main__":
    main()
