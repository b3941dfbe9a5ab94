"""The part of an address below the divisions: road and door number, estate, building, unit, room.

    >>> parse_detail("聚龙城小区三号楼二单元501室")
    DetailParts(road='', estate='聚龙城', building='3', unit='2', room='501', detail='')
    >>> parse_detail("聚龙城3-2-501")
    DetailParts(road='', estate='聚龙城', building='3', unit='2', room='501', detail='')

栋, 幢, 号楼, 座, # and (before any building) 号 all mark a building; 单元 a unit; 室, 户, 房 and
(after a building) 号 a room, as does a bare number after a building or unit. Grid workers'
shorthand is building-unit-room (3-2-501), building-room (3-501, three or more digits) or
building-unit (3-2). Floors (5层, 5楼 not before a unit) and anything unrecognised go to `detail`.
Chinese numerals right before one of these markers become Arabic (cn2an); elsewhere they are
left alone, since they are part of names (九龙坡, 三峡广场, 十八梯).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import cn2an

__all__ = ["DetailParts", "parse_detail"]

_NUMERAL_BEFORE_MARKER = re.compile(
    r"[零〇一二两三四五六七八九十百千]+(?=号楼|栋|幢|座|单元|室|号|层|楼|期|户)"
)
# A room number read out digit by digit at the end (五单元三零零四): no marker follows it.
_DIGITS_AT_END = re.compile(r"(?<=[元楼栋幢座-])[零〇一二三四五六七八九]{3,4}$")
_ORDINAL = re.compile(r"第(?=(?:\d+|[零〇一二两三四五六七八九十百]+)(?:号楼|栋|幢|座|单元|层|楼|期|区))")
# A road and door number (汉渝路12号, 沙坪坝正街12-3号附1号); the road word ends the name.
# 号楼 is a building, so 锦江天街2号楼 is an estate (天街 is a common estate name) and building 2.
_ROAD = re.compile(r"\D{1,15}?(?:大道|路|街|巷|胡同|弄)\d+(?:-\d+)?号(?!楼)(?:附\d+号)?")
_ESTATE_END = re.compile(r"[A-Z]?\d|[A-Z](?=号楼|栋|幢|座|单元|区|#)|-|#")
_SUB_ESTATE = re.compile(r"(?:\d+|[A-Z])(?:期|区)")  # 二期, B区: buildings are numbered within them
_ESTATE_SUFFIXES = ("小区",)
_VAGUE_TAILS = ("附近", "门口", "对面", "旁边", "楼下", "周边", "一带", "内")

_CODE = r"[A-Z]?\d+[A-Z]?|[A-Z]"
_SHORTHAND = re.compile(rf"(?P<building>{_CODE})-(?P<unit>\d{{1,2}})-(?P<room>\d+)[室号户]?")
_SHORT_PAIR = re.compile(rf"(?P<building>{_CODE})-(?P<second>\d+)[室号户]?")
_BUILDING = re.compile(rf"(?P<building>{_CODE})(?:号楼|栋|幢|座|#楼|#)")
_BUILDING_HAO = re.compile(rf"(?P<building>{_CODE})号")
_BUILDING_LOU = re.compile(rf"(?P<building>{_CODE})楼(?=\d+单元)")
_UNIT = re.compile(r"(?P<unit>\d+)(?:单元|门(?=\d))")  # 2门501: the northern word for a unit
_UNIT_ROOM = re.compile(r"(?P<unit>\d{1,2})-(?P<room>\d{3,})[室号户]?")  # 9栋5-3004
_FLOOR = re.compile(r"(?P<floor>\d+)(?:层|楼)")
_ROOM = re.compile(r"(?P<room>\d+[A-Z]?)(?:室|号|户|房间|房)?")
_SEPARATOR = re.compile(r"[-#]+")
_OTHER = re.compile(r"\d+|\D+?(?=\d|$)")


@dataclass(frozen=True, slots=True)
class DetailParts:
    """What the detail of an address says, numbers in Arabic digits without leading zeros."""

    road: str = ""
    estate: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    detail: str = ""


def parse_detail(text: str) -> DetailParts:
    """Return road, estate, building, unit, room and leftovers of a normalised address detail.

    `text` is what follows the divisions, already NFKC-folded, without spaces, letters upper-case.

    >>> parse_detail("汉渝路12号锦绣花园3幢501号")
    DetailParts(road='汉渝路12号', estate='锦绣花园', building='3', unit='', room='501', detail='')
    """
    text = _ORDINAL.sub("", text)
    text = _DIGITS_AT_END.sub(lambda m: _arabic(m.group()), text)
    text = _NUMERAL_BEFORE_MARKER.sub(lambda m: _arabic(m.group()), text)
    road_match = _ROAD.match(text)
    road = road_match.group() if road_match else ""
    pos = road_match.end() if road_match else 0
    estate, pos = _estate(text, pos)
    building, unit, room, leftovers = _numbered(text, pos)
    estate, vague = _split_vague_tail(estate)
    return DetailParts(road, _without_suffix(estate), building, unit, room, vague + leftovers)


def _estate(text: str, pos: int) -> tuple[str, int]:
    """Return the estate name starting at `pos` (phase or zone included) and where it ends."""
    end_match = _ESTATE_END.search(text, pos)
    end = end_match.start() if end_match else len(text)
    sub = _SUB_ESTATE.match(text, end)
    if sub is not None and end > pos:
        end = sub.end()
    return text[pos:end], end


def _without_suffix(estate: str) -> str:
    for suffix in _ESTATE_SUFFIXES:
        # 锦绣花园小区 and 锦绣花园 are the same estate; "小区" alone is no name.
        if estate.endswith(suffix) and len(estate) - len(suffix) >= 2:
            return estate[: -len(suffix)]
    return estate


def _numbered(text: str, pos: int) -> tuple[str, str, str, str]:
    """Return building, unit, room and unrecognised text from the numbered tail of a detail."""
    building = unit = room = floor = ""
    leftovers: list[str] = []
    while pos < len(text):
        if (m := _SEPARATOR.match(text, pos)) is not None:
            pos = m.end()
            continue
        if not building and (m := _SHORTHAND.match(text, pos)) is not None:
            building, unit, room = m["building"], m["unit"], m["room"]
        elif not building and (m := _SHORT_PAIR.match(text, pos)) is not None:
            building = m["building"]
            if len(m["second"]) >= 3:
                room = m["second"]
            else:
                unit = m["second"]
        elif not building and (m := _BUILDING.match(text, pos) or _BUILDING_LOU.match(text, pos)) is not None:
            building = m["building"]
        elif not building and not unit and (m := _BUILDING_HAO.match(text, pos)) is not None:
            building = m["building"]
        elif building and not unit and not room and (m := _UNIT_ROOM.match(text, pos)) is not None:
            unit, room = m["unit"], m["room"]
        elif not unit and (m := _UNIT.match(text, pos)) is not None:
            unit = m["unit"]
        elif (m := _FLOOR.match(text, pos)) is not None:
            leftovers.append(m.group())
            floor = m["floor"]
        elif not room and (building or unit) and (m := _ROOM.match(text, pos)) is not None:
            room = m["room"]
        elif (m := _OTHER.match(text, pos)) is not None:
            leftovers.append(m.group())
        else:  # pragma: no cover - _OTHER matches any non-empty text
            break
        pos = m.end()
    if floor and 0 < len(room) <= 2 and room.isdigit():
        room = f"{int(floor)}{int(room):02d}"  # 30楼04号: rooms are numbered floor by floor, 3004
    return _number(building), _number(unit), _number(room), "".join(leftovers)


def _split_vague_tail(estate: str) -> tuple[str, str]:
    for tail in _VAGUE_TAILS:
        if estate.endswith(tail) and len(estate) > len(tail):
            return estate[: -len(tail)], tail
    return estate, ""


def _number(code: str) -> str:
    # 0501 and 501 are the same room; a letter code (A座, 3A) is kept as written.
    return code.lstrip("0") or ("0" if code else "")


@lru_cache(maxsize=4096)
def _arabic(numeral: str) -> str:
    try:
        return str(cn2an.cn2an(numeral, "smart"))
    except ValueError:
        return numeral
