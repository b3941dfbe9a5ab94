"""The fitted match model: plain tables of m, u and weights, stored beside a resolution and reloaded.

`train.py` estimates a `MatchModel` from the data; `compare.score_pairs` scores pairs with its
weights, name frequencies and prior. A model fitted on a simulated city ships with the package
(`reference_model.json`) for inputs too small to train on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from entity_resolution.people.compare import FIELDS, JOINT
from entity_resolution.people.encoding import Encoded

__all__ = ["REFERENCE_MODEL", "MatchModel", "reference_model", "save_reference_model"]

REFERENCE_MODEL = Path(__file__).with_name("reference_model.json")


@dataclass(frozen=True, slots=True)
class MatchModel:
    """Fitted Fellegi-Sunter parameters: m, u and weight per (field, level), and name frequencies."""

    parameters: pd.DataFrame  # field, level, level_name, m, u, weight, seen_m, seen_u (pairs behind them)
    prior: float  # log2 odds that a candidate pair is a match
    name_tf: pd.DataFrame  # column ('name_clean' | 'name_key'), value, tf
    tf_floor: float

    def weights(self) -> dict[str, npt.NDArray[np.float64]]:
        """Return, per field, the weight of each level (indexed by level code)."""
        table = self.parameters.sort_values(["field", "level"])
        fields = (*FIELDS, JOINT) if (table["field"] == JOINT).any() else FIELDS
        return {f: table.loc[table["field"] == f, "weight"].to_numpy(np.float64) for f in fields}

    def m_tf(self) -> tuple[float, float]:
        """Return m of the exact and phonetic name levels (the levels weighted by frequency)."""
        name = self.parameters[self.parameters["field"] == "name"].set_index("level")["m"]
        return float(name[0]), float(name[1])

    def tf_arrays(self, enc: Encoded) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Return the frequency of each name_clean and name_key code of `enc` (unseen names: the floor)."""
        out = []
        for column in ("name_clean", "name_key"):
            table = self.name_tf[self.name_tf["column"] == column].set_index("value")["tf"]
            values = pd.Series(enc.strings[column], dtype=object)
            out.append(values.map(table).fillna(self.tf_floor).clip(lower=self.tf_floor).to_numpy(np.float64))
        return out[0], out[1]


def save_reference_model(model: MatchModel, path: Path = REFERENCE_MODEL) -> Path:
    """Write a model's weights and prior (not its name frequencies, which belong to its data) as JSON."""
    document = {
        "prior": model.prior,
        "tf_floor": model.tf_floor,
        "parameters": model.parameters.to_dict("records"),
    }
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return path


def reference_model(path: Path = REFERENCE_MODEL) -> MatchModel:
    """Return the shipped model, for inputs too small to train on.

    A few hundred mentions hold too few vouched-for pairs to estimate m and u, so a user's small file
    is scored with weights fitted on a simulated city of 20,000 residents (`python -m
    proving.people_model` refits them). Names seen in the small input are not counted as common:
    every name gets the reference floor frequency.
    """
    document = json.loads(path.read_text("utf-8"))
    names = pd.DataFrame(
        {
            "column": pd.Series(dtype=object),
            "value": pd.Series(dtype=object),
            "tf": pd.Series(dtype=np.float64),
        }
    )
    return MatchModel(
        pd.DataFrame(document["parameters"]), float(document["prior"]), names, float(document["tf_floor"])
    )
