"""A hand-made resolved city for the graph tests: a few people, a place hierarchy, two cases.

沙坪坝区 D1 > 回龙坝镇 S1 > 聚龙城社区 C1 > 聚龙城 E1 > 3栋 B1 > 2单元 U1 > 501 R1, 502 R2
                                                   > 5栋 B2 > 1单元 U2 > 101 R3
                                       > 锦绣花园 E2 > 1栋 B3 > 201 R4
grids: G1 (B1, B2), G2 (B3)

case K1 (noise between 501 and 502, escalating through all four departments):
    hotline:H1 at R1   P1 caller, P2 party
    grid:G7 at B1      P1 party, P2 party, P5 grid_worker
    police:J3 at R2    P2 suspect, P1 victim
    petitions:X9 at R1 P1 petitioner
case K2 (锦绣花园):
    hotline:H2 at R4   P3 caller, P2 party
    grid:G8 at R4      P1 party
no case: police:J4 at R3 P4 victim;  police:J5 at R2 P7 suspect (P7 is a duplicate of P2)
P6 has no address and no events.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graph.projection import ResolvedTables

ADDRESS_R1 = "重庆市沙坪坝区回龙坝镇聚龙城社区聚龙城3栋2单元501"


def t(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour)


PLACES = [
    # place_id, level, name, full_address, parent_id, grid_id
    ("D1", "district", "沙坪坝区", "重庆市沙坪坝区", None, None),
    ("S1", "street", "回龙坝镇", "重庆市沙坪坝区回龙坝镇", "D1", None),
    ("C1", "community", "聚龙城社区", "重庆市沙坪坝区回龙坝镇聚龙城社区", "S1", None),
    ("E1", "estate", "聚龙城", "重庆市沙坪坝区回龙坝镇聚龙城社区聚龙城", "C1", None),
    ("B1", "building", "3栋", "重庆市沙坪坝区回龙坝镇聚龙城社区聚龙城3栋", "E1", "G1"),
    ("U1", "unit", "2单元", "重庆市沙坪坝区回龙坝镇聚龙城社区聚龙城3栋2单元", "B1", None),
    ("R1", "room", "501", ADDRESS_R1, "U1", None),
    ("R2", "room", "502", "重庆市沙坪坝区回龙坝镇聚龙城社区聚龙城3栋2单元502", "U1", None),
    ("B2", "building", "5栋", "重庆市沙坪坝区回龙坝镇聚龙城社区聚龙城5栋", "E1", "G1"),
    ("U2", "unit", "1单元", "重庆市沙坪坝区回龙坝镇聚龙城社区聚龙城5栋1单元", "B2", None),
    ("R3", "room", "101", "重庆市沙坪坝区回龙坝镇聚龙城社区聚龙城5栋1单元101", "U2", None),
    ("E2", "estate", "锦绣花园", "重庆市沙坪坝区回龙坝镇聚龙城社区锦绣花园", "C1", None),
    ("B3", "building", "1栋", "重庆市沙坪坝区回龙坝镇聚龙城社区锦绣花园1栋", "E2", "G2"),
    ("R4", "room", "201", "重庆市沙坪坝区回龙坝镇聚龙城社区锦绣花园1栋201", "B3", None),
]

PEOPLE = [
    # person_id, name, id_number, gender, birth year, phones, addresses (R1 by its written address)
    ("P1", "张伟", "500106198003071234", "M", 1980, ["13800000001"], [ADDRESS_R1]),
    ("P2", "李娜", "500106198504112345", "F", 1985, ["13800000002"], ["R2"]),
    ("P3", "王芳", None, "F", 1990, [], ["R4"]),
    ("P4", "赵强", None, "M", 1975, ["13800000004"], ["R3"]),
    ("P5", "陈静", None, "F", 1992, [], []),
    ("P6", "刘洋", None, "M", 2001, [], []),
    ("P7", "李娜", None, "F", 1985, [], ["R2"]),
]

EVENTS = [
    # source, record_id, category, day, place_id, case_id, people [(person, role)]
    ("hotline", "H1", "neighbour_dispute.noise", 5, "R1", "K1", [("P1", "caller"), ("P2", "party")]),
    (
        "grid",
        "G7",
        "neighbour_dispute.noise",
        8,
        "B1",
        "K1",
        [("P1", "party"), ("P2", "party"), ("P5", "grid_worker")],
    ),
    ("police", "J3", "neighbour_dispute.noise", 12, "R2", "K1", [("P2", "suspect"), ("P1", "victim")]),
    ("petitions", "X9", "neighbour_dispute.noise", 20, "R1", "K1", [("P1", "petitioner")]),
    ("hotline", "H2", "property_management.property_fee", 6, "R4", "K2", [("P3", "caller"), ("P2", "party")]),
    ("grid", "G8", "property_management.property_fee", 9, "R4", "K2", [("P1", "party")]),
    ("police", "J4", "public_order.theft", 15, "R3", None, [("P4", "victim")]),
    ("police", "J5", "public_order.fight", 16, "R2", None, [("P7", "suspect")]),
]


def _places() -> pd.DataFrame:
    return pd.DataFrame(PLACES, columns=["place_id", "level", "name", "full_address", "parent_id", "grid_id"])


def _people() -> pd.DataFrame:
    rows = [
        {
            "person_id": pid,
            "name": name,
            "name_pinyin": None,
            "id_number": number,
            "gender": gender,
            "birth_date": dt.date(year, 3, 7),
            "phones": phones,
            "addresses": addresses,
            "first_seen": t(1),
            "last_seen": t(25),
        }
        for pid, name, number, gender, year, phones, addresses in PEOPLE
    ]
    return pd.DataFrame(rows)


def _events() -> pd.DataFrame:
    rows = [
        {
            "event_id": f"{source}:{record}",
            "source": source,
            "record_id": record,
            "category": category,
            "occurred_at": t(day),
            "status": "received",
            "description": f"{category} {record}",
            "address": None,
            "place_id": place,
            "case_id": case,
            "updated_at": t(day, 18),
        }
        for source, record, category, day, place, case, _ in EVENTS
    ]
    return pd.DataFrame(rows)


def _event_people() -> pd.DataFrame:
    rows = [
        (f"{source}:{record}", person, role)
        for source, record, _, _, _, _, people in EVENTS
        for person, role in people
    ]
    return pd.DataFrame(rows, columns=["event_id", "person_id", "role"])


def _mentions() -> pd.DataFrame:
    names = {pid: name for pid, name, *_ in PEOPLE}
    rows = []
    for source, record, _, day, _, _, people in EVENTS:
        for n, (person, role) in enumerate(people):
            address = ADDRESS_R1 if person == "P1" and source == "police" else None
            rows.append(
                {
                    "source": source,
                    "mention_id": f"{record}-{n}",
                    "record_id": record,
                    "person_id": person,
                    "role": role,
                    "name": names[person],
                    "id_number": None,
                    "phone": None,
                    "address": address,
                    "updated_at": t(day, 18),
                }
            )
    return pd.DataFrame(rows)


def _cases() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "case_id": "K1",
                "category": "neighbour_dispute.noise",
                "opened_at": t(5),
                "last_activity_at": t(20),
                "escalating": True,
                "escalation_reason": "four departments",
                "sources": ["hotline", "grid", "police", "petitions"],
            },
            {
                "case_id": "K2",
                "category": "property_management.property_fee",
                "opened_at": t(6),
                "last_activity_at": t(9),
                "escalating": False,
                "escalation_reason": None,
                "sources": ["hotline", "grid"],
            },
        ]
    )


def city() -> ResolvedTables:
    """Return the resolved tables of the small city above."""
    grids = pd.DataFrame(
        [("G1", "聚龙城网格1", "C1"), ("G2", "锦绣花园网格", "C1")],
        columns=["grid_id", "name", "community_id"],
    )
    return ResolvedTables(
        people=_people(),
        person_mentions=_mentions(),
        places=_places(),
        grids=grids,
        events=_events(),
        event_people=_event_people(),
        cases=_cases(),
    )


def city_after_merge() -> ResolvedTables:
    """Return the city after resolution merged P7 into P2: P7's rows now name P2, and id_changes says so."""
    before = city()
    people = before.table("people")
    mentions = before.table("person_mentions").replace({"person_id": {"P7": "P2"}})
    involved = before.table("event_people").replace({"person_id": {"P7": "P2"}})
    changes = pd.DataFrame(
        [{"entity": "person", "old_id": "P7", "new_id": "P2", "kind": "merge", "at": t(26)}]
    )
    return ResolvedTables(
        people=people[people["person_id"] != "P7"],
        person_mentions=mentions,
        places=before.places,
        grids=before.grids,
        events=before.events,
        event_people=involved,
        cases=before.cases,
        id_changes=changes,
    )
