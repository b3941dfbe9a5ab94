"""/stats, /stats/hotspots, /alerts and the /alerts/stream server-sent events, cut to each role."""

from __future__ import annotations

import json

import pytest

from cityhub.stats.query import StatsFilter, StatsQuery


@pytest.fixture(scope="module")
def query(warehouse):
    return StatsQuery(warehouse)


def _by_source(client, header, **params):
    answer = client.get("/stats", params={"by": "source", "limit": 10, **params}, headers=header)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_statistics_count_only_the_sources_a_role_reads(client, headers, query):
    everything = query.counts(["source"], StatsFilter()).set_index("source")["events"].to_dict()
    police = _by_source(client, headers["police"])
    leader = _by_source(client, headers["leader"])
    assert police["as_of"] and {i["source"]: i["events"] for i in police["items"]} == {
        s: n for s, n in everything.items() if s in ("hotline", "grid", "police")
    }
    assert {i["source"] for i in leader["items"]} == {"hotline", "grid", "petitions"} & set(everything)


def test_an_area_limited_role_counts_its_district_only(client, headers, query):
    district = query.district_ids(["沙坪坝区"])
    mine = query.counts([], StatsFilter(sources=("hotline", "grid"), districts=district))["events"].iloc[0]
    answer = client.get("/stats", params={"by": "district"}, headers=headers["street_staff"]).json()
    assert [i["district_id"] for i in answer["items"]] == list(district)
    assert answer["items"][0]["events"] == mine > 0 and answer["items"][0]["district_name"]


def test_the_auditor_gets_no_statistics_and_a_comparison_needs_a_range(client, headers):
    assert client.get("/stats", headers=headers["auditor"]).status_code == 403
    assert client.get("/stats", params={"compare": True}, headers=headers["leader"]).status_code == 422
    answer = client.get(
        "/stats",
        params={"compare": True, "from": "2026-08-01", "to": "2026-08-31"},
        headers=headers["leader"],
    ).json()
    assert {"events_mom", "events_yoy", "completion_rate"} <= set(answer["items"][0])


def test_hot_spot_people_need_a_purpose_and_are_audited(client, headers, hub):
    assert (
        client.get("/stats/hotspots", params={"kind": "person"}, headers=headers["police"]).status_code == 422
    )
    answer = client.get(
        "/stats/hotspots",
        params={"kind": "person", "purpose": "case_handling"},
        headers=headers["petitions_office"],
    )
    items = answer.json()["items"]
    assert answer.status_code == 200 and items and all(i["cases"] >= 2 for i in items)
    assert all(
        i.get("id_number") in (None, "") or "*" in i["id_number"] for i in items
    )  # masked for the role
    last = json.loads((hub.home / "audit.jsonl").read_text("utf-8").splitlines()[-1])
    assert last["route"] == "/stats/hotspots" and last["entities"][: len(items)] == [
        i["entity_id"] for i in items
    ]


def test_alerts_page_after_since_and_person_alerts_need_a_purpose(client, headers):
    police = headers["police"]
    first = client.get("/alerts", params={"limit": 5}, headers=police).json()
    assert first["as_of"] and first["total"] > 5 and len(first["items"]) == 5
    assert all(a["subject_kind"] != "person" for a in first["items"])
    rest = client.get("/alerts", params={"since": first["next_since"], "limit": 100}, headers=police).json()
    assert rest["total"] == first["total"] - 5
    assert not {a["alert_id"] for a in first["items"]} & {a["alert_id"] for a in rest["items"]}
    people = client.get(
        "/alerts", params={"kind": "recurring_person", "purpose": "public_security"}, headers=police
    )
    assert people.status_code == 200 and people.json()["total"] > 0
    leader = client.get("/alerts", params={"limit": 100}, headers=headers["leader"]).json()
    assert all("police" not in a["sources"] for a in leader["items"])


def test_the_latest_alerts_are_the_end_of_the_whole_list_in_one_request(client, headers):
    police = headers["police"]
    whole = client.get("/alerts", params={"limit": 100}, headers=police).json()
    items = whole["items"]
    while whole["next_offset"] is not None:
        whole = client.get(
            "/alerts", params={"limit": 100, "offset": whole["next_offset"]}, headers=police
        ).json()
        items += whole["items"]
    latest = client.get("/alerts", params={"latest": 7}, headers=police).json()
    assert len(items) > 7 and [a["alert_id"] for a in latest["items"]] == [a["alert_id"] for a in items[-7:]]
    assert latest["next_since"] == f"{items[-1]['updated_at']}|{items[-1]['alert_id']}"
    after = client.get("/alerts", params={"since": latest["next_since"]}, headers=police).json()
    assert after["total"] == 0
    refused = client.get("/alerts", params={"latest": 7, "offset": 5}, headers=police)
    assert refused.status_code == 422 and "latest" in refused.json()["error"]


def test_a_kept_statistics_answer_is_the_count_of_its_own_filter_and_rebuild(query):
    police = StatsFilter(sources=("hotline", "grid", "police"))
    leader = StatsFilter(sources=("hotline", "grid", "petitions"))
    first = query.counts(["source"], police)
    first["events"] = -1  # a caller changing its copy changes nothing kept
    again = query.counts(["source"], police)
    assert (again["events"] >= 0).all() and set(again["source"]) <= {"hotline", "grid", "police"}
    assert set(query.counts(["source"], leader)["source"]) <= {"hotline", "grid", "petitions"}
    kept = len(query._answers)
    query.generation = lambda: ("another rebuild",)  # type: ignore[method-assign]
    try:
        query.counts(["source"], police)
        assert len(query._answers) == kept + 1  # counted again for the new rebuild, not taken from before
    finally:
        del query.generation


def _events(text: str) -> list[dict]:
    """Return the SSE events of a response body as {event, id, data} dicts."""
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":")
        )
        if "data" in fields:
            out.append({**fields, "data": json.loads(fields["data"])})
    return out


def test_the_alert_stream_sends_each_visible_alert_and_resumes_after_the_last_event_id(client, headers):
    police = headers["police"]
    total = client.get("/alerts", params={"limit": 1}, headers=police).json()["total"]
    params = {"max_seconds": 1.0, "poll_seconds": 0.2}
    with client.stream("GET", "/alerts/stream", params=params, headers=police) as answer:
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        events = _events(answer.read().decode())
    assert len(events) == total and {e["event"] for e in events} == {"alert"}
    assert events[-1]["id"] == f"{events[-1]['data']['updated_at']}|{events[-1]['data']['alert_id']}"
    middle = events[len(events) // 2]["id"]
    with client.stream(
        "GET", "/alerts/stream", params=params, headers={**police, "Last-Event-ID": middle}
    ) as again:
        resumed = _events(again.read().decode())
    assert [e["id"] for e in resumed] == [e["id"] for e in events[len(events) // 2 + 1 :]]
