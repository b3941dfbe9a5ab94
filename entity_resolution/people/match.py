"""Match one person record against resolved people: candidates ranked by score, each explained.

The record and the candidates' mentions are prepared and compared exactly as in resolution, and
scored with the reference model (`train.reference_model`). A candidate person scores what their
best-matching mention scores; the explanation is that mention's weight per field (log2 odds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from entity_resolution.people.compare import encode, score_pairs
from entity_resolution.people.prepare import PrepareOptions, prepare_mentions
from entity_resolution.people.train import MatchModel, reference_model

__all__ = ["MATCH_FIELDS", "match_person"]

MATCH_FIELDS = ("name", "id_number", "phone", "birth_date", "gender", "address")
_WEIGHTS = ("id", "name", "birth", "gender", "mobile", "landline", "address")


def match_person(
    record: dict[str, object],
    candidates: pd.DataFrame,
    options: PrepareOptions | None = None,
    model: MatchModel | None = None,
    limit: int = 10,
) -> pd.DataFrame:
    """Return person_id, score, probability and w_<field> per candidate person, best first.

    `candidates` holds resolved mentions (person_id and the MATCH_FIELDS columns).
    """
    columns = ["person_id", "score", "probability", *(f"w_{f}" for f in _WEIGHTS)]
    if candidates.empty:
        return pd.DataFrame(columns=columns)
    model = model or reference_model()
    query = {"record_id": "query", "source": "query", **{f: record.get(f) for f in MATCH_FIELDS}}
    rows = pd.concat(
        [
            pd.DataFrame([query]),
            candidates.assign(record_id=[f"c{i}" for i in range(len(candidates))], source="candidate")[
                list(query)
            ],
        ],
        ignore_index=True,
    )
    prepared = prepare_mentions(rows, options)
    enc = encode(prepared)
    pairs = pd.DataFrame({"left": np.zeros(len(candidates), np.int64), "right": np.arange(1, len(rows))})
    scored = score_pairs(enc, pairs, model.weights(), model.tf_arrays(enc), model.m_tf(), model.prior)
    scored["person_id"] = candidates["person_id"].to_numpy()
    best = scored.sort_values("score", ascending=False).drop_duplicates("person_id").head(limit)
    return best[columns].reset_index(drop=True)
