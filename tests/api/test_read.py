"""The read API over a resolved small city: search, 360, dossier, case, graph, match, paging, errors."""

import json

PURPOSE = {"purpose": "case_handling"}


def _person_with_id(warehouse, source="hotline"):
    people = warehouse.read_table("resolved_people").dropna(subset=["id_number"])
    mentions = warehouse.read_table("resolved_person_mentions")
    only = set(mentions.groupby("person_id")["source"].agg(set).loc[lambda s: s == {source}].index)
    return people[people["person_id"].isin(only)].iloc[0]


def test_a_person_found_by_name_has_a_paged_360_with_masked_identifiers(client, headers, warehouse):
    person = _person_with_id(warehouse)
    found = client.get(
        "/search", params={"q": person["name"], "kind": "person"}, headers=headers["leader"]
    ).json()
    assert person["person_id"] in [hit["id"] for hit in found["items"]]
    view = client.get(f"/people/{person['person_id']}", params=PURPOSE, headers=headers["leader"]).json()
    assert view["person"]["name"] == person["name"] and view["merged_into"] is None
    assert view["person"]["id_number"] == person["id_number"][:2] + "*" * 16
    assert person["id_number"] not in json.dumps(view)
    timeline = client.get(
        f"/people/{person['person_id']}/timeline", params={**PURPOSE, "limit": 1}, headers=headers["leader"]
    ).json()
    assert len(timeline["items"]) == 1 and timeline["limit"] == 1


def test_a_person_lookup_without_a_purpose_is_refused(client, headers, warehouse):
    person = _person_with_id(warehouse)
    answer = client.get(f"/people/{person['person_id']}", headers=headers["police"])
    assert answer.status_code == 422 and "purpose" in answer.json()["error"]
    answer = client.get(
        f"/people/{person['person_id']}", params={"purpose": "curiosity"}, headers=headers["police"]
    )
    assert answer.status_code == 422
    # the graph's node of the same person is the same lookup
    answer = client.get(f"/graph/Person/{person['person_id']}", headers=headers["police"])
    assert answer.status_code == 422 and "purpose" in answer.json()["error"]
    answer = client.get(f"/graph/Person/{person['person_id']}", params=PURPOSE, headers=headers["police"])
    assert answer.status_code == 200


def test_unknown_ids_are_404_with_one_error_shape(client, headers):
    for path in ("/people/P-unknown", "/places/PL-unknown", "/cases/C-unknown", "/graph/Person/P-unknown"):
        answer = client.get(path, params=PURPOSE, headers=headers["police"])
        assert answer.status_code == 404 and set(answer.json()) == {"error"}
    answer = client.get("/no/such/route", headers=headers["police"])
    assert answer.status_code == 404 and set(answer.json()) == {"error"}


def test_escalations_newest_first_and_case_timeline_in_time_order(client, headers):
    page = client.get("/escalations", params={"limit": 5}, headers=headers["leader"]).json()
    times = [c["last_activity_at"] for c in page["items"]]
    assert times == sorted(times, reverse=True)
    if page["items"]:
        case_id = page["items"][0]["case_id"]
        timeline = client.get(f"/cases/{case_id}/timeline", headers=headers["leader"]).json()["items"]
        assert [e["occurred_at"] for e in timeline] == sorted(e["occurred_at"] for e in timeline)


def test_a_place_dossier_is_paged_and_its_neighbours_are_reachable(client, headers, warehouse):
    events = warehouse.read_table("resolved_events")
    place_id = events[events["source"] == "hotline"]["place_id"].dropna().iloc[0]
    place = client.get(f"/places/{place_id}", headers=headers["police"]).json()
    assert place["place"]["place_id"] == place_id and place["counts"]["events"] >= 1
    listed = client.get(f"/places/{place_id}/events", params={"limit": 1}, headers=headers["police"]).json()
    assert len(listed["items"]) == 1
    near = client.get(f"/graph/Place/{place_id}/neighbours", headers=headers["police"]).json()
    assert near["items"] and all(n["distance"] == 1 for n in near["items"])


def test_a_merged_away_id_answers_where_it_went(client, headers, warehouse):
    import datetime as dt

    import sqlalchemy as sa

    from cityhub.warehouse.resolved import RESOLVED_TABLES

    survivor = _person_with_id(warehouse)["person_id"]
    change = {
        "entity": "person",
        "old_id": "P-merged-away",
        "new_id": survivor,
        "kind": "merge",
        "records": 1,
    }
    with warehouse.engine.begin() as connection:  # what a fusion run writes when two people become one
        connection.execute(
            sa.insert(RESOLVED_TABLES["id_changes"]), [{**change, "at": dt.datetime(2026, 11, 20)}]
        )
    view = client.get("/people/P-merged-away", params=PURPOSE, headers=headers["police"]).json()
    assert view["merged_into"] == survivor and view["person"]["person_id"] == survivor
    assert view["asked_for"] == "P-merged-away"


def test_match_returns_scored_candidates_for_roles_that_may_match_by_phone(client, headers, warehouse):
    mentions = warehouse.read_table("resolved_person_mentions")
    known = mentions[mentions["source"] == "hotline"].dropna(subset=["phone"]).iloc[0]
    body = {"name": known["name"], "phone": known["phone"]}
    answer = client.post("/match", params=PURPOSE, json=body, headers=headers["police"])
    assert answer.json()["items"][0]["person_id"] == known["person_id"]
    refused = client.post("/match", params=PURPOSE, json=body, headers=headers["leader"])
    assert refused.status_code == 403


def test_bad_bodies_are_422_never_500(client, headers):
    for raw in (
        '{"name": NaN}',
        '{"name": "\\ud800"}',
        '{"name": 1e999}',
        "[",
        '{"name": "' + "x" * 100 + '"}',
    ):
        answer = client.post(
            "/match",
            params=PURPOSE,
            content=raw,
            headers={**headers["police"], "Content-Type": "application/json"},
        )
        assert answer.status_code == 422 and set(answer.json()) == {"error"}, raw
    huge = client.post("/match", params=PURPOSE, content="x" * 100_000, headers=headers["police"])
    assert huge.status_code == 413
    assert client.get("/search", params={"q": "张" * 201}, headers=headers["police"]).status_code == 422
    assert client.get("/search", params={"q": "张" * 500}, headers=headers["police"]).status_code == 414


def test_docs_are_served_without_a_cdn(client):
    for path in ("/docs", "/redoc"):
        page = client.get(path).text
        assert "cdn" not in page.lower() and "googleapis" not in page
    assert client.get("/static-docs/swagger-ui-bundle.js").status_code == 200
    assert "/people/{person_id}/timeline" in client.get("/openapi.json").json()["paths"]


def test_health_and_purposes_are_open(client):
    assert client.get("/health").json()["status"] == "ok"
    assert {"code", "label"} <= set(client.get("/purposes").json()["items"][0])
