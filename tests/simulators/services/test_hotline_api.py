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


def pull(systems, since: str | None, page_size: int = 100) -> list[dict]:
    headers = {"Authorization": f"Bearer {systems.hotline_token}"}
    rows, page = [], 1
    while True:
        params = {"page": page, "page_size": page_size, **({"updated_since": since} if since else {})}
        body = httpx.get(f"{systems.hotline.url}/api/v1/tickets", params=params, headers=headers).json()
        rows += body["data"]
        if len(body["data"]) < page_size:
            return rows
        page += 1


def test_serves_exactly_the_tickets_the_city_holds_at_the_clock(systems, small_city):
    rows = pull(systems, None)
    expected = expected_at(small_city, "hotline", "ticket_id", systems.clock)
    assert len(rows) == len({r["ticket_id"] for r in rows}) == len(expected)
    for row in rows[:200]:
        assert row["version"] == expected.at[row["ticket_id"], "version"]
        assert row["caller_name"] == expected.at[row["ticket_id"], "caller_name"]
    stamps = [r["updated_at"] for r in rows]
    assert stamps == sorted(stamps)


def test_an_increment_after_a_day_completes_the_city_without_gaps(systems, small_city):
    first = pull(systems, None)
    watermark = max(r["updated_at"] for r in first).replace(" ", "T")
    systems.advance(systems.clock + dt.timedelta(days=1))
    increment = pull(systems, watermark)
    assert increment, "a day of a city's life changes some tickets"
    assert all(r["updated_at"].replace(" ", "T") > watermark for r in increment)
    latest = {r["ticket_id"]: r for r in first}
    latest.update({r["ticket_id"]: r for r in increment})
    expected = expected_at(small_city, "hotline", "ticket_id", systems.clock)
    assert set(latest) == set(expected.index)
    assert all(latest[t]["version"] == expected.at[t, "version"] for t in expected.index)


def test_deleted_tickets_are_listed_as_deleted(systems, small_city):
    expected = expected_at(small_city, "hotline", "ticket_id", systems.clock)
    deleted = set(expected.index[expected["deleted"]])
    assert deleted, "the city deletes some tickets"
    served = {r["ticket_id"] for r in pull(systems, None, 1000) if r["deleted"]}
    assert served == deleted


def test_a_wrong_token_is_refused(systems):
    answer = httpx.get(f"{systems.hotline.url}/api/v1/tickets", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401
