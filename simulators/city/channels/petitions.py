"""The letters-and-visits office (信访): petition forms, typed in from paper or the web.

Dates are written 1990年3月7日; ID numbers and phones sometimes in full-width digits, some in the
old 15-digit form (people born before 1985); a few forms in traditional characters. A few rows
are malformed on purpose (17-digit ID, impossible date, empty 信访人); truth/records.parquet
names them. A petition goes 登记 -> 受理 -> 办理中 -> 已办结.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from simulators.city.channels.common import (
    SourceRecords,
    World,
    choose_codes,
    full_width,
    mistyped_digit,
    phone_of,
    traditional,
    versioned,
)
from simulators.city.idcards import old_form
from simulators.city.noise.channels import (
    Places,
    address_field,
    date_field,
    people_fields,
    petition_categories,
)
from simulators.city.places import ROOM
from simulators.city.timeline import date_parts, datetime_strings
from simulators.city.versions import FLOWS, build_versions
from simulators.departments import CodeBook

TRADITIONAL_P = 0.06
FULL_WIDTH_P = 0.15
OLD_ID_P = 0.3  # of people born before 1985
MALFORMED_P = 0.01
MALFORMED_REASONS = ("id_number_17_digits", "impossible_birth_date", "empty_petitioner")
FORMS = ("来信", "来访", "来访", "网上信访")
COLUMNS = (
    "信访件编号",
    "登记日期",
    "信访人",
    "性别",
    "身份证号码",
    "出生日期",
    "联系电话",
    "住址",
    "问题发生地",
    "信访形式",
    "问题分类",
    "诉求内容",
    "办理状态",
    "记录状态",
    "version",
    "updated_at",
    "deleted",
)


def chinese_date(year: int, month: int, day: int) -> str:
    """Return 1990年3月7日."""
    return f"{year}年{month}月{day}日"


def _id_on_form(id_number: str, born_before_1985: bool, d: float) -> str:
    number = old_form(id_number) if born_before_1985 and d < OLD_ID_P else id_number
    return full_width(number) if (d * 10) % 1.0 < FULL_WIDTH_P else number


def _request(phrase: str, escalated: bool, recurring: bool) -> str:
    before = (
        "曾多次拨打12345并向网格员反映，问题仍未解决，"
        if escalated
        else "多次反映未果，"
        if recurring
        else ""
    )
    return f"信访人反映：{phrase}，{before}请求有关部门依法处理。"


def malformed_reasons(rng: np.random.Generator, n: int) -> list[str]:
    """Return a malformation reason per record ('' for a well-formed one)."""
    bad = rng.random(n) < MALFORMED_P
    which = rng.integers(0, len(MALFORMED_REASONS), n)
    return [MALFORMED_REASONS[w] if b else "" for b, w in zip(bad.tolist(), which.tolist(), strict=True)]


FIELDS = ("信访人", "身份证号码", "出生日期", "联系电话", "住址", "问题发生地", "诉求内容")


def _form(
    world: World,
    person: int,
    incident: int,
    home: int,
    born: tuple[int, int, int],
    d: np.ndarray,
    reason: str,
) -> dict[str, str]:
    """Return one petition form's personal and request fields, with the form's noise and defects."""
    incidents, addresses = world.incidents, world.addresses
    year, month, day = born
    number = world.people.id_number[person]
    if reason == "id_number_17_digits":
        number = number[:-1]
    else:
        number = _id_on_form(number, year < 1985, d[0])
    phone = phone_of(world, person, d[1] < 0.2)
    fields = {
        "信访人": "" if reason == "empty_petitioner" else world.people.name[person],
        "身份证号码": number,
        "出生日期": chinese_date(year, 13, 40)
        if reason == "impossible_birth_date"
        else chinese_date(year, month, day),
        "联系电话": full_width(phone) if d[2] < FULL_WIDTH_P else phone,
        "住址": addresses.handwritten(home, ROOM, d[3]),
        "问题发生地": addresses.handwritten(
            int(incidents.room[incident]), int(incidents.level[incident]), d[4]
        ),
        "诉求内容": _request(
            world.phrases[incident],
            bool(incidents.escalated[incident]),
            bool(incidents.recurrence_of[incident] >= 0),
        ),
    }
    if d[5] < TRADITIONAL_P:
        for key in ("信访人", "住址", "问题发生地", "诉求内容"):
            fields[key] = traditional(fields[key])
    return fields


def _payload(
    world: World, records: SourceRecords, book: CodeBook, reasons: list[str], rng: np.random.Generator
) -> tuple[dict[str, pa.Array], pa.Array]:
    person = records.people[:, 0]
    year, month, day = (part.tolist() for part in date_parts(world.people.birth[person]))
    homes = world.residences.room_at(person, records.reported_at).tolist()
    codes = choose_codes(rng, book, world.profiles, world.incidents.category[records.incident])
    draws = rng.random((len(records), 7))
    forms = [
        _form(world, p, incident, homes[i], (year[i], month[i], day[i]), draws[i], reasons[i])
        for i, (p, incident) in enumerate(zip(person.tolist(), records.incident.tolist(), strict=True))
    ]
    rows = {key: [form[key] for form in forms] for key in FIELDS}
    wrong_phone = [mistyped_digit(form["联系电话"], draws[i, 6]) for i, form in enumerate(forms)]
    return _columns(world, records, rows, codes, person, rng), pa.array(wrong_phone, pa.string())


def _columns(
    world: World,
    records: SourceRecords,
    rows: dict[str, list[str]],
    codes: list[tuple[str, str]],
    person: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    stamps = datetime_strings(records.reported_at)
    forms = rng.integers(0, len(FORMS), len(records)).tolist()
    return {
        "信访件编号": pa.array(records.record_ids, pa.string()),
        "登记日期": pa.array(
            [chinese_date(int(s[:4]), int(s[5:7]), int(s[8:10])) for s in stamps], pa.string()
        ),
        "信访人": pa.array(rows["信访人"], pa.string()),
        "性别": pa.array(np.where(world.people.female[person], "女", "男").tolist(), pa.string()),
        **{
            key: pa.array(rows[key], pa.string())
            for key in ("身份证号码", "出生日期", "联系电话", "住址", "问题发生地")
        },
        "信访形式": pa.array([FORMS[f] for f in forms], pa.string()),
        "问题分类": pa.array([c for c, _ in codes], pa.string()),
        "诉求内容": pa.array(rows["诉求内容"], pa.string()),
    }


def _add_noise(world: World, records: SourceRecords, book: CodeBook, payload: dict[str, pa.Array]) -> None:
    """Add the profile's noise to the forms: typos, date styles and swaps, addresses, version 2's names."""
    assert world.noise is not None
    noise = world.noise.of("petitions")
    date_field(noise, payload, "登记日期", birth=False)
    people_fields(noise, payload, "信访人", "联系电话", "身份证号码")
    date_field(noise, payload, "出生日期", birth=True)
    homes = world.residences.room_at(records.people[:, 0], records.reported_at)
    communities = world.city.room_community
    address_field(
        noise, payload, "住址", world.addresses, Places(homes, np.full(len(homes), ROOM), communities)
    )
    rooms = world.incidents.room[records.incident]
    places = Places(rooms, world.incidents.level[records.incident], communities)
    address_field(noise, payload, "问题发生地", world.addresses, places)
    codes = payload["问题分类"].to_pylist()
    payload["问题分类"] = pa.array(petition_categories(book, codes, records.reported_at), pa.string())


def render_petitions(
    world: World, records: SourceRecords, book: CodeBook, reasons: list[str], rng: np.random.Generator
) -> pa.Table:
    """Return the petition row versions (simulators/README.md, channel `petitions`)."""
    flow = FLOWS["petitions"]
    payload, wrong_phone = _payload(world, records, book, reasons, rng)
    if world.noise is not None and world.noise.active:
        _add_noise(world, records, book, payload)
    versions = build_versions(rng, flow, records.reported_at, world.history.end_s, handled=records.handled)
    table = versioned(payload, versions, "办理状态", flow.statuses, {"联系电话": wrong_phone})
    table = table.append_column(
        "记录状态", pa.array(np.where(versions.deleted, "已删除", "正常").tolist(), pa.string())
    )
    return table.select(list(COLUMNS))
