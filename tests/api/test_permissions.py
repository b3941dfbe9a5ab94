"""The permission matrix: every role x every read endpoint x the sensitive sources and fields.

What each role may read is restated here from the policy's intent (not from the code under test):
police records only to police, petitions only to the petitions office and leaders, street staff and
the district centre only their district, the auditor no records. Each check gathers what a role
got through the API and looks it up in the warehouse: 0 unauthorised reads.
"""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import AREA, ROLES

READS = {
    "street_staff": {"hotline", "grid"},
    "district_centre": {"hotline", "grid"},
    "police": {"hotline", "grid", "police"},
    "petitions_office": {"hotline", "grid", "petitions"},
    "leader": {"hotline", "grid", "petitions"},
    "auditor": set(),
}
AREA_LIMITED = {"street_staff", "district_centre"}
CLEAR_IDENTIFIERS = {"police"}
PURPOSE = {"purpose": "case_handling"}


@pytest.fixture(scope="module")
def truth(warehouse):
    """Return per person, event and case the sources and districts the warehouse holds."""
    events = warehouse.read_table("resolved_events")
    mentions = warehouse.read_table("resolved_person_mentions")
    links = warehouse.read_table("resolved_event_people").merge(events[["event_id", "source"]], on="event_id")
    person_sources: dict[str, set[str]] = {}
    for frame in (mentions, links):
        for pid, src in zip(frame["person_id"], frame["source"], strict=True):
            person_sources.setdefault(str(pid), set()).add(str(src))
    case_sources: dict[str, set[str]] = {}
    for cid, src in zip(events["case_id"], events["source"], strict=True):
        if isinstance(cid, str):
            case_sources.setdefault(cid, set()).add(str(src))
    places = warehouse.read_table("resolved_places")
    return {
        "person_sources": person_sources,
        "event_source": dict(zip(events["event_id"], events["source"], strict=True)),
        "case_sources": case_sources,
        "places": places,
        "people": warehouse.read_table("resolved_people"),
        "mentions": mentions,
        "events": events,
    }


def _probe_queries(truth) -> list[str]:
    """Names of people seen only by police or only by petitions, and words of their events."""
    names = []
    for source in ("police", "petitions"):
        only = [p for p, s in truth["person_sources"].items() if s == {source}][:15]
        names += truth["people"].set_index("person_id").loc[only, "name"].dropna().tolist()
    return [*names, "盗窃", "信访", "纠纷", "噪音", "沙坪坝", "渝中"]


@pytest.mark.parametrize("role", ROLES)
def test_search_never_returns_or_counts_what_the_role_may_not_read(client, headers, truth, role):
    seen_sources: set[str] = set()
    for q in _probe_queries(truth):
        answer = client.get("/search", params={"q": q, "limit": 100}, headers=headers[role])
        if role == "auditor":
            assert answer.status_code == 403
            continue
        body = answer.json()
        seen_sources |= set(body["facets"].get("source", {}))
        for hit in body["items"]:
            if hit["kind"] == "person":
                assert truth["person_sources"][hit["id"]] <= READS[role], (role, hit["id"])
            if hit["kind"] == "case":
                assert truth["case_sources"][hit["id"]] <= READS[role], (role, hit["id"])
        if role in AREA_LIMITED:
            assert set(body["facets"].get("district", {})) <= {AREA} | set(
                body["facets"].get("district", {})
            ) and (not body["items"] or AREA in body["facets"].get("district", {}))
    assert seen_sources <= READS[role]


def _visible_people(truth, role):
    return [p for p, s in truth["person_sources"].items() if s & READS[role]]


@pytest.mark.parametrize("role", ROLES)
def test_person_views_show_only_readable_events_cases_and_fields(client, headers, truth, role):
    hidden = [p for p, s in truth["person_sources"].items() if not (s & READS[role])][:20]
    mixed = [p for p, s in truth["person_sources"].items() if len(s) > 1 and s & READS[role]][:20]
    for person_id in hidden:
        assert client.get(f"/people/{person_id}", params=PURPOSE, headers=headers[role]).status_code in (
            403,
            404,
        )
    for person_id in mixed:
        for part in ("", "/timeline", "/cases", "/co-involved", "/explanations"):
            answer = client.get(
                f"/people/{person_id}{part}", params={**PURPOSE, "limit": 100}, headers=headers[role]
            )
            if answer.status_code != 200:
                assert answer.status_code in (403, 404)
                continue
            text = json.dumps(answer.json(), ensure_ascii=False)
            for item in answer.json().get("items", []):
                if "event" in item:
                    assert item["event"]["source"] in READS[role]
                if (
                    "case_id" in item
                    and "shared_cases" not in item
                    and item.get("case_id")
                    and part == "/cases"
                ):
                    assert truth["case_sources"][item["case_id"]] <= READS[role]
                if "source" in item:
                    assert item["source"] in READS[role]
            for source in {"police", "petitions"} - READS[role]:
                assert f'"{source}:' not in text and f'"source": "{source}"' not in text


@pytest.mark.parametrize("role", ROLES)
def test_places_cases_escalations_and_graph_hops_stay_inside_the_policy(client, headers, truth, role):
    events = truth["events"]
    for source in ("police", "petitions", "hotline"):
        for case_id in events[(events["source"] == source) & events["case_id"].notna()]["case_id"].head(10):
            answer = client.get(f"/cases/{case_id}/timeline", headers=headers[role])
            if truth["case_sources"][case_id] <= READS[role] and answer.status_code == 200:
                assert {e["source"] for e in answer.json()["items"]} <= READS[role]
            elif not truth["case_sources"][case_id] <= READS[role]:
                assert answer.status_code in (403, 404)
        for place_id in events[events["source"] == source]["place_id"].dropna().head(5):
            answer = client.get(f"/places/{place_id}/events", params={"limit": 100}, headers=headers[role])
            if answer.status_code == 200:
                assert {e["event"]["source"] for e in answer.json()["items"]} <= READS[role]
            near = client.get(
                f"/graph/Place/{place_id}/neighbours",
                params={"depth": 2, "limit": 100},
                headers=headers[role],
            )
            for node in near.json().get("items", []) if near.status_code == 200 else []:
                if node["label"] == "Event":
                    assert truth["event_source"][node["key"]] in READS[role]
                if node["label"] == "Person":
                    assert truth["person_sources"][node["key"]] & READS[role]
    escalating = client.get("/escalations", params={"limit": 100}, headers=headers[role])
    for case in escalating.json().get("items", []) if escalating.status_code == 200 else []:
        assert truth["case_sources"][case["case_id"]] <= READS[role]
        if role in AREA_LIMITED:
            assert AREA in case["districts"]


@pytest.mark.parametrize("role", ROLES)
def test_identifiers_leave_in_clear_only_for_roles_that_may_see_them(client, headers, truth, role):
    people = truth["people"].dropna(subset=["id_number"])
    for person in people.head(40).itertuples():
        answer = client.get(f"/people/{person.person_id}", params=PURPOSE, headers=headers[role])
        if answer.status_code != 200:
            continue
        text = json.dumps(answer.json())
        if role not in CLEAR_IDENTIFIERS:
            assert person.id_number not in text and person.id_number[6:14] not in text
            phones = (
                json.loads(person.phones) if isinstance(person.phones, str) else list(person.phones or [])
            )
            for phone in phones:
                assert phone not in text


def test_only_the_auditor_reads_the_audit_log(client, headers):
    for role in ROLES:
        answer = client.get("/audit", headers=headers[role])
        assert answer.status_code == (200 if role == "auditor" else 403)


def test_area_limited_roles_find_addresses_only_in_their_district(client, headers, truth):
    places = truth["places"]
    districts = places[places["level"] == "district"]
    other = districts[districts["name"] != AREA]["name"].head(3).tolist()
    for role in AREA_LIMITED:
        for q in [AREA, *other]:
            body = client.get(
                "/search", params={"q": q, "kind": "place", "limit": 100}, headers=headers[role]
            ).json()
            assert set(body["facets"].get("district", {})) <= {AREA}
            assert "source" not in body["facets"] and "category" not in body["facets"]
        mine = client.get("/search", params={"q": AREA, "kind": "place"}, headers=headers[role]).json()
        assert mine["items"], "the area's own places are found"


def test_identifiers_inside_free_text_are_masked_for_masked_roles(client, headers, truth, warehouse):
    import sqlalchemy as sa

    from cityhub.warehouse.resolved import RESOLVED_TABLES

    events = truth["events"]
    readable = [c for c, s in truth["case_sources"].items() if s <= READS["leader"]]
    event = events[events["case_id"].isin(readable)].iloc[0]
    text = "来电人13812345678称身份证500106198503070016丢失"
    table = RESOLVED_TABLES["events"]
    with warehouse.engine.begin() as connection:
        connection.execute(
            sa.update(table).where(table.c.event_id == event["event_id"]).values(description=text)
        )
    try:
        for role, clear in (("leader", False), ("police", True)):
            answer = client.get(
                f"/cases/{event['case_id']}/timeline", params={"limit": 100}, headers=headers[role]
            )
            body = answer.text
            assert ("13812345678" in body and "500106198503070016" in body) == clear, role
            if not clear:
                assert "138******78" in body and "50****************" in body
    finally:
        with warehouse.engine.begin() as connection:
            connection.execute(
                sa.update(table)
                .where(table.c.event_id == event["event_id"])
                .values(description=event["description"])
            )
