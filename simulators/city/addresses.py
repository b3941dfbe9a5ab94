"""Addresses as each writer puts them: formal, grid shorthand, a caller's words, a petition form.

    formal      重庆市沙坪坝区回龙坝镇聚龙城社区锦绣花园3栋2单元501
    shorthand   锦绣花园3-2-501
    spoken      沙坪坝锦绣花园三栋二单元501室   (Chinese numerals, 区 dropped, 栋/幢/号楼)
    handwritten 重庆市沙坪坝区锦绣花园3幢2单元501号

`draw` arguments are uniform numbers in [0, 1) from the caller's random stream; one draw picks
every variant of one address.
"""

from __future__ import annotations

from typing import NamedTuple

from simulators.city.places import BUILDING, ROOM, City

CITY_PREFIX = "重庆市"
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """Return 1-99 in Chinese numerals.

    >>> chinese_number(3), chinese_number(10), chinese_number(21)
    ('三', '十', '二十一')
    """
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def district_short(name: str) -> str:
    """Return a district name as people say it: 沙坪坝区 -> 沙坪坝 (a county keeps 县)."""
    return name[:-1] if name.endswith("区") and len(name) > 2 else name


class AddressParts(NamedTuple):
    district: str
    street: str
    community: str
    estate: str
    building: int
    unit: int
    room: int


class AddressBook:
    """Renders any room, building or estate of the city in each writing style."""

    def __init__(self, city: City) -> None:
        h = city.housing
        self._room_unit = h.room_unit.tolist()
        self._room_no = h.room_no.tolist()
        self._unit_building = h.unit_building.tolist()
        self._unit_no = h.unit_no.tolist()
        self._building_estate = h.building_estate.tolist()
        self._building_no = h.building_no.tolist()
        self._estate_name = h.estate_name
        self._estate_community = h.estate_community.tolist()
        self._community_name = [c.name for c in city.communities]
        community_street = city.community_street.tolist()
        street_names = [s.name for s in city.streets]
        district_names = [d.name for d in city.districts]
        community_district = city.community_district.tolist()
        self._community_street = [street_names[s] for s in community_street]
        self._community_district = [district_names[d] for d in community_district]

    def parts(self, room: int) -> AddressParts:
        """Return the components of a room's address."""
        unit = self._room_unit[room]
        building = self._unit_building[unit]
        estate = self._building_estate[building]
        community = self._estate_community[estate]
        return AddressParts(
            self._community_district[community],
            self._community_street[community],
            self._community_name[community],
            self._estate_name[estate],
            self._building_no[building],
            self._unit_no[unit],
            self._room_no[room],
        )

    def formal(self, room: int, level: int = ROOM) -> str:
        """Return the registry form: 重庆市沙坪坝区回龙坝镇聚龙城社区锦绣花园3栋2单元501."""
        p = self.parts(room)
        head = f"{CITY_PREFIX}{p.district}{p.street}{p.community}{p.estate}"
        return head + _building_tail(p, level, "栋", "单元", "")

    def shorthand(self, room: int, level: int, draw: float) -> str:
        """Return a grid worker's note: 锦绣花园3-2-501 (three times in four) or 锦绣花园3栋2单元501."""
        p = self.parts(room)
        if level == ROOM and draw < 0.75:
            return f"{p.estate}{p.building}-{p.unit}-{p.room}"
        return p.estate + _building_tail(p, level, "栋", "单元", "")

    def spoken(self, room: int, level: int, draw: float) -> str:
        """Return a caller's words: 沙坪坝锦绣花园三栋二单元501室, with 栋/幢/号楼 and numeral variants."""
        p = self.parts(room)
        pick = int(draw * 1_000_000)
        district = p.district if pick % 2 else district_short(p.district)
        street = _short_street(p.street) if (pick // 2) % 5 == 0 else ""
        if level != ROOM and level != BUILDING:
            return district + street + p.estate
        word = ("栋", "幢", "号楼")[(pick // 10) % 3]
        numerals = (pick // 30) % 2 == 0
        building = (chinese_number(p.building) if numerals else str(p.building)) + word
        if level == BUILDING:
            return district + street + p.estate + building
        unit = (chinese_number(p.unit) if numerals else str(p.unit)) + "单元"
        door = f"{p.room}室" if (pick // 60) % 2 else str(p.room)
        return district + street + p.estate + building + unit + door

    def handwritten(self, room: int, level: int, draw: float) -> str:
        """Return a petition form's address: 重庆市沙坪坝区锦绣花园3幢2单元501号 (street often left out)."""
        p = self.parts(room)
        pick = int(draw * 1_000_000)
        street = p.street if pick % 3 == 0 else ""
        word = "幢" if (pick // 3) % 2 else "栋"
        return f"{CITY_PREFIX}{p.district}{street}{p.estate}" + _building_tail(p, level, word, "单元", "号")


def _building_tail(p: AddressParts, level: int, building_word: str, unit_word: str, room_word: str) -> str:
    if level == ROOM:
        return f"{p.building}{building_word}{p.unit}{unit_word}{p.room}{room_word}"
    if level == BUILDING:
        return f"{p.building}{building_word}"
    return ""


def _short_street(name: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
