"""Which departments hear of each incident, when, and whom each of their records names.

An incident reaches 1-4 departments: the hotline most often, grid workers second, the police for
public order and serious disputes, the petitions office rarely. An escalating dispute goes
hotline -> grid (days later) -> police (weeks later) -> petition (weeks after that).
Each (incident, department) pair is one source record; reports after the history's end are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators.city.grids import Grids
from simulators.city.incidents import Incidents
from simulators.city.places import City
from simulators.city.profiles import ROLES, Profiles
from simulators.city.timeline import DAY, HOUR, MINUTE, History

Ints = npt.NDArray[np.int64]
SOURCES: tuple[str, ...] = ("hotline", "grid", "police", "petitions")
HOTLINE, GRID, POLICE, PETITIONS = range(4)
MAX_MENTIONS = 4
_role = ROLES.index


@dataclass(slots=True)
class Reports:
    """Source records before rendering, ordered by (source, reported_at, incident).

    `people`/`roles` are (records, 4) with -1 for no one; column order is the mention order.
    """

    source: Ints
    incident: Ints
    reported_at: Ints
    people: Ints
    roles: Ints
    repeat: npt.NDArray[np.bool_] | None = None  # a department's second report of the incident (noise)

    def __len__(self) -> int:
        return len(self.source)


def _channels(rng: np.random.Generator, incidents: Incidents, profiles: Profiles) -> npt.NDArray[np.bool_]:
    """Return (incidents, 4) flags: which departments hear of each incident."""
    p = profiles.channels[incidents.category]
    hears = rng.random(p.shape) < p
    none = ~hears.any(axis=1)
    hears[none, np.argmax(p[none], axis=1)] = True
    escalated = incidents.escalated
    hears[escalated, :3] = True
    hears[escalated, 3] = rng.random(int(escalated.sum())) < 0.6
    return hears


def _report_times(rng: np.random.Generator, incidents: Incidents) -> Ints:
    """Return (incidents, 4) report times: soon after for each channel, staged weeks apart if escalating."""
    n = len(incidents)
    t = incidents.occurred_at
    hotline = t + np.clip(rng.exponential(3 * HOUR, n), 2 * MINUTE, 3 * DAY).astype(np.int64)
    grid = t + rng.integers(1 * HOUR, 48 * HOUR, n)
    police = t + rng.integers(2 * MINUTE, 30 * MINUTE, n)
    petitions = t + rng.integers(15 * DAY, 90 * DAY, n)
    staged_grid = hotline + rng.integers(1 * DAY, 5 * DAY, n)
    staged_police = staged_grid + rng.integers(3 * DAY, 20 * DAY, n)
    staged_petitions = staged_police + rng.integers(14 * DAY, 60 * DAY, n)
    esc = incidents.escalated
    return np.stack(
        [
            hotline,
            np.where(esc, staged_grid, grid),
            np.where(esc, staged_police, police),
            np.where(esc, staged_petitions, petitions),
        ],
        axis=1,
    )


def _mentions(source: Ints, incident: Ints, incidents: Incidents, worker: Ints) -> tuple[Ints, Ints]:
    """Return (people, roles) named by each record, as the source's form has room for them."""
    core = incidents.people[incident]
    core_roles = incidents.roles[incident]
    people = np.full((len(source), MAX_MENTIONS), -1, dtype=np.int64)
    roles = np.full((len(source), MAX_MENTIONS), -1, dtype=np.int64)
    people[:, :3] = core
    roles[:, :3] = core_roles
    single = (source == HOTLINE) | (source == PETITIONS)
    people[single, 1:] = -1
    roles[single, 1:] = -1
    roles[source == HOTLINE, 0] = _role("caller")
    roles[source == PETITIONS, 0] = _role("petitioner")
    caller_first = (source == POLICE) & np.isin(roles[:, 0], (_role("party"), _role("caller")))
    roles[caller_first, 0] = _role("caller")
    people, roles = _packed(people, roles)
    grid_rows = np.flatnonzero(source == GRID)
    slot = (people[grid_rows] >= 0).sum(axis=1)
    people[grid_rows, slot] = worker[grid_rows]
    roles[grid_rows, slot] = _role("grid_worker")
    return people, roles


def _packed(people: Ints, roles: Ints) -> tuple[Ints, Ints]:
    """Return the rows with named people moved to the left, order kept."""
    order = np.argsort(people < 0, axis=1, kind="stable")
    return np.take_along_axis(people, order, axis=1), np.take_along_axis(roles, order, axis=1)


def build_reports(
    rng: np.random.Generator,
    incidents: Incidents,
    profiles: Profiles,
    city: City,
    grids: Grids,
    history: History,
) -> Reports:
    """Return every source record of the history with the people it names."""
    hears = _channels(rng, incidents, profiles)
    times = _report_times(rng, incidents)
    hears &= times <= history.end_s
    incident, source = np.nonzero(hears)
    reported = times[incident, source]
    order = np.lexsort((incident, reported, source))
    incident, source, reported = incident[order], source[order], reported[order]
    grid_of_incident = city.building_grid[city.room_building[incidents.room]]
    worker = grids.worker[grid_of_incident[incident]]
    people, roles = _mentions(source, incident, incidents, worker)
    return Reports(
        source=source.astype(np.int64),
        incident=incident.astype(np.int64),
        reported_at=reported,
        people=people,
        roles=roles,
    )


def escalation_paths(reports: Reports, incident_count: int) -> list[str]:
    """Return each incident's departments in the order its records were made, e.g. 'hotline>grid>police'.

    A department's second report of an incident does not make a step of the path.
    """
    order = np.lexsort((reports.source, reports.reported_at, reports.incident))
    if reports.repeat is not None:
        order = order[~reports.repeat[order]]
    paths: list[list[str]] = [[] for _ in range(incident_count)]
    for incident, source in zip(
        reports.incident[order].tolist(), reports.source[order].tolist(), strict=True
    ):
        paths[incident].append(SOURCES[source])
    return [">".join(p) for p in paths]
