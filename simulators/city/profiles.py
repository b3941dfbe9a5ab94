"""Incident profiles per unified subcategory, read from `incident_profiles.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from ontology.model import load_ontology
from simulators.city.places import BUILDING, ESTATE, ROOM

ROLES: tuple[str, ...] = ("caller", "party", "victim", "suspect", "petitioner", "grid_worker", "witness")
LEVELS = {"room": ROOM, "building": BUILDING, "estate": ESTATE}
SECOND_KINDS = ("", "neighbour", "household", "anyone")


@dataclass(frozen=True, slots=True)
class Profiles:
    """Per-subcategory arrays, in the taxonomy's order of subcategory codes."""

    codes: tuple[str, ...]
    weight: npt.NDArray[np.float64]
    level: npt.NDArray[np.int64]
    roles: npt.NDArray[np.int64]  # (categories, 2) role indices, -1 for none
    second: npt.NDArray[np.int64]  # index into SECOND_KINDS
    second_p: npt.NDArray[np.float64]
    witness_p: npt.NDArray[np.float64]
    dispute: npt.NDArray[np.bool_]
    channels: npt.NDArray[np.float64]  # (categories, 4)


def _merged(major: dict[str, Any], sub: str) -> dict[str, Any]:
    spec = {k: v for k, v in major.items() if k != "subcategories"}
    spec.update((major.get("subcategories") or {}).get(sub, {}))
    return spec


@lru_cache(maxsize=1)
def load_profiles() -> Profiles:
    """Return the incident profile of every subcategory of the majors the YAML describes.

    The taxonomy's catch-all (`other.unclassified`) is where departments file what they cannot
    classify; nothing happens in the city under it, so it has no profile.
    """
    text = resources.files("simulators.city").joinpath("incident_profiles.yaml").read_text("utf-8")
    majors: dict[str, Any] = yaml.safe_load(text)
    taxonomy = load_ontology().taxonomy
    categories = {code: c for code, c in taxonomy.categories.items() if c.major_code in majors}
    counts = {m: sum(1 for c in categories.values() if c.major_code == m) for m in majors}
    specs = [
        (code, _merged(majors[c.major_code], code.split(".")[1]), counts[c.major_code])
        for code, c in categories.items()
    ]
    roles = [[ROLES.index(r) for r in s["roles"]] + [-1] * (2 - len(s["roles"])) for _, s, _ in specs]
    return Profiles(
        codes=tuple(code for code, _, _ in specs),
        weight=np.array([s["share"] / n for _, s, n in specs]),
        level=np.array([LEVELS[s["level"]] for _, s, _ in specs], dtype=np.int64),
        roles=np.array(roles, dtype=np.int64),
        second=np.array([SECOND_KINDS.index(s.get("second", "")) for _, s, _ in specs], dtype=np.int64),
        second_p=np.array([float(s.get("second_p", 0.0)) for _, s, _ in specs]),
        witness_p=np.array([float(s.get("witness_p", 0.0)) for _, s, _ in specs]),
        dispute=np.array([bool(s.get("dispute", False)) for _, s, _ in specs]),
        channels=np.array([s["channels"] for _, s, _ in specs], dtype=np.float64),
    )
