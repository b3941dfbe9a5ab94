"""Administrative divisions at the head of an address: province, city, district, street, community.

Names are matched left to right, each level only at the position where the previous one ended and
only among the children of what was already found, so '聚龙城' never turns into '龙城区' (jionlp
finds that one anywhere in the string). Full names always count; short names (沙坪坝 for
沙坪坝区, 回龙坝 for 回龙坝镇) count inside a known parent, and across the whole country only when
they are unambiguous and either three characters or longer or confirmed by the next level.
Communities count by full name only (聚龙城社区): their short names are usually estate names too.

Name tables are built lazily per parent, so a matcher costs little until it meets a district.

Gazetteers lag the ground: communities and villages are renamed, merged and founded every year.
`local_division_end` finds a division the gazetteer does not know by the word that ends it
(学士社区, 红星村委会, 新城街道), so that it is not glued to the estate name after it. Neither
jionlp (`parse_location(town_village=True)` looks names up in its dictionary anywhere in the text)
nor cpca (province, city and district only) does this; estate words that end like a division
(红旗新村, 阳光小镇) are not taken for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ontology.gazetteer import Division, Gazetteer

__all__ = ["DivisionMatcher", "FoundDivisions", "committee_end", "local_division_end"]

_LEVELS = ("province", "city", "district", "street", "community")
# Text that may follow a short name only when the short name is really part of a longer name
# (天星桥小区, 沙坪坝正街): then it is an estate or a road, not the division.
_LONGER_NAME_TAILS = (
    "小区",
    "花园",
    "新村",
    "社区",
    "村",
    "组",
    "路",
    "街",
    "正街",
    "大道",
    "巷",
    "广场",
    "苑",
    "园",
    "城",
    "府",
    "湾",
    "公馆",
    "家园",
    "宿舍",
    "大厦",
    "公寓",
    "古镇",
    "小镇",
    "中学",
    "小学",
    "医院",
    "市场",
    "派出所",
    "-",
    "#",
)
_ROAD_TAILS = ("正街", "大道", "街", "路", "巷")
# Level words people add to a short name (彭水县 for 彭水苗族土家族自治县, 忠州镇 for 忠州街道):
# a short name followed by one is as good as a full name.
_LEVEL_WORDS = {
    "city": ("自治州", "地区", "市", "州", "盟"),
    "district": ("自治县", "区", "县", "市", "旗"),
    "street": ("街道办事处", "街道", "办事处", "镇", "乡"),
}
# Words written before the address (地址：重庆市..., 家住沙坪坝...), longest first.
_PREFIXES_TO_SKIP = (
    "中华人民共和国",
    "事发地点",
    "户籍地址",
    "居住地址",
    "现住址",
    "发生地",
    "现住",
    "家住",
    "住在",
    "住址",
    "地址",
    "位于",
    "地点",
    "中国",
)
_PREFIXES = re.compile(f"(?:{'|'.join(_PREFIXES_TO_SKIP)})*")
_CITY_FILLERS = ("市辖区",)  # 重庆市市辖区沙坪坝区: a table heading copied into the address


@dataclass(slots=True)
class FoundDivisions:
    """What the head of an address named, and where the rest of the address starts."""

    by_level: dict[str, Division] = field(default_factory=dict)
    ambiguous_district: str = ""  # a district name shared by several cities, none chosen
    end: int = 0

    def finest(self) -> Division | None:
        """Return the finest-level division the address named (community first), or None."""
        for level in reversed(_LEVELS):
            if level in self.by_level:
                return self.by_level[level]
        return None


class _NameTable:
    """Longest-prefix lookup of division names (full and short) to the divisions they may mean."""

    __slots__ = ("_names", "_lengths")

    def __init__(self, divisions: list[Division], short_names: bool) -> None:
        self._names: dict[str, list[tuple[Division, bool]]] = {}
        for division in divisions:
            if "直辖" in division.name:  # placeholder rows of the gazetteer, not real names
                continue
            self._add(division.name, division, False)
            if short_names and division.short_name != division.name:
                self._add(division.short_name, division, True)
        # Name lengths by first character, longest first: most positions start no name at all,
        # and the others try a handful of lengths instead of every length in the table.
        lengths: dict[str, set[int]] = {}
        for name in self._names:
            lengths.setdefault(name[0], set()).add(len(name))
        self._lengths = {first: sorted(found, reverse=True) for first, found in lengths.items()}

    def _add(self, name: str, division: Division, short: bool) -> None:
        entries = self._names.setdefault(name, [])
        if all(d.code != division.code for d, _ in entries):
            entries.append((division, short))

    def match(self, text: str, start: int) -> tuple[int, list[tuple[Division, bool]]] | None:
        """Return (end, candidates) of the longest name starting at `start`, or None."""
        for length in self._lengths.get(text[start : start + 1], ()):
            candidates = self._names.get(text[start : start + length])
            if candidates is not None and start + length <= len(text):
                return start + length, candidates
        return None


class DivisionMatcher:
    """Finds the divisions an address starts with, optionally inside one city."""

    def __init__(self, gazetteer: Gazetteer, city_code: str | None = None) -> None:
        self._gazetteer = gazetteer
        self._city = gazetteer.divisions[city_code] if city_code else None
        self._tables: dict[tuple[str, str, bool], _NameTable] = {}

    def match(self, text: str) -> FoundDivisions:
        """Return the divisions named at the start of a normalised address."""
        found = FoundDivisions()
        pos = _PREFIXES.match(text).end()  # type: ignore[union-attr]  # matches the empty string
        pos = self._match_province(text, pos, found)
        pos = self._match_city(text, pos, found)
        pos = self._match_district(text, pos, found)
        if "district" in found.by_level or self._city is not None or "city" in found.by_level:
            pos = self._match_street(text, pos, found)
        if "district" in found.by_level or "street" in found.by_level:
            pos = self._match_community(text, pos, found)
        self._fill_parents(found)
        found.end = pos
        return found

    def _match_province(self, text: str, pos: int, found: FoundDivisions) -> int:
        hit = self._table("", "province", True).match(text, pos)
        if hit is None:
            return pos
        end, ((province, short), *_) = hit
        in_context = self._city is not None and self._city.code.startswith(province.code[:2])
        if short and not in_context and not self._confirms(text, end, province.code, ("city", "district")):
            return pos
        found.by_level["province"] = province
        cities = self._children(province.code, "city")
        if len(cities) == 1 and cities[0].name == province.name:  # a municipality is its own city
            found.by_level["city"] = cities[0]
        return end

    def _match_city(self, text: str, pos: int, found: FoundDivisions) -> int:
        province = found.by_level.get("province")
        if "city" not in found.by_level:
            hit = self._table(province.code if province else "", "city", True).match(text, pos)
            chosen = self._choose(hit, text, bool(province), ("district",))
            if chosen is not None:
                found.by_level["city"], pos = chosen
        return next((pos + len(f) for f in _CITY_FILLERS if text.startswith(f, pos)), pos)

    def _match_district(self, text: str, pos: int, found: FoundDivisions) -> int:
        parent = found.by_level.get("city") or found.by_level.get("province") or self._city
        hit = self._table(parent.code if parent else "", "district", True).match(text, pos)
        if hit is None and parent is self._city and parent is not None:
            parent = None  # not a district of the expected city: look in the whole country
            hit = self._table("", "district", True).match(text, pos)
        chosen = self._choose(hit, text, parent is not None, ("street",))
        if chosen is not None:
            found.by_level["district"], pos = chosen
        elif hit is not None and not any(short for _, short in hit[1]):  # a full name of several cities
            found.ambiguous_district = hit[1][0][0].name
            pos = hit[0]
        return pos

    def _match_street(self, text: str, pos: int, found: FoundDivisions) -> int:
        district = found.by_level.get("district")
        parent = district or found.by_level.get("city") or self._city
        if parent is None:
            return pos
        # Outside a known district only full, unique street names are trusted.
        hit = self._table(parent.code, "street", district is not None).match(text, pos)
        chosen = self._choose(hit, text, True, ("community",))
        if chosen is not None:
            found.by_level["street"], pos = chosen
        elif hit is not None and district is not None and not _continues_longer_name(text, hit[0]):
            pos = hit[0]  # 南坪 is both 南坪街道 and 南坪镇: a street of this district, but which one
        return pos

    def _match_community(self, text: str, pos: int, found: FoundDivisions) -> int:
        parent = found.by_level.get("street") or found.by_level["district"]  # one of them is there
        chosen = self._choose(self._table(parent.code, "community", False).match(text, pos), text, True, ())
        if chosen is not None:
            found.by_level["community"], pos = chosen
        return pos

    def _choose(
        self,
        hit: tuple[int, list[tuple[Division, bool]]] | None,
        text: str,
        in_parent: bool,
        confirm_levels: tuple[str, ...],
    ) -> tuple[Division, int] | None:
        """Return the one division a matched name means, or None if it cannot be pinned down."""
        if hit is None:
            return None
        end, candidates = hit
        if len(candidates) > 1:
            candidates = [c for c in candidates if self._inside_city(c[0])] or [
                c for c in candidates if self._confirms(text, end, c[0].code, confirm_levels)
            ]
        if len(candidates) != 1:
            return None
        division, short = candidates[0]
        words = _LEVEL_WORDS.get(division.level, ()) if short else ()
        word = next((w for w in words if text.startswith(w, end)), "")
        if word:
            short, end = False, end + len(word)
        if short and _continues_longer_name(text, end):
            return None
        if short and not in_parent and not self._inside_city(division):
            if len(division.short_name) < 3 and not self._confirms(text, end, division.code, confirm_levels):
                return None
        return division, end

    def _confirms(self, text: str, end: int, code: str, levels: tuple[str, ...]) -> bool:
        return any(self._table(code, level, True).match(text, end) is not None for level in levels)

    def _inside_city(self, division: Division) -> bool:
        return self._city is not None and division.code.startswith(self._city.code[:4])

    def _table(self, parent_code: str, level: str, short_names: bool) -> _NameTable:
        key = (parent_code, level, short_names)
        table = self._tables.get(key)
        if table is None:
            table = _NameTable(self._descendants(parent_code, level), short_names)
            self._tables[key] = table
        return table

    def _descendants(self, code: str, level: str) -> list[Division]:
        if not code:
            return self._gazetteer.by_level(level)
        out: list[Division] = []
        frontier = [code]
        while frontier:
            children = [c for p in frontier for c in self._children(p, None)]
            out.extend(c for c in children if c.level == level)
            frontier = [c.code for c in children if _LEVELS.index(c.level) < _LEVELS.index(level)]
        return out

    def _children(self, code: str, level: str | None) -> list[Division]:
        # The gazetteer lists a few cities as their own child (东莞 441900); skip such loops.
        return [c for c in self._gazetteer.children_of(code) if c.code != code and level in (None, c.level)]

    def _fill_parents(self, found: FoundDivisions) -> None:
        finest = found.finest()
        seen: set[str] = set()
        while finest is not None and finest.parent_code is not None and finest.code not in seen:
            seen.add(finest.code)
            finest = self._gazetteer.divisions.get(finest.parent_code)
            if finest is not None and finest.level not in found.by_level and "直辖" not in finest.name:
                found.by_level[finest.level] = finest


def _continues_longer_name(text: str, end: int) -> bool:
    if end >= len(text) or text[end].isdigit():
        return end < len(text)
    road = next((t for t in _ROAD_TAILS if text.startswith(t, end)), "")
    if road:
        # 沙坪坝正街 and 沙坪坝正街12号 are a road; in 南岸正街新村 the road word starts an estate name
        rest = end + len(road)
        return rest == len(text) or text[rest].isdigit()
    return text.startswith(_LONGER_NAME_TAILS, end)


_HAN_NAME = r"[\u3400-\u4dbf\u4e00-\u9fff]"
# A division by its level word; the shortest name that ends in one (two characters at least, so
# 村口, 镇上 and 乡下 are no names). Committee words count as part of the division's name.
_LOCAL_DIVISIONS = {
    # Functional zones (两江新区, 高新区) stand above streets and are no gazetteer division at all.
    "zone": re.compile(rf"{_HAN_NAME}{{2,8}}?(?:新区|开发区|园区|试验区|示范区)|高新区|经开区"),
    "street": re.compile(rf"{_HAN_NAME}{{2,8}}?(?:街道办事处|街道办|街道|镇|乡)"),
    "community": re.compile(
        rf"{_HAN_NAME}{{2,10}}?(?:社区居民委员会|社区居委会|社区|居民委员会|居委会|村民委员会|村委会|村|片区|生活区)"
    ),
}
# Words that end estate names like a division word would: 红旗新村 is an estate, not a village.
_ESTATE_WORDS = ("新村", "小镇", "古镇", "新镇", "水乡", "山村", "花园村", "山庄村")
_COMMITTEE = re.compile(r"社区居民委员会|社区居委会|居民委员会|居委会|村民委员会|村委会")
_VILLAGE_COMMITTEE_TAIL = re.compile(r"民委员会|委会")


def local_division_end(text: str, pos: int, level: str) -> int:
    """Return where a street or community name by its level word, starting at `pos`, ends (0: none).

    Whether it is a division still depends on what follows: the caller checks that an estate or
    road follows it, since 幸福村小区 is an estate and 学士社区天成熙园 a community and an estate.

    >>> local_division_end("学士社区天成熙园9幢", 0, "community")
    4
    >>> local_division_end("红旗新村5栋", 0, "community")
    0
    """
    match = _LOCAL_DIVISIONS[level].match(text, pos)
    if match is None or match.group().endswith(_ESTATE_WORDS):
        return 0
    return match.end()


def committee_end(text: str, pos: int) -> int:
    """Return where a committee word (居委会, 村委会 ...) at `pos` ends, or `pos` without one:
    聚龙城社区居委会 names the 聚龙城社区 the gazetteer knows."""
    match = _COMMITTEE.match(text, pos)
    if match is None and pos > 0 and text[pos - 1] == "村":  # 金刚村委会: the 村 was the name's
        match = _VILLAGE_COMMITTEE_TAIL.match(text, pos)
    return match.end() if match is not None else pos
