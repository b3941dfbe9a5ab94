"""Place resolution on a held-out city beside the tuning city: pairwise and B-cubed F1, time, memory.

cityhub bench places [--people 200000] [--tuning-seed 7 --tuning-noise realistic]
                     [--heldout-seed 2027 --heldout-noise hard] [--work DIR] [--city DIR]

The tuning city is the seed and noise profile place resolution was developed on; the held-out one
is a seed never used while tuning, with the `hard` profile (divisions the gazetteer does not know,
mixed granularity). Each city's event addresses are resolved in one process, grid codes included
(`proving.evaluation.evaluate_places`), and scored against the simulator's truth; `f1_gap` is tuning
F1 minus held-out F1. `--city DIR` scores one existing city instead.

False splits are measured apart from any simulator (`--names`): every community name of the
gazetteer without its level word (聚龙城社区 -> 聚龙城: communities are often named after an estate)
is written as an estate of a known district (重庆市沙坪坝区聚龙城3栋2单元501), and the names that do
not come back whole as the estate are counted. Writes benchmarks/results/bench_places.json.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import peak_rss_mb, print_rows, write_result
from normalize.address import parse_address
from ontology.gazetteer import load_gazetteer
from proving.evaluation import evaluate_places
from simulators.city import simulate_city

_LEVEL_WORD = re.compile(r"(?:社区居委会|社区居民委员会|居委会|村委会|村民委员会|社区|生活区)$")


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


def estate_names_read_back() -> dict[str, Any]:
    """Return how many gazetteer-derived estate names do not come back whole from the parser."""
    names = set()
    for division in load_gazetteer().by_level("community"):
        name = _LEVEL_WORD.sub("", division.name)
        if len(name) >= 3 and name.isalpha():
            names.add(name)
    start = time.perf_counter()
    parsed = {n: parse_address(f"重庆市沙坪坝区{n}3栋2单元501", "500100") for n in names}
    seconds = round(time.perf_counter() - start, 2)
    cut = sorted(n for n, p in parsed.items() if p.estate.replace("·", "") != n)
    by_division = [n for n in cut if parsed[n].street or parsed[n].community]
    return {
        "city": "gazetteer names as estates",
        "records": len(names),
        "seconds": seconds,
        "not_read_back": len(cut),
        "cut_at_a_division": len(by_division),
        "examples": " ".join(by_division[:: max(1, len(by_division) // 5)][:5]),
    }


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
    rows.append({"city": "f1_gap (tuning - held-out)", "f1": gap})
    return [*rows, estate_names_read_back()] if args.names else rows


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
    parser.add_argument(
        "--names", action="store_true", help="also count gazetteer names the parser does not read back whole"
    )
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
