"""Addresses split into divisions, estate, building, unit and room, and a key for the place.

    >>> p = parse_address("重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501")
    >>> p.district, p.street, p.community, p.estate, p.building, p.unit, p.room
    ('沙坪坝区', '回龙坝镇', '聚龙城社区', '聚龙城', '3', '2', '501')
    >>> place_key(p), place_key(parse_address("沙坪坝聚龙城三栋二单元501室"))
    ('500106|聚龙城|3|2|501', '500106|聚龙城|3|2|501')
    >>> place_key(parse_address("聚龙城3-2-501"))
    '|聚龙城|3|2|501'

The divisions come from the gazetteer (`ontology.gazetteer`, read from jionlp's data file) through
`address_divisions.DivisionMatcher`; the rest through `address_detail.parse_detail`. A grid
worker's shorthand names no district; finding which 聚龙城 it means takes a registry of known
estates, which is the job of place resolution, not of this parser. Callers that know their city
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

from entity_resolution.normalize.address_detail import parse_detail
from entity_resolution.normalize.address_divisions import DivisionMatcher
from ontology.gazetteer import load_gazetteer

__all__ = ["AddressParts", "normalize_address_text", "parse_address", "place_key"]

_T2S = OpenCC("t2s")
_DROPPED = re.compile(r"[\s,，、;；:：()（）\[\]【】{}<>《》\"'“”‘’。.!！?？]+")
_CHAR_MAP = str.maketrans({"•": "·", "‧": "·", "・": "·", "—": "-", "–": "-", "~": "-", "_": "-"})


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
    found = _matcher(city_code).match(text)
    detail = parse_detail(text[found.end :])
    names = {level: division.name for level, division in found.by_level.items()}
    estate = detail.estate
    community = found.by_level.get("community")
    if not estate and community is not None and (detail.building or detail.unit or detail.room):
        # "聚龙城社区3栋": a community named after its estate, buildings numbered directly in it.
        estate = community.short_name
    finest = found.finest()
    return AddressParts(
        province=names.get("province", ""), city=names.get("city", ""),
        district=names.get("district", found.ambiguous_district), street=names.get("street", ""),
        community=names.get("community", ""), road=detail.road, estate=estate,
        building=detail.building, unit=detail.unit, room=detail.room, detail=detail.detail,
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


@lru_cache(maxsize=16)
def _matcher(city_code: str | None) -> DivisionMatcher:
    return DivisionMatcher(load_gazetteer(), city_code)
