"""Places: every address mention resolved to a canonical place at the finest level it gives.

Stages, one module each: `prepare` (parse addresses into divisions, site, building, unit, room),
`registry` (learn which district and community each estate is in, from the addresses that say it,
and fill in the shorthand that does not), `resolve` (place IDs, the hierarchy, grids, and what
changed since the previous run).
"""

from entity_resolution.places.prepare import PlaceOptions, prepare_addresses
from entity_resolution.places.resolve import PlaceResolution, resolve_places

__all__ = ["PlaceOptions", "PlaceResolution", "prepare_addresses", "resolve_places"]
