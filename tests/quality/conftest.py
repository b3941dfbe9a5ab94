"""Fixtures of the quality tests: canonical rows as connectors hand them to the gate.

`person_row` and `event_row` give a clean row, to be spoiled one field at a time by keyword.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from normalize.id_number import make_id_number

Row = dict[str, Any]
VALID_ID = make_id_number("510103", dt.date(1990, 3, 7), 123, "M")  # 510103199003071230: Chengdu, 1990-03-07


def _person_row(number: int = 1, **changes: Any) -> Row:
    record = f"JJ2026112000{number:03d}"
    row = {
        "source": "police",
        "_raw_id": record,
        "mention_id": f"{record}#0",
        "record_id": record,
        "role": "suspect",
        "name": "张伟",
        "id_number": VALID_ID,
        "phone": "+86 138-1234-5678",
        "birth_date": dt.date(1990, 3, 7),
        "gender": "M",
        "address": "重庆市沙坪坝区聚龙城3栋2单元501",
        "updated_at": dt.datetime(2026, 11, 20, 9, 30),
        "deleted": False,
        "batch_id": "police-20261120-01",
    }
    return {**row, **changes}


def _event_row(number: int = 1, **changes: Any) -> Row:
    record = f"RX2026112000{number:03d}"
    row = {
        "source": "hotline",
        "_raw_id": record,
        "record_id": record,
        "category": "neighbour_dispute.noise",
        "source_category_code": "0101",
        "occurred_at": dt.datetime(2026, 11, 19, 22, 15),
        "reported_at": dt.datetime(2026, 11, 19, 22, 20),
        "status": "dispatched",
        "description": "楼上深夜装修噪音扰民",
        "address": "沙坪坝聚龙城三栋二单元501室",
        "handling_department": "沙坪坝区司法局（人民调解）",
        "satisfaction": None,
        "updated_at": dt.datetime(2026, 11, 20, 8, 0),
        "deleted": False,
        "batch_id": "hotline-20261120-01",
    }
    return {**row, **changes}


@pytest.fixture(scope="module")
def person_row() -> Callable[..., Row]:
    """Return a maker of clean PersonMention rows of police record JJ2026112000<number>."""
    return _person_row


@pytest.fixture(scope="module")
def event_row() -> Callable[..., Row]:
    """Return a maker of clean EventRecord rows of hotline record RX2026112000<number>."""
    return _event_row
