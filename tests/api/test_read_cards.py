"""What tells namesakes apart on a hit, node titles, and views kept until a fusion run lands."""

import datetime as dt
import json

from cityhub.access.policy import load_policy
from cityhub.read_cache import ViewCache
from cityhub.warehouse.resolved import projection_runs

PURPOSE = {"purpose": "case_handling"}


def _person_with_id(warehouse, source="hotline"):
    people = warehouse.read_table("resolved_people").dropna(subset=["id_number", "birth_date"])
    mentions = warehouse.read_table("resolved_person_mentions")
    only = set(mentions.groupby("person_id")["source"].agg(set).loc[lambda s: s == {source}].index)
    return people[people["person_id"].isin(only)].iloc[0]


def _hit(client, headers, person, **params):
    found = client.get(
        "/search", params={"q": person["name"], "kind": "person", "limit": 50, **params}, headers=headers
    )
    assert found.status_code == 200, found.text
    hits = [h for h in found.json()["items"] if h["id"] == person["person_id"]]
    assert hits, f"{person['name']} not found"
    return hits[0], found.text


def test_person_hits_carry_districts_departments_and_for_a_purpose_birth_year_and_masked_id(
    client, headers, warehouse
):
    person = _person_with_id(warehouse)
    hit, _ = _hit(client, headers["leader"], person)
    assert hit["sources"] == ["hotline"] and hit["districts"]
    assert hit["birth_year"] is None and hit["id_number"] is None  # no purpose stated: no personal facts
    hit, text = _hit(client, headers["leader"], person, **PURPOSE)
    assert hit["birth_year"] == str(person["birth_date"])[:4]
    assert hit["id_number"] == person["id_number"][:2] + "*" * 16  # masked as the leader's policy says
    assert person["id_number"] not in text
    hit, _ = _hit(client, headers["police"], person, **PURPOSE)
    assert hit["id_number"] == person["id_number"]  # police see it in clear
    refused = client.get(
        "/search", params={"q": person["name"], "purpose": "curiosity"}, headers=headers["leader"]
    )
    assert refused.status_code == 422


def test_neighbours_carry_titles_and_name_people_only_for_a_stated_purpose(client, headers, warehouse):
    links = warehouse.read_table("resolved_event_people")
    events = warehouse.read_table("resolved_events")
    case_id = events[events["event_id"].isin(links["event_id"]) & (events["source"] == "hotline")]["case_id"]
    path = f"/graph/Case/{case_id.dropna().iloc[0]}/neighbours"
    plain = client.get(path, params={"depth": 2, "limit": 100}, headers=headers["leader"]).json()["items"]
    named = client.get(path, params={"depth": 2, "limit": 100, **PURPOSE}, headers=headers["leader"]).json()
    people = [n for n in plain if n["label"] == "Person"]
    assert people and all(n["title"] is None for n in people)
    assert all(n["title"] for n in plain if n["label"] in ("Event", "Place"))
    names = set(warehouse.read_table("resolved_people")["name"])
    assert all(n["title"] in names for n in named["items"] if n["label"] == "Person")


def test_a_view_is_built_once_per_fusion_run_and_scope(warehouse):
    policy = load_policy()
    police, leader = policy.scope("police", ""), policy.scope("leader", "")
    cache, builds = ViewCache(warehouse), []
    facts = object()

    def build():
        builds.append(1)
        return len(builds)

    assert cache.get("person", "P-1", police, facts, build) == 1
    assert cache.get("person", "P-1", police, facts, build) == 1  # kept
    assert cache.get("person", "P-1", leader, facts, build) == 2  # another role sees another view
    facts = object()  # the visibility facts rebuilt
    assert cache.get("person", "P-1", leader, facts, build) == 3
    assert cache.get("person", "P-1", leader, facts, build) == 3
    later = dt.datetime(2099, 1, 1)
    with warehouse.engine.begin() as connection:  # what a fusion run's projection writes when it lands
        connection.execute(projection_runs.delete().where(projection_runs.c.projection == "graph"))
        connection.execute(
            projection_runs.insert().values(projection="graph", caught_up_to=later, projected_at=later)
        )
    assert cache.get("person", "P-1", police, facts, build) == 4  # a newer run: built again
    assert json.dumps(cache.generation(), default=str).count("2099") == 2
