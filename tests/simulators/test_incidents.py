from collections import defaultdict

import pytest

from ontology.model import load_ontology
from simulators.city.profiles import ROLES


@pytest.fixture(scope="module")
def incidents(city):
    return {row["incident_id"]: row for row in city.rows("city/incidents")}


@pytest.fixture(scope="module")
def involved(city):
    people = defaultdict(set)
    for row in city.rows("city/incident_people"):
        people[row["incident_id"]].add((row["person_id"], row["role"]))
    return people


def test_about_a_third_of_an_incident_per_resident_a_year(city, incidents):
    assert 0.3 <= len(incidents) / city.people <= 0.4


def test_incidents_are_classified_placed_and_peopled(city, incidents, involved):
    categories = load_ontology().taxonomy.categories
    places = {row["place_id"]: row["level"] for row in city.rows("city/places")}
    person_ids = {row["person_id"] for row in city.rows("city/people")}
    for incident in incidents.values():
        assert incident["category"] in categories
        assert places[incident["place_id"]] in ("room", "building", "estate")
        assert involved[incident["incident_id"]], incident
    for people in involved.values():
        for person, role in people:
            assert person in person_ids and role in ROLES


def test_paths_list_the_departments_in_report_order(city, incidents):
    records = defaultdict(list)
    for row in city.rows("truth/records"):
        records[row["incident_id"]].append(row["source"])
    assert set(records) <= set(incidents)
    for incident_id, incident in incidents.items():
        path = incident["escalation_path"]
        assert sorted(path.split(">") if path else []) == sorted(records[incident_id])
    unheard = [i for i in incidents.values() if not i["escalation_path"]]
    assert len(unheard) < 0.01 * len(incidents)  # only incidents whose reports fall after the history


def test_some_disputes_escalate_all_the_way(incidents):
    full = [i for i in incidents.values() if i["escalation_path"] == "hotline>grid>police>petitions"]
    disputes = [
        i
        for i in incidents.values()
        if i["category"].startswith(("neighbour_dispute", "property_management"))
    ]
    assert 0.02 * len(disputes) < len(full) < 0.15 * len(disputes)


def test_recurrences_repeat_the_same_dispute_between_the_same_people(incidents, involved):
    again = [i for i in incidents.values() if i["recurrence_of"]]
    assert again
    for incident in again:
        first = incidents[incident["recurrence_of"]]
        assert first["occurred_at"] < incident["occurred_at"]
        assert (first["category"], first["place_id"]) == (incident["category"], incident["place_id"])
        core = {p for p in involved[first["incident_id"]] if p[1] != "grid_worker"}
        assert core <= involved[incident["incident_id"]]


def test_records_come_after_the_incident(city, incidents):
    hotline = city.table("channels/hotline").to_pylist()
    truth = {(r["source"], r["record_id"]): r["incident_id"] for r in city.rows("truth/records")}
    for ticket in hotline:
        occurred = incidents[truth["hotline", ticket["ticket_id"]]]["occurred_at"]
        assert ticket["created_at"] >= occurred.strftime("%Y-%m-%d %H:%M:%S")
