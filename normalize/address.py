"""Addresses split into divisions, estate, building, unit and room, and a key for the place.

    >>> p = parse_address("重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501")
    >>> p.district, p.street, p.community, p.estate, p.building, p.unit, p.room
    ('沙坪坝区', '回龙坝镇', '聚龙城社区', '聚龙城', '3', '2', '501')
    >>> place_key(p), place_key(parse_address("沙坪坝聚龙城三栋二单元501室"))
    ('500106|聚龙城|3|2|501', '500106|聚龙城|3|2|501')
    >>> place_key(parse_address("聚龙城3-2-501"))
    '|聚龙城|3|2|501'

The divisions come from the gazetteer (`ontology.gazetteer`, read from jionlp's data file) through
`address_divisions.DivisionMatcher`; the rest through `address_detail.parse_detail`. Gazetteers lag
the ground, so a community, village or street the gazetteer does not know is recognised by its
level word when an estate or road follows it, and kept out of the estate name:

    >>> p = parse_address("重庆市合川区钓鱼城街道学士社区居委会天成熙园9幢5单元3004", "500100")
    >>> p.street, p.community, place_key(p)
    ('钓鱼城街道', '学士社区', '500117|天成熙园|9|5|3004')

A grid worker's shorthand names no district; finding which 聚龙城 it means takes a registry of
known estates, which is the job of place resolution, not of this parser. Callers that know their city
should pass its code: two-character district names said without 区 (渝中, 南岸) are trusted only
inside the expected city, because across the country they are also estate names (锦江, 龙湖).

Why not jionlp's `parse_location`: it costs about 5 ms a call, prints a banner on import, stops at
the town/village level (no estate, building, unit or room), does not know short street names
(沙坪坝回龙坝...), and matches names anywhere in the text, so '聚龙城3-2-501' comes back as
辽宁省朝阳市龙城区. This parser costs 35-60 us for a new string and 1-2 us for a repeat (results
are cached by string, up to 262,144 of them), after a one-off 5 s to load the gazetteer: a million
addresses with 200,000 distinct ones take 11-19 s.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC

from normalize.address_detail import parse_detail
from normalize.address_divisions import DivisionMatcher, FoundDivisions, committee_end, local_division_end
from ontology.gazetteer import load_gazetteer

__all__ = ["AddressParts", "normalize_address_text", "parse_address", "place_key"]

_T2S = OpenCC("t2s")
_DROPPED = re.compile(r"[\s,，、;；:：()（）\[\]【】{}<>《》\"'“”‘’。.!！?？]+")
_CHAR_MAP = str.maketrans({"•": "·", "‧": "·", "・": "·", "—": "-", "–": "-", "~": "-", "_": "-"})
_DIGIT = re.compile(r"\d")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


@dataclass(frozen=True, slots=True)
class AddressParts:
    """The parts of one address; empty strings for what it does not say.

    Division fields hold official full names (沙坪坝区 even when written 沙坪坝);
    `division_code` is the code of the finest division found (6 digits for a province, city or
    district, 9 for a street or town, 12 for a community). Numbers are Arabic digits.
    """

    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    community: str = ""
    road: str = ""  # road and door number: 汉渝路12号
    estate: str = ""  # 小区 name without the 小区 suffix, phase or zone included: 锦绣花园2期
    building: str = ""
    unit: str = ""
    room: str = ""
    detail: str = ""  # floors and whatever else was not understood
    division_code: str = ""


def normalize_address_text(raw: str) -> str:
    """Return the address in the form the parser reads: NFKC, simplified, no spaces or punctuation.

    >>> normalize_address_text(" 重慶市 沙坪壩區（聚龍城）３棟—501 ")
    '重庆市沙坪坝区聚龙城3栋-501'
    """
    text = unicodedata.normalize("NFKC", raw).translate(_CHAR_MAP)
    return str(_T2S.convert(_DROPPED.sub("", text))).upper()


@lru_cache(maxsize=1 << 18)
def parse_address(raw: str, city_code: str | None = None) -> AddressParts:
    """Return the parts of a raw address; `city_code` (e.g. '500100') says which city to expect.

    Inside the expected city, district short names match without confirmation and names shared
    with other cities resolve to it. Without it, the whole country is searched.

    >>> parse_address("沙坪坝区聚龙城3幢2单元501号").estate
    '聚龙城'
    """
    text = normalize_address_text(raw)
    found = _without_glued_community(text, _head_divisions(text, city_code), city_code)
    names = {level: division.name for level, division in found.by_level.items()}
    local, end = _local_divisions(text, found)
    detail = parse_detail(text[end:])
    estate = detail.estate
    community = found.by_level.get("community")
    if not estate and community is not None and (detail.building or detail.unit or detail.room):
        # "聚龙城社区3栋": a community named after its estate, buildings numbered directly in it.
        estate = community.short_name
    finest = found.finest()
    return AddressParts(
        province=names.get("province", ""),
        city=names.get("city", ""),
        district=names.get("district", found.ambiguous_district),
        street=names.get("street", local.get("street", "")),
        community=names.get("community", local.get("community", "")),
        road=detail.road,
        estate=estate,
        building=detail.building,
        unit=detail.unit,
        room=detail.room,
        detail=detail.detail,
        division_code=finest.code if finest is not None else "",
    )


def place_key(parts: AddressParts) -> str:
    """Return a key for the finest place an address names: 'district|site|building|unit|room'.

    `district` is the 6-digit code of the district (or of the city or province when that is
    all the address gives; empty when it gives none). `site` is the estate (middle dot dropped,
    since it is often left out) or else the road and door number. Street and community are left
    out on purpose: writers drop them, and an estate name is what identifies a place within a
    district. Trailing empty fields are cut, so a building-level address has a shorter key. An
    address with no site and no numbers gets the code of its finest division instead.

    >>> place_key(parse_address("重庆市沙坪坝区回龙坝镇")), place_key(parse_address("聚龙城3栋501"))
    ('500106006', '|聚龙城|3||501')
    """
    site = (parts.estate or parts.road).replace("·", "")
    if not (site or parts.building or parts.unit or parts.room):
        return parts.division_code
    fields = [parts.division_code[:6], site, parts.building, parts.unit, parts.room]
    while fields and not fields[-1]:
        fields.pop()
    return "|".join(fields)


# What an estate name cannot be alone: when only this follows a division word, the word was part
# of the estate's name (幸福村小区, 阳光社区花园).
_GENERIC_SITES = frozenset(
    (
        "小区",
        "花园",
        "家园",
        "新村",
        "宿舍",
        "大院",
        "公寓",
        "小组",
        "组",
        "街",
        "路",
        "街道",
        "社区",
        "集镇",
        "圩镇",
    )
)
_GENERIC_STARTS = tuple(_GENERIC_SITES)


def _local_divisions(text: str, found: FoundDivisions) -> tuple[dict[str, str], int]:
    """Return the street and community names the gazetteer does not know, and where the rest starts.

    重庆市合川区钓鱼城街道学士社区天成熙园9幢: 学士社区 is a community no gazetteer lists yet; it is a
    division, not the start of the estate's name. One counts only when an estate or a road follows.
    A functional zone (两江新区) outside any district is passed over: it is no division at all.
    """
    pos = found.end + 2 if found.by_level and text.startswith("片区", found.end) else found.end  # 李家沱片区
    local: dict[str, str] = {}
    for level in ("zone", "street", "community"):
        if level in found.by_level or (level == "zone" and "district" in found.by_level):
            pos = committee_end(text, pos) if level == "community" else pos
            pos += 3 if level == "street" and text.startswith("办事处", pos) else 0  # 钓鱼城街道办事处
            continue
        end = local_division_end(text, pos, level)
        if end and _names_a_site(text[end:]):
            local[level], pos = _COMMITTEE_WORDS.sub(_committee_short, text[pos:end]), end
            pos = committee_end(text, pos)  # 红星村村委会
    grid = _GRID_OR_GROUP.match(text, pos)  # 学士社区第三网格天成熙园, 红星村二组康乐苑
    if grid is not None and (found.by_level or local) and _names_a_site(text[pos:]):
        pos = grid.end()
    return local, pos


# A grid or a villagers' group below the community, before the estate.
_GRID_OR_GROUP = re.compile(r"第?[\d零〇一二两三四五六七八九十]+号?(?:网格|村民小组|小组|组)")
# 学士社区居委会 is 学士社区, 红星村村委会 (or 红星村委会) is 红星村: one division, however it is written.
_COMMITTEE_WORDS = re.compile(r"(社区)?(?:居民委员会|居委会)$|村?(?:村民委员会|村委会)$")


def _committee_short(match: re.Match[str]) -> str:
    return "社区" if match.group().startswith("社区") or "居" in match.group() else "村"


def _without_glued_community(text: str, found: FoundDivisions, city_code: str | None) -> FoundDivisions:
    """Return the divisions without the community when its name starts the estate's: in
    南岸区阳光社区花园3栋 the gazetteer's 阳光社区 is matched, but 花园 alone names no estate."""
    community = found.by_level.get("community")
    if community is None:
        return found
    rest = text[committee_end(text, found.end) :]
    if not rest.startswith(_GENERIC_STARTS) or parse_detail(rest).estate not in _GENERIC_SITES:
        return found
    return _match_head(text[: found.end - len(community.name)], city_code)


def _names_a_site(rest: str) -> bool:
    grid = _GRID_OR_GROUP.match(rest)
    detail = parse_detail(rest[grid.end() :] if grid is not None else rest)
    return bool(detail.road) or (len(detail.estate) >= 2 and detail.estate not in _GENERIC_SITES)


@lru_cache(maxsize=16)
def _matcher(city_code: str | None) -> DivisionMatcher:
    return DivisionMatcher(load_gazetteer(), city_code)


def _head_divisions(text: str, city_code: str | None) -> FoundDivisions:
    """Return the divisions a normalised address starts with, shared by addresses of one head.

    The matcher reads no further than the first digit (it only asks whether a digit follows a
    name), so '锦绣花园3栋2单元501' and '锦绣花园3栋1单元302' share one match: a city's hundreds of
    thousands of addresses have far fewer heads. The few division names that hold digits
    (金地2008社区) would be cut there; an address that may start one is matched whole.

    A text with no Han character (a foreign or transliterated address) names no division, and is
    not matched, so resolving such records never loads the gazetteer: the only division names
    without one are the short names of seven numbered communities ('1201' of 1201社区), and a
    bare number is a door number.
    """
    if _HAN.search(text) is None:
        return FoundDivisions()
    digit = _DIGIT.search(text)
    if digit is None:
        return _match_head(text, city_code)
    first = digit.start()
    deepest = _digit_names()[1]
    since = max(0, first - deepest)
    window = text[since : first + _DIGIT_NAME_REACH]
    if any(map(str.isdigit, text[:first])) or _may_start_digit_name(window, first - since):
        return _matcher(city_code).match(text)  # a digit outside \d, or a name with digits
    return _match_head(text[: first + 1], city_code)


@lru_cache(maxsize=1 << 18)
def _match_head(head: str, city_code: str | None) -> FoundDivisions:
    return _matcher(city_code).match(head)


# A name with digits is recognised by its text up to this many characters from its first digit.
_DIGIT_NAME_REACH = 4


@lru_cache(maxsize=1 << 16)
def _may_start_digit_name(window: str, digit_at: int) -> bool:
    """Return whether a division name with a digit may be written across `window[digit_at]`, the
    address's first digit: whether the window holds such a name's head (see `_digit_names`)."""
    heads = _digit_names()[0]
    return any(
        window[start:end] in heads
        for start in range(digit_at + 1)
        for end in range(digit_at + 1, digit_at + _DIGIT_NAME_REACH + 1)
    )


@lru_cache(maxsize=1)
def _digit_names() -> tuple[frozenset[str], int]:
    """Return the division names holding a digit, each cut `_DIGIT_NAME_REACH` characters from its
    first digit on, and the furthest offset of a first digit in them."""
    heads: set[str] = set()
    deepest = 0
    for division in load_gazetteer().divisions.values():
        for name in {division.name, division.short_name}:
            if name.isalpha():  # nearly every name: no digit, and known at C speed
                continue
            offset = next((i for i, ch in enumerate(name) if ch.isdigit()), -1)
            if offset >= 0:
                heads.add(name[: offset + _DIGIT_NAME_REACH])
                deepest = max(deepest, offset)
    return frozenset(heads), deepest
