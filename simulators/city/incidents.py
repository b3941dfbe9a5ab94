"""What really happens in the city: incidents with a category, a place, a time and the people in them.

About 0.35 incidents per resident per year. The first person is the one who complains or reports
(a party, a victim, or a resident calling about a hazard); a second person is found by the
category's profile (a neighbour in the same building, someone of the same household, anyone);
public-order incidents sometimes have a witness. Some disputes recur between the same people at
the same place, and about 10 % of disputes escalate (see `reports`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators.city.arrays import group_index, pick_in_groups
from simulators.city.people import People
from simulators.city.places import City
from simulators.city.profiles import ROLES, Profiles
from simulators.city.residences import Residences
from simulators.city.timeline import DAY, HOUR, History

Ints = npt.NDArray[np.int64]
RATE_PER_YEAR = 0.35
RECURRENCE_P = 0.12
ESCALATION_P = 0.10
WITNESS = ROLES.index("witness")
# Hours of the day when things happen and get noticed (weights for 0..23 h).
HOUR_WEIGHTS = np.array([2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 8, 8, 9, 9, 9, 9, 9, 9, 8, 7, 5, 3], dtype=float)


@dataclass(slots=True)
class Incidents:
    """Incidents sorted by time; people and roles are (n, 3) arrays with -1 for no one."""

    category: Ints  # index into Profiles.codes
    occurred_at: Ints
    room: Ints  # anchor room; the place is this room, its building or its estate
    level: Ints
    people: Ints
    roles: Ints
    recurrence_of: Ints  # -1 if not a recurrence
    escalated: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.category)

    @property
    def ids(self) -> list[str]:
        return [f"INC{i:08d}" for i in range(1, len(self.category) + 1)]


@dataclass(slots=True)
class Neighbourhood:
    """Lookups for choosing the people of an incident."""

    adults: Ints
    age: Ints
    by_building: tuple[Ints, Ints, Ints]
    head_of: Ints
    person_building: Ints


def neighbourhood(city: City, people: People, residences: Residences, history: History) -> Neighbourhood:
    """Return the lookups: adults, people grouped by the building of their first home, household heads."""
    ages = people.age_on(history.start)
    building = city.room_building[residences.room0]
    return Neighbourhood(
        adults=np.flatnonzero(ages >= 18),
        age=ages,
        by_building=group_index(building, len(city.housing.building_no)),
        head_of=np.searchsorted(people.household, people.household),
        person_building=building,
    )


def _occurrence_times(rng: np.random.Generator, history: History, n: int) -> Ints:
    day = rng.integers(0, history.days, n)
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    return history.start_s + day * DAY + hour * HOUR + rng.integers(0, HOUR, n)


def _second_people(
    rng: np.random.Generator,
    kind: Ints,
    first: Ints,
    room: Ints,
    city: City,
    people: People,
    near: Neighbourhood,
) -> Ints:
    """Return the second person of each incident by kind (-1 where none is found)."""
    n = len(first)
    second = np.full(n, -1, dtype=np.int64)
    neighbour = pick_in_groups(rng, near.by_building, city.room_building[room])
    second = np.where(kind == 1, neighbour, second)
    head = near.head_of[first]
    partner = np.where(head == first, np.minimum(first + 1, len(people) - 1), head)
    partner = np.where(people.household[partner] == people.household[first], partner, -1)
    second = np.where(kind == 2, partner, second)
    second = np.where(kind == 3, near.adults[rng.integers(0, len(near.adults), n)], second)
    grown = second >= 0
    second[grown] = np.where(near.age[second[grown]] >= 16, second[grown], near.head_of[second[grown]])
    clash = (second >= 0) & (people.household[np.maximum(second, 0)] == people.household[first]) & (kind != 2)
    return np.where(clash | (second == first), -1, second)


def draw_incidents(
    rng: np.random.Generator,
    profiles: Profiles,
    city: City,
    people: People,
    residences: Residences,
    history: History,
) -> Incidents:
    """Return the base incidents (before recurrences), unsorted."""
    near = neighbourhood(city, people, residences, history)
    n = int(round(RATE_PER_YEAR * len(people) * history.days / 365 / (1 + RECURRENCE_P * 0.3)))
    category = rng.choice(len(profiles.codes), size=n, p=profiles.weight / profiles.weight.sum())
    occurred = _occurrence_times(rng, history, n)
    first = near.adults[rng.integers(0, len(near.adults), n)]
    room = residences.room_at(first, occurred)
    kind = np.where(rng.random(n) < profiles.second_p[category], profiles.second[category], 0)
    second = _second_people(rng, kind, first, room, city, people, near)
    witness_kind = np.where(rng.random(n) < profiles.witness_p[category], 1, 0)
    witness = _second_people(rng, witness_kind, first, room, city, people, near)
    witness = np.where(witness == second, -1, witness)
    who = np.stack([first, second, witness], axis=1)
    roles = np.stack([profiles.roles[category, 0], profiles.roles[category, 1], np.full(n, WITNESS)], axis=1)
    roles = np.where(who >= 0, roles, -1)
    who = np.where(roles >= 0, who, -1)
    return Incidents(
        category=category,
        occurred_at=occurred,
        room=room,
        level=profiles.level[category],
        people=who,
        roles=roles,
        recurrence_of=np.full(n, -1, dtype=np.int64),
        escalated=profiles.dispute[category] & (rng.random(n) < ESCALATION_P),
    )


def _take(incidents: Incidents, index: Ints) -> Incidents:
    return Incidents(
        category=incidents.category[index],
        occurred_at=incidents.occurred_at[index],
        room=incidents.room[index],
        level=incidents.level[index],
        people=incidents.people[index],
        roles=incidents.roles[index],
        recurrence_of=incidents.recurrence_of[index],
        escalated=incidents.escalated[index],
    )


def _concat(parts: list[Incidents]) -> Incidents:
    return Incidents(*(np.concatenate([getattr(p, f) for p in parts]) for f in Incidents.__slots__))


def add_recurrences(
    rng: np.random.Generator, base: Incidents, profiles: Profiles, history: History
) -> Incidents:
    """Return base incidents plus recurrences: the same dispute again, 1-13 weeks later, twice at most."""
    parts = [base]
    previous = base
    offset = 0
    chosen = np.flatnonzero(profiles.dispute[base.category] & (rng.random(len(base)) < RECURRENCE_P))
    for _ in range(2):
        again = _take(previous, chosen)
        again.occurred_at = again.occurred_at + rng.integers(7 * DAY, 91 * DAY, len(chosen))
        again.recurrence_of = offset + chosen
        again.escalated = rng.random(len(chosen)) < ESCALATION_P
        keep = again.occurred_at <= history.end_s
        again = _take(again, np.flatnonzero(keep))
        offset += len(previous)
        parts.append(again)
        previous = again
        chosen = np.flatnonzero(rng.random(len(again)) < 0.4)
    return _concat(parts)


def in_time_order(incidents: Incidents) -> Incidents:
    """Return the incidents sorted by time (ties in generation order), recurrence links renumbered."""
    order = np.argsort(incidents.occurred_at, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    result = _take(incidents, order)
    result.recurrence_of = np.where(
        result.recurrence_of >= 0, position[np.maximum(result.recurrence_of, 0)], -1
    )
    return result


def merged_in_time(parts: list[Incidents]) -> Incidents:
    """Return several sets of incidents as one, in time order (recurrence links kept)."""
    offsets = np.cumsum([0] + [len(p) for p in parts[:-1]])
    shifted = [
        Incidents(
            **{f: getattr(p, f) for f in Incidents.__slots__ if f != "recurrence_of"},
            recurrence_of=np.where(p.recurrence_of >= 0, p.recurrence_of + offset, -1),
        )
        for p, offset in zip(parts, offsets.tolist(), strict=True)
    ]
    return in_time_order(_concat(shifted))


def build_incidents(
    rng: np.random.Generator,
    profiles: Profiles,
    city: City,
    people: People,
    residences: Residences,
    history: History,
) -> Incidents:
    """Return every incident of the history, in time order."""
    base = draw_incidents(rng, profiles, city, people, residences, history)
    return in_time_order(add_recurrences(rng, base, profiles, history))
