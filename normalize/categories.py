"""Department category labels read as the taxonomy's categories (ontology/schema/taxonomy.yaml).

Departments file events under their own labels: a taxonomy code, a major code, the taxonomy's
Chinese names, or words of their own, often coarse and often a path (纠纷/邻里纠纷). A label
becomes the set of subcategories it may mean:

    >>> sorted(map_category("劳资纠纷/欠薪").codes)
    ['labour.wage_arrears']
    >>> map_category("纠纷/邻里纠纷").code, map_category("纠纷/邻里纠纷").specific
    ('neighbour_dispute', False)
    >>> map_category("neighbour_dispute.noise").code, map_category("信访/邻里矛盾").code
    ('neighbour_dispute.noise', 'neighbour_dispute')
    >>> map_category("来电咨询").code
    'other.unclassified'

How a label is read: a user's mapping (label -> code) first, for the whole label; then each part
of the path (split at / > | 、 and the like) on its own. A part is a code, a taxonomy name or a
term of `category_terms.yaml`, or else the longest terms it contains (装修噪音 contains 噪音 and
装修: the longer wins where one holds the other). Parts and terms narrow each other: their
categories are intersected, and where they share none, the last part (the finest) wins. Words
that say nothing (纠纷, 投诉, 信访) are skipped. A label nothing matches has no categories: the
caller treats it as unclassified, weaker evidence, never an error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from opencc import OpenCC

from ontology.errors import BadInput
from ontology.model import Taxonomy, load_ontology

__all__ = ["UNCLASSIFIED", "CategoryMapper", "CategoryMatch", "category_mapper", "map_category"]

UNCLASSIFIED = "other.unclassified"
_T2S = OpenCC("t2s")
_SEPARATORS = re.compile(r"[/\\|>＞→\-—–·、，,;；:：()（）\[\]【】\s]+")
Codes = frozenset[str]


@dataclass(frozen=True, slots=True)
class CategoryMatch:
    """The subcategories a label may mean (none: not recognised) and how they were found."""

    label: str
    codes: Codes
    how: str  # 'mapping', 'taxonomy', 'terms' or 'none'

    @property
    def known(self) -> bool:
        """Return whether the label names anything beyond the catch-all."""
        return bool(self.codes - {UNCLASSIFIED})

    @property
    def specific(self) -> bool:
        """Return whether the label names one subcategory."""
        return self.known and len(self.codes) == 1

    @property
    def major(self) -> str | None:
        """Return the one major category all the label's subcategories belong to, else None."""
        majors = {code.split(".", 1)[0] for code in self.codes - {UNCLASSIFIED}}
        return majors.pop() if len(majors) == 1 else None

    @property
    def code(self) -> str:
        """Return the label as one taxonomy code: its subcategory, its major, or the catch-all."""
        if self.specific:
            return next(iter(self.codes))
        return self.major or UNCLASSIFIED


def _clean(text: str) -> str:
    """Return a label part as it is compared: NFKC, simplified characters, lower case, no spaces."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return str(_T2S.convert(re.sub(r"\s+", "", folded)))


def _parts(label: str) -> list[str]:
    """Return the cleaned parts of a label path, coarse to fine."""
    return [p for p in (_clean(part) for part in _SEPARATORS.split(label)) if p]


@cache
def _terms_file() -> dict[str, Any]:
    text = resources.files("normalize").joinpath("category_terms.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


class CategoryMapper:
    """Reads labels as taxonomy categories: codes, names, built-in terms and a user's mapping."""

    def __init__(self, taxonomy: Taxonomy | None = None, mapping: Mapping[str, Any] | None = None) -> None:
        self.taxonomy = taxonomy or load_ontology().taxonomy
        self._majors: dict[str, Codes] = {}
        for code, category in self.taxonomy.categories.items():
            self._majors[category.major_code] = self._majors.get(category.major_code, frozenset()) | {code}
        self._exact: dict[str, Codes] = {}
        for code, category in self.taxonomy.categories.items():
            for key in (code, category.name, code.split(".", 1)[1]):
                self._add(key, frozenset({code}))
        for major, codes in self._majors.items():
            name = self.taxonomy.categories[next(iter(codes))].major_name
            self._add(major, codes)
            self._add(name, codes)
        spec = _terms_file()
        for term, targets in spec["terms"].items():
            self._add(str(term), self.codes_of(targets, f"term {term!r}"))
        self._empty = {_clean(w) for w in spec.get("empty_words", ())}
        self._mapping = {
            _clean(str(label)): self.codes_of(target, f"label {label!r}")
            for label, target in (mapping or {}).items()
        }
        self._longest = max((len(k) for k in self._exact), default=1)
        self._cache: dict[str, CategoryMatch] = {}

    def _add(self, key: str, codes: Codes) -> None:
        cleaned = _clean(key)
        self._exact[cleaned] = self._exact.get(cleaned, frozenset()) | codes

    def codes_of(self, target: Any, what: str = "mapping") -> Codes:
        """Return the subcategories a mapping target names (a code, a major, or a list of them).

        Raises BadInput naming `what` when a target is not a taxonomy code.
        """
        targets = [target] if isinstance(target, str) else list(target or ())
        codes: set[str] = set()
        for value in targets:
            code = str(value).strip()
            if code in self.taxonomy.categories:
                codes.add(code)
            elif code in self._majors:
                codes |= self._majors[code]
            else:
                raise BadInput(f"category {what}: {code!r} is not a taxonomy code (major or major.sub)")
        return frozenset(codes)

    def match(self, label: object) -> CategoryMatch:
        """Return what a department's label means (see the module doc); cached per label."""
        text = "" if label is None else str(label)
        found = self._cache.get(text)
        if found is None:
            found = self._read(text)
            if len(self._cache) < 1 << 16:
                self._cache[text] = found
        return found

    def _read(self, label: str) -> CategoryMatch:
        whole = _clean(label)
        if whole in self._mapping:
            return CategoryMatch(label, self._mapping[whole], "mapping")
        if whole in self._exact:
            return CategoryMatch(label, self._exact[whole], "taxonomy")
        found, mapped = [], False
        for part in _parts(label):
            if part in self._mapping:
                found.append(self._mapping[part])
                mapped = True
            elif part not in self._empty and (codes := self._part(part)):
                found.append(codes)
        how = "mapping" if mapped else "terms" if found else "none"
        return CategoryMatch(label, _narrowed(found), how)

    def _part(self, part: str) -> Codes:
        """Return the categories of one label part: an exact key, else the terms it contains."""
        if part in self._exact:
            return self._exact[part]
        spans = []
        for size in range(min(self._longest, len(part)), 1, -1):
            for start in range(len(part) - size + 1):
                key = part[start : start + size]
                if key in self._exact and key not in self._empty:
                    spans.append((start, start + size, self._exact[key]))
        maximal = [s for s in spans if not any(o[0] <= s[0] and s[1] <= o[1] and o != s for o in spans)]
        # longest first: where the terms share no category, the longest term wins
        return _narrowed([codes for _, _, codes in maximal], fallback=0)


def _narrowed(sets: Sequence[Codes], fallback: int = -1) -> Codes:
    """Return what every set allows, or the set at `fallback` when they share nothing."""
    if not sets:
        return frozenset()
    shared = frozenset.intersection(*sets)
    return shared or sets[fallback]


@lru_cache(maxsize=16)
def _mapper(mapping: tuple[tuple[str, str | tuple[str, ...]], ...]) -> CategoryMapper:
    return CategoryMapper(mapping=dict(mapping))


def category_mapper(mapping: Mapping[str, Any] | None = None) -> CategoryMapper:
    """Return a mapper with the built-in names and terms and a user's mapping (label -> code(s))."""
    items: Iterable[tuple[str, Any]] = (mapping or {}).items()
    frozen = tuple(sorted((str(k), v if isinstance(v, str) else tuple(str(x) for x in v)) for k, v in items))
    return _mapper(frozen)


def map_category(label: object, mapping: Mapping[str, Any] | None = None) -> CategoryMatch:
    """Return the subcategories a department's category label may mean (see the module doc)."""
    return category_mapper(mapping).match(label)
