"""Compare and score one batch of candidate pairs joined with both mentions' columns.

The batch's left and right mentions become one small prepared table (lefts first, then rights),
encoded and compared by the pandas path's own `compare.score_pairs`: every level depends only on
the two mentions' values, so a pair scores the same in any batch as in the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from entity_resolution.people.compare import FIELDS, encode, score_pairs
from entity_resolution.people.scale.sql import COMPARED_COLUMNS
from entity_resolution.people.train import MatchModel

__all__ = ["BatchScorer", "scored_schema"]


def scored_schema(model: MatchModel) -> pa.Schema:
    """Return the columns of a scored pair: rows, rules, level and weight per field, score, conflict."""
    return pa.schema(
        [
            ("left_row", pa.int64()),
            ("right_row", pa.int64()),
            ("rules", pa.int64()),
            *[(f"l_{f}", pa.int8()) for f in FIELDS],
            *[(f"w_{f}", pa.float32()) for f in model.weights()],
            ("score", pa.float32()),
            ("probability", pa.float32()),
            ("conflict", pa.bool_()),
        ]
    )


@dataclass(frozen=True, slots=True)
class BatchScorer:
    """Scores batches of joined pairs with one fitted model; picklable, so Spark ships it to workers."""

    model: MatchModel

    def __call__(self, joined: pd.DataFrame) -> pd.DataFrame:
        """Return the scored pairs of a batch (columns of `scored_schema`)."""
        count = len(joined)
        if not count:
            empty: pd.DataFrame = scored_schema(self.model).empty_table().to_pandas()
            return empty
        sides = [
            joined[[f"{side}_{c}" for c in COMPARED_COLUMNS]].set_axis(list(COMPARED_COLUMNS), axis=1)
            for side in ("l", "r")
        ]
        local = pd.concat(sides, ignore_index=True)
        local["birth_date"] = pd.to_datetime(local["birth_date"])
        enc = encode(local)
        pairs = pd.DataFrame(
            {
                "left": np.arange(count, dtype=np.int64),
                "right": np.arange(count, 2 * count, dtype=np.int64),
                "rules": joined["rules"].to_numpy(np.int64),
            }
        )
        model = self.model
        scored = score_pairs(enc, pairs, model.weights(), model.tf_arrays(enc), model.m_tf(), model.prior)
        scored = scored.drop(columns=["left", "right"])
        scored.insert(0, "right_row", joined["right_row"].to_numpy(np.int64))
        scored.insert(0, "left_row", joined["left_row"].to_numpy(np.int64))
        return pd.DataFrame(scored[scored_schema(model).names])
