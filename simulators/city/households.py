"""Households: their size and members (head, spouse, children, an elderly parent), rooms and home phones.

About 2.6 people a household. Households fill each community's rooms at random, leaving some
rooms empty for people who move later. A household of 2+ is usually a couple; children are 22-36
years younger than the head; a share of larger households keeps an elderly parent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators.city.arrays import ranks_in_runs
from simulators.city.places import City

Ints = npt.NDArray[np.int64]
HOUSEHOLD_SIZES = np.array([0.22, 0.31, 0.24, 0.15, 0.06, 0.02])  # sizes 1..6, mean ~2.6
HEAD, SPOUSE, CHILD, PARENT, RELATIVE = 0, 1, 2, 3, 4


@dataclass(slots=True)
class Households:
    """Households and their members (member arrays are in household order)."""

    size: Ints
    community: Ints
    room: Ints  # the room the household lives in at the start of the history
    home_phone: list[str | None]
    migrant: npt.NDArray[np.bool_]
    member_household: Ints
    member_relation: Ints
    member_age: Ints
    member_female: npt.NDArray[np.bool_]


def household_sizes(rng: np.random.Generator, people: int) -> Ints:
    """Return household sizes that add up to exactly `people`."""
    draws = rng.choice(np.arange(1, 7), size=int(people / 2.2) + 16, p=HOUSEHOLD_SIZES)
    total = np.cumsum(draws)
    last = int(np.searchsorted(total, people))
    sizes = draws[: last + 1].copy()
    sizes[-1] -= int(total[last] - people)
    return sizes.astype(np.int64)


def _relations(rng: np.random.Generator, size: Ints) -> tuple[Ints, Ints]:
    """Return (household, relation) per member: head, then spouse, then children or a parent."""
    household = np.repeat(np.arange(len(size)), size)
    position = ranks_in_runs(household)
    coupled = rng.random(len(size)) < 0.85
    keeps_parent = (rng.random(len(size)) < 0.15) & (size >= 3)
    relation = np.full(len(household), CHILD, dtype=np.int64)
    relation[position == 0] = HEAD
    second = position == 1
    relation[second] = np.where(coupled[household[second]], SPOUSE, RELATIVE)
    last = position == size[household] - 1
    relation[last & keeps_parent[household] & (position >= 2)] = PARENT
    return household, relation


def _ages(rng: np.random.Generator, household: Ints, relation: Ints, size: Ints) -> Ints:
    """Return ages in years at the start of the history, children younger than their head."""
    head_age = np.clip(rng.normal(46, 14, len(size)), 21, 88).astype(np.int64)
    head_age[size >= 3] = np.clip(head_age[size >= 3], 26, 70)
    base = head_age[household]
    n = len(household)
    ages = np.where(relation == HEAD, base, 0)
    ages = np.where(relation == SPOUSE, np.clip(base + rng.integers(-5, 4, n), 20, 92), ages)
    ages = np.where(relation == RELATIVE, np.clip(base + rng.integers(-10, 11, n), 18, 92), ages)
    ages = np.where(relation == CHILD, np.maximum(base - rng.integers(22, 37, n), 0), ages)
    ages = np.where(relation == PARENT, np.minimum(base + rng.integers(22, 33, n), 98), ages)
    return ages.astype(np.int64)


def _sexes(rng: np.random.Generator, household: Ints, relation: Ints) -> npt.NDArray[np.bool_]:
    """Return female flags: heads mostly men, spouses the other sex, the rest at random."""
    head_female = rng.random(household.max() + 1 if len(household) else 0) < 0.35
    female = rng.random(len(household)) < 0.5
    female = np.where(relation == HEAD, head_female[household], female)
    return np.where(relation == SPOUSE, ~head_female[household], female)


def place_households(rng: np.random.Generator, city: City, households: int) -> tuple[Ints, Ints]:
    """Return (community, room) for each household: the first communities' share in order, rooms at random."""
    community = np.repeat(np.arange(len(city.community_households)), city.community_households)[:households]
    room_community = city.room_community
    shuffled = np.lexsort(
        (rng.random(city.rooms), room_community)
    )  # rooms grouped by community, random within
    rank = ranks_in_runs(room_community[shuffled])
    taken = shuffled[rank < city.community_households[room_community[shuffled]]]
    # `taken` is grouped by community in the same order as `community`
    return community, taken.astype(np.int64)


def home_phones(rng: np.random.Generator, count: int) -> list[str | None]:
    """Return Chongqing landlines (023-6xxxxxxx) for about half the households, None for the rest."""
    has = rng.random(count) < 0.5
    numbers = 60_000_000 + rng.choice(9_000_000, size=count, replace=False)
    return [f"023-{n}" if h else None for n, h in zip(numbers.tolist(), has.tolist(), strict=True)]


def build_households(rng: np.random.Generator, city: City, size: Ints) -> Households:
    """Return households of the given sizes with their members, placed in the city's rooms."""
    community, room = place_households(rng, city, len(size))
    household, relation = _relations(rng, size)
    return Households(
        size=size,
        community=community,
        room=room,
        home_phone=home_phones(rng, len(size)),
        migrant=rng.random(len(size)) < 0.12,
        member_household=household,
        member_relation=relation,
        member_age=_ages(rng, household, relation, size),
        member_female=_sexes(rng, household, relation),
    )
