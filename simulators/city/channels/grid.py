"""The grid-management platform: a grid worker's report from the street, with photos.

Addresses are shorthand (锦绣花园3-2-501); the worker knows the residents, so names are right and
ID numbers are often filled in. Items go 01 上报 -> 02 立案 -> 03 派遣 -> 04 处置 -> 05 结案, or
straight from 01 to 05 when the worker settles it on the spot.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from simulators.city.channels.common import (
    SourceRecords,
    World,
    choose_codes,
    lower_x,
    mistyped_digit,
    phone_of,
    versioned,
)
from simulators.city.names import misheard
from simulators.city.noise.channels import (
    Places,
    address_field,
    department_labels,
    parties_field,
    time_field,
)
from simulators.city.profiles import ROLES
from simulators.city.timeline import compact_dates, datetime_strings
from simulators.city.versions import FLOWS, build_versions
from simulators.departments import CodeBook

PARTY_ROLES = {
    "caller": "反映人",
    "party": "当事人",
    "victim": "受害人",
    "suspect": "涉事人",
    "witness": "知情人",
}
ACTIONS = ("已现场劝解", "已上报社区协调", "已通知物业处理", "需相关部门处置", "已联系责任单位")
SETTLED_ON_SPOT_P = 0.4
ID_CARD_P = 0.5
PARTY_TYPE = pa.struct(
    [("name", pa.string()), ("phone", pa.string()), ("id_card", pa.string()), ("role", pa.string())]
)
ATTACHMENT_TYPE = pa.struct(
    [
        ("file_name", pa.string()),
        ("mime_type", pa.string()),
        ("size_bytes", pa.int64()),
        ("sha1", pa.string()),
    ]
)
COLUMNS = (
    "event_no",
    "report_time",
    "grid_code",
    "worker_id",
    "worker_name",
    "type_code",
    "type_name",
    "title",
    "description",
    "address",
    "lng",
    "lat",
    "parties",
    "attachments",
    "status_code",
    "version",
    "updated_at",
    "deleted",
)


def _party(world: World, person: int, role: int, d: npt.NDArray[np.float64]) -> dict[str, str]:
    people = world.people
    name = misheard(people.name[person], d[1]) if d[0] < 0.03 else people.name[person]
    id_card = lower_x(people.id_number[person], d[3], 0.3) if d[2] < ID_CARD_P else ""
    return {
        "name": name,
        "phone": phone_of(world, person, d[4] < 0.1),
        "id_card": id_card,
        "role": PARTY_ROLES[ROLES[role]],
    }


def _attachments(event_no: str, taken: str, count: int, sizes: list[int]) -> list[dict[str, object]]:
    files = []
    for i in range(count):
        name = f"IMG_{taken}_{i + 1}.jpg"
        digest = hashlib.sha1(f"{event_no}/{name}".encode()).hexdigest()
        files.append({"file_name": name, "mime_type": "image/jpeg", "size_bytes": sizes[i], "sha1": digest})
    return files


def _photos(records: SourceRecords, rng: np.random.Generator) -> pa.Array:
    """Return 0-3 photos per report, named by the time they were taken."""
    counts = rng.choice(4, size=len(records), p=[0.3, 0.4, 0.2, 0.1]).tolist()
    sizes = rng.integers(150_000, 3_500_000, (len(records), 3)).tolist()
    days = compact_dates(records.reported_at.astype("datetime64[s]"))
    stamps = datetime_strings(records.reported_at)
    photos = [
        _attachments(records.record_ids[i], f"{day}_{t[11:13]}{t[14:16]}{t[17:19]}", counts[i], sizes[i])
        for i, (day, t) in enumerate(zip(days, stamps, strict=True))
    ]
    return pa.array(photos, pa.list_(ATTACHMENT_TYPE))


def _parties(
    world: World, records: SourceRecords, rng: np.random.Generator
) -> tuple[list[list[dict[str, str]]], list[list[dict[str, str]]]]:
    """Return (parties, parties with a mistyped phone) per record; the grid worker is not a party."""
    draws = rng.random((len(records), 4, 6))
    parties: list[list[dict[str, str]]] = []
    wrong: list[list[dict[str, str]]] = []
    worker_role = ROLES.index("grid_worker")
    for i, (who, roles) in enumerate(zip(records.people.tolist(), records.roles.tolist(), strict=True)):
        row = [
            _party(world, p, r, draws[i, k])
            for k, (p, r) in enumerate(zip(who, roles, strict=True))
            if p >= 0 and r != worker_role
        ]
        parties.append(row)
        slip = [dict(party) for party in row]
        if slip:
            slip[0]["phone"] = mistyped_digit(slip[0]["phone"], draws[i, 0, 5])
        wrong.append(slip)
    return parties, wrong


def _payload(
    world: World, records: SourceRecords, book: CodeBook, rng: np.random.Generator
) -> tuple[dict[str, pa.Array], pa.Array]:
    city, incidents = world.city, world.incidents
    rooms = incidents.room[records.incident]
    levels = incidents.level[records.incident]
    buildings = city.room_building[rooms]
    grid = city.building_grid[buildings]
    grid_ids, worker = world.grids.ids(city), world.grids.worker[grid]
    codes = choose_codes(rng, book, world.profiles, incidents.category[records.incident])
    draws = rng.random((len(records), 3))
    estate_names = city.housing.estate_name
    building_estate = city.housing.building_estate
    address, title, description = [], [], []
    for i, (room, level, incident) in enumerate(
        zip(rooms.tolist(), levels.tolist(), records.incident.tolist(), strict=True)
    ):
        address.append(world.addresses.shorthand(room, level, draws[i, 0]))
        title.append(estate_names[building_estate[buildings[i]]] + codes[i][1])
        description.append(
            f"{world.phrases[incident]}，网格员已上门核实，{ACTIONS[int(draws[i, 1] * len(ACTIONS))]}。"
        )
    parties, wrong = _parties(world, records, rng)
    jitter = rng.normal(0.0, 0.0002, (len(records), 2))
    payload = {
        "event_no": pa.array(records.record_ids, pa.string()),
        "report_time": pa.array(datetime_strings(records.reported_at), pa.string()),
        "grid_code": pa.array([grid_ids[g] for g in grid.tolist()], pa.string()),
        "worker_id": pa.array([f"WGY{g + 1:05d}" for g in grid.tolist()], pa.string()),
        "worker_name": pa.array([world.people.name[w] for w in worker.tolist()], pa.string()),
        "type_code": pa.array([c for c, _ in codes], pa.string()),
        "type_name": pa.array([n for _, n in codes], pa.string()),
        "title": pa.array(title, pa.string()),
        "description": pa.array(description, pa.string()),
        "address": pa.array(address, pa.string()),
        "lng": pa.array(np.round(city.coords["building"].lng[buildings] + jitter[:, 0], 6), pa.float64()),
        "lat": pa.array(np.round(city.coords["building"].lat[buildings] + jitter[:, 1], 6), pa.float64()),
        "parties": pa.array(parties, pa.list_(PARTY_TYPE)),
        "attachments": _photos(records, rng),
    }
    return payload, pa.array(wrong, pa.list_(PARTY_TYPE))


def _add_noise(world: World, records: SourceRecords, book: CodeBook, payload: dict[str, pa.Array]) -> None:
    """Add the profile's noise to the reports: time styles, addresses, the platform's labels, party typos."""
    assert world.noise is not None
    noise = world.noise.of("grid")
    time_field(noise, payload, "report_time")
    rooms = world.incidents.room[records.incident]
    places = Places(rooms, world.incidents.level[records.incident], world.city.room_community)
    address_field(noise, payload, "address", world.addresses, places)
    codes = payload["type_code"].to_pylist()
    payload["type_name"] = pa.array(
        department_labels(noise, "grid", book, codes, records.reported_at), pa.string()
    )
    payload["parties"] = pa.array(parties_field(noise, payload["parties"].to_pylist()), pa.list_(PARTY_TYPE))


def render_grid(world: World, records: SourceRecords, book: CodeBook, rng: np.random.Generator) -> pa.Table:
    """Return the grid platform's event versions (simulators/README.md, channel `grid`)."""
    flow = FLOWS["grid"]
    payload, wrong_parties = _payload(world, records, book, rng)
    if world.noise is not None and world.noise.active:
        _add_noise(world, records, book, payload)
    reached = np.ones((len(records), len(flow.statuses)), dtype=bool)
    reached[rng.random(len(records)) < SETTLED_ON_SPOT_P, 1:4] = False
    versions = build_versions(
        rng, flow, records.reported_at, world.history.end_s, reached=reached, handled=records.handled
    )
    table = versioned(payload, versions, "status_code", flow.statuses, {"parties": wrong_parties})
    return table.select(list(COLUMNS))
