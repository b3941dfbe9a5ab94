import re

import pytest

from ontology.gazetteer import load_gazetteer
from simulators.city.addresses import chinese_number, district_short

LEVELS = ["district", "street", "community", "estate", "building", "unit", "room"]


@pytest.fixture(scope="module")
def places(city):
    return {row["place_id"]: row for row in city.rows("city/places")}


def test_every_place_hangs_from_the_level_above(places):
    for place in places.values():
        if place["parent_id"] is None:
            assert place["level"] == "district", place
            continue
        parent = places[place["parent_id"]]
        assert LEVELS.index(parent["level"]) == LEVELS.index(place["level"]) - 1, place


def test_top_levels_are_real_chongqing_divisions(places):
    gazetteer = load_gazetteer()
    for place in places.values():
        if place["level"] in ("district", "street", "community"):
            division = gazetteer.divisions[place["place_id"]]
            assert division.name == place["name"] and division.level == place["level"]
            assert division.code.startswith("50")
            if place["parent_id"] is not None:
                assert division.parent_code == place["parent_id"]
    communities = [p for p in places.values() if p["level"] == "community"]
    assert all(p["name"].endswith("社区") for p in communities)


def test_synthetic_ids_and_numbers_follow_the_contract(places):
    for place in places.values():
        level = place["level"]
        if level == "room":
            assert re.fullmatch(r"\d{12}-E\d{2}-B\d{2}-U\d-R\d{4}", place["place_id"])
            floor, n = divmod(int(place["name"]), 100)
            assert floor >= 1 and 1 <= n <= 4
            assert place["place_id"].endswith(f"R{int(place['name']):04d}")
        elif level == "building":
            assert 1 <= int(place["name"].removesuffix("栋")) <= 30
        elif level == "unit":
            assert 1 <= int(place["name"].removesuffix("单元")) <= 4


def test_full_addresses_nest_and_read_formally(places):
    for place in places.values():
        if place["level"] in ("room", "unit", "building"):
            parent = places[place["parent_id"]]
            assert place["full_address"].startswith(parent["full_address"])
        if place["level"] == "room":
            assert re.fullmatch(r"重庆市.+[区县].+社区.+\d+栋\d单元\d{3,4}", place["full_address"])


def test_grids_hold_300_to_500_households(city, places):
    grids = city.rows("city/grids")
    households = city.rows("city/households")
    assert sum(g["households"] for g in grids) == len(households)
    assert all(250 <= g["households"] <= 550 for g in grids)
    assert sum(300 <= g["households"] <= 500 for g in grids) >= 0.8 * len(grids)
    grid_ids = {g["grid_id"] for g in grids}
    rooms = [p for p in places.values() if p["level"] == "room"]
    assert {p["grid_id"] for p in rooms} == grid_ids
    assert all(places[h["place_id"]]["level"] == "room" for h in households)


@pytest.mark.parametrize(
    "number, words", [(1, "一"), (3, "三"), (10, "十"), (12, "十二"), (21, "二十一"), (30, "三十")]
)
def test_chinese_numbers(number, words):
    assert chinese_number(number) == words


@pytest.mark.parametrize("name, short", [("沙坪坝区", "沙坪坝"), ("渝中区", "渝中"), ("丰都县", "丰都县")])
def test_district_short_names(name, short):
    assert district_short(name) == short
