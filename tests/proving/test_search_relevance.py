"""Recall@k and MRR on hand-checked rankings; truth ids mapped to resolved entities."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from proving.search_relevance import JudgedQuery, _majority, _resolved_query, evaluate
from search import open_index
from tests.search.conftest import CITY_CODE, ROOM_501, documents, resolved_tables


def test_recall_and_mrr_by_hand(tmp_path: Path) -> None:
    index = open_index(tmp_path, city_code=CITY_CODE)
    for kind, docs in documents(resolved_tables()).items():
        index.full_rebuild(kind, docs)
    queries = [
        JudgedQuery("full_name", "张伟", "P1", frozenset({"P1"})),  # rank 1
        JudgedQuery("homophone", "张伟", "P2", frozenset({"P2"})),  # rank 2 (张伟 itself first)
        JudgedQuery("full_name", "王芳", "P5", frozenset({"P5", "P9"})),  # rank 1
        JudgedQuery("full_name", "赵六", "P6", frozenset({"P6"})),  # not found
        JudgedQuery("shorthand", "聚龙城3-2-501", ROOM_501, frozenset({ROOM_501}), ("place",)),
    ]
    result = evaluate(index, queries, k=10)
    assert result.recall == pytest.approx(4 / 5)
    assert result.mrr == pytest.approx((1 + 1 / 2 + 1 + 0 + 1) / 5)
    assert result.by_category["homophone"] == {"queries": 1, "recall": 1.0, "mrr": 0.5}
    assert [q.expected for q in result.missed] == ["P6"]
    assert len(result.latencies_ms) == 5
    one = evaluate(index, queries[1:2], k=1)
    assert one.recall == 0.0 and one.mrr == 0.0


def test_truth_ids_become_the_resolved_entity_holding_most_of_their_mentions() -> None:
    mentions = pd.DataFrame(
        {
            "person_id": ["T1", "T1", "T1", "T2", "T3", "T3"],
            "person_id_resolved": ["P-b", "P-a", "P-b", "P-b", "P-c", "P-d"],  # T3 split evenly: smaller id
        }
    )
    mapping = _majority(mentions, "person_id", "person_id_resolved")
    assert mapping == {"T1": "P-b", "T2": "P-b", "T3": "P-c"}
    namesakes = JudgedQuery("full_name", "张伟", "T1", frozenset({"T1", "T3", "T9"}))
    assert _resolved_query(namesakes, mapping) == JudgedQuery(
        "full_name", "张伟", "P-b", frozenset({"P-b", "P-c"})
    )
    never_mentioned = JudgedQuery("full_name", "李伟", "T9", frozenset({"T9"}))
    assert _resolved_query(never_mentioned, mapping) is None
