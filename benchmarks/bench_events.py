"""Benchmark event resolution: cases against a simulated city's incidents, and speed at scale.

Two cities are scored side by side: the tuning city (seed 7, `realistic` noise) and a held-out
one (seed 2027, `hard` noise: a seed and a profile never used while tuning). Each city's records
are turned into the `resolve_events` input by `proving.event_scores.load_simulated_events` (the
departments' own category labels, addresses parsed into place paths, people resolved by
`resolve_people`); that step is timed on its own. `--codes` reads categories through the hub's
code tables instead of the labels. `resolve_events` then runs in a child process, so its time
and peak memory are its own, and is scored: pairwise and B-cubed precision, recall and F1 of
cases against incidents, and precision and recall of the escalation signal (overall, moving up
channels, recurring) against the escalations the simulator made (see `evaluate_events` for how
cases map to incidents).
Rows 'full' resolve the whole year at once (`resolve_events`); rows 'last day' link the final
day's records into a resolution of all the days before (`link_events`), timing the link alone and
scoring the outcome.

`--scale N` adds a city of N residents for speed (one year of a 1,000,000-person city is about
510,000 records); its input is prepared once and kept under `--workdir` when one is given.

Run alone: `python -m benchmarks.bench_events --people 20000 --workdir /tmp/bench` (add
`--scale 1000000` for speed at scale).
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import print_rows, write_result

_CHILD = (
    "import sys, json; from benchmarks.bench_events import _child; print(json.dumps(_child(*sys.argv[1:])))"
)
SCORES = (
    "precision",
    "recall",
    "f1",
    "bcubed_f1",
    "escalation_precision",
    "escalation_recall",
    "escalation_channels_precision",
    "escalation_channels_recall",
    "escalation_recurrence_precision",
    "escalation_recurrence_recall",
)


def _prepared(
    people: int, seed: int, days: int, workdir: Path, noise: str = "realistic", labels: bool = True
) -> tuple[Path, float]:
    """Return the folder of a city's benchmark input, simulated and prepared if not there yet, and
    the seconds `load_simulated_events` took (kept beside the input, so a reused input reports it)."""
    from proving.event_scores import load_simulated_events
    from simulators.city import simulate_city

    city = workdir / f"city-{people}-{seed}-{days}-{noise}"
    folder = workdir / f"events-{people}-{seed}-{days}-{noise}-{'labels' if labels else 'codes'}"
    if (folder / "bench.pickle").exists():
        timing = folder / "prepare.json"
        return folder, float(json.loads(timing.read_text())["seconds"]) if timing.exists() else float("nan")
    if not (city / "truth" / "records.parquet").exists():
        simulate_city(people=people, seed=seed, out=city, days=days, noise=noise)
    started = time.perf_counter()
    bench = load_simulated_events(city, labels=labels)
    seconds = time.perf_counter() - started
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "bench.pickle", "wb") as handle:
        pickle.dump(bench, handle)
    (folder / "prepare.json").write_text(json.dumps({"seconds": seconds}))
    return folder, seconds


def _child(kind: str, folder: str) -> dict[str, Any]:
    """Run one resolution in this process; return its scores, time and peak memory."""
    import resource

    from entity_resolution.events import link_events, resolve_events
    from proving.event_scores import score_events

    with open(Path(folder) / "bench.pickle", "rb") as handle:
        bench = pickle.load(handle)
    events = bench.events
    if kind == "increment":
        last_day = events["occurred_at"].max().normalize()
        batch = events[events["occurred_at"] >= last_day]
        base = resolve_events(events[events["occurred_at"] < last_day])
        wall, cpu = time.perf_counter(), time.process_time()
        resolution = link_events(batch, base)
        records = len(batch)
    else:
        wall, cpu = time.perf_counter(), time.process_time()
        resolution = resolve_events(events)
        records = len(events)
    row: dict[str, Any] = {
        "records": records,
        "seconds": round(time.perf_counter() - wall, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    scores = score_events(resolution, bench)
    row["cases"] = int(scores["cases"])
    row["incidents"] = int(scores["incidents"])
    return {**row, **{k: round(scores[k], 4) for k in SCORES}}


def _run_child(kind: str, folder: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(folder)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(
    people: int = 20_000,
    seed: int = 7,
    days: int = 365,
    scale: int | None = None,
    workdir: Path | None = None,
    heldout: tuple[int, str] | None = (2027, "hard"),
    labels: bool = True,
) -> dict[str, Any]:
    """Return the benchmark rows (one per city and run) and the parameters used."""
    rows = []
    cities = [(people, seed, "realistic")]
    cities += [(people, heldout[0], heldout[1])] if heldout else []
    cities += [(scale, seed, "realistic")] if scale else []
    with tempfile.TemporaryDirectory() as tmp:
        root = workdir or Path(tmp)
        for residents, city_seed, noise in cities:
            folder, prepare_seconds = _prepared(residents, city_seed, days, root, noise, labels)
            city = f"{residents:,} seed {city_seed} {noise}"
            rows.append(
                {
                    "data": city,
                    "run": "full",
                    "prepare_seconds": round(prepare_seconds, 1),
                    **_run_child("full", folder),
                }
            )
            rows.append({"data": city, "run": "last day", **_run_child("increment", folder)})
    parameters = {"people": people, "seed": seed, "days": days, "scale": scale, "heldout": heldout}
    return {"rows": rows, "parameters": {**parameters, "categories": "labels" if labels else "codes"}}


_TIME = {
    "data": "data",
    "run": "run",
    "records": "records",
    "prepare_seconds": "prepare s",
    "seconds": "s",
    "cpu_seconds": "cpu s",
    "peak_mb": "peak MB",
}
_CASES = {
    "data": "data",
    "run": "run",
    "cases": "cases",
    "incidents": "incidents",
    "precision": "P",
    "recall": "R",
    "f1": "F1",
    "bcubed_f1": "B3 F1",
}
_ESCALATION = {
    "data": "data",
    "run": "run",
    "escalation_precision": "P",
    "escalation_recall": "R",
    "escalation_channels_precision": "chan P",
    "escalation_channels_recall": "chan R",
    "escalation_recurrence_precision": "recur P",
    "escalation_recurrence_recall": "recur R",
}


def _pick(row: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Return the row's fields named in `names`, under their short table headings."""
    return {short: row.get(key) for key, short in names.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=20_000, help="residents of the scored city")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=365, help="days of history simulated")
    parser.add_argument("--scale", type=int, default=None, help="also time a city of this many residents")
    parser.add_argument("--workdir", type=Path, default=None, help="keep simulated cities and inputs here")
    parser.add_argument("--heldout-seed", type=int, default=2027)
    parser.add_argument("--heldout-noise", default="hard")
    parser.add_argument("--no-heldout", action="store_true", help="score the tuning city only")
    parser.add_argument("--codes", action="store_true", help="categories through the hub's code tables")
    args = parser.parse_args(argv)
    heldout = None if args.no_heldout else (args.heldout_seed, args.heldout_noise)
    result = run(args.people, args.seed, args.days, args.scale, args.workdir, heldout, not args.codes)
    print_rows("event resolution: time", [_pick(row, _TIME) for row in result["rows"]])
    print_rows("cases against incidents", [_pick(row, _CASES) for row in result["rows"]])
    print_rows("escalation signal", [_pick(row, _ESCALATION) for row in result["rows"]])
    print(write_result("bench_events", result["rows"], result["parameters"]))


if __name__ == "__main__":
    main()
