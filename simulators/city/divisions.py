"""The real administrative levels of the city: districts, streets/towns and communities from the gazetteer.

The city is Chongqing. Streets are taken round-robin across the main urban districts (then
across the other districts and counties if a very large city needs them), with every community
(社区) of a taken street, until the communities hold the households the population needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ontology.errors import BadInput
from ontology.gazetteer import Division, Gazetteer

CITY_NAME = "重庆市"
CITY_CODE = "500100"
# Main urban districts first, in the order a growing city takes them.
URBAN_DISTRICTS = ("500106", "500103", "500105", "500107", "500108", "500112", "500109", "500104", "500113")
# Counties that send workers to the main city: registered residence (户籍) of migrant households.
MIGRANT_ORIGINS = ("500230", "500235", "500236", "500233", "500243", "500231", "500238")
# Approximate centres (lng, lat) of the urban districts; other districts are placed around them.
DISTRICT_CENTRES: dict[str, tuple[float, float]] = {
    "500106": (106.456, 29.541),
    "500103": (106.569, 29.553),
    "500105": (106.574, 29.606),
    "500107": (106.511, 29.502),
    "500108": (106.644, 29.500),
    "500112": (106.631, 29.718),
    "500109": (106.397, 29.806),
    "500104": (106.482, 29.484),
    "500113": (106.540, 29.402),
}
COMMUNITY_HOUSEHOLDS = (800, 1800)  # a community holds a few thousand residents


@dataclass(frozen=True, slots=True)
class ChosenCommunity:
    """A gazetteer community taken into the city, with how many households it will hold."""

    division: Division
    households: int


def district_order(gazetteer: Gazetteer) -> list[Division]:
    """Return the city's districts: urban ones first, then the other districts, then counties."""
    all_districts = gazetteer.children_of(CITY_CODE)
    urban = [gazetteer.divisions[code] for code in URBAN_DISTRICTS]
    rest = sorted((d for d in all_districts if d.code not in URBAN_DISTRICTS), key=lambda d: d.code)
    return urban + rest


def _streets_round_robin(gazetteer: Gazetteer) -> list[Division]:
    """Return streets that have communities (社区), alternating between the urban districts, then the rest."""
    districts = district_order(gazetteer)
    urban, rest = districts[: len(URBAN_DISTRICTS)], districts[len(URBAN_DISTRICTS) :]
    ordered: list[Division] = []
    for group in (urban, rest):
        per_district = [
            [s for s in gazetteer.children_of(d.code) if _communities(gazetteer, s)] for d in group
        ]
        for rank in range(max(len(streets) for streets in per_district)):
            ordered.extend(streets[rank] for streets in per_district if rank < len(streets))
    return ordered


def _communities(gazetteer: Gazetteer, street: Division) -> list[Division]:
    return [c for c in gazetteer.children_of(street.code) if c.name.endswith("社区")]


def choose_communities(
    gazetteer: Gazetteer, households: int, rng: np.random.Generator
) -> list[ChosenCommunity]:
    """Return the communities that will hold `households` households, with each one's share.

    Each community gets 800-1,800 households; a small remainder joins the last community taken.
    """
    chosen: list[ChosenCommunity] = []
    remaining = households
    for street in _streets_round_robin(gazetteer):
        for community in _communities(gazetteer, street):
            if remaining <= 0:
                return chosen
            size = int(rng.integers(COMMUNITY_HOUSEHOLDS[0], COMMUNITY_HOUSEHOLDS[1] + 1))
            if remaining - size < COMMUNITY_HOUSEHOLDS[0]:
                size = remaining
            chosen.append(ChosenCommunity(community, size))
            remaining -= size
    if remaining > 0:
        raise BadInput(f"simulate: the gazetteer has too few communities for {households:,} households")
    return chosen
