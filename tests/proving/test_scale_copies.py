"""Scoring tiled copies apart: a person merged across copies shows up, and copy 0 is scored alone."""

import pandas as pd
import pytest

from benchmarks.people_scale import copy_of, copy_scores


def test_copies_are_read_from_the_record_suffix() -> None:
    assert copy_of(pd.Series(["hotline:1#0", "hotline:1#0~3", "grid:9~12"])).tolist() == [0, 3, 12]


def test_a_person_merged_across_copies_is_counted_and_cut_at_the_border() -> None:
    predicted = pd.DataFrame(
        {"record_id": ["a", "b", "a~1", "b~1", "c~1"], "cluster": ["X", "X", "X", "Y", "Y"]}
    )
    truth = pd.DataFrame(
        {"record_id": ["a", "b", "a~1", "b~1", "c~1"], "cluster": ["1", "1", "1~1", "1~1", "2~1"]}
    )
    scores = copy_scores(predicted, truth)
    assert scores["copy0_f1"] == 1.0  # copy 0 alone: {a, b} found
    # cut at copies: {a, b}, {a~1}, {b~1, c~1}: one of two claimed pairs right, one of two true pairs found
    assert scores["in_copy_precision"] == pytest.approx(0.5)
    assert scores["in_copy_recall"] == pytest.approx(0.5)
    assert (scores["people_across_copies"], scores["mentions_in_them"]) == (1.0, 3.0)
