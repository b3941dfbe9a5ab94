"""What the graph queries return: plain dataclasses, the same shape from every adapter.

Properties are dicts of plain values (`graph.values.shape_properties`); lists are sorted here, once,
so two adapters that found the same facts return equal objects.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graph.model import NodeRef

__all__ = [
    "AddressDossier",
    "CoInvolvement",
    "DossierEvent",
    "Involvement",
    "Neighbour",
    "Path",
    "Person360",
    "Relation",
    "Resident",
]

Properties = dict[str, Any]
_EARLIEST = dt.datetime.min


@dataclass(frozen=True, slots=True)
class Involvement:
    """One event a person took part in, in one role, with where it happened and its case."""

    role: str
    event: Properties
    place_id: str | None
    case_id: str | None


@dataclass(frozen=True, slots=True)
class Person360:
    """Everything the graph holds about one person across the departments."""

    person: Properties
    addresses: list[Properties]  # places the person lives at
    involvements: list[Involvement]  # by time of the event
    cases: list[Properties]
    departments: dict[str, int] = field(default_factory=dict)  # source -> events of the person there


@dataclass(frozen=True, slots=True)
class DossierEvent:
    """An event at a place of a dossier, with its case and the people in it (person_id, role)."""

    event: Properties
    place_id: str
    case_id: str | None
    people: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Resident:
    person: Properties
    place_id: str


@dataclass(frozen=True, slots=True)
class AddressDossier:
    """Everything at a place and below it in the hierarchy (a building's units and rooms)."""

    place: Properties
    ancestors: list[Properties]  # parent first, up to the top of the hierarchy
    places: list[Properties]  # the place itself and every place below it
    events: list[DossierEvent]
    residents: list[Resident]
    cases: list[Properties]


@dataclass(frozen=True, slots=True, order=True)
class Neighbour:
    distance: int
    label: str
    key: str


@dataclass(frozen=True, slots=True)
class Path:
    """A shortest path: its nodes from start to end and the relation types between them."""

    nodes: list[NodeRef]
    relations: list[str]

    @property
    def length(self) -> int:
        """The number of relations along the path."""
        return len(self.relations)


@dataclass(frozen=True, slots=True)
class Relation:
    """One relation with its properties (identity and provenance)."""

    type: str
    start: NodeRef
    end: NodeRef
    properties: Properties

    def sort_key(self) -> tuple[str, NodeRef, NodeRef, str]:
        """Return a key that orders relations the same way on every backend."""
        return (self.type, self.start, self.end, str(sorted(self.properties.items(), key=str)))


@dataclass(frozen=True, slots=True)
class CoInvolvement:
    """Another person in the same cases as the one asked about, and which cases."""

    person_id: str
    name: str | None
    shared_cases: int
    case_ids: list[str]


def _event_time(event: Properties) -> tuple[dt.datetime, str]:
    occurred = event.get("occurred_at")
    if isinstance(occurred, dt.datetime):
        occurred = occurred.replace(tzinfo=None)
    return (occurred or _EARLIEST, str(event.get("event_id")))


def person_360(
    person: Properties, addresses: list[Properties], involvements: list[Involvement], cases: list[Properties]
) -> Person360:
    """Return a Person360 with every list in its one order and events counted per department."""
    involvements = sorted(involvements, key=lambda item: (*_event_time(item.event), item.role))
    distinct = {item.event["event_id"]: item.event.get("source") for item in involvements}
    return Person360(
        person=person,
        addresses=sorted(addresses, key=lambda place: place["place_id"]),
        involvements=involvements,
        cases=sorted(cases, key=lambda case: case["case_id"]),
        departments=dict(sorted(Counter(str(source) for source in distinct.values()).items())),
    )


def address_dossier(
    place: Properties,
    ancestors: list[Properties],
    places: list[Properties],
    events: list[DossierEvent],
    residents: list[Resident],
    cases: list[Properties],
) -> AddressDossier:
    """Return an AddressDossier with every list in its one order (ancestors stay nearest first)."""
    events = [DossierEvent(e.event, e.place_id, e.case_id, sorted(e.people)) for e in events]
    return AddressDossier(
        place=place,
        ancestors=ancestors,
        places=sorted(places, key=lambda p: p["place_id"]),
        events=sorted(events, key=lambda e: _event_time(e.event)),
        residents=sorted(residents, key=lambda r: (r.place_id, r.person["person_id"])),
        cases=sorted(cases, key=lambda case: case["case_id"]),
    )


def co_involvements(rows: list[tuple[str, str | None, str]]) -> list[CoInvolvement]:
    """Return co-involvements from (person_id, name, case_id) rows, most shared cases first."""
    cases: dict[str, set[str]] = {}
    names: dict[str, str | None] = {}
    for person_id, name, case_id in rows:
        cases.setdefault(person_id, set()).add(case_id)
        names[person_id] = name
    found = [CoInvolvement(pid, names[pid], len(ids), sorted(ids)) for pid, ids in cases.items()]
    return sorted(found, key=lambda item: (-item.shared_cases, item.person_id))
