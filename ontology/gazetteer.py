"""China's administrative divisions, read from the gazetteer that ships inside the jionlp package.

The file lists province > city > county (district) with official 6-digit codes, then towns/streets
and villages/communities by name only. We give towns and communities the 9- and 12-digit codes
of the statistical division scheme (county code + 3-digit town index + 3-digit village index),
numbered in file order, so every level has a stable key.

The data file is read directly: importing jionlp itself costs a second and prints a banner.
"""

from __future__ import annotations

import importlib.util
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple


class GazetteerUnavailable(RuntimeError):
    """The jionlp package (which carries the gazetteer file) is not installed."""


class Division(NamedTuple):
    """One administrative division: its code, full name, short name and level.

    A named tuple rather than a frozen dataclass: the gazetteer makes 700,000 of them, and a
    tuple is made in a third of the time (a process resolving Chinese addresses waits for it).
    """

    code: str
    name: str
    short_name: str
    level: str  # province | city | district | street | community
    parent_code: str | None


@dataclass(slots=True)
class Gazetteer:
    """All divisions by code, with children lists for walking down the hierarchy."""

    divisions: dict[str, Division] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    def add(self, division: Division) -> None:
        """Add a division and record it as a child of its parent."""
        self.divisions[division.code] = division
        if division.parent_code is not None:
            self.children.setdefault(division.parent_code, []).append(division.code)

    def children_of(self, code: str) -> list[Division]:
        """Return the direct children of a division, in gazetteer order."""
        return [self.divisions[c] for c in self.children.get(code, [])]

    def lineage(self, code: str) -> list[Division]:
        """Return the chain province -> ... -> this division."""
        chain: list[Division] = []
        current: str | None = code
        while current is not None:
            division = self.divisions[current]
            chain.append(division)
            current = division.parent_code
        return chain[::-1]

    def by_level(self, level: str) -> list[Division]:
        """Return the divisions of one level (province, city, district, street or community)."""
        return [d for d in self.divisions.values() if d.level == level]


_LEVELS = ("province", "city", "district", "street", "community")


def gazetteer_path() -> Path:
    """Return the path of jionlp's china_location.zip without importing jionlp."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or spec.origin is None:
        raise GazetteerUnavailable("the jionlp package is not installed; `pip install jionlp`")
    return Path(spec.origin).parent / "dictionary" / "china_location.zip"


def _short_name(name: str) -> str:
    for suffix in ("街道办事处", "街道", "社区", "镇", "乡", "村"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Return the whole gazetteer (about 700,000 divisions; loads in a few seconds, cached)."""
    with zipfile.ZipFile(gazetteer_path()) as archive:
        text = archive.read("china_location.txt").decode("utf-8")
    gazetteer = Gazetteer()
    parents: list[str | None] = [None] * len(_LEVELS)
    counters: dict[str, int] = {}
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip("\t").split("\t")
        name = parts[0]
        parent = parents[depth - 1] if depth > 0 else None
        if len(parts) >= 2 and parts[1].isdigit():
            code = parts[1]
            short = parts[2] if len(parts) > 2 else name
            if depth == 1 and code == parent:  # a municipality repeats itself as its city
                code = code[:2] + "0100"
            elif code == parent or code in gazetteer.divisions:
                # a city without districts lists a placeholder district under its own code
                code = f"{parent}D"
        else:
            counters[str(parent)] = counters.get(str(parent), 0) + 1
            code = f"{parent}{counters[str(parent)]:03d}"
            short = _short_name(name)
        gazetteer.add(Division(code, name, short, _LEVELS[depth], parent))
        parents[depth] = code
    return gazetteer
