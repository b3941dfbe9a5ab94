"""Review (entity_resolution/review.py): the decision log is append-only, the latest decision wins,
and decisions win over the model in every later run."""

from __future__ import annotations

import pandas as pd
import pytest

from entity_resolution.people import resolve_people
from entity_resolution.review import current_decisions, empty_decisions, record_decision, review_queue


def test_the_log_only_grows_and_the_latest_decision_wins() -> None:
    log = record_decision(empty_decisions(), "b", "a", "same", who="wang", at="2026-11-20T09:00")
    later = record_decision(log, "a", "b", "not_same", who="li", at="2026-11-21T09:00")
    assert len(log) == 1 and len(later) == 2  # the earlier log is untouched
    assert current_decisions(later)[["left", "right", "decision"]].values.tolist() == [["a", "b", "not_same"]]


def test_a_bad_decision_is_refused() -> None:
    with pytest.raises(ValueError, match="neither"):
        record_decision(empty_decisions(), "a", "b", "maybe", who="wang")
    with pytest.raises(ValueError, match="itself"):
        record_decision(empty_decisions(), "a", "a", "same", who="wang")


def test_the_queue_holds_the_uncertain_band_and_refused_links_but_not_decided_pairs() -> None:
    pairs = pd.DataFrame(
        {
            "left": ["a", "c", "e", "g"],
            "right": ["b", "d", "f", "h"],
            "score": [0.5, 20.0, -30.0, 12.0],
            "probability": [0.6, 1.0, 0.0, 1.0],
            "reason": [None, None, None, "different ID numbers"],
        }
    )
    queue = review_queue(pairs, -4.0, 4.0)
    assert queue[["left", "reason"]].values.tolist() == [
        ["a", "uncertain score"],
        ["g", "different ID numbers"],
    ]
    decided = record_decision(empty_decisions(), "a", "b", "same", who="wang", at="2026-11-20")
    assert review_queue(pairs, -4.0, 4.0, decided)["left"].tolist() == ["g"]


CASES = pd.DataFrame(
    [
        # one person by mobile and name ...
        {"record_id": "r:1", "source": "hotline", "name": "周晓燕", "phone": "15912345678"},
        {
            "record_id": "r:2",
            "source": "grid",
            "name": "周晓燕",
            "phone": "15912345678",
            "address": "学府府2-1-302",
        },
        # ... and a caller the model cannot tie to anyone
        {"record_id": "r:3", "source": "hotline", "name": "周女士", "phone": "023-61234567"},
    ]
)


def test_decisions_win_over_the_model(background: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    mentions = pd.concat([background[0], CASES], ignore_index=True)
    model_only = resolve_people(mentions).assignments.set_index("record_id")["person_id"]
    assert model_only["r:1"] == model_only["r:2"] != model_only["r:3"]
    log = record_decision(empty_decisions(), "r:1", "r:2", "not_same", who="wang", at="2026-11-20T09:00")
    log = record_decision(log, "r:3", "r:2", "same", who="wang", at="2026-11-20T09:01")
    decided = resolve_people(mentions, decisions=log).assignments.set_index("record_id")["person_id"]
    assert decided["r:1"] != decided["r:2"] and decided["r:2"] == decided["r:3"]
