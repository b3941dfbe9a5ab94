"""Benchmark the search index: indexing rate, query latency and relevance on both backends.

A city is simulated (`--people`), documents for its people, places and cases are built from its
ground truth (`proving.search_relevance.city_tables`: truth-built documents, so the same run scales to a
million residents without ingest and fusion; `cityhub eval search` scores the documents the
pipeline really produces), and each backend gets a full rebuild of every kind. Elasticsearch (a
real 8.19 server started here, full JIT) is rebuilt from the built documents until its JIT compilers
use under a tenth of its CPU (the first, cold rebuild is reported), then `--passes` times more with
their median, then once streamed from the tables (analysis included); each row has
this process's and the server's CPU seconds and the 1-minute load average, since client and server
share the machine. Then the judged query set (`proving.search_relevance.judged_queries`) runs on each
backend: recall@10, MRR and per-query latency (p50/p99, without and with facet counts).

`--scale N` adds the embedded index alone on a city of N residents (people, places and cases:
about 1.8 documents a resident), the documents streamed into the rebuild. `--engines N` instead
compares the embedded engines that were considered, on N synthetic documents.

Run alone: `python -m benchmarks.bench_search --people 100000 --scale 1000000`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.report import jit_cpu_seconds, peak_rss_mb, print_rows, process_tree_cpu_seconds, write_result
from benchmarks.search_engines import compare_engines
from search.base import SearchDocument, SearchIndex

END = dt.date(2026, 11, 20)


class Timed:
    """Wrap a document stream and count the seconds spent producing its items."""

    def __init__(self, items: Iterable[SearchDocument]) -> None:
        self.items = items
        self.seconds = 0.0
        self.count = 0

    def __iter__(self) -> Iterator[SearchDocument]:
        iterator = iter(self.items)
        while True:
            began = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.seconds += time.perf_counter() - began
                return
            self.seconds += time.perf_counter() - began
            self.count += 1
            yield item


def simulate(people: int, seed: int, folder: Path) -> Path:
    from simulators.city import simulate_city

    city = folder / f"city-{people}"
    if not (city / "manifest.json").exists():
        simulate_city(people=people, seed=seed, out=city, days=365, end=END)
    return city


def document_streams(city: Path) -> dict[str, Iterator[SearchDocument]]:
    """Return a lazy document stream per kind, built from the city's ground truth."""
    from proving.search_relevance import city_tables
    from search.documents import case_documents, person_documents, place_documents

    t = city_tables(city)
    return {
        "person": person_documents(t["people"], t["person_mentions"], t["events"], t["event_people"]),
        "place": place_documents(t["places"], t["events"]),
        "case": case_documents(t["cases"], t["events"], t["event_people"], t["people"]),
    }


def index_all(index: SearchIndex, streams: Mapping[str, Iterable[SearchDocument]]) -> dict[str, float]:
    """Full-rebuild every kind; return documents, wall seconds, and seconds spent building documents.

    A backend may build the next documents while the server indexes the last ones, and index kinds
    side by side (`SearchIndex.rebuild_kinds`), so the building seconds, summed over the streams,
    overlap the wall time rather than add to it.
    """
    index.ensure_index()
    timed = {kind: Timed(stream) for kind, stream in streams.items()}
    began = time.perf_counter()
    index.rebuild_kinds(timed)
    total = time.perf_counter() - began
    building = sum(stream.seconds for stream in timed.values())
    return {"docs": sum(stream.count for stream in timed.values()), "seconds": total, "build_s": building}


def query_rows(system: str, index: SearchIndex, city: Path, per_category: int) -> list[dict[str, Any]]:
    """Run the judged queries: relevance and latency, then latency again with facet counts."""
    from proving.search_relevance import evaluate, judged_queries

    queries = judged_queries(city, per_category=per_category, seed=1)
    evaluate(index, queries[:50])  # warm caches, as a running service has them
    result = evaluate(index, queries)
    faceted = []
    for query in queries:
        began = time.perf_counter()
        index.search(query.text, kinds=query.kinds, facets=["source", "district", "category", "month"])
        faceted.append((time.perf_counter() - began) * 1000)
    p50, p99 = np.percentile(result.latencies_ms, [50, 99])
    f50, f99 = np.percentile(faceted, [50, 99])
    row: dict[str, Any] = {
        "system": system,
        "what": "judged queries",
        "queries": result.queries,
        "recall@10": round(result.recall, 4),
        "MRR": round(result.mrr, 4),
        "p50 ms": round(float(p50), 2),
        "p99 ms": round(float(p99), 2),
        "p50 ms (facets)": round(float(f50), 2),
        "p99 ms (facets)": round(float(f99), 2),
    }
    categories: list[dict[str, Any]] = [
        {
            "system": system,
            "what": f"  {name}",
            "queries": int(v["queries"]),
            "recall@10": round(v["recall"], 4),
            "MRR": round(v["mrr"], 4),
        }
        for name, v in result.by_category.items()
    ]
    return [row, *categories]


def index_row(system: str, people: int, timing: dict[str, float], **extra: Any) -> dict[str, Any]:
    return {
        "system": system,
        "what": f"full rebuild, {people:,}-resident city",
        "docs": int(timing["docs"]),
        "index s": round(timing["seconds"], 1),
        "docs/s": round(timing["docs"] / timing["seconds"]),
        "doc build s": round(timing["build_s"], 1),
        **extra,
    }


def run_embedded(
    city: Path,
    people: int,
    folder: Path,
    per_category: int,
    docs: dict[str, list[SearchDocument]] | None = None,
) -> list[dict[str, Any]]:
    from search.embedded_index import EmbeddedIndex

    index = EmbeddedIndex(folder / f"embedded-{people}", "bench")
    timing = index_all(index, docs or document_streams(city))
    size_mb = sum(p.stat().st_size for p in index.folder.iterdir()) / 1e6
    rows = [index_row("embedded", people, timing, **{"disk MB": round(size_mb)})]
    rows += query_rows("embedded", index, city, per_category)
    index.close()
    return rows


def measured_rebuild(
    index: SearchIndex, streams: Mapping[str, Iterable[SearchDocument]], server_pid: int, what: str
) -> dict[str, Any]:
    """Full-rebuild every kind; one row with wall and CPU seconds (document building included)."""
    client, server = time.process_time(), process_tree_cpu_seconds(server_pid)
    compiling = jit_cpu_seconds(server_pid)
    timing = index_all(index, streams)
    return {
        "system": "elasticsearch",
        "what": what,
        "docs": int(timing["docs"]),
        "index s": round(timing["seconds"], 1),
        "docs/s": round(timing["docs"] / timing["seconds"]),
        "doc build s": round(timing["build_s"], 1),
        "client CPU s": round(time.process_time() - client, 1),
        "server CPU s": round(process_tree_cpu_seconds(server_pid) - server, 1),
        "server JIT CPU s": round(jit_cpu_seconds(server_pid) - compiling, 1),
        "load1": round(os.getloadavg()[0], 1),
    }


def _warm(row: dict[str, Any]) -> bool:
    """Whether the JIT compilers used under a tenth of the server's CPU in a measured rebuild."""
    return bool(row["server JIT CPU s"] < 0.1 * row["server CPU s"])


def run_elasticsearch(
    city: Path,
    people: int,
    per_category: int,
    docs: dict[str, list[SearchDocument]],
    passes: int,
    warm_up: int,
) -> list[dict[str, Any]]:
    """Rebuild from built documents until the server's JIT is nearly idle (at most `warm_up` times,
    the first reported as the cold rate), then `passes` times more, reported with their median;
    then once streamed from the tables, and the judged queries."""
    from proving.servers import start_elasticsearch
    from search.elasticsearch_index import ElasticsearchIndex

    city_name = f"{people:,}-resident city, built docs"
    with start_elasticsearch(heap="2g", fast_start=False) as server:
        index = ElasticsearchIndex(server.url, "bench")
        index.ensure_index()
        pid = server.process.pid
        rows = [measured_rebuild(index, docs, pid, f"full rebuild, cold JVM, {city_name}")]
        warmed, last = 1, rows[0]
        while warmed < warm_up and not _warm(last):
            last = measured_rebuild(index, docs, pid, "warm-up")
            warmed += 1
        measured = [
            measured_rebuild(
                index, docs, pid, f"full rebuild {n + 1}/{passes} after {warmed} warm-up, {city_name}"
            )
            for n in range(passes)
        ]
        rates = sorted(row["docs/s"] for row in measured)
        rows += [
            *measured,
            {
                "system": "elasticsearch",
                "what": f"median of the {passes} warm rebuilds",
                "docs": measured[0]["docs"],
                "docs/s": rates[len(rates) // 2],
            },
        ]
        rows.append(
            measured_rebuild(
                index,
                document_streams(city),
                pid,
                "full rebuild streamed from tables (analysis, its caches warm)",
            )
        )
        rows[-1]["server RSS MB"] = round(server.rss_bytes() / 1e6)
        rows += query_rows("elasticsearch", index, city, per_category)
        index.close()
    return rows


def run(
    people: int,
    seed: int,
    per_category: int,
    scale: int | None,
    elasticsearch: bool,
    work: Path,
    passes: int = 3,
    warm_up: int = 12,
) -> dict[str, Any]:
    city = simulate(people, seed, work)
    began = time.perf_counter()
    docs = {kind: list(stream) for kind, stream in document_streams(city).items()}
    built = time.perf_counter() - began
    count = sum(len(v) for v in docs.values())
    rows: list[dict[str, Any]] = [
        {
            "system": "documents",
            "what": f"built, {people:,}-resident city",
            "docs": count,
            "doc build s": round(built, 1),
        }
    ]
    if elasticsearch:
        rows += run_elasticsearch(city, people, per_category, docs, passes, warm_up)
    rows += run_embedded(city, people, work, per_category, docs)
    del docs
    if scale:
        big = simulate(scale, seed, work)
        rows += run_embedded(big, scale, work, per_category)
    rows.append({"system": "bench", "what": "peak RSS MB", "docs": round(peak_rss_mb())})
    parameters = {
        "people": people,
        "seed": seed,
        "queries_per_category": per_category,
        "scale": scale,
        "elasticsearch_passes": passes,
        "elasticsearch_warm_up_at_most": warm_up,
        "documents": "built from the city's truth tables",
    }
    return {"rows": rows, "parameters": parameters}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=20_000, help="residents of the city indexed by both")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=200, help="judged queries per category")
    parser.add_argument("--scale", type=int, default=None, help="also the embedded index on a city this size")
    parser.add_argument("--no-elasticsearch", action="store_true", help="embedded index only")
    parser.add_argument(
        "--passes",
        type=int,
        default=3,
        help="Elasticsearch full rebuilds from built documents measured once the JIT is warm",
    )
    parser.add_argument(
        "--warm-up",
        type=int,
        default=12,
        help="at most this many rebuilds (the first reported) until the server's JIT is idle",
    )
    parser.add_argument("--work", type=Path, default=None, help="folder for cities and indices (kept)")
    parser.add_argument(
        "--engines",
        type=int,
        default=None,
        help="only compare embedded engines on this many synthetic documents",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-search-") as temporary:
        work = args.work or Path(temporary)
        if args.engines:
            rows = compare_engines(args.engines, work)
            print_rows("search: embedded engines", rows)
            print(write_result("bench_search_engines", rows, {"docs": args.engines}))
            return
        result = run(
            args.people,
            args.seed,
            args.queries,
            args.scale,
            not args.no_elasticsearch,
            work,
            args.passes,
            args.warm_up,
        )
    print_rows("search: indexing, latency and relevance", result["rows"])
    print(write_result("bench_search", result["rows"], result["parameters"]))


if __name__ == "__main__":
    main()
