"""Resolving events: which department records are about one incident, grouped into cases.

    resolution = resolve_events(events)                         # event_id -> case_id, cases, why
    resolution = resolve_events(events, previous=resolution,    # same cases keep their IDs
                                decisions=log)                  # human decisions win
    resolution = link_events(batch, resolution)                 # a new batch, incrementally
    case_timeline(resolution, case_id)                          # a case's records in order

The stages, one module each: `prepare` (check, read labels and times, encode), `block`
(candidate pairs near in place and time, one department's too), `compare` (evidence levels),
`estimate` (their weights, learnt from the pairs being resolved), `cluster` (cases that one
incident can be);
`text` compares descriptions, `escalation` builds the case table and its escalation signal
(documented there), `resolve` runs them. Stable IDs come from `entity_resolution.identity`, the
review queue and decision log from `entity_resolution.review`.
"""

from entity_resolution.events.escalation import EscalationOptions
from entity_resolution.events.prepare import EVENT_COLUMNS, PrepareOptions, address_place_path
from entity_resolution.events.resolve import (
    EventOptions,
    EventResolution,
    case_timeline,
    link_events,
    resolve_events,
)

__all__ = [
    "EVENT_COLUMNS",
    "EscalationOptions",
    "EventOptions",
    "EventResolution",
    "PrepareOptions",
    "address_place_path",
    "case_timeline",
    "link_events",
    "resolve_events",
]
