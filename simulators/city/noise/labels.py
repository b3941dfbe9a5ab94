"""The departments' own category labels: renamed by a system upgrade, a clerk's synonym, or coarse.

The code stays the code book's (the hub maps codes through its own tables); the label column shows
what the department's screen shows. The petitions office has no separate label: its 问题分类 is the
label path itself, so only its upgrade renames it, to names the hub's code table also lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from simulators.departments import Code, CodeBook


@dataclass(frozen=True, slots=True)
class Labels:
    """Coarse labels per major, synonyms per subcategory, version-2 major words, upgrade days."""

    coarse: dict[str, list[str]]
    major_v2: dict[str, str]
    synonyms: dict[str, list[str]]
    upgrades: dict[str, dt.date]


@lru_cache(maxsize=1)
def load_labels() -> Labels:
    """Return the label vocabulary of `simulators/departments/labels.yaml`."""
    text = resources.files("simulators.departments").joinpath("labels.yaml").read_text("utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return Labels(
        coarse={k: list(v) for k, v in spec["coarse"].items()},
        major_v2=dict(spec["major_v2"]),
        synonyms={k: list(v) for k, v in spec["synonyms"].items()},
        upgrades={
            k: v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
            for k, v in spec["upgrades"].items()
        },
    )


def _pick(options: list[str], draw: float) -> str:
    return options[int(draw * len(options)) % len(options)]


def version_two(code: Code) -> str:
    """Return the label a code shows after its department's upgrade: 纠纷/噪音扰民."""
    return f"{load_labels().major_v2[code.unified.split('.')[0]]}/{code.name}"


def own_label(
    code: Code, upgraded: bool, draws: tuple[float, float, float], synonym_p: float, coarse_p: float
) -> str:
    """Return the label a department writes for a record filed under `code`."""
    labels = load_labels()
    major = code.unified.split(".")[0]
    if draws[0] < coarse_p:
        return _pick(labels.coarse[major], draws[2])
    name = _pick(labels.synonyms[code.unified], draws[2]) if draws[1] < synonym_p else code.name
    return f"{labels.major_v2[major]}/{name}" if upgraded else name


def petition_codes_after_upgrade(book: CodeBook) -> dict[str, str]:
    """Return the petitions office's version-2 category for each of its codes.

    城乡建设/拆迁补偿 becomes 房屋土地/拆迁补偿; the hub's code table lists both.
    """
    return {code.code: version_two(code) for code in (*book.codes, book.other)}
