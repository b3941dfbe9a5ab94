"""The city's ground-truth tables (simulators/README.md, `city/`), as Arrow tables sorted by key."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from simulators.city.addresses import CITY_PREFIX, AddressBook
from simulators.city.grids import Grids
from simulators.city.households import Households
from simulators.city.people import People
from simulators.city.places import BUILDING, ESTATE, ROOM, City
from simulators.city.residences import Residences, current_household_rooms

PLACE_SCHEMA = pa.schema(
    [
        ("place_id", pa.string()),
        ("level", pa.string()),
        ("name", pa.string()),
        ("parent_id", pa.string()),
        ("grid_id", pa.string()),
        ("full_address", pa.string()),
        ("lng", pa.float64()),
        ("lat", pa.float64()),
    ]
)


def _division_rows(city: City) -> dict[str, list[object]]:
    rows: dict[str, list[object]] = {f: [] for f in PLACE_SCHEMA.names}
    coords = city.coords
    entries = [
        (d, "district", None, CITY_PREFIX + d.name, coords["district"], i)
        for i, d in enumerate(city.districts)
    ]
    entries += [
        (d, "district", None, CITY_PREFIX + d.name, coords["origin"], i)
        for i, d in enumerate(city.origins)
        if d.code not in {x.code for x in city.districts}
    ]
    for i, s in enumerate(city.streets):
        district = city.districts[city.street_district[i]]
        entries.append(
            (s, "street", district.code, CITY_PREFIX + district.name + s.name, coords["street"], i)
        )
    for i, c in enumerate(city.communities):
        street = city.streets[city.community_street[i]]
        district = city.districts[city.street_district[city.community_street[i]]]
        entries.append(
            (
                c,
                "community",
                street.code,
                CITY_PREFIX + district.name + street.name + c.name,
                coords["community"],
                i,
            )
        )
    for division, level, parent, address, xy, i in entries:
        for key, value in zip(
            PLACE_SCHEMA.names,
            (division.code, level, division.name, parent, None, address, float(xy.lng[i]), float(xy.lat[i])),
            strict=True,
        ):
            rows[key].append(value)
    return rows


def _level_table(
    level: str,
    ids: list[str],
    names: list[str],
    parents: list[str],
    grid_ids: list[str] | None,
    addresses: list[str],
    lng: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
) -> pa.Table:
    """Return the place rows of one synthetic level."""
    grids: list[str | None] = list(grid_ids) if grid_ids is not None else [None] * len(ids)
    columns = (ids, [level] * len(ids), names, parents, grids, addresses, lng, lat)
    arrays = [pa.array(c, f.type) for c, f in zip(columns, PLACE_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=PLACE_SCHEMA)


def _estates_and_buildings(city: City, building_grid: list[str], addresses: AddressBook) -> list[pa.Table]:
    h, codes = city.housing, [c.code for c in city.communities]
    first_room = np.searchsorted(city.room_building, np.arange(len(h.building_no)))
    estate_first_room = first_room[np.searchsorted(h.building_estate, np.arange(len(h.estate_name)))]
    estates = _level_table(
        "estate",
        city.estate_ids,
        h.estate_name,
        [codes[c] for c in h.estate_community.tolist()],
        None,
        [addresses.formal(int(r), ESTATE) for r in estate_first_room.tolist()],
        city.coords["estate"].lng,
        city.coords["estate"].lat,
    )
    buildings = _level_table(
        "building",
        city.building_ids,
        [f"{n}栋" for n in h.building_no.tolist()],
        [city.estate_ids[e] for e in h.building_estate.tolist()],
        building_grid,
        [addresses.formal(int(r), BUILDING) for r in first_room.tolist()],
        city.coords["building"].lng,
        city.coords["building"].lat,
    )
    return [estates, buildings]


def _units_and_rooms(
    city: City, building_grid: list[str], building_address: list[str], addresses: AddressBook
) -> list[pa.Table]:
    h, xy = city.housing, city.coords["building"]
    unit_building, unit_no = h.unit_building.tolist(), h.unit_no.tolist()
    units = _level_table(
        "unit",
        city.unit_ids,
        [f"{n}单元" for n in unit_no],
        [city.building_ids[b] for b in unit_building],
        [building_grid[b] for b in unit_building],
        [building_address[b] + f"{n}单元" for b, n in zip(unit_building, unit_no, strict=True)],
        xy.lng[h.unit_building],
        xy.lat[h.unit_building],
    )
    rooms = _level_table(
        "room",
        city.room_ids,
        [str(n) for n in h.room_no.tolist()],
        [city.unit_ids[u] for u in h.room_unit.tolist()],
        [building_grid[b] for b in city.room_building.tolist()],
        [addresses.formal(r, ROOM) for r in range(city.rooms)],
        xy.lng[city.room_building],
        xy.lat[city.room_building],
    )
    return [units, rooms]


def places_table(city: City, grids: Grids, addresses: AddressBook) -> pa.Table:
    """Return every place, from districts down to rooms, sorted by place_id."""
    grid_ids = grids.ids(city)
    building_grid = [grid_ids[g] for g in city.building_grid.tolist()]
    upper = _estates_and_buildings(city, building_grid, addresses)
    building_address = upper[1]["full_address"].to_pylist()
    parts = [
        pa.table(_division_rows(city), schema=PLACE_SCHEMA),
        *upper,
        *_units_and_rooms(city, building_grid, building_address, addresses),
    ]
    return pa.concat_tables(parts).sort_by("place_id")


def grids_table(city: City, grids: Grids, person_ids: list[str]) -> pa.Table:
    codes = [c.code for c in city.communities]
    return pa.table(
        {
            "grid_id": pa.array(grids.ids(city), pa.string()),
            "community_id": pa.array([codes[c] for c in grids.community.tolist()], pa.string()),
            "name": pa.array(grids.names(city), pa.string()),
            "households": pa.array(grids.households, pa.int32()),
            "worker_person_id": pa.array([person_ids[w] for w in grids.worker.tolist()], pa.string()),
        }
    ).sort_by("grid_id")


def households_table(city: City, households: Households, people: People, residences: Residences) -> pa.Table:
    """Return households with the room they live in at the end of the history."""
    rooms = current_household_rooms(households, people, residences)
    return pa.table(
        {
            "household_id": pa.array([f"H{i:08d}" for i in range(1, len(households.size) + 1)], pa.string()),
            "place_id": pa.array([city.room_ids[r] for r in rooms.tolist()], pa.string()),
            "home_phone": pa.array(households.home_phone, pa.string()),
        }
    )


def people_table(city: City, people: People, residences: Residences) -> pa.Table:
    """Return every resident, sorted by person_id."""
    ids = people.person_ids
    registered = [city.room_ids[r] for r in residences.room0.tolist()]
    origin_codes = {d.code for d in city.origins}
    registered = [
        region if region in origin_codes else home
        for region, home in zip(people.region, registered, strict=True)
    ]
    return pa.table(
        {
            "person_id": pa.array(ids, pa.string()),
            "household_id": pa.array([f"H{h + 1:08d}" for h in people.household.tolist()], pa.string()),
            "name": pa.array(people.name, pa.string()),
            "id_number": pa.array(people.id_number, pa.string()),
            "gender": pa.array(np.where(people.female, "F", "M").tolist(), pa.string()),
            "birth_date": pa.array(people.birth.astype("datetime64[D]"), pa.date32()),
            "mobile": pa.array(people.mobile, pa.string()),
            "twin_of": pa.array([ids[t] if t >= 0 else None for t in people.twin_of.tolist()], pa.string()),
            "namesake_group": pa.array(
                np.where(people.namesake_group >= 0, people.namesake_group, 0),
                pa.int32(),
                mask=people.namesake_group < 0,
            ),
            "registered_place_id": pa.array(registered, pa.string()),
        }
    )


def residences_table(city: City, people: People, residences: Residences) -> pa.Table:
    """Return (person, room, moved_in, moved_out) rows: a first home, and a second one for movers."""
    ids = people.person_ids
    movers = residences.movers
    move_day = (residences.move_at[movers] // 86_400).astype("datetime64[D]")
    moved_out: npt.NDArray[np.datetime64] = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[D]")
    moved_out[movers] = move_day
    first = pa.table(
        {
            "person_id": pa.array(ids, pa.string()),
            "place_id": pa.array([city.room_ids[r] for r in residences.room0.tolist()], pa.string()),
            "moved_in": pa.array(residences.moved_in0.astype("datetime64[D]"), pa.date32()),
            "moved_out": pa.array(moved_out, pa.date32()),
        }
    )
    second = pa.table(
        {
            "person_id": pa.array([ids[m] for m in movers.tolist()], pa.string()),
            "place_id": pa.array([city.room_ids[r] for r in residences.room1[movers].tolist()], pa.string()),
            "moved_in": pa.array(move_day, pa.date32()),
            "moved_out": pa.array(
                np.full(len(movers), np.datetime64("NaT"), dtype="datetime64[D]"), pa.date32()
            ),
        }
    )
    return pa.concat_tables([first, second]).sort_by([("person_id", "ascending"), ("moved_in", "ascending")])
