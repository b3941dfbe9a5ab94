"""What happened, in a few words: phrases per unified subcategory from `incident_texts.yaml`."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt
import yaml


@lru_cache(maxsize=1)
def load_phrases() -> dict[str, tuple[str, ...]]:
    """Return the phrases of each subcategory code."""
    text = resources.files("simulators.city").joinpath("incident_texts.yaml").read_text("utf-8")
    return {code: tuple(phrases) for code, phrases in yaml.safe_load(text).items()}


def incident_phrases(
    codes: tuple[str, ...], category: npt.NDArray[np.int64], pick: npt.NDArray[np.int64]
) -> list[str]:
    """Return one phrase per incident: phrase `pick % n` of the incident's subcategory."""
    phrases = load_phrases()
    table = [phrases[code] for code in codes]
    return [table[c][p % len(table[c])] for c, p in zip(category.tolist(), pick.tolist(), strict=True)]
