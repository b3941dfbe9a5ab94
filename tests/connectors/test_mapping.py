"""Raw rows to canonical events: a category value missing from the code table is read as a label."""

from __future__ import annotations

import pytest

from connectors.mapping import map_stream, stream_frame
from connectors.spec import builtin_sources_dir, load_source


def _row(ticket: str, code: str) -> dict[str, object]:
    return {
        "ticket_id": ticket,
        "created_at": "2026年07月04日 09:10",
        "caller_name": "张玮",
        "caller_phone": "13808312233",
        "caller_id_number": "",
        "event_address": "沙坪坝锦绣花园3栋2单元501",
        "category_code": code,
        "category_name": "",
        "content": "楼上漏水",
        "status": "受理",
        "handling_department": "",
        "satisfaction": "",
        "version": 1,
        "updated_at": "2026-07-04 09:10:00",
        "deleted": False,
    }


@pytest.mark.parametrize(
    ("code", "category", "problem"),
    [
        ("0103", "neighbour_dispute.water_leak", False),  # in the hub's table
        ("房屋渗漏", "neighbour_dispute.water_leak", False),  # a renamed label naming one subcategory
        ("纠纷/邻里纠纷", "other.unclassified", False),  # a coarse label: the catch-all, not an error
        ("7777", None, True),  # names nothing
    ],
)
def test_a_category_missing_from_the_table_is_read_as_a_label(
    code: str, category: str | None, problem: bool
) -> None:
    spec = load_source(builtin_sources_dir() / "hotline.yaml")
    stream = spec.stream("tickets")
    batch = map_stream(spec, stream, stream_frame([_row("T1", code)], stream), "b1")
    assert batch.events["category"].tolist() == [category]
    assert bool(batch.problems.get(0)) == problem


DATETIMES_AS_WRITTEN = [
    "2026-07-04 09:10:00",
    "20260704091000",
    "2026-07-04T09:10:00+08:00",
    "2026-07-04T01:10:00Z",  # another zone: the normaliser converts it
    "2026.07.04 09:10",
    "2026年07月04日 09:10",
    "2026年7月4日9时10分",
    "2026-07-04",
    "20260704",
    "2026-13-04 09:10:00",  # fixed width, but no such month: the normaliser refuses it
    "20260231",
    "1800-07-04 09:10:00",  # a real moment before the years the normaliser reads
    "2026.07.04 24:10",
    "07/04/2026 09:10",
]


def test_datetimes_read_column_wise_are_read_as_the_date_normaliser_reads_each_one():
    created = [
        _row(f"RX{n:03d}", "0101") | {"created_at": value} for n, value in enumerate(DATETIMES_AS_WRITTEN)
    ]
    spec = load_source(builtin_sources_dir() / "hotline.yaml")
    stream = spec.streams[0]
    batch = map_stream(spec, stream, stream_frame(created, stream), "b1")
    readable = batch.events["occurred_at"].notna().tolist()
    assert readable == [True] * 9 + [False] * 5
    assert set(batch.events["occurred_at"].iloc[:9].astype(str)) == {
        "2026-07-04 09:10:00",
        "2026-07-04 00:00:00",
    }
    assert sorted(batch.problems) == list(range(9, 14))
