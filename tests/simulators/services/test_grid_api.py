import datetime as dt

import httpx
import pytest

from simulators.services.runner import DepartmentSystems, history_end

from .helpers import expected_at


@pytest.fixture()
def systems(small_city, tmp_path):
    clock = history_end(small_city) - dt.timedelta(days=1)
    with DepartmentSystems(small_city, tmp_path, clock=clock) as running:
        yield running


def pull(systems, since: str | None, limit: int = 150) -> tuple[list[dict], int]:
    events, cursor, calls = [], None, 0
    while True:
        body = {"modifiedAfter": since, "cursor": cursor, "limit": limit}
        answer = httpx.post(
            f"{systems.grid.url}/openapi/v2/events/query", json=body, headers={"X-Api-Key": systems.grid_key}
        ).json()
        calls += 1
        events += answer["data"]["events"]
        cursor = answer["data"]["nextCursor"]
        if not answer["data"]["hasMore"]:
            return events, calls


def test_cursor_pages_cover_the_city_once_in_nested_form(systems, small_city):
    events, calls = pull(systems, None)
    expected = expected_at(small_city, "grid", "event_no", systems.clock)
    assert calls > 1
    assert len(events) == len({e["eventNo"] for e in events}) == len(expected)
    sample = events[0]
    assert {"workerId", "name"} <= set(sample["reporter"])
    assert {"address", "lng", "lat"} <= set(sample["location"])
    assert sample["status"]["code"] == expected.at[sample["eventNo"], "status_code"]


def test_modified_after_returns_only_the_days_changes(systems, small_city):
    events, _ = pull(systems, None)
    watermark = max(e["updatedAt"] for e in events).replace(" ", "T")
    systems.advance(systems.clock + dt.timedelta(days=1))
    increment, _ = pull(systems, watermark)
    assert increment and all(e["updatedAt"].replace(" ", "T") > watermark for e in increment)
    union = {e["eventNo"]: e["version"] for e in events}
    union.update({e["eventNo"]: e["version"] for e in increment})
    expected = expected_at(small_city, "grid", "event_no", systems.clock)
    assert union == expected["version"].to_dict()


def test_a_wrong_key_is_refused(systems):
    answer = httpx.post(f"{systems.grid.url}/openapi/v2/events/query", json={}, headers={"X-Api-Key": "x"})
    assert answer.status_code == 401
