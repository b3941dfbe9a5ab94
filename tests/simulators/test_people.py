from collections import Counter, defaultdict
from datetime import date

import pytest

from normalize.id_number import id_check_digit, parse_id_number
from simulators.city.idcards import old_form


@pytest.fixture(scope="module")
def people(city):
    return city.rows("city/people")


@pytest.fixture(scope="module")
def places(city):
    return {row["place_id"]: row for row in city.rows("city/places")}


def test_id_numbers_are_valid_and_agree_with_the_person(people, places):
    for person in people:
        number = person["id_number"]
        parsed = parse_id_number(number)
        assert parsed.number == number and number[17] == id_check_digit(number[:17])
        assert parsed.birth_date == person["birth_date"] and parsed.sex == person["gender"]
        registered = places[person["registered_place_id"]]
        district = registered["place_id"][:6]
        assert number[:6] == district
    assert len({p["id_number"] for p in people}) == len(people)


def test_old_form_drops_century_and_check_digit():
    assert old_form("50010619900307157X") == "500106900307157"
    assert parse_id_number(old_form("50010619900307157X")).number == "50010619900307157X"


def test_households_average_about_two_point_six(city, people):
    households = city.rows("city/households")
    assert 2.3 <= len(people) / len(households) <= 2.9
    members = Counter(p["household_id"] for p in people)
    assert set(members) == {h["household_id"] for h in households}


def test_twins_share_birth_date_household_and_surname(people):
    by_id = {p["person_id"]: p for p in people}
    twins = [p for p in people if p["twin_of"]]
    assert twins, "a city of thousands has twins"
    for person in twins:
        twin = by_id[person["twin_of"]]
        assert twin["twin_of"] == person["person_id"]
        assert twin["birth_date"] == person["birth_date"]
        assert twin["household_id"] == person["household_id"]

        def family(name):
            return name.split("·")[1] if "·" in name else name[0]

        assert family(twin["name"]) == family(person["name"])


def test_namesakes_are_grouped_by_full_name(people):
    groups = defaultdict(set)
    for p in people:
        if p["namesake_group"] is not None:
            groups[p["namesake_group"]].add(p["name"])
    counts = Counter(p["name"] for p in people)
    assert groups and all(len(names) == 1 for names in groups.values())
    assert all((counts[p["name"]] > 1) == (p["namesake_group"] is not None) for p in people)


def test_mobiles_are_unique_eleven_digit_numbers(people):
    mobiles = [p["mobile"] for p in people if p["mobile"]]
    assert len(mobiles) == len(set(mobiles)) and all(len(m) == 11 and m[0] == "1" for m in mobiles)
    adults = [p for p in people if p["birth_date"] < date(2000, 1, 1)]
    assert sum(1 for p in adults if p["mobile"]) > 0.85 * len(adults)


def test_residences_chain_for_people_who_move(city, people):
    rows = defaultdict(list)
    for r in city.rows("city/residences"):
        rows[r["person_id"]].append(r)
    assert set(rows) == {p["person_id"] for p in people}
    movers = [homes for homes in rows.values() if len(homes) > 1]
    assert 0.02 * len(people) < len(movers) < 0.1 * len(people)
    for first, second in movers:
        assert first["moved_out"] == second["moved_in"] and second["moved_out"] is None
        assert first["place_id"] != second["place_id"]


def test_a_household_lives_where_its_head_lives_last(city, people):
    last_home = {}
    for r in city.rows("city/residences"):
        last_home[r["person_id"]] = r["place_id"]
    heads = {}
    for p in people:
        heads.setdefault(p["household_id"], p["person_id"])
    for household in city.rows("city/households"):
        assert household["place_id"] == last_home[heads[household["household_id"]]]
