"""Resolution on a held-out city beside the tuning city, through the CLI a user runs.

cityhub bench heldout [--people 10000] [--tuning-seed 7 --tuning-noise realistic]
                      [--heldout-seed 2027 --heldout-noise hard] [--work DIR] [--search]

Two cities are simulated: the tuning city (the seed and profile the resolvers were developed on)
and a held-out one (a seed never used while tuning, and the `hard` profile). Each is exported as
the input files of `cityhub resolve people|places|events` (`proving.heldout`), the CLI runs as a
whole process on each file, and its output is scored against the truth (pairwise and B-cubed).
`events` holds the departments' own labels and times; `events_mapped` the same records as the hub's
ingest would hold them (taxonomy codes from the departments' codes, ISO times). A file the CLI
refuses scores F1 0, with its message.
The table puts both cities side by side with the gap (tuning F1 - held-out F1); with `--search`,
recall@10 and MRR of search queries judged from the truth alone are added (`proving.truth_search`).
Writes benchmarks/results/heldout.json.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.report import print_rows, write_result
from proving.heldout import KINDS, export_city, score_city
from simulators.city import simulate_city

SCORES = ("precision", "recall", "f1", "bcubed_f1", "seconds")


def _city(work: Path, people: int, seed: int, noise: str) -> Path:
    """Return the folder of a simulated city under `work`, simulating it unless it is there."""
    root = work / f"city-{people}-{seed}-{noise}"
    if not (root / "manifest.json").is_file():
        simulate_city(people=people, seed=seed, out=root, noise=noise)
    return root


def measure(work: Path, people: int, seed: int, noise: str, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """Return one row per kind for one city: simulate, export, run the CLI, score."""
    root = _city(work, people, seed, noise)
    folder = work / f"files-{people}-{seed}-{noise}"
    export_city(root, folder)
    return [{"city": f"seed {seed}, {noise}", **row} for row in score_city(folder, kinds)]


def side_by_side(tuning: list[dict[str, Any]], heldout: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return one row per kind: tuning and held-out scores and the F1 gap (tuning - held-out)."""
    rows = []
    for t, h in zip(tuning, heldout, strict=True):
        row: dict[str, Any] = {"what": t["what"]}
        for prefix, source in (("tuning", t), ("heldout", h)):
            row.update({f"{prefix}_{k}": source.get(k) for k in SCORES})
        row["f1_gap"] = round(float(t.get("f1", 0.0)) - float(h.get("f1", 0.0)), 4)
        refused = [f"{p}: {s['refused']}" for p, s in (("tuning", t), ("heldout", h)) if "refused" in s]
        if refused:
            row["refused"] = "; ".join(refused)
        rows.append(row)
    return rows


def _search_rows(work: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    from proving.truth_search import evaluate_truth_search

    rows = []
    for label, seed, noise in (
        ("tuning", args.tuning_seed, args.tuning_noise),
        ("heldout", args.heldout_seed, args.heldout_noise),
    ):
        root = _city(work, args.people, seed, noise)
        for row in evaluate_truth_search(root, home=work / f"resolved-{args.people}-{seed}-{noise}"):
            rows.append({"city": label, **row})
    return rows


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Measure both cities and return the rows of the result document."""
    kinds = tuple(args.kind or KINDS)
    tuning = measure(work, args.people, args.tuning_seed, args.tuning_noise, kinds)
    heldout = measure(work, args.people, args.heldout_seed, args.heldout_noise, kinds)
    result: dict[str, Any] = {"side_by_side": side_by_side(tuning, heldout), "cities": tuning + heldout}
    if args.search:
        result["search"] = _search_rows(work, args)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000, help="residents of each simulated city")
    parser.add_argument("--tuning-seed", type=int, default=7)
    parser.add_argument("--tuning-noise", default="realistic")
    parser.add_argument("--heldout-seed", type=int, default=2027)
    parser.add_argument("--heldout-noise", default="hard")
    parser.add_argument("--kind", action="append", choices=KINDS, help="repeatable; default all")
    parser.add_argument("--search", action="store_true", help="also score search on truth-judged queries")
    parser.add_argument("--work", type=Path, default=None, help="keep the cities and files here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        work = args.work or Path(folder)
        work.mkdir(parents=True, exist_ok=True)
        result = run(args, work)
    print_rows(
        "held-out city beside the tuning city (cityhub resolve as a whole process)", result["side_by_side"]
    )
    print_rows("per city", result["cities"])
    if "search" in result:
        print_rows("search, queries judged from the truth", result["search"])
    parameters = {k: v for k, v in vars(args).items() if k != "work"}
    rows = [{"table": "side_by_side", **row} for row in result["side_by_side"]]
    rows += [{"table": "city", **row} for row in result["cities"]]
    rows += [{"table": "search", **row} for row in result.get("search", [])]
    print(write_result("heldout", rows, parameters))


if __name__ == "__main__":
    main()
