"""The departments' own category code books (`codes.yaml`), for the simulator that writes their records."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Code:
    """One code of a department's book and the unified subcategory it means."""

    code: str
    name: str
    unified: str


@dataclass(frozen=True, slots=True)
class CodeBook:
    """A department's codes, with the catch-all code its staff use when nothing fits."""

    source: str
    title: str
    codes: tuple[Code, ...]
    other: Code

    def for_category(self, unified: str) -> tuple[Code, ...]:
        """Return the codes that mean `unified` (empty when the department has none)."""
        return tuple(c for c in self.codes if c.unified == unified)

    def by_code(self) -> dict[str, Code]:
        return {c.code: c for c in (*self.codes, self.other)}


def _book(source: str, spec: dict[str, Any]) -> CodeBook:
    codes = tuple(Code(str(code), entry["name"], entry["unified"]) for code, entry in spec["codes"].items())
    other = Code(str(spec["other"]["code"]), spec["other"]["name"], spec["other"]["unified"])
    return CodeBook(source=source, title=spec["title"], codes=codes, other=other)


@lru_cache(maxsize=1)
def load_code_books() -> dict[str, CodeBook]:
    """Return each department's code book, keyed by source (hotline, grid, police, petitions)."""
    text = resources.files("simulators.departments").joinpath("codes.yaml").read_text("utf-8")
    return {source: _book(source, spec) for source, spec in yaml.safe_load(text).items()}
