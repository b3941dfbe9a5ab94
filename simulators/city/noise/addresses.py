"""Addresses at mixed granularity, some naming a community the gazetteer does not know.

Gazetteers lag: communities are renamed, merged and founded, villages become 社区, and people keep
the names they know. Such a division is written where a community belongs, between the street and
the estate (重庆市合川区钓鱼城街道学士社区天成熙园9幢5单元3004). Each community of the city has one
such unknown name, so the same residents write the same one.

One room is also written with or without the city, district, street and community, with 栋/幢/号楼,
Arabic or Chinese numerals, or as 3-2-501.
"""

from __future__ import annotations

from functools import lru_cache

from ontology.gazetteer import load_gazetteer
from simulators.city.addresses import CITY_PREFIX, AddressParts, chinese_number, district_short
from simulators.city.places import BUILDING, ROOM

# Two-character place words that make plausible community and village names.
NAME_WORDS = (
    "学士 天星 桂花 红岩 金沙 龙泉 石门 白鹤 青杠 黄桷 凤凰 新华 团结 和平 光明 胜利 东风 向阳 "
    "长岭 回龙 双碑 马鞍 松林 柏树 清水 高峰 大石 杨家 李家 王家 陈家 刘家 梨树 枣子 桃源 "
    "荷花 莲花 竹林 沙湾 溪口 新桥 三合 永兴 太平 兴隆 福寿 龙井 石坝 双龙 狮子"
).split()
SUFFIXES = ("社区", "村", "居委会")
PROVINCE_CODE = "50"  # Chongqing, where the simulated city lies


@lru_cache(maxsize=1)
def _known_names() -> frozenset[str]:
    """Return the full names of the streets and communities of the simulated city's province."""
    gazetteer = load_gazetteer()
    names: set[str] = set()
    for level in ("street", "community"):
        names.update(d.name for d in gazetteer.by_level(level) if d.code.startswith(PROVINCE_CODE))
    return frozenset(names)


def unknown_division(community: int, community_name: str) -> str:
    """Return the name a community's residents may use that the gazetteer does not know (学士社区)."""
    known = _known_names()
    for k in range(len(NAME_WORDS) * len(SUFFIXES)):
        word = NAME_WORDS[(community * 7 + k) % len(NAME_WORDS)]
        suffix = SUFFIXES[(community + k // len(NAME_WORDS)) % len(SUFFIXES)]
        name = word + suffix
        if name not in known and name != community_name:
            return name
    return NAME_WORDS[community % len(NAME_WORDS)] + "新村"


def _choice(draw: float, n: int) -> int:
    return int(draw * n) % n


def _tail(p: AddressParts, level: int, draws: tuple[float, ...]) -> str:
    if level != ROOM and level != BUILDING:
        return ""
    numerals = draws[0] < 0.25
    word = ("栋", "幢", "号楼", "栋", "幢")[_choice(draws[1], 5)]
    building = (chinese_number(p.building) if numerals else str(p.building)) + word
    if level == BUILDING:
        return building
    style = _choice(draws[2], 5)
    if style == 0:
        return f"{p.building}-{p.unit}-{p.room}"
    if style == 1:
        return f"{p.building}栋{p.unit}-{p.room}"
    unit = (chinese_number(p.unit) if numerals else str(p.unit)) + "单元"
    door = ("", "室", "号", "")[_choice(draws[3], 4)]
    return f"{building}{unit}{p.room}{door}"


def messy_address(p: AddressParts, level: int, draws: tuple[float, ...], unknown: str | None) -> str:
    """Return an address of a room, building or estate at a granularity picked by six `draws`.

    With `unknown` (a division the gazetteer lacks) it stands where the community goes; the district
    or the street is always kept, so that the estate stays placed.
    """
    head = _choice(draws[4], 6)  # which of city / district / street the writer kept
    city = CITY_PREFIX if head in (0, 1) else ""
    district = "" if head == 5 else p.district if head in (0, 2) else district_short(p.district)
    street = p.street if head in (0, 3, 5) or (head == 4 and draws[5] < 0.5) else ""
    if unknown is not None:
        community = unknown
    else:
        community = p.community if draws[5] < 0.3 and district else ""
    return city + district + street + community + p.estate + _tail(p, level, draws)
