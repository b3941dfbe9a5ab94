"""The city's places: gazetteer districts, streets and communities above synthetic housing.

Place ids follow simulators/README.md: the gazetteer code for the first three levels, then
`<community code>-E<nn>`, `-B<nn>`, `-U<n>`, `-R<nnnn>` appended for estate, building, unit, room.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from ontology.gazetteer import Division, Gazetteer
from simulators.city.divisions import DISTRICT_CENTRES, MIGRANT_ORIGINS, ChosenCommunity
from simulators.city.estates import Housing, build_housing

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
# Place levels below the gazetteer that an incident or a record can point at.
ROOM, BUILDING, ESTATE = 0, 1, 2


@dataclass(slots=True)
class Coordinates:
    """Longitude and latitude of the places of one level."""

    lng: Floats
    lat: Floats


@dataclass
class City:
    """Divisions and housing, each level an array pointing at its parent level."""

    districts: list[Division]
    streets: list[Division]
    communities: list[Division]
    street_district: Ints
    community_street: Ints
    community_households: Ints
    housing: Housing
    origins: list[Division]
    coords: dict[str, Coordinates] = field(default_factory=dict)
    building_grid: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def rooms(self) -> int:
        return len(self.housing.room_no)

    @cached_property
    def room_building(self) -> Ints:
        return self.housing.unit_building[self.housing.room_unit]

    @cached_property
    def room_community(self) -> Ints:
        return self.housing.estate_community[self.housing.building_estate[self.room_building]]

    @cached_property
    def community_district(self) -> Ints:
        return self.street_district[self.community_street]

    @cached_property
    def estate_ids(self) -> list[str]:
        h = self.housing
        codes = [c.code for c in self.communities]
        return [
            f"{codes[c]}-E{n:02d}"
            for c, n in zip(h.estate_community.tolist(), h.estate_no.tolist(), strict=True)
        ]

    @cached_property
    def building_ids(self) -> list[str]:
        estates = self.estate_ids
        h = self.housing
        return [
            f"{estates[e]}-B{n:02d}"
            for e, n in zip(h.building_estate.tolist(), h.building_no.tolist(), strict=True)
        ]

    @cached_property
    def unit_ids(self) -> list[str]:
        buildings = self.building_ids
        h = self.housing
        return [
            f"{buildings[b]}-U{n}" for b, n in zip(h.unit_building.tolist(), h.unit_no.tolist(), strict=True)
        ]

    @cached_property
    def room_ids(self) -> list[str]:
        units = self.unit_ids
        h = self.housing
        return [f"{units[u]}-R{n:04d}" for u, n in zip(h.room_unit.tolist(), h.room_no.tolist(), strict=True)]

    def place_ids(self, rooms: Ints, levels: Ints) -> list[str]:
        """Return the place id of each (anchor room, level): the room, its building or its estate."""
        room_ids, building_ids, estate_ids = self.room_ids, self.building_ids, self.estate_ids
        buildings = self.room_building[rooms]
        estates = self.housing.building_estate[buildings]
        out: list[str] = []
        for room, building, estate, level in zip(
            rooms.tolist(), buildings.tolist(), estates.tolist(), levels.tolist(), strict=True
        ):
            out.append(
                room_ids[room]
                if level == ROOM
                else building_ids[building]
                if level == BUILDING
                else estate_ids[estate]
            )
        return out


def build_city(gazetteer: Gazetteer, chosen: list[ChosenCommunity], rng: np.random.Generator) -> City:
    """Return the city: the chosen communities, their streets and districts, housing and coordinates."""
    communities = [c.division for c in chosen]
    street_codes = list(dict.fromkeys(c.parent_code for c in communities if c.parent_code))
    streets = [gazetteer.divisions[code] for code in street_codes]
    district_codes = list(dict.fromkeys(s.parent_code for s in streets if s.parent_code))
    districts = [gazetteer.divisions[code] for code in district_codes]
    housing = build_housing(rng, [c.households for c in chosen], [c.short_name for c in communities])
    city = City(
        districts=districts,
        streets=streets,
        communities=communities,
        street_district=np.array([district_codes.index(str(s.parent_code)) for s in streets], dtype=np.int64),
        community_street=np.array(
            [street_codes.index(str(c.parent_code)) for c in communities], dtype=np.int64
        ),
        community_households=np.array([c.households for c in chosen], dtype=np.int64),
        housing=housing,
        origins=[gazetteer.divisions[code] for code in MIGRANT_ORIGINS],
    )
    city.coords = _coordinates(city, rng)
    return city


def _coordinates(city: City, rng: np.random.Generator) -> dict[str, Coordinates]:
    """Return coordinates of every level, each place scattered around its parent."""
    centres = np.array([DISTRICT_CENTRES.get(d.code, (106.55, 29.56)) for d in city.districts])
    far = np.array([d.code not in DISTRICT_CENTRES for d in city.districts])
    centres[far] += rng.normal(0.0, 0.25, size=(int(far.sum()), 2))
    h = city.housing
    levels = {"district": centres}
    levels["street"] = _scatter(rng, levels["district"][city.street_district], 0.03)
    levels["community"] = _scatter(rng, levels["street"][city.community_street], 0.008)
    levels["estate"] = _scatter(rng, levels["community"][h.estate_community], 0.002)
    levels["building"] = _scatter(rng, levels["estate"][h.building_estate], 0.0004)
    origin = np.array([(107.7, 29.9)] * len(city.origins)) + rng.normal(0.0, 0.3, size=(len(city.origins), 2))
    levels["origin"] = origin
    return {name: Coordinates(np.round(xy[:, 0], 6), np.round(xy[:, 1], 6)) for name, xy in levels.items()}


def _scatter(rng: np.random.Generator, centres: Floats, spread: float) -> Floats:
    return centres + rng.normal(0.0, spread, size=centres.shape)
