"""Search judged from the truth: an entity that merged two people is relevant to neither."""

from __future__ import annotations

import pandas as pd

from proving.search_relevance import JudgedQuery
from proving.truth_search import _judged, pure_entities


def test_only_entities_holding_one_true_person_are_relevant_to_them():
    mentions = pd.DataFrame(
        {
            "person_id": ["alice", "alice", "bob", "bob", "carol"],
            "person_id_resolved": ["E1", "E2", "E2", "E3", "E4"],
        }
    )
    pure = pure_entities(mentions, "person_id", "person_id_resolved")
    assert pure == {"alice": {"E1"}, "bob": {"E3"}, "carol": {"E4"}}  # E2 merged alice and bob


def test_a_query_is_kept_when_its_person_has_no_pure_entity_and_then_cannot_be_found():
    query = JudgedQuery("full_name", "张伟", "dave", frozenset({"dave", "erin"}))
    judged = _judged(query, {"erin": {"E9"}})
    assert judged.relevant == frozenset({"E9"}) and judged.expected == ""
    assert _judged(query, {}).relevant == frozenset()
