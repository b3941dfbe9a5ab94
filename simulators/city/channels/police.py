"""The police incident system (接警/警情): relational, formal, with ID numbers.

Two tables: incidents (接警单, keyed by jjdbh) and the persons in each (keyed by rybh), each row
versioned. Addresses are the formal registry form; every person carries an ID number (a few with
a lowercase x), some first entered with a slip that a later version fixes.
"""

from __future__ import annotations

import numpy as np
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
from simulators.city.noise.channels import (
    Places,
    address_field,
    date_field,
    department_labels,
    people_fields,
    time_field,
)
from simulators.city.places import ROOM
from simulators.city.profiles import ROLES
from simulators.city.timeline import MINUTE, compact_dates, datetime_strings
from simulators.city.versions import FLOWS, build_versions
from simulators.departments import CodeBook

ROLE_CODES = {"caller": "01", "party": "02", "suspect": "03", "victim": "04", "witness": "05"}
OUTCOMES = (
    "民警到场后进行了调解",
    "民警到场后已将双方带回调查",
    "民警到场后对现场进行了处置",
    "民警到场后告知其相关处理途径",
)
INCIDENT_COLUMNS = (
    "jjdbh",
    "bjsj",
    "jqlbdm",
    "jqlbmc",
    "fadz",
    "jyaq",
    "clzt",
    "sspcs",
    "version",
    "updated_at",
    "deleted",
)
PERSON_COLUMNS = (
    "rybh",
    "jjdbh",
    "xm",
    "xbdm",
    "csrq",
    "sfzh",
    "lxdh",
    "rylx",
    "xzz",
    "version",
    "updated_at",
    "deleted",
)


def police_ids(world: World, incident: np.ndarray, reported_at: np.ndarray) -> list[str]:
    """Return 接警单编号: J + the district code + YYYYMMDD + 5-digit sequence within the day."""
    city = world.city
    codes = [d.code for d in city.districts]
    district = city.community_district[city.room_community[world.incidents.room[incident]]]
    districts = [codes[d] for d in district.tolist()]
    dates = compact_dates(reported_at.astype("datetime64[s]"))
    counters: dict[str, int] = {}
    ids = []
    for district, day in zip(districts, dates, strict=True):
        counters[day] = counters.get(day, 0) + 1
        ids.append(f"J{district}{day}{counters[day]:05d}")
    return ids


def spoken_time(stamp: str) -> str:
    """Return '2026-03-07 14:05:00' as 2026年3月7日14时05分."""
    return f"{stamp[:4]}年{int(stamp[5:7])}月{int(stamp[8:10])}日{int(stamp[11:13])}时{stamp[14:16]}分"


def _incident_payload(
    world: World, records: SourceRecords, book: CodeBook, rng: np.random.Generator
) -> dict[str, pa.Array]:
    city, incidents, people = world.city, world.incidents, world.people
    codes = choose_codes(rng, book, world.profiles, incidents.category[records.incident])
    stamps = datetime_strings(records.reported_at)
    draws = rng.random(len(records))
    streets = [s.short_name for s in city.streets]
    fadz, jyaq, sspcs = [], [], []
    for i, incident in enumerate(records.incident.tolist()):
        room, level = int(incidents.room[incident]), int(incidents.level[incident])
        address = world.addresses.formal(room, level)
        reporter = people.name[int(records.people[i, 0])]
        outcome = OUTCOMES[int(draws[i] * len(OUTCOMES))]
        fadz.append(address)
        jyaq.append(
            f"{spoken_time(stamps[i])}，报警人{reporter}报警称：{world.phrases[incident]}，地点：{address}。{outcome}。"
        )
        street = streets[city.community_street[city.room_community[room]]]
        sspcs.append(f"{street}派出所")
    return {
        "jjdbh": pa.array(records.record_ids, pa.string()),
        "bjsj": pa.array(stamps, pa.string()),
        "jqlbdm": pa.array([c for c, _ in codes], pa.string()),
        "jqlbmc": pa.array([n for _, n in codes], pa.string()),
        "fadz": pa.array(fadz, pa.string()),
        "jyaq": pa.array(jyaq, pa.string()),
        "sspcs": pa.array(sspcs, pa.string()),
    }


def render_police_incidents(
    world: World, records: SourceRecords, book: CodeBook, rng: np.random.Generator
) -> tuple[pa.Table, np.ndarray]:
    """Return the incident versions and each record's deletion time (-1: kept)."""
    flow = FLOWS["police"]
    payload = _incident_payload(world, records, book, rng)
    if world.noise is not None and world.noise.active:
        noise = world.noise.of("police")
        time_field(noise, payload, "bjsj")
        rooms = world.incidents.room[records.incident]
        places = Places(rooms, world.incidents.level[records.incident], world.city.room_community)
        address_field(noise, payload, "fadz", world.addresses, places)
        codes = payload["jqlbdm"].to_pylist()
        payload["jqlbmc"] = pa.array(
            department_labels(noise, "police", book, codes, records.reported_at), pa.string()
        )
    versions = build_versions(rng, flow, records.reported_at, world.history.end_s, handled=records.handled)
    table = versioned(payload, versions, "clzt", flow.statuses)
    return table.select(list(INCIDENT_COLUMNS)), versions.deleted_at


def render_police_persons(
    world: World, records: SourceRecords, deleted_at: np.ndarray, rng: np.random.Generator
) -> pa.Table:
    """Return the person-row versions: one row per person named in each incident."""
    record, slot = np.nonzero(records.people >= 0)
    person = records.people[record, slot]
    role = records.roles[record, slot]
    people, residences = world.people, world.residences
    entered = records.reported_at[record] + rng.integers(5 * MINUTE, 40 * MINUTE, len(record))
    created = np.minimum(entered, world.history.end_s)
    homes = residences.room_at(person, created)
    draws = rng.random((len(record), 4))
    sfzh, wrong, phones, addresses = [], [], [], []
    for i, (p, home) in enumerate(zip(person.tolist(), homes.tolist(), strict=True)):
        number = lower_x(people.id_number[p], draws[i, 0], 0.2)
        sfzh.append(number)
        wrong.append(mistyped_digit(number, draws[i, 1]))
        phones.append(phone_of(world, p, draws[i, 2] < 0.05))
        addresses.append(world.addresses.formal(home))
    jjdbh = [records.record_ids[r] for r in record.tolist()]
    payload = {
        "rybh": pa.array(
            [f"R{j[1:]}{s + 1:02d}" for j, s in zip(jjdbh, slot.tolist(), strict=True)], pa.string()
        ),
        "jjdbh": pa.array(jjdbh, pa.string()),
        "xm": pa.array([people.name[p] for p in person.tolist()], pa.string()),
        "xbdm": pa.array(np.where(people.female[person], "2", "1").tolist(), pa.string()),
        "csrq": pa.array(compact_dates(people.birth[person]), pa.string()),
        "sfzh": pa.array(sfzh, pa.string()),
        "lxdh": pa.array(phones, pa.string()),
        "rylx": pa.array([ROLE_CODES[ROLES[r]] for r in role.tolist()], pa.string()),
        "xzz": pa.array(addresses, pa.string()),
    }
    if world.noise is not None and world.noise.active:
        noise = world.noise.of("police")
        people_fields(noise, payload, "xm", "lxdh", "sfzh")
        date_field(noise, payload, "csrq", birth=True)
        places = Places(homes, np.full(len(homes), ROOM), world.city.room_community)
        address_field(noise, payload, "xzz", world.addresses, places)
    versions = build_versions(
        rng, FLOWS["police_persons"], created, world.history.end_s, deleted_at=deleted_at[record]
    )
    table = versioned(payload, versions, None, (), {"sfzh": pa.array(wrong, pa.string())})
    return table.select(list(PERSON_COLUMNS))
