"""Judged queries and their scores: recall@k and MRR of a search index, overall and per category.

A judged query carries the document it was made from and every document it cannot tell apart from
it; it counts as found when one of those is in the top k. `proving.search_relevance` and
`proving.truth_search` make the judged sets.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from search.base import SearchIndex

__all__ = ["Evaluation", "JudgedQuery", "evaluate"]


@dataclass(frozen=True, slots=True)
class JudgedQuery:
    """A query, the document it was made from, every document it cannot tell apart, what it searches."""

    category: str
    text: str
    expected: str
    relevant: frozenset[str]
    kinds: tuple[str, ...] = ("person",)


@dataclass
class Evaluation:
    """Recall@k and MRR overall and per category, and per-query latency in milliseconds."""

    k: int
    queries: int
    recall: float
    mrr: float
    by_category: dict[str, dict[str, float]] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    missed: list[JudgedQuery] = field(default_factory=list)


def evaluate(index: SearchIndex, queries: Iterable[JudgedQuery], k: int = 10) -> Evaluation:
    """Run every judged query on `index` and score recall@k and MRR."""
    per_category: dict[str, list[float]] = defaultdict(list)
    found: dict[str, list[bool]] = defaultdict(list)
    latencies: list[float] = []
    missed: list[JudgedQuery] = []
    for query in queries:
        began = time.perf_counter()
        hits = index.search(query.text, kinds=query.kinds, size=k).hits
        latencies.append((time.perf_counter() - began) * 1000)
        rank = next((i + 1 for i, hit in enumerate(hits) if hit.id in query.relevant), None)
        per_category[query.category].append(1 / rank if rank else 0.0)
        found[query.category].append(rank is not None)
        if rank is None:
            missed.append(query)
    count = sum(len(v) for v in found.values())
    by_category = {
        c: {"queries": len(found[c]), "recall": _mean(found[c]), "mrr": _mean(per_category[c])} for c in found
    }
    recall = sum(sum(v) for v in found.values()) / count if count else 0.0
    mrr = sum(sum(v) for v in per_category.values()) / count if count else 0.0
    return Evaluation(k, count, recall, mrr, by_category, latencies, missed)


def _mean(values: list[bool] | list[float]) -> float:
    return float(sum(values)) / len(values) if values else 0.0
