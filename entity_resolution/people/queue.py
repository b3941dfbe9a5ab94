"""The people review queue: one question per pair of people, each with its reason in words.

A pair is worth a reviewer's time only when the answer could change who is who: an uncertain
pair between two people (answering 'same' merges them), or an uncertain or refused link inside one
(answering 'not_same' splits it). Of the many pairs between two people the one the model is least
sure of stands for all, so a reviewer answers each question once.

    reason: 'uncertain score: name phonetic (+10.4), mobile close (+6.1), address differ (-2.7)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from entity_resolution.people.compare import FIELDS, LEVELS

__all__ = ["QUEUE_COLUMNS", "evidence_words", "people_queue"]

QUEUE_COLUMNS = ("left", "right", "score", "probability", "reason", "left_person", "right_person")
WORDS = {"id": "ID number", "name": "name", "birth": "birth date", "gender": "gender"}


def evidence_words(pairs: pd.DataFrame) -> pd.Series:
    """Return, per scored pair, each known field's level and weight, strongest first.

    >>> pairs = pd.DataFrame({"l_name": [1], "w_name": [10.4], "l_mobile": [2], "w_mobile": [-3.9]})
    >>> evidence_words(pairs).tolist()
    ['name phonetic (+10.4), mobile differ (-3.9)']
    """
    parts: list[pd.Series] = []
    for field in FIELDS:
        if f"l_{field}" not in pairs:
            continue
        level = pairs[f"l_{field}"].to_numpy(np.int64)
        weight = pairs[f"w_{field}"].to_numpy(np.float64)
        names = np.array([*LEVELS[field], ""], dtype=object)[level]  # -1 (missing) reads ""
        text = [
            f"{WORDS.get(field, field)} {name} ({w:+.1f})" if name else ""
            for name, w in zip(names, weight, strict=True)
        ]
        parts.append(pd.Series(text, index=pairs.index).where(level >= 0, ""))
    if not parts:
        return pd.Series("", index=pairs.index, dtype=object)
    weights = pd.DataFrame(
        {f: pairs[f"w_{f}"].abs() for f in FIELDS if f"l_{f}" in pairs}, index=pairs.index
    ).to_numpy()
    texts = pd.concat(parts, axis=1).to_numpy(dtype=object)
    order = np.argsort(-weights, axis=1, kind="stable")
    ranked = np.take_along_axis(texts, order, axis=1)
    return pd.Series([", ".join(t for t in row if t) for row in ranked], index=pairs.index, dtype=object)


def people_queue(queue: pd.DataFrame, person_of: pd.Series) -> pd.DataFrame:
    """Return the queue with each pair's people, one pair per pair of people, reasons in words.

    `queue` is `entity_resolution.review.review_queue` over scored links; `person_of` maps
    record_id to person_id. A pair already inside one person stays only when its link was refused
    or its score is below even odds (a 'not_same' would split the person).
    """
    if queue.empty:
        return queue.assign(left_person=pd.Series(dtype=object), right_person=pd.Series(dtype=object))
    out = queue.assign(
        left_person=queue["left"].map(person_of).to_numpy(),
        right_person=queue["right"].map(person_of).to_numpy(),
    )
    inside = out["left_person"] == out["right_person"]
    refused = out["reason"] != "uncertain score"
    out = out[~inside | refused | (out["score"] < 0)]
    a = out[["left_person", "right_person"]].min(axis=1)
    b = out[["left_person", "right_person"]].max(axis=1)
    out = out.assign(_a=a, _b=b, _doubt=(out["score"].astype(np.float64)).abs())
    out = out.sort_values(["_doubt", "left", "right"], kind="stable").drop_duplicates(["_a", "_b"])
    words = evidence_words(out)
    out = out.assign(reason=out["reason"] + ": " + words)
    front = [c for c in QUEUE_COLUMNS if c in out]
    rest = [c for c in out.columns if c not in front and not c.startswith("_")]
    return out[front + rest].reset_index(drop=True)
