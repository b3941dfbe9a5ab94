"""Failure classes of real department data, written by hand: each pair of mentions of one person
carries one slip the normalisers cannot undo, and must still resolve as one person; a look-alike
stranger beside each must not join. The background town gives the model data to learn from."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from entity_resolution.people import PeopleResolution, resolve_people
from normalize.id_number import make_id_number

COLUMNS = ["record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address"]
LUO = make_id_number("500106", dt.date(1976, 8, 14), 219, "M")
LUO_SLIPPED = LUO[:9] + str((int(LUO[9]) + 3) % 10) + LUO[10:]  # one digit miskeyed: the check fails
QIN = make_id_number("500106", dt.date(1983, 11, 2), 408, "F")
QIN_SLIPPED = make_id_number("500107", dt.date(1983, 11, 2), 408, "F")  # region miskeyed, check recomputed
STRANGER = make_id_number("500106", dt.date(1983, 11, 2), 410, "F")  # same birthday, another woman
WEN = make_id_number("500103", dt.date(1965, 4, 25), 831, "M")
WEN_TWICE = make_id_number("500113", dt.date(1965, 4, 25), 871, "M")  # region and sequence miskeyed
WEN_TWIN = make_id_number("500103", dt.date(1965, 4, 25), 833, "M")  # a twin brother: next number

CASES: list[dict[str, object]] = [
    # a digit slip in an ID number, nothing else shared but the name
    {"record_id": "id:a", "source": "police", "name": "骆振宇", "id_number": LUO, "gender": "1"},
    {"record_id": "id:b", "source": "grid", "name": "骆振宇", "id_number": LUO_SLIPPED},
    # a slip in the region that still passes the check digit
    {"record_id": "idv:a", "source": "police", "name": "覃晓梅", "id_number": QIN, "phone": "13512340987"},
    {"record_id": "idv:b", "source": "petitions", "name": "覃晓梅", "id_number": QIN_SLIPPED},
    {"record_id": "idv:stranger", "source": "police", "name": "覃晓梅", "id_number": STRANGER},
    # two slips in a valid ID number, one in the region and one in the sequence number, the
    # name with a wrong character: the same mobile
    {"record_id": "id2:a", "source": "police", "name": "温新鑫", "id_number": WEN, "phone": "13839667809"},
    {
        "record_id": "id2:b",
        "source": "grid",
        "name": "温新琪",
        "id_number": WEN_TWICE,
        "phone": "13839667809",
    },
    {"record_id": "id2:twin", "source": "police", "name": "温新宇", "id_number": WEN_TWIN},
    # transposed phone digits
    {"record_id": "ph:a", "source": "hotline", "name": "蒲冬青", "phone": "13983541276", "address": "沙坪坝"},
    {"record_id": "ph:b", "source": "grid", "name": "蒲冬青", "phone": "13983542176"},
    # a non-homophone typo (陈 keyed as 阵), same mobile
    {"record_id": "ty:a", "source": "grid", "name": "陈嘉鑫", "phone": "15823016645"},
    {"record_id": "ty:b", "source": "hotline", "name": "阵嘉鑫", "phone": "15823016645"},
    # a dropped character, same ID
    {
        "record_id": "dr:a",
        "source": "police",
        "name": "宋俊楠",
        "id_number": make_id_number("500106", dt.date(1991, 1, 9), 35, "M"),
    },
    {
        "record_id": "dr:b",
        "source": "petitions",
        "name": "宋俊",
        "id_number": make_id_number("500106", dt.date(1991, 1, 9), 35, "M"),
    },
    # day and month swapped, same room
    {
        "record_id": "dm:a",
        "source": "police",
        "name": "母学敏",
        "birth_date": "1979-04-11",
        "gender": "2",
        "address": "重庆市沙坪坝区香榭新城7栋1单元1102",
    },
    {
        "record_id": "dm:b",
        "source": "petitions",
        "name": "母学敏",
        "birth_date": "1979-11-04",
        "gender": "女",
        "address": "沙坪坝香榭新城7-1-1102",
    },
    # Latin names: a transliterated name with a typo, a foreign name with its parts swapped
    {
        "record_id": "la:a",
        "source": "police",
        "name": "NGUYEN VAN THANH",
        "birth_date": "1988-02-17",
        "id_number": "C4821937",
    },
    {"record_id": "la:b", "source": "hotline", "name": "NGUYEN VAN THAHN", "birth_date": "1988-02-17"},
    {
        "record_id": "la:other",
        "source": "police",
        "name": "NGUYEN VAN TRUNG",
        "birth_date": "1988-02-17",
        "id_number": "C5530021",
    },
    {
        "record_id": "lt:a",
        "source": "police",
        "name": "ABDUREHIM TURSUN",
        "birth_date": "1969-12-30",
        "phone": "18623330912",
    },
    {"record_id": "lt:b", "source": "grid", "name": "TURSUN ABDUREHIM", "phone": "18623330912"},
]


@pytest.fixture(scope="module")
def resolved(background: tuple[pd.DataFrame, pd.DataFrame]) -> PeopleResolution:
    extra = pd.DataFrame([{c: case.get(c) for c in COLUMNS} for case in CASES])
    return resolve_people(pd.concat([background[0], extra], ignore_index=True))


def same(resolution: PeopleResolution, a: str, b: str) -> bool:
    person = resolution.assignments.set_index("record_id")["person_id"]
    return bool(person[a] == person[b])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("id:a", "id:b"),
        ("idv:a", "idv:b"),
        ("id2:a", "id2:b"),
        ("ph:a", "ph:b"),
        ("ty:a", "ty:b"),
        ("dr:a", "dr:b"),
        ("dm:a", "dm:b"),
        ("la:a", "la:b"),
        ("lt:a", "lt:b"),
    ],
    ids=[
        "id digit slip",
        "valid id slip",
        "valid id, two slips",
        "phone transposed",
        "typo",
        "dropped character",
        "day month swap",
        "latin typo",
        "latin parts swapped",
    ],
)
def test_one_slip_keeps_one_person(resolved: PeopleResolution, a: str, b: str) -> None:
    assert same(resolved, a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("idv:a", "idv:stranger"), ("id2:a", "id2:twin"), ("la:a", "la:other")],
    ids=[
        "same name and birthday, another sequence number",
        "a twin: the next sequence number, another given name",
        "another given name",
    ],
)
def test_a_look_alike_stays_apart(resolved: PeopleResolution, a: str, b: str) -> None:
    assert not same(resolved, a, b)
