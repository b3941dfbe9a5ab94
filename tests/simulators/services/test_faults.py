import datetime as dt
import time

import httpx

from simulators.services.faults import FaultPlan
from simulators.services.history import ChannelHistory
from simulators.services.runner import DepartmentSystems


def get(systems, **params):
    return httpx.get(
        f"{systems.hotline.url}/api/v1/tickets",
        params={"page_size": 50, **params},
        headers={"Authorization": f"Bearer {systems.hotline_token}"},
        timeout=10,
    )


def test_http_faults_fire_on_the_requests_asked_for(small_city, tmp_path):
    plan = FaultPlan(
        requests={2: "503", 3: "429", 4: "duplicate", 5: "malformed", 6: "timeout"}, stall_seconds=1.0
    )
    with DepartmentSystems(small_city, tmp_path, faults={"hotline": plan}) as systems:
        assert get(systems).status_code == 200
        assert get(systems).status_code == 503
        limited = get(systems)
        assert limited.status_code == 429 and float(limited.headers["Retry-After"]) > 0
        doubled = get(systems).json()["data"]
        assert len(doubled) == 100 and doubled[:50] == doubled[50:]
        broken = get(systems).json()["data"]
        assert "created_at" not in broken[0] and all("created_at" in row for row in broken[1:])
        started = time.monotonic()
        assert get(systems).status_code == 200
        assert time.monotonic() - started >= 1.0
        assert get(systems).status_code == 200
    assert [fault for _, fault in plan.fired] == ["503", "429", "duplicate", "malformed", "timeout"]


def test_grid_duplicate_page_comes_again_without_losing_the_rest(small_city, tmp_path):
    plan = FaultPlan(requests={2: "duplicate"})
    with DepartmentSystems(small_city, tmp_path, faults={"grid": plan}) as systems:
        seen, cursor, pages = [], None, 0
        while True:
            answer = httpx.post(
                f"{systems.grid.url}/openapi/v2/events/query",
                json={"cursor": cursor, "limit": 200},
                headers={"X-Api-Key": systems.grid_key},
            ).json()["data"]
            seen += [e["eventNo"] for e in answer["events"]]
            pages += 1
            cursor = answer["nextCursor"]
            if not answer["hasMore"]:
                break
        assert len(seen) > len(set(seen))  # one page came twice
        assert len(set(seen)) == len(systems.histories["grid"].snapshot(systems.clock).frame)


def test_late_updates_appear_after_their_updated_at(small_city):
    late = ChannelHistory.read(
        small_city / "channels/hotline.parquet", "ticket_id", late_delay=dt.timedelta(hours=6), late_every=5
    )
    assert late.late_rows > 0
    frame = late.frame
    row = frame[frame["_visible_at"] > frame["updated_at"]].iloc[-1]
    shown_soon = late.snapshot(row["updated_at"] + dt.timedelta(hours=1)).frame.set_index("ticket_id")
    assert shown_soon.at[row["ticket_id"], "version"] < row["version"]
    shown_later = late.snapshot(row["_visible_at"]).frame.set_index("ticket_id")
    assert shown_later.at[row["ticket_id"], "version"] >= row["version"]
    assert shown_later.at[row["ticket_id"], "updated_at"] <= row["_visible_at"]
