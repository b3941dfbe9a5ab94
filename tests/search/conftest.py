"""A small hand-made set of resolved tables, and search indices on every backend.

`make_index` gives a fresh, empty index on the backend the test is parametrised with (the
embedded one in a temp folder; Elasticsearch from the session's real server, under a prefix of
its own that is deleted afterwards), so tests never see each other's documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from search import open_index
from search.base import SearchIndex
from search.documents import case_documents, person_documents, place_documents

BACKENDS = ["embedded", pytest.param("elasticsearch", marks=pytest.mark.servers)]
CITY_CODE = "500100"  # the simulated city, and the hand-made documents' city: Chongqing

ID_ZHANG_WEI = "50010619900307157X"  # its old 15-digit form is 500106900307157
ID_OUYANG = "500103198506293429"
ROOM_501 = "500106001001-E01-B03-U2-R0501"
ROOM_502 = "500106001001-E01-B03-U2-R0502"
ROOM_101 = "500103001001-E01-B01-U1-R0101"
JULONG = "重庆市沙坪坝区回龙坝镇聚龙城社区聚龙城"
RAILWAY = "重庆市渝中区七星岗街道临华路社区铁路宿舍"


def resolved_tables() -> dict[str, pd.DataFrame]:
    """Return resolved tables of five people, five places, three events and two cases."""
    people = pd.DataFrame(
        {
            "person_id": ["P1", "P2", "P3", "P4", "P5"],
            "name": ["张伟", "张玮", "李伟", "欧阳娜娜", "王芳"],
            "id_number": [ID_ZHANG_WEI, None, None, ID_OUYANG, None],
            "phones": [["13812345678"], ["023-62192019"], [], ["15987654321", "023-62192019"], None],
            "addresses": [
                [f"{JULONG}3栋2单元501"],
                [f"{RAILWAY}1栋1单元101"],
                [],
                [f"{RAILWAY}1栋1单元101"],
                [],
            ],
            "last_seen": pd.to_datetime(["2026-05-01", "2026-02-10", None, "2026-02-10", None]),
        }
    )
    places = pd.DataFrame(
        {
            "place_id": ["500106", "500106001001-E01", ROOM_501, ROOM_502, ROOM_101],
            "level": ["district", "estate", "room", "room", "room"],
            "name": ["沙坪坝区", "聚龙城", "501", "502", "101"],
            "full_address": [
                "重庆市沙坪坝区",
                JULONG,
                f"{JULONG}3栋2单元501",
                f"{JULONG}3栋2单元502",
                f"{RAILWAY}1栋1单元101",
            ],
            "parent_id": [
                None,
                "500106001001",
                "500106001001-E01-B03-U2",
                "500106001001-E01-B03-U2",
                "500103001001-E01-B01-U1",
            ],
        }
    )
    events = pd.DataFrame(
        {
            "event_id": ["hotline:RX1", "police:J1", "grid:SJ1"],
            "source": ["hotline", "police", "grid"],
            "record_id": ["RX1", "J1", "SJ1"],
            "category": ["neighbour_dispute.noise", "neighbour_dispute.noise", "city_appearance.garbage"],
            "occurred_at": pd.to_datetime(["2026-04-30 20:00", "2026-05-01 22:00", "2026-02-10 09:00"]),
            "description": ["楼上装修噪音扰民", "邻居噪音纠纷报警", "楼道垃圾无人清运"],
            "address": [
                "沙坪坝聚龙城三栋二单元501室",
                "重庆市沙坪坝区聚龙城3幢2单元501号",
                "铁路宿舍1-1-101",
            ],
            "place_id": [ROOM_501, ROOM_501, ROOM_101],
            "case_id": ["C1", "C1", "C2"],
        }
    )
    event_people = pd.DataFrame(
        {
            "event_id": ["hotline:RX1", "police:J1", "grid:SJ1"],
            "person_id": ["P1", "P1", "P2"],
            "role": ["caller", "party", "party"],
        }
    )
    mentions = pd.DataFrame({"source": ["hotline", "police", "grid"], "person_id": ["P1", "P1", "P2"]})
    cases = pd.DataFrame(
        {
            "case_id": ["C1", "C2"],
            "category": ["neighbour_dispute.noise", "city_appearance.garbage"],
            "opened_at": pd.to_datetime(["2026-04-30 20:00", "2026-02-10 09:00"]),
            "last_activity_at": pd.to_datetime(["2026-05-01 22:00", "2026-02-10 09:00"]),
            "escalating": [True, False],
            "sources": [["hotline", "police"], ["grid"]],
        }
    )
    return {
        "people": people,
        "places": places,
        "events": events,
        "event_people": event_people,
        "person_mentions": mentions,
        "cases": cases,
    }


def documents(tables: dict[str, pd.DataFrame]) -> dict[str, list]:  # type: ignore[type-arg]
    """Return the documents of each kind built from resolved tables."""
    return {
        "person": list(
            person_documents(
                tables["people"],
                tables["person_mentions"],
                tables["events"],
                tables["event_people"],
                city_code=CITY_CODE,
            )
        ),
        "place": list(place_documents(tables["places"], tables["events"], city_code=CITY_CODE)),
        "case": list(
            case_documents(
                tables["cases"],
                tables["events"],
                tables["event_people"],
                tables["people"],
                city_code=CITY_CODE,
            )
        ),
    }


def _open(backend: str, request: pytest.FixtureRequest, folder: Path) -> SearchIndex:
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    if backend == "embedded":
        return open_index(folder / prefix, prefix, city_code=CITY_CODE)
    return open_index(request.getfixturevalue("elasticsearch_url"), prefix, city_code=CITY_CODE)


def _drop(index: SearchIndex) -> None:
    index.drop()
    index.close()


@pytest.fixture
def make_index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], SearchIndex]]:
    """Return a function that opens a fresh, empty index on a backend; all are dropped afterwards."""
    opened: list[SearchIndex] = []

    def make(backend: str) -> SearchIndex:
        index = _open(backend, request, tmp_path)
        index.ensure_index()
        opened.append(index)
        return index

    yield make
    for index in opened:
        _drop(index)


@pytest.fixture(scope="module", params=BACKENDS)
def loaded_index(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchIndex]:
    """An index on each backend holding the hand-made documents (read-only: tests must not write)."""
    index = _open(request.param, request, tmp_path_factory.mktemp("search"))
    index.ensure_index()
    for kind, docs in documents(resolved_tables()).items():
        index.full_rebuild(kind, docs)
    yield index
    _drop(index)
