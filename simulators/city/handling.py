"""Handling planted in the history: how long each record takes to be resolved, and spikes.

Each record is resolved within its category's time limit (the taxonomy's `time_limit_hours`) or,
for about one in eight, late: between 5 % and 200 % past it. Its department's statuses are spread
over that time in the drawn proportions (`versions.build_versions(handled=...)`), so the hub sees
received -> dispatched -> in progress -> resolved / closed as successive versions.

Spikes: in a few (community, subcategory, week) the count of that subcategory jumps well above the
community's own baseline: extra incidents at that community's homes in that week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ontology import load_ontology
from simulators.city.incidents import Incidents
from simulators.city.places import ROOM, City
from simulators.city.profiles import Profiles
from simulators.city.residences import Residences
from simulators.city.timeline import DAY, HOUR, History

Ints = npt.NDArray[np.int64]
LATE_P = 0.12
MIN_HANDLED = HOUR // 2
SPIKES_PER_100K_PEOPLE_YEAR = 60  # at least one in any city
SPIKE_EXTRA = (8, 15)  # incidents added in the spike week
WEEK = 7 * DAY


def limit_hours(profiles: Profiles) -> Ints:
    """Return the time limit (hours) of each profile category, from the taxonomy."""
    categories = load_ontology().taxonomy.categories
    return np.array([categories[code].time_limit_hours for code in profiles.codes], dtype=np.int64)


def handled_seconds(rng: np.random.Generator, limits_h: Ints) -> Ints:
    """Return per record the seconds it takes to be resolved: within its limit, or late (LATE_P)."""
    n = len(limits_h)
    late = rng.random(n) < LATE_P
    share = np.where(late, rng.uniform(1.05, 3.0, n), rng.uniform(0.1, 0.95, n))
    return np.maximum((share * limits_h * HOUR).astype(np.int64), MIN_HANDLED)


@dataclass(frozen=True, slots=True)
class Spike:
    """Extra incidents of one subcategory in one community in one week (its Monday at 00:00)."""

    community: int
    category: int
    week_start_s: int
    incidents: int


def _week_starts(history: History) -> Ints:
    """Return the Mondays (epoch seconds) of the weeks wholly inside the history."""
    first = history.start_s + ((7 - (history.start_s // DAY + 3) % 7) % 7) * DAY  # 1970-01-01 was a Thursday
    return np.arange(first, history.end_s - WEEK + 2, WEEK, dtype=np.int64)


def plan_spikes(
    rng: np.random.Generator, people: int, city: City, profiles: Profiles, history: History
) -> list[Spike]:
    """Return the spikes: distinct (community, subcategory, week) of everyday disputes at home (the
    common room-level subcategories: each report comes from another home, so they are separate
    incidents)."""
    weeks = _week_starts(history)
    communities = len(city.communities)
    if len(weeks) == 0 or communities == 0:
        return []
    count = max(1, round(people * history.days / 365 * SPIKES_PER_100K_PEOPLE_YEAR / 100_000))
    at_home = profiles.level == ROOM
    common = np.flatnonzero(at_home & (profiles.weight >= np.quantile(profiles.weight[at_home], 0.5)))
    chosen: dict[tuple[int, int, int], int] = {}
    while len(chosen) < count:
        key = (
            int(rng.integers(0, communities)),
            int(common[rng.integers(0, len(common))]),
            int(weeks[rng.integers(0, len(weeks))]),
        )
        chosen.setdefault(key, int(rng.integers(SPIKE_EXTRA[0], SPIKE_EXTRA[1] + 1)))
    return [Spike(c, k, w, n) for (c, k, w), n in sorted(chosen.items())]


def spike_incidents(
    rng: np.random.Generator,
    spikes: list[Spike],
    city: City,
    residences: Residences,
    profiles: Profiles,
    adults: Ints,
) -> Incidents:
    """Return the spikes' incidents: a resident of the community reports, at home, in the week."""
    home_community = city.room_community[residences.room0[adults]]
    parts: list[tuple[Ints, Ints, Ints, Ints]] = []
    for spike in spikes:
        residents = adults[home_community == spike.community]
        if len(residents) == 0:
            continue
        first = residents[rng.integers(0, len(residents), spike.incidents)]
        at = spike.week_start_s + rng.integers(8 * HOUR, WEEK - 2 * HOUR, spike.incidents)
        category = np.full(spike.incidents, spike.category, dtype=np.int64)
        parts.append((category, at, residences.room_at(first, at), first))
    category, at, room, first = (
        (np.concatenate([p[i] for p in parts]) for i in range(4)) if parts else (np.zeros(0, np.int64),) * 4
    )
    n = len(category)
    nobody = np.full(n, -1, dtype=np.int64)
    return Incidents(
        category=category,
        occurred_at=at,
        room=room,
        level=profiles.level[category],
        people=np.stack([first, nobody, nobody], axis=1),
        roles=np.stack([profiles.roles[category, 0], nobody, nobody], axis=1),
        recurrence_of=nobody.copy(),
        escalated=np.zeros(n, dtype=np.bool_),
    )
