"""The ground truth of what happened: incidents and the people in them (simulators/README.md, `city/`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from simulators.city.incidents import Incidents
from simulators.city.places import City
from simulators.city.profiles import ROLES, Profiles
from simulators.city.reports import GRID, Reports


def incidents_table(
    city: City, incidents: Incidents, profiles: Profiles, phrases: list[str], paths: list[str]
) -> pa.Table:
    """Return the incidents with category, place, time, what happened and the departments it reached."""
    ids = incidents.ids
    return pa.table(
        {
            "incident_id": pa.array(ids, pa.string()),
            "category": pa.array([profiles.codes[c] for c in incidents.category.tolist()], pa.string()),
            "place_id": pa.array(city.place_ids(incidents.room, incidents.level), pa.string()),
            "occurred_at": pa.array(incidents.occurred_at, pa.int64()).cast(pa.timestamp("s")),
            "description": pa.array(phrases, pa.string()),
            "escalation_path": pa.array(paths, pa.string()),
            "recurrence_of": pa.array(
                [ids[r] if r >= 0 else None for r in incidents.recurrence_of.tolist()], pa.string()
            ),
        }
    )


def incident_people_table(incidents: Incidents, reports: Reports, person_ids: list[str]) -> pa.Table:
    """Return (incident, person, role): the people in each incident, and the grid worker who reported it."""
    incident, slot = np.nonzero(incidents.people >= 0)
    person = incidents.people[incident, slot]
    role = incidents.roles[incident, slot]
    grid_rows = np.flatnonzero(reports.source == GRID)
    worker_slot = (reports.roles[grid_rows] == ROLES.index("grid_worker")).argmax(axis=1)
    all_incident = np.concatenate([incident, reports.incident[grid_rows]])
    all_person = np.concatenate([person, reports.people[grid_rows, worker_slot]])
    all_role = np.concatenate([role, np.full(len(grid_rows), ROLES.index("grid_worker"))])
    keys = np.unique(np.stack([all_incident, all_person, all_role], axis=1), axis=0)
    ids = incidents.ids
    return pa.table(
        {
            "incident_id": pa.array([ids[i] for i in keys[:, 0].tolist()], pa.string()),
            "person_id": pa.array([person_ids[p] for p in keys[:, 1].tolist()], pa.string()),
            "role": pa.array([ROLES[r] for r in keys[:, 2].tolist()], pa.string()),
        }
    ).sort_by([("incident_id", "ascending"), ("person_id", "ascending"), ("role", "ascending")])
