"""Grids (网格): runs of neighbouring buildings holding 300-500 households, each with a grid worker.

A community's buildings, in order, are cut into grids of 300-450 households. The grid worker
is an adult who lives in the grid and does not move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators.city.arrays import group_index, pick_in_groups
from simulators.city.households import Households
from simulators.city.people import People
from simulators.city.places import City
from simulators.city.residences import Residences
from simulators.city.timeline import History

Ints = npt.NDArray[np.int64]
GRID_MAX = 450  # a community of H households gets ceil(H / 450) grids of equal share


@dataclass(slots=True)
class Grids:
    """The grids of the city: community, number within it, households, worker (a person index)."""

    community: Ints
    number: Ints
    households: Ints
    worker: Ints

    def __len__(self) -> int:
        return len(self.community)

    def ids(self, city: City) -> list[str]:
        codes = [c.code for c in city.communities]
        return [
            f"{codes[c]}-G{n:02d}" for c, n in zip(self.community.tolist(), self.number.tolist(), strict=True)
        ]

    def names(self, city: City) -> list[str]:
        shorts = [c.short_name for c in city.communities]
        return [
            f"{shorts[c]}社区第{n}网格"
            for c, n in zip(self.community.tolist(), self.number.tolist(), strict=True)
        ]


def partition_buildings(city: City, households: Households) -> tuple[Ints, Ints]:
    """Return (grid of each building, community of each grid).

    A community of H households (800 or more) gets ceil(H / 450) grids; the cuts fall on the
    building boundaries nearest to equal shares, so grids hold 300-450 households (±half a building).
    """
    per_building = np.bincount(city.room_building[households.room], minlength=len(city.housing.building_no))
    building_community = city.housing.estate_community[city.housing.building_estate]
    building_grid = np.zeros(len(per_building), dtype=np.int64)
    grid_community: list[int] = []
    bounds = np.flatnonzero(np.r_[True, building_community[1:] != building_community[:-1], True])
    for first, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        cumulative = np.cumsum(per_building[first:stop])
        total = int(cumulative[-1])
        k = max(1, min(-(-total // GRID_MAX), stop - first))
        shares = total * np.arange(1, k) / k
        after = np.searchsorted(cumulative, shares)  # the building whose end passes each share
        before_end = np.where(after > 0, cumulative[np.maximum(after - 1, 0)], 0)
        cut = np.where(shares - before_end < cumulative[after] - shares, after, after + 1)
        building_grid[first:stop] = len(grid_community) + np.searchsorted(
            cut, np.arange(stop - first), "right"
        )
        grid_community.extend([int(building_community[first])] * k)
    return building_grid, np.array(grid_community, dtype=np.int64)


def build_grids(
    rng: np.random.Generator,
    city: City,
    households: Households,
    people: People,
    residences: Residences,
    history: History,
) -> Grids:
    """Return the grids, and set `city.building_grid`."""
    building_grid, grid_community = partition_buildings(city, households)
    city.building_grid = building_grid
    _, first = np.unique(grid_community, return_index=True)
    number = np.arange(len(grid_community)) - np.repeat(first, np.diff(np.r_[first, len(grid_community)])) + 1
    household_grid = building_grid[city.room_building[households.room]]
    person_grid = household_grid[people.household]
    ages = people.age_on(history.start)
    suitable = (ages >= 25) & (ages <= 58) & (residences.room1 < 0)
    keys = np.where(suitable, person_grid, len(grid_community))
    worker = pick_in_groups(rng, group_index(keys, len(grid_community) + 1), np.arange(len(grid_community)))
    fallback = pick_in_groups(
        rng, group_index(person_grid, len(grid_community)), np.arange(len(grid_community))
    )
    return Grids(
        community=grid_community,
        number=number.astype(np.int64),
        households=np.bincount(household_grid, minlength=len(grid_community)).astype(np.int64),
        worker=np.where(worker >= 0, worker, fallback),
    )
