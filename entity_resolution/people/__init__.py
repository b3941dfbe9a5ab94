"""Resolving people: which person mentions across departments are one resident.

    resolution = resolve_people(mentions)                       # record_id -> person_id, and why
    resolution = resolve_people(mentions, previous=resolution,  # same people keep their IDs
                                decisions=log)                  # human decisions win
    resolution = link_people(batch, resolution)                 # a new batch, incrementally

The stages, one module each: `prepare` (normalise), `block` (candidate pairs), `train` (m and u),
`compare` (levels and weights per field), `cluster` (constrained clustering); stable IDs come from
`entity_resolution.identity`, the review queue and decision log from `entity_resolution.review`.
Once events are grouped into cases, `coreference` merges the people of one case whose names sound
the same (the pair scores alone could not see that they are in one incident).
"""

from entity_resolution.people.resolve import PeopleResolution, ResolveOptions, link_people, resolve_people

__all__ = ["PeopleResolution", "ResolveOptions", "link_people", "resolve_people"]
