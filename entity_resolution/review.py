"""Human review: the queue of uncertain pairs, and the append-only log of decisions that overrides the model.

A decision is a row (left, right, decision, who, at) with decision 'same' or 'not_same'. The log
is never edited: a reviewer who changes her mind appends a new row, and the latest row for a pair
(by `at`, then by position in the log) is the one in force. Every later run reads the log: a
'same' pair is a must-link and a 'not_same' pair a cannot-link, whatever the model scores. The
same log serves people, places and events alike: left and right are record ids.

    >>> log = record_decision(empty_decisions(), "b", "a", "not_same", who="wang", at="2026-11-20T09:00")
    >>> log = record_decision(log, "a", "b", "same", who="li", at="2026-11-21T10:00")
    >>> current_decisions(log)[["left", "right", "decision"]].values.tolist()
    [['a', 'b', 'same']]
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = [
    "decided_positions",
    "DECISIONS",
    "DECISION_COLUMNS",
    "QUEUE_COLUMNS",
    "current_decisions",
    "empty_decisions",
    "record_decision",
    "review_queue",
]

DECISIONS = ("same", "not_same")
DECISION_COLUMNS = ("left", "right", "decision", "who", "at")
QUEUE_COLUMNS = ("left", "right", "score", "probability", "reason")


def empty_decisions() -> pd.DataFrame:
    """Return an empty decision log."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in DECISION_COLUMNS})


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with left < right in every row (a pair has no direction)."""
    left, right = frame["left"].astype(str), frame["right"].astype(str)
    swap = left > right
    return frame.assign(left=left.where(~swap, right), right=right.where(~swap, left))


def record_decision(
    log: pd.DataFrame, left: str, right: str, decision: str, who: str, at: dt.datetime | str | None = None
) -> pd.DataFrame:
    """Return the log with one decision appended (the input log is not changed)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision {decision!r} is neither 'same' nor 'not_same'")
    if str(left) == str(right):
        raise ValueError(f"decision on record {left!r} with itself")
    stamp = at if at is not None else dt.datetime.now().replace(microsecond=0)
    row = pd.DataFrame(
        [
            {
                "left": str(left),
                "right": str(right),
                "decision": decision,
                "who": who,
                "at": pd.Timestamp(stamp),
            }
        ]
    )
    return pd.concat([log, row], ignore_index=True) if len(log) else row


def current_decisions(log: pd.DataFrame | None) -> pd.DataFrame:
    """Return the decision in force per pair (left < right): the latest by `at`, then by log position."""
    if log is None or not len(log):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DECISION_COLUMNS})
    bad = ~log["decision"].isin(DECISIONS)
    if bad.any():
        raise ValueError(
            f"decision log row {int(str(bad.idxmax()))}: decision {log.loc[bad, 'decision'].iloc[0]!r}"
            " is neither 'same' nor 'not_same'"
        )
    frame = _ordered(log.reset_index(drop=True)).assign(
        _pos=range(len(log)), at=pd.to_datetime(log["at"]).values
    )
    frame = frame.sort_values(["at", "_pos"], kind="stable")
    latest = frame.groupby(["left", "right"], sort=True).tail(1)
    return latest.drop(columns="_pos").sort_values(["left", "right"], ignore_index=True)[
        list(DECISION_COLUMNS)
    ]


def review_queue(
    pairs: pd.DataFrame, lower: float, upper: float, decisions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the pairs a person should look at, most uncertain first.

    `pairs` has left, right (record ids), score and probability, optionally `reason` (why a link
    was refused) and explanation columns, which are kept. A pair is queued when its score lies in
    [lower, upper), or when it was a link the clustering refused; pairs already decided are not.
    """
    in_band = (pairs["score"] >= lower) & (pairs["score"] < upper)
    refused = (
        pairs["reason"].fillna("").astype(bool) if "reason" in pairs else pd.Series(False, index=pairs.index)
    )
    queue = _ordered(pairs[in_band | refused])
    queue = queue.assign(reason=queue["reason"].fillna("") if "reason" in queue else "")
    queue.loc[queue["reason"] == "", "reason"] = "uncertain score"
    decided = current_decisions(decisions)
    if len(decided):
        known = pd.MultiIndex.from_frame(decided[["left", "right"]])
        queue = queue[~pd.MultiIndex.from_frame(queue[["left", "right"]]).isin(known)]
    middle = (lower + upper) / 2
    queue = queue.assign(_distance=(queue["score"] - middle).abs())
    queue = queue.sort_values(["_distance", "left", "right"], kind="stable").drop(columns="_distance")
    front = [c for c in QUEUE_COLUMNS if c in queue.columns]
    return queue[front + [c for c in queue.columns if c not in front]].reset_index(drop=True)


def decided_positions(decisions: pd.DataFrame | None, ids: pd.Series) -> pd.DataFrame:
    """Return the decisions in force among `ids` as row positions (left < right, decision)."""
    decided = current_decisions(decisions)
    position = pd.Series(np.arange(len(ids)), index=ids.to_numpy())
    left, right = decided["left"].map(position), decided["right"].map(position)
    known = left.notna() & right.notna()
    a, b = left[known].astype(np.int64).to_numpy(), right[known].astype(np.int64).to_numpy()
    return pd.DataFrame(
        {
            "left": np.minimum(a, b),
            "right": np.maximum(a, b),
            "decision": decided.loc[known, "decision"].to_numpy(),
        }
    )
