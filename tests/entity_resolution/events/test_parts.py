"""Work done a part at a time gives what it gave all at once: scoring, and learning's patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from entity_resolution.events import compare
from entity_resolution.events.block import BlockOptions, block_events
from entity_resolution.events.compare import compare_pairs, score_pairs
from entity_resolution.events.estimate import _patterns, estimate_weights
from entity_resolution.events.prepare import encode_events, prepare_events
from entity_resolution.events.text import fit_text_model, text_vectors
from tests.entity_resolution.events.conftest import background, table


def test_scoring_in_parts_gives_every_pair_its_own_score(monkeypatch: pytest.MonkeyPatch) -> None:
    prepared = prepare_events(table(*background()))
    enc = encode_events(prepared)
    pairs = block_events(enc)
    texts = prepared["description"].tolist()
    vectors = text_vectors(texts, fit_text_model(texts))
    sources = prepared["source"].to_numpy(dtype=object)
    left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    comparison = compare_pairs(enc, vectors, sources, left, right, BlockOptions())
    weights = estimate_weights(comparison)
    whole = score_pairs(comparison, weights)
    monkeypatch.setattr(compare, "_SCORE_PART", 7)
    assert len(pairs) > 3 * 7
    pd.testing.assert_frame_equal(score_pairs(comparison, weights), whole)


def test_patterns_are_the_distinct_rows_of_the_cells_side_by_side() -> None:
    generator = np.random.default_rng(5)
    sizes = [12, 8, 5, 36, 24]
    cells = [generator.integers(0, size, 5_000).astype(np.int64) for size in sizes]
    _, first, count = np.unique(np.stack(cells, axis=1), axis=0, return_index=True, return_counts=True)
    found_first, found_count = _patterns(cells, sizes)
    assert np.array_equal(found_first, first)
    assert np.array_equal(found_count, count)
    # tables too large for one integer take the stacked way, with the same answer
    huge_first, huge_count = _patterns(cells, [2**20] * 5)
    assert np.array_equal(huge_first, first)
    assert np.array_equal(huge_count, count)
