"""Synthetic housing below each community: estates (小区), buildings, units and rooms.

Estates are named from syllable tables (锦绣花园, 金科·天籁城, 重钢宿舍 ...). Each estate is either
old walk-ups (6-7 floors, 2-3 units, 2 rooms a floor) or high-rises (18-33 floors, 1-2 units, 2-4
rooms a floor); buildings are numbered 1-30 and rooms floor*100+n. A community gets 5-15 % more
rooms than households, so some rooms stand empty for people who move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators.city.arrays import ranks_in_runs

BRANDS = (
    "金科",
    "龙湖",
    "融创",
    "万科",
    "恒大",
    "碧桂园",
    "保利",
    "中海",
    "华润",
    "协信",
    "鲁能",
    "招商",
    "东原",
    "华宇",
)
PREFIXES = (
    "锦绣",
    "阳光",
    "幸福",
    "翠湖",
    "滨江",
    "东方",
    "天地",
    "金域",
    "山水",
    "江南",
    "紫荆",
    "嘉陵",
    "龙腾",
    "聚龙",
    "学府",
    "丽景",
    "康居",
    "和平",
    "新华",
    "长江",
    "凤天",
    "渝州",
    "枫林",
    "桂花",
    "玉带",
    "朝阳",
    "春华",
    "盛世",
    "锦江",
    "天籁",
    "香榭",
    "博雅",
    "御景",
    "观澜",
)
SUFFIXES = (
    "花园",
    "小区",
    "家园",
    "新村",
    "苑",
    "城",
    "雅居",
    "华府",
    "名都",
    "公馆",
    "佳园",
    "丽景",
    "府",
    "广场",
    "新城",
    "湾",
    "国际",
    "半岛",
    "天街",
    "雅苑",
)
WORK_UNITS = ("重钢", "电力", "供电局", "建设厂", "嘉陵厂", "长安", "望江厂", "煤建", "粮食局", "铁路")
MAX_BUILDINGS = 30


@dataclass(slots=True)
class Housing:
    """Estates, buildings, units and rooms as parallel arrays, each level pointing at its parent."""

    estate_name: list[str]
    estate_community: npt.NDArray[np.int64]
    estate_no: npt.NDArray[np.int64]  # 1.. within the community
    building_estate: npt.NDArray[np.int64]
    building_no: npt.NDArray[np.int64]
    building_units: npt.NDArray[np.int64]
    unit_building: npt.NDArray[np.int64]
    unit_no: npt.NDArray[np.int64]
    room_unit: npt.NDArray[np.int64]
    room_no: npt.NDArray[np.int64]  # floor*100+n

    @property
    def room_building(self) -> npt.NDArray[np.int64]:
        return self.unit_building[self.room_unit]


def estate_name(rng: np.random.Generator, community_short: str) -> str:
    """Return one plausible estate name."""
    style = rng.random()
    prefix = PREFIXES[rng.integers(len(PREFIXES))]
    suffix = SUFFIXES[rng.integers(len(SUFFIXES))]
    if style < 0.25:
        return f"{BRANDS[rng.integers(len(BRANDS))]}·{prefix}{suffix}"
    if style < 0.80:
        return prefix + suffix
    if style < 0.92:
        return community_short + ("新村", "小区", "花园")[rng.integers(3)]
    return WORK_UNITS[rng.integers(len(WORK_UNITS))] + "宿舍"


def _unique_names(rng: np.random.Generator, count: int, community_short: str) -> list[str]:
    names: list[str] = []
    for _ in range(count):
        name = estate_name(rng, community_short)
        while name in names:
            name = name + "二期" if not name.endswith("期") else estate_name(rng, community_short)
        names.append(name)
    return names


def _building_shape(rng: np.random.Generator, high_rise: bool) -> tuple[int, int, int]:
    """Return (units, floors, rooms per floor) of one building."""
    if high_rise:
        return int(rng.integers(1, 3)), int(rng.integers(18, 34)), int(rng.integers(2, 5))
    return int(rng.integers(2, 4)), int(rng.integers(6, 8)), 2


def _community_buildings(rng: np.random.Generator, rooms_needed: int) -> list[list[tuple[int, int, int]]]:
    """Return the estates of one community, each a list of building shapes, holding >= rooms_needed."""
    estates: list[list[tuple[int, int, int]]] = []
    total = 0
    while total < rooms_needed:
        high_rise = rng.random() < 0.6
        planned = int(rng.integers(3, 13) if high_rise else rng.integers(5, 21))
        buildings: list[tuple[int, int, int]] = []
        while len(buildings) < min(planned, MAX_BUILDINGS) and total < rooms_needed:
            shape = _building_shape(rng, high_rise)
            buildings.append(shape)
            total += shape[0] * shape[1] * shape[2]
        estates.append(buildings)
    return estates


def build_housing(rng: np.random.Generator, households: list[int], community_short: list[str]) -> Housing:
    """Return the housing of every community, with 5-15 % more rooms than its households."""
    estate_name_list: list[str] = []
    estate_rows: list[tuple[int, int]] = []
    buildings: list[tuple[int, int, int, int, int]] = []  # estate, number, units, floors, per floor
    for community, count in enumerate(households):
        rooms_needed = int(np.ceil(count * rng.uniform(1.05, 1.15)))
        estates = _community_buildings(rng, rooms_needed)
        names = _unique_names(rng, len(estates), community_short[community])
        for number, (name, shapes) in enumerate(zip(names, estates, strict=True), start=1):
            estate_index = len(estate_rows)
            estate_rows.append((community, number))
            estate_name_list.append(name)
            buildings.extend((estate_index, b, *shape) for b, shape in enumerate(shapes, start=1))
    shape = np.array(buildings, dtype=np.int64).reshape(-1, 5)
    estate = np.array(estate_rows, dtype=np.int64).reshape(-1, 2)
    return _expand_rooms(estate_name_list, estate, shape)


def _expand_rooms(names: list[str], estate: npt.NDArray[np.int64], shape: npt.NDArray[np.int64]) -> Housing:
    """Return Housing with units and rooms enumerated from building shapes (vectorised)."""
    units_per_building = shape[:, 2]
    unit_building = np.repeat(np.arange(len(shape)), units_per_building)
    unit_no = ranks_in_runs(unit_building) + 1
    floors = shape[unit_building, 3]
    per_floor = shape[unit_building, 4]
    rooms_per_unit = floors * per_floor
    room_unit = np.repeat(np.arange(len(unit_building)), rooms_per_unit)
    slot = ranks_in_runs(room_unit)
    room_floor = slot // per_floor[room_unit] + 1
    room_no = room_floor * 100 + slot % per_floor[room_unit] + 1
    return Housing(
        estate_name=names,
        estate_community=estate[:, 0],
        estate_no=estate[:, 1],
        building_estate=shape[:, 0],
        building_no=shape[:, 1],
        building_units=units_per_building,
        unit_building=unit_building,
        unit_no=unit_no,
        room_unit=room_unit,
        room_no=room_no,
    )
