"""Ground truth behind every source record and every person named in one (simulators/README.md, `truth/`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from simulators.city.incidents import Incidents
from simulators.city.places import City
from simulators.city.profiles import ROLES
from simulators.city.reports import SOURCES, Reports


def records_truth(
    city: City, incidents: Incidents, reports: Reports, record_ids: list[str], malformed: list[str]
) -> pa.Table:
    """Return (source, record_id, incident_id, place_id, malformed, malformed_reason) per source record.

    `record_ids` and `malformed` ('' for a well-formed record) follow the order of `reports`.
    """
    incident_ids = incidents.ids
    places = city.place_ids(incidents.room[reports.incident], incidents.level[reports.incident])
    return pa.table(
        {
            "source": pa.array([SOURCES[s] for s in reports.source.tolist()], pa.string()),
            "record_id": pa.array(record_ids, pa.string()),
            "incident_id": pa.array([incident_ids[i] for i in reports.incident.tolist()], pa.string()),
            "place_id": pa.array(places, pa.string()),
            "malformed": pa.array([bool(m) for m in malformed], pa.bool_()),
            "malformed_reason": pa.array([m or None for m in malformed], pa.string()),
        }
    ).sort_by([("source", "ascending"), ("record_id", "ascending")])


def mention_id(source: int, record_id: str, slot: int) -> str:
    """Return the id a department gives the slot-th person of a record: the police number its
    person rows (`rybh`), the other forms are positional (`<record_id>#<n>`)."""
    if SOURCES[source] == "police":
        return f"R{record_id[1:]}{slot + 1:02d}"
    return f"{record_id}#{slot}"


def mentions_truth(reports: Reports, record_ids: list[str], person_ids: list[str]) -> pa.Table:
    """Return (source, mention_id, record_id, person_id, role); `<record_id>#<n>` is the n-th person."""
    record, slot = np.nonzero(reports.people >= 0)
    person = reports.people[record, slot]
    role = reports.roles[record, slot]
    ids = [record_ids[r] for r in record.tolist()]
    return pa.table(
        {
            "source": pa.array([SOURCES[s] for s in reports.source[record].tolist()], pa.string()),
            "mention_id": pa.array(
                [
                    mention_id(s, r, n)
                    for s, r, n in zip(reports.source[record].tolist(), ids, slot.tolist(), strict=True)
                ],
                pa.string(),
            ),
            "record_id": pa.array(ids, pa.string()),
            "person_id": pa.array([person_ids[p] for p in person.tolist()], pa.string()),
            "role": pa.array([ROLES[r] for r in role.tolist()], pa.string()),
        }
    ).sort_by([("source", "ascending"), ("mention_id", "ascending")])
