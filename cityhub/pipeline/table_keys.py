"""The keys a resolved table's rows are replaced by, and picking rows by them."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["keyed_rows", "row_keys", "split_key_rows"]


def row_keys(name: str, frame: pd.DataFrame) -> pd.Series:
    """Return the key a resolved table's rows are replaced by (a person mention's source:mention_id,
    an event's people by the event)."""
    if name == "person_mentions":
        return frame["source"].astype(str) + ":" + frame["mention_id"].astype(str)
    column = {
        "people": "person_id",
        "places": "place_id",
        "grids": "grid_id",
        "events": "event_id",
        "event_people": "event_id",
        "cases": "case_id",
    }[name]
    return frame[column].astype(str)


def keyed_rows(name: str, frame: pd.DataFrame, keys: set[str]) -> npt.NDArray[np.bool_]:
    """Return which rows of a resolved table have one of `keys` (as `row_keys` gives them); a person
    mention's key is built only for the rows whose mention_id is among the keys', not the whole table."""
    if name != "person_mentions":
        return row_keys(name, frame).isin(keys).to_numpy()
    return split_key_rows(frame, "mention_id", keys)


def split_key_rows(frame: pd.DataFrame, column: str, keys: set[str]) -> npt.NDArray[np.bool_]:
    """Return which rows' `source:<column>` is one of `keys`."""
    hit = np.zeros(len(frame), dtype=bool)
    near = np.flatnonzero(frame[column].astype(str).isin({k.partition(":")[2] for k in keys}).to_numpy())
    rows = frame.iloc[near]
    hit[near] = (rows["source"].astype(str) + ":" + rows[column].astype(str)).isin(keys).to_numpy()
    return hit
