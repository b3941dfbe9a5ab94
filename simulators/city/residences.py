"""Where each person lives over time: a home at the start, and for some a move during the history.

About 4 % of households move together to an empty room somewhere in the city, and about 2 % of
young adults (20-35, not heads) leave home for a room of their own; the household keeps its id.
A move happens at midnight of its day: records from that day on show the new address.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators.city.households import CHILD, RELATIVE, Households
from simulators.city.people import People
from simulators.city.places import City
from simulators.city.timeline import DAY, History

Ints = npt.NDArray[np.int64]
NEVER = np.iinfo(np.int64).max


@dataclass(slots=True)
class Residences:
    """Each person's first home (room0, since moved_in0) and, for movers, the second (room1 from move_at)."""

    room0: Ints
    moved_in0: npt.NDArray[np.datetime64]
    move_at: Ints  # epoch seconds of the move, NEVER if the person stays
    room1: Ints  # -1 if the person stays

    def room_at(self, persons: Ints, seconds: Ints) -> Ints:
        """Return the room each person lives in at the given time."""
        moved = seconds >= self.move_at[persons]
        return np.where(moved, self.room1[persons], self.room0[persons])

    @property
    def movers(self) -> Ints:
        return np.flatnonzero(self.room1 >= 0)


def build_residences(
    rng: np.random.Generator, city: City, households: Households, people: People, history: History
) -> Residences:
    """Return everyone's homes: the household's room, then moves into empty rooms."""
    hh = people.household
    room0 = households.room[hh]
    settled = np.datetime64(history.start, "D") - rng.integers(30, 20 * 365, len(households.size)).astype(
        "timedelta64[D]"
    )
    moved_in0 = np.maximum(settled[hh], people.birth)
    household_moves = rng.random(len(households.size)) < 0.04
    ages = people.age_on(history.start)
    alone = (~household_moves[hh]) & np.isin(people.relation, (CHILD, RELATIVE)) & (ages >= 20) & (ages <= 35)
    alone &= rng.random(len(hh)) < 0.02
    vacant = np.setdiff1d(np.arange(city.rooms), households.room)
    vacant = vacant[rng.permutation(len(vacant))]
    moving_households = np.flatnonzero(household_moves)[: len(vacant)]
    moving_people = np.flatnonzero(alone)[: max(len(vacant) - len(moving_households), 0)]
    room1 = np.full(len(hh), -1, dtype=np.int64)
    move_at = np.full(len(hh), NEVER, dtype=np.int64)
    household_room = np.full(len(households.size), -1, dtype=np.int64)
    household_room[moving_households] = vacant[: len(moving_households)]
    household_day = rng.integers(1, history.days, len(households.size))
    in_moving_household = household_room[hh] >= 0
    room1[in_moving_household] = household_room[hh][in_moving_household]
    move_at[in_moving_household] = history.start_s + household_day[hh][in_moving_household] * DAY
    room1[moving_people] = vacant[len(moving_households) : len(moving_households) + len(moving_people)]
    move_at[moving_people] = history.start_s + rng.integers(1, history.days, len(moving_people)) * DAY
    return Residences(room0=room0, moved_in0=moved_in0, move_at=move_at, room1=room1)


def current_household_rooms(households: Households, people: People, residences: Residences) -> Ints:
    """Return each household's room at the end of the history (where its head lives then)."""
    heads = np.searchsorted(people.household, np.arange(len(households.size)))
    return np.where(residences.room1[heads] >= 0, residences.room1[heads], residences.room0[heads])
