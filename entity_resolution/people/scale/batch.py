"""Compare and score one batch of candidate pairs joined with both mentions' columns.

The batch's left and right mentions become one small prepared table (lefts first, then rights),
encoded and compared by the pandas path's own `compare.score_pairs`: every level depends only on
the two mentions' values, so a pair scores the same in any batch as in the whole table.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from entity_resolution.people.compare import FIELDS, Encoded, encode, score_pairs
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


class BatchScorer:
    """Scores batches of joined pairs with one fitted model; picklable, so Spark ships it to workers."""

    def __init__(self, model: MatchModel) -> None:
        self.model = model
        self.weights = model.weights()
        self.m_tf = model.m_tf()
        # the name frequency tables, looked up per batch (MatchModel.tf_arrays rebuilds them per call)
        self.tf_tables = {
            column: model.name_tf[model.name_tf["column"] == column].set_index("value")["tf"]
            for column in ("name_clean", "name_key")
        }

    def _name_tf(self, enc: Encoded) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Return the frequency of each name_clean and name_key code of `enc`, as `MatchModel.tf_arrays`."""
        floor = self.model.tf_floor
        clean, key = (
            pd.Series(enc.strings[column], dtype=object)
            .map(self.tf_tables[column])
            .fillna(floor)
            .clip(lower=floor)
            .to_numpy(np.float64)
            for column in ("name_clean", "name_key")
        )
        return clean, key

    def __call__(self, joined: pd.DataFrame) -> pd.DataFrame:
        """Return the scored pairs of a batch joined with both mentions' columns (`compare_input_sql`)."""
        if not len(joined):
            return self.empty()
        left_row = joined["left_row"].to_numpy(np.int64)
        right_row = joined["right_row"].to_numpy(np.int64)
        # Each mention once, however many of the batch's pairs it is in (pairs come sorted by
        # their left mention): encoding is per row, and a code's meaning is the same in any table.
        _, first, inverse = np.unique(
            np.concatenate([left_row, right_row]), return_index=True, return_inverse=True
        )
        local = pd.DataFrame(
            {
                c: np.concatenate([joined[f"l_{c}"].to_numpy(), joined[f"r_{c}"].to_numpy()])[first]
                for c in COMPARED_COLUMNS
            }
        )
        return self.score(local, inverse.reshape(-1), left_row, right_row, joined["rules"].to_numpy(np.int64))

    def empty(self) -> pd.DataFrame:
        """Return no scored pairs, in the columns of `scored_schema`."""
        frame: pd.DataFrame = scored_schema(self.model).empty_table().to_pandas()
        return frame

    def score(
        self,
        local: pd.DataFrame,
        inverse: npt.NDArray[np.intp],
        left_row: npt.NDArray[np.int64],
        right_row: npt.NDArray[np.int64],
        rules: npt.NDArray[np.int64],
    ) -> pd.DataFrame:
        """Return the scored pairs (left_row[i], right_row[i]) whose mentions are rows of `local`:
        `inverse` gives the row of each left mention, then of each right one."""
        count = len(left_row)
        local = local.assign(birth_date=pd.to_datetime(local["birth_date"]))
        enc = encode(local)
        pairs = pd.DataFrame(
            {
                "left": inverse[:count].astype(np.int64),
                "right": inverse[count:].astype(np.int64),
                "rules": rules,
            }
        )
        model = self.model
        scored = score_pairs(enc, pairs, self.weights, self._name_tf(enc), self.m_tf, model.prior)
        scored = scored.drop(columns=["left", "right"])
        scored.insert(0, "right_row", right_row)
        scored.insert(0, "left_row", left_row)
        return pd.DataFrame(scored[scored_schema(model).names])
