"""Scoring event resolution against a simulated city: the truth, the case-to-incident mapping, the loader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from entity_resolution.events import EVENT_COLUMNS, resolve_events
from ontology.model import load_ontology
from proving.event_scores import (
    EventBenchmark,
    case_incidents,
    escalation_truth,
    load_simulated_events,
    score_escalation,
    score_events,
)

INCIDENTS = pd.DataFrame(
    {
        "incident_id": ["I1", "I2", "I3", "I4"],
        "escalation_path": [
            "hotline>grid>police>petitions",
            "police>hotline>grid",
            "hotline>grid",
            "hotline",
        ],
        "recurrence_of": [None, None, None, "I3"],
    }
)


def test_escalation_truth_is_the_staged_path_or_a_recurrence() -> None:
    truth = escalation_truth(INCIDENTS)
    assert truth["channels"].tolist() == [True, False, False, False]
    assert truth["escalating"].tolist() == [True, False, False, True]


def test_a_case_stands_for_the_incident_most_of_its_records_belong_to() -> None:
    assignments = pd.DataFrame({"event_id": ["a", "b", "c", "d"], "case_id": ["C1", "C1", "C1", "C2"]})
    truth = pd.DataFrame({"record_id": ["a", "b", "c", "d"], "cluster": ["I2", "I1", "I1", "I2"]})
    assert case_incidents(assignments, truth).to_dict() == {"C1": "I1", "C2": "I2"}


def test_escalation_precision_and_recall() -> None:
    assignments = pd.DataFrame({"event_id": ["a", "b", "c", "d"], "case_id": ["C1", "C2", "C3", "C4"]})
    truth = pd.DataFrame({"record_id": ["a", "b", "c", "d"], "cluster": ["I1", "I2", "I3", "I4"]})
    cases = pd.DataFrame(
        {
            "case_id": ["C1", "C2", "C3", "C4"],
            "escalating": [True, True, False, False],
            "escalation_reason": ["channels: ...", "channels: ...", None, None],
        }
    )
    bench = EventBenchmark("hand", pd.DataFrame(), truth, INCIDENTS)
    scores = score_escalation(cases, assignments, bench)
    assert (scores["escalation_precision"], scores["escalation_recall"]) == (0.5, 0.5)
    assert (scores["escalation_channels_precision"], scores["escalation_channels_recall"]) == (0.5, 1.0)
    assert (scores["escalation_recurrence_flagged"], scores["escalation_recurrence_recall"]) == (0.0, 0.0)


@pytest.fixture(scope="module")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> EventBenchmark:
    from simulators.city import simulate_city

    root: Path = tmp_path_factory.mktemp("city")
    simulate_city(people=1_500, seed=3, out=root, days=120)
    return load_simulated_events(root)


def test_a_simulated_city_loads_as_events_in_the_taxonomy(small_city: EventBenchmark) -> None:
    events = small_city.events
    assert set(EVENT_COLUMNS) <= set(events.columns)
    assert set(events["category"]) <= set(load_ontology().taxonomy.categories)
    assert set(events["source"]) == {"hotline", "grid", "police", "petitions"}
    assert events["event_id"].is_unique and events["event_id"].isin(small_city.truth["record_id"]).all()
    # every grid worker's shorthand got its district from the grid code
    grid = events[events["source"] == "grid"]
    assert grid["place_path"].map(lambda p: bool(p) and p[0].isdigit()).all()
    assert (events["person_ids"].map(len) > 0).mean() > 0.8


def test_the_truth_scores_perfectly_and_resolution_well(small_city: EventBenchmark) -> None:
    perfect = pd.DataFrame(
        {"event_id": small_city.truth["record_id"], "case_id": small_city.truth["cluster"]}
    )
    assert case_incidents(perfect, small_city.truth).eq(case_incidents(perfect, small_city.truth).index).all()
    scores = score_events(resolve_events(small_city.events), small_city)
    assert scores["f1"] > 0.9 and scores["bcubed_f1"] > 0.95
