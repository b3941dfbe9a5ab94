"""The read API over a resolved small city: search, person 360, dossier, case timeline, match, errors."""

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cityhub.config import Settings
from cityhub.pipeline import fusion
from cityhub.warehouse import Warehouse

KEY = {"X-API-Key": "secret-1"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory, ingested_city_home):
    settings = Settings(home=ingested_city_home, api_keys="officer:secret-1")
    fusion.full_rebuild(settings)
    return settings


@pytest.fixture(scope="module")
def client(hub):
    return TestClient(create_app(hub))


def _first(hub, table, column):
    frame = Warehouse(hub.resolved_warehouse_url()).read_table(table)
    return frame[column].iloc[0]


def test_calls_without_a_valid_key_are_refused_as_json(client):
    for headers in ({}, {"X-API-Key": "wrong"}):
        response = client.get("/search", params={"q": "张"}, headers=headers)
        assert response.status_code == 403 and "X-API-Key" in response.json()["error"]


def test_a_person_found_by_name_has_a_360_with_masked_identifiers(client, hub):
    person = (
        Warehouse(hub.resolved_warehouse_url())
        .read_table("resolved_people")
        .dropna(subset=["id_number"])
        .iloc[0]
    )
    found = client.get("/search", params={"q": person["name"], "kind": "person"}, headers=KEY).json()
    assert person["person_id"] in [hit["id"] for hit in found["hits"]]
    view = client.get(f"/people/{person['person_id']}", headers=KEY).json()
    assert view["person"]["name"] == person["name"] and view["involvements"]
    assert view["person"]["id_number"] != person["id_number"] and "*" in view["person"]["id_number"]
    assert person["id_number"] not in json.dumps(view)


def test_unknown_ids_are_404_with_a_message(client):
    for path in ("/people/P-unknown", "/places/PL-unknown", "/cases/C-unknown"):
        response = client.get(path, headers=KEY)
        assert response.status_code == 404 and "error" in response.json()


def test_a_case_timeline_is_in_time_order(client, hub):
    case_id = _first(hub, "resolved_cases", "case_id")
    timeline = client.get(f"/cases/{case_id}", headers=KEY).json()["timeline"]
    assert timeline and [e["occurred_at"] for e in timeline] == sorted(e["occurred_at"] for e in timeline)


def test_an_address_dossier_and_neighbours(client, hub):
    place_id = _first(hub, "resolved_events", "place_id")
    dossier = client.get(f"/places/{place_id}", headers=KEY).json()
    assert dossier["place"]["place_id"] == place_id and dossier["events"]
    near = client.get(f"/graph/Place/{place_id}/neighbours", params={"depth": 1}, headers=KEY)
    assert near.status_code == 200 and near.json()


def test_match_returns_scored_explained_candidates(client, hub):
    mentions = Warehouse(hub.resolved_warehouse_url()).read_table("resolved_person_mentions")
    known = mentions.dropna(subset=["phone"]).iloc[0]
    response = client.post("/match", json={"name": known["name"], "phone": known["phone"]}, headers=KEY)
    best = response.json()["candidates"][0]
    assert best["person_id"] == known["person_id"] and best["probability"] > 0.9
    assert {"name", "mobile"} <= set(best["explanation"])


def test_every_read_is_audited_without_identifiers(client, hub):
    client.post("/match", json={"name": "张伟", "id_number": "500106198503070016"}, headers=KEY)
    log = (hub.home / "audit.jsonl").read_text("utf-8")
    assert '"caller": "officer"' in log and "500106198503070016" not in log


def test_openapi_is_served(client):
    assert "/people/{person_id}" in client.get("/openapi.json").json()["paths"]
