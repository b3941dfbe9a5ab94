"""The 12345 citizen hotline: a call-taker types what she hears.

Names are typed by ear (homophones: 伟/玮/炜), some callers give only 王先生 or stay anonymous;
phones come with +86, spaces or dashes; an ID number is rarely taken; the address is the caller's
own words. A ticket moves 受理 -> 已派遣 -> 办理中 -> 已办结 -> 已回访.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ontology.model import load_ontology
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
    people_fields,
    time_field,
)
from simulators.city.timeline import datetime_strings
from simulators.city.versions import FLOWS, build_versions
from simulators.departments import CodeBook

MISHEARD_P = 0.22
TITLE_ONLY_P = 0.04  # 王先生 / 李女士
ANONYMOUS_P = 0.015
ID_TAKEN_P = 0.05
DEMANDS = ("要求相关部门尽快处理", "希望尽快解决", "请相关部门核实处理", "要求给个说法")
SATISFACTION = ("满意", "满意", "满意", "满意", "满意", "满意", "满意", "基本满意", "基本满意", "不满意")


def caller_name(name: str, draw: float, female: bool) -> str:
    """Return the caller's name as the ticket shows it."""
    if draw < ANONYMOUS_P:
        return "匿名"
    if draw < ANONYMOUS_P + TITLE_ONLY_P and "·" not in name:
        return name[0] + ("女士" if female else "先生")
    if draw < ANONYMOUS_P + TITLE_ONLY_P + MISHEARD_P:
        return misheard(name, (draw * 7.31) % 1.0)
    return name


def format_phone(number: str, draw: float) -> str:
    """Return a number as a call-taker enters it: 13800138000, +86 138 0013 8000, 138-0013-8000 ..."""
    if not number or not number[0] == "1":
        return number if draw < 0.5 else number.replace("023-", "")
    styles = (
        number,
        number,
        number,
        f"+86 {number[:3]} {number[3:7]} {number[7:]}",
        f"{number[:3]}-{number[3:7]}-{number[7:]}",
        f"+86{number}",
        f"{number[:3]} {number[3:7]} {number[7:]}",
    )
    return styles[int(draw * len(styles))]


FIELDS = (
    "caller_name",
    "caller_phone",
    "caller_id_number",
    "event_address",
    "content",
    "handling_department",
    "satisfaction",
    "wrong_phone",
)


def _handling_departments(world: World, rooms: np.ndarray, categories: np.ndarray) -> list[str]:
    """Return the district department each ticket is dispatched to (沙坪坝区城市管理局)."""
    taxonomy = load_ontology().taxonomy
    departments = [taxonomy.departments[taxonomy.categories[c].department] for c in world.profiles.codes]
    names = [d.name for d in world.city.districts]
    district = world.city.community_district[world.city.room_community[rooms]]
    return [names[d] + departments[c] for d, c in zip(district.tolist(), categories.tolist(), strict=True)]


def _ticket(world: World, person: int, incident: int, d: np.ndarray) -> tuple[str, ...]:
    """Return one ticket's fields in the order of FIELDS (without the department)."""
    people, incidents = world.people, world.incidents
    phone = format_phone(phone_of(world, person, d[1] < 0.08), d[2])
    number = lower_x(people.id_number[person], d[4], 0.3) if d[3] < ID_TAKEN_P else ""
    place = world.addresses.spoken(int(incidents.room[incident]), int(incidents.level[incident]), d[6])
    again = "，此前已多次反映" if incidents.recurrence_of[incident] >= 0 else ""
    content = f"来电人反映：{world.phrases[incident]}{again}，地址：{place}，{DEMANDS[int(d[7] * 4)]}。"
    name = caller_name(people.name[person], d[0], bool(people.female[person]))
    return name, phone, number, place, content, "", SATISFACTION[int(d[8] * 10)], mistyped_digit(phone, d[5])


def _payload(
    world: World, records: SourceRecords, book: CodeBook, rng: np.random.Generator
) -> tuple[dict[str, pa.Array], pa.Array]:
    incidents = world.incidents
    draws = rng.random((len(records), 9))
    codes = choose_codes(rng, book, world.profiles, incidents.category[records.incident])
    pairs = zip(records.people[:, 0].tolist(), records.incident.tolist(), strict=True)
    tickets = [_ticket(world, person, incident, draws[i]) for i, (person, incident) in enumerate(pairs)]
    columns = (
        dict(zip(FIELDS, (list(c) for c in zip(*tickets, strict=True)), strict=True))
        if tickets
        else {f: [] for f in FIELDS}
    )
    columns["handling_department"] = _handling_departments(
        world, incidents.room[records.incident], incidents.category[records.incident]
    )
    payload = {
        "ticket_id": pa.array(records.record_ids, pa.string()),
        "created_at": pa.array(datetime_strings(records.reported_at), pa.string()),
        "category_code": pa.array([c for c, _ in codes], pa.string()),
        "category_name": pa.array([n for _, n in codes], pa.string()),
        **{k: pa.array(columns[k], pa.string()) for k in FIELDS if k != "wrong_phone"},
    }
    return payload, pa.array(columns["wrong_phone"], pa.string())


def _add_noise(world: World, records: SourceRecords, book: CodeBook, payload: dict[str, pa.Array]) -> None:
    """Add the profile's noise to the tickets: typos, time styles, addresses, the hotline's own labels."""
    assert world.noise is not None
    noise = world.noise.of("hotline")
    time_field(noise, payload, "created_at")
    people_fields(noise, payload, "caller_name", "caller_phone", "caller_id_number")
    rooms = world.incidents.room[records.incident]
    places = Places(rooms, world.incidents.level[records.incident], world.city.room_community)
    address_field(noise, payload, "event_address", world.addresses, places)
    codes = payload["category_code"].to_pylist()
    payload["category_name"] = pa.array(
        department_labels(noise, "hotline", book, codes, records.reported_at), pa.string()
    )


def render_hotline(
    world: World, records: SourceRecords, book: CodeBook, rng: np.random.Generator
) -> pa.Table:
    """Return the hotline's ticket versions (simulators/README.md, channel `hotline`)."""
    flow = FLOWS["hotline"]
    payload, wrong_phone = _payload(world, records, book, rng)
    if world.noise is not None and world.noise.active:
        _add_noise(world, records, book, payload)
    versions = build_versions(rng, flow, records.reported_at, world.history.end_s, handled=records.handled)
    table = versioned(payload, versions, "status", flow.statuses, {"caller_phone": wrong_phone})
    # the department is named once the ticket is dispatched; satisfaction once the caller is called back
    status = np.asarray(versions.status)
    table = table.set_column(
        table.schema.get_field_index("handling_department"),
        "handling_department",
        pa.array(
            np.where(status >= 1, table["handling_department"].to_numpy(zero_copy_only=False), ""),
            pa.string(),
        ),
    )
    table = table.set_column(
        table.schema.get_field_index("satisfaction"),
        "satisfaction",
        pa.array(
            np.where(status == 4, table["satisfaction"].to_numpy(zero_copy_only=False), ""), pa.string()
        ),
    )
    return _ordered(table)


COLUMNS = (
    "ticket_id",
    "created_at",
    "caller_name",
    "caller_phone",
    "caller_id_number",
    "event_address",
    "category_code",
    "category_name",
    "content",
    "status",
    "handling_department",
    "satisfaction",
    "version",
    "updated_at",
    "deleted",
)


def _ordered(table: pa.Table) -> pa.Table:
    return table.select(list(COLUMNS))
