"""Place resolution: the same room however it is written, the hierarchy, grids, and stable IDs."""

import pandas as pd
import pytest

from entity_resolution.places import PlaceOptions, resolve_places
from entity_resolution.places.prepare import prepare_addresses
from proving.scores import load_simulated_places, score_clusters


def _resolve(addresses, grid_codes=None, previous=None):
    frame = pd.DataFrame({"record_id": [f"r{i}" for i in range(len(addresses))], "address": addresses})
    if grid_codes is not None:
        frame["grid_code"] = grid_codes
    return resolve_places(frame, previous=previous, at="2026-11-20")


def _place(result, record_id):
    return result.assignments.set_index("record_id").loc[record_id]


def test_every_way_of_writing_one_room_is_one_place():
    result = _resolve(
        [
            "重庆市沙坪坝区回龙坝镇聚龙城社区锦绣花园3栋2单元501",  # police: formal
            "沙坪坝锦绣花园三栋二单元501室",  # caller: 区 dropped, Chinese numerals
            "锦绣花园3-2-501",  # grid worker: shorthand, no district
            "重慶市沙坪壩區錦繡花園3幢2單元501號",  # petition: traditional, 幢, 号
            "沙坪坝锦绣花园3号楼2单元501",
        ]
    )
    assert result.assignments["place_id"].nunique() == 1
    assert set(result.assignments["level"]) == {"room"}


def test_a_place_is_resolved_at_the_finest_level_its_address_gives():
    result = _resolve(
        ["沙坪坝区锦绣花园3栋2单元501", "沙坪坝区锦绣花园3栋", "沙坪坝区锦绣花园", "沙坪坝区锦绣花园3栋2单元"]
    )
    levels = result.assignments.set_index("record_id")["level"].to_dict()
    assert levels == {"r0": "room", "r1": "building", "r2": "estate", "r3": "unit"}
    room_path = _place(result, "r0")["place_path"]
    assert room_path[0] == "500106"  # the district's gazetteer code
    assert _place(result, "r1")["place_id"] in room_path and _place(result, "r2")["place_id"] in room_path
    assert _place(result, "r3")["place_id"] in room_path


def test_the_hierarchy_links_each_place_to_its_parent_up_to_the_district():
    result = _resolve(["重庆市沙坪坝区回龙坝镇聚龙城社区锦绣花园3栋2单元501"])
    places = result.places.set_index("place_id")
    chain, current = [], _place(result, "r0")["place_id"]
    while current is not None and not pd.isna(current):
        chain.append(places.loc[current, "level"])
        current = places.loc[current, "parent_id"]
    assert chain == ["room", "unit", "building", "estate", "community", "street", "district"]
    assert places.loc[_place(result, "r0")["place_id"], "full_address"].startswith(
        "沙坪坝区回龙坝镇聚龙城社区锦绣花园"
    )


def test_different_rooms_buildings_and_districts_stay_apart():
    result = _resolve(
        [
            "沙坪坝区锦绣花园3栋2单元501",
            "沙坪坝区锦绣花园3栋2单元502",
            "沙坪坝区锦绣花园4栋2单元501",
            "渝北区锦绣花园3栋2单元501",
        ]
    )
    assert result.assignments["place_id"].nunique() == 4


def test_shorthand_of_an_estate_known_in_two_districts_is_not_guessed():
    result = _resolve(["沙坪坝区锦绣花园3栋2单元501", "渝北区锦绣花园3栋2单元501", "锦绣花园3-2-501"])
    ids = result.assignments["place_id"].tolist()
    assert ids[2] not in ids[:2]


def test_a_grid_code_places_shorthand_in_its_community():
    result = _resolve(
        ["沙坪坝区锦绣花园3栋2单元501", "渝北区锦绣花园3栋2单元501", "锦绣花园3-2-501"],
        grid_codes=[None, None, "500112001004-G02"],
    )
    ids = result.assignments["place_id"].tolist()
    assert ids[2] == ids[1] and ids[2] != ids[0]


def test_two_estates_of_one_name_in_one_district_are_told_apart_by_community():
    result = _resolve(
        [
            "重庆市渝北区两路街道双北街社区煤建宿舍2栋1单元1902",
            "重庆市渝北区两路街道双凤路社区煤建宿舍2栋1单元1902",  # both communities in the gazetteer
        ]
    )
    assert result.assignments["place_id"].nunique() == 2


def test_buildings_units_and_rooms_are_placed_in_the_grid_their_grid_reports_name():
    result = _resolve(
        ["聚龙城3-2-501", "聚龙城3-1-101", "沙坪坝区回龙坝镇聚龙城社区聚龙城3栋2单元502"],
        grid_codes=["500106006010-G01", "500106006010-G01", None],
    )
    places = result.places.set_index("place_id")
    for record in ("r0", "r1", "r2"):
        assert places.loc[_place(result, record)["place_id"], "grid_id"] == "500106006010-G01"
    assert result.grids.set_index("grid_id").loc["500106006010-G01", "community_id"] == "500106006010"


def test_unrecognisable_addresses_get_no_place_and_are_not_lost():
    result = _resolve(["", "？？？", "沙坪坝区锦绣花园3栋"])
    assert len(result.assignments) == 3
    assert result.assignments["place_id"].isna().tolist() == [True, True, False]


def test_ids_are_stable_across_runs_and_a_learnt_district_is_reported_as_a_merge():
    first = _resolve(["锦绣花园3-2-501", "沙坪坝区天星桥小区1栋"])
    again = _resolve(["锦绣花园3-2-501", "沙坪坝区天星桥小区1栋"], previous=first.assignments)
    assert again.assignments["place_id"].tolist() == first.assignments["place_id"].tolist()
    assert again.id_changes.empty
    later = _resolve(
        ["锦绣花园3-2-501", "沙坪坝区天星桥小区1栋", "沙坪坝区锦绣花园3栋2单元501"],
        previous=first.assignments,
    )
    assert later.assignments["place_id"].iloc[0] == later.assignments["place_id"].iloc[2]
    change = later.id_changes.iloc[0]
    assert (change["old_id"], change["new_id"], change["kind"]) == (
        first.assignments["place_id"].iloc[0],
        later.assignments["place_id"].iloc[0],
        "merge",
    )


def test_event_addresses_of_the_simulated_city_resolve_to_their_true_places(small_city):
    benchmark = load_simulated_places(small_city)
    result = resolve_places(benchmark.mentions)
    predicted = result.assignments[["record_id", "place_id"]].dropna().rename(columns={"place_id": "cluster"})
    scores = score_clusters(predicted, benchmark.truth)
    assert scores["records"] == len(benchmark.truth) > 500
    assert scores["f1"] >= 0.98, scores


@pytest.mark.parametrize("address", ["沙坪坝锦绣花园三栋二单元五零一室", "沙坪坝区锦绣花园３栋２单元５０１"])
def test_numbers_in_chinese_numerals_and_full_width_digits_are_read(address):
    assert _resolve([address, "沙坪坝区锦绣花园3栋2单元501"]).assignments["place_id"].nunique() == 1


def test_a_grid_code_names_its_community_through_the_configured_pattern():
    mentions = pd.DataFrame(
        {
            "record_id": ["a", "b", "c"],
            "address": ["锦绣花园3-2-501"] * 3,
            "grid_code": ["WG-500106006010-7", "500106006010-G03", None],
        }
    )
    other_format = prepare_addresses(mentions, PlaceOptions(grid_code_pattern=r"^WG-(\d{12})-\d+$"))
    assert other_format["hint_community"].tolist() == ["500106006010", "", ""]
    hub_format = prepare_addresses(mentions, PlaceOptions(grid_code_pattern=r"^(\d{12})-G\d+$"))
    assert hub_format["hint_community"].tolist() == ["", "500106006010", ""]


def test_a_place_is_written_out_the_same_whatever_order_its_mentions_come_in(small_city):
    addresses = [
        "渝北区铁路宿舍5栋1单元2202",
        "渝北区仙桃街道铁路宿舍5栋1单元2202",  # the street the room is written with
        "重庆市北碚区天府镇天府民居南社区香榭家园1栋",  # a street its community is not in
        "北碚区东阳街道天府民居南社区香榭家园1栋",
    ]
    forward, backward = _resolve(addresses), _resolve(addresses[::-1])
    assert forward.places.equals(backward.places)
    rows = forward.places.set_index("place_id")
    room = rows.loc[_place(forward, "r0")["place_id"]]
    assert room["full_address"] == "渝北区仙桃街道铁路宿舍5栋1单元2202"  # the fullest way it is written
    community = rows.loc[rows["name"] == "天府民居南社区"].iloc[0]
    assert community["parent_id"] == "500109002"  # 东阳街道, the street the gazetteer puts it in
    mentions = load_simulated_places(small_city).mentions
    shuffled = mentions.sample(frac=1.0, random_state=5)
    assert resolve_places(mentions).places.equals(resolve_places(shuffled).places)
