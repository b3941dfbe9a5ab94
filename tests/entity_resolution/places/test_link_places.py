"""Linking address mentions batch by batch gives every mention the place a run over all of them gives."""

import numpy as np
import pandas as pd

from entity_resolution.places import prepare_addresses, resolve_places
from entity_resolution.places.link import link_places, place_state
from entity_resolution.places.resolve import resolve_parts
from proving.scores import load_simulated_places


def _parts(mentions: pd.DataFrame) -> pd.DataFrame:
    grid = mentions["grid_code"].fillna("").astype(str).to_numpy()
    return prepare_addresses(mentions).assign(grid_code=grid)


def test_batches_linked_one_after_another_match_one_run_over_every_mention(small_city):
    mentions = load_simulated_places(small_city).mentions
    order = np.random.default_rng(3).permutation(len(mentions))
    shuffled = mentions.iloc[order].reset_index(drop=True)
    batches = [shuffled.iloc[part] for part in np.array_split(np.arange(len(shuffled)), 4)]
    first = _parts(batches[0])
    resolved = resolve_parts(first)
    state = place_state(first, resolved.assignments, resolved.places)
    for batch in batches[1:]:
        state = link_places(_parts(batch), state).state
    whole = resolve_places(mentions)

    linked = state.assignments.set_index("record_id").sort_index()
    reference = whole.assignments.set_index("record_id").sort_index()
    assert len(linked) == len(reference) == len(mentions)
    assert linked["place_id"].fillna("").equals(reference["place_id"].fillna(""))
    assert linked["place_path"].map(tuple).equals(reference["place_path"].map(tuple))
    columns = ["place_id", "level", "name", "full_address", "parent_id", "grid_id"]
    assert (
        state.places[columns]
        .fillna("")
        .reset_index(drop=True)
        .equals(whole.places[columns].fillna("").reset_index(drop=True))
    )
    grids = whole.grids.sort_values("grid_id", ignore_index=True)
    assert state.grids.sort_values("grid_id", ignore_index=True)[grids.columns].equals(grids)


def test_a_new_version_replaces_the_mention_and_a_deleted_one_leaves(small_city):
    mentions = load_simulated_places(small_city).mentions.head(400)
    parts = _parts(mentions)
    resolved = resolve_parts(parts)
    state = place_state(parts, resolved.assignments, resolved.places)
    moved = mentions.iloc[[0]].assign(
        address=mentions["address"].iloc[1], grid_code=mentions["grid_code"].iloc[1]
    )
    gone = pd.Series([mentions["record_id"].iloc[2]])
    linked = link_places(_parts(moved), state, gone)
    after = linked.state.assignments.set_index("record_id")["place_id"]
    whole = resolve_places(pd.concat([moved, mentions.iloc[[1, *range(3, 400)]]], ignore_index=True))
    assert mentions["record_id"].iloc[2] not in after.index
    expected = whole.assignments.set_index("record_id")["place_id"]
    assert after.sort_index().fillna("").equals(expected.sort_index().fillna(""))


def _link_and_whole(first: pd.DataFrame, batch: pd.DataFrame):
    parts = _parts(first)
    resolved = resolve_parts(parts)
    linked = link_places(_parts(batch), place_state(parts, resolved.assignments, resolved.places))
    kept = first[~first["record_id"].isin(batch["record_id"])]  # a record in the batch is its new version
    return linked, resolve_places(pd.concat([kept, batch], ignore_index=True))


def _assert_as_whole_run(linked, whole) -> None:
    after = linked.state.assignments.set_index("record_id").sort_index()
    expected = whole.assignments.set_index("record_id").sort_index()
    assert after["place_id"].fillna("").equals(expected["place_id"].fillna(""))
    assert after["place_path"].map(tuple).equals(expected["place_path"].map(tuple))
    columns = list(whole.places.columns)
    places = linked.state.places[columns]
    # a division no mention is placed in any more keeps its row (it is the gazetteer's); nothing else
    extra = places[~places["place_id"].isin(whole.places["place_id"])]
    assert set(extra["level"]) <= {"district", "street", "community"}
    same = places[places["place_id"].isin(whole.places["place_id"])].reset_index(drop=True)
    assert same.fillna("").equals(whole.places[columns].fillna(""))


def _grid_of_building(places: pd.DataFrame, name: str) -> str:
    building = places[(places["level"] == "building") & places["full_address"].str.endswith(name)]
    return str(building["grid_id"].iloc[0])


def test_addresses_written_as_before_take_the_place_of_their_form_and_move_nothing_else():
    first = pd.DataFrame(
        {
            "record_id": ["a", "b", "c", "d"],
            "address": [
                "重庆市沙坪坝区香榭家园2栋1单元2101",
                "香榭家园2-1-2101",
                "香榭家园6-2-1601",
                "香榭家园1栋",
            ],
            "grid_code": [None, None, None, None],
        }
    )
    batch = pd.DataFrame(
        {"record_id": ["e", "b"], "address": ["香榭家园2-1-2101", "香榭家园1栋"], "grid_code": None}
    )
    linked, whole = _link_and_whole(first, batch)
    assert sorted(linked.changed["record_id"]) == ["b", "e"]
    after = linked.state.assignments.set_index("record_id")["place_id"].sort_index()
    assert after.equals(whole.assignments.set_index("record_id")["place_id"].sort_index())
    assert after["e"] == after["a"] and after["b"] == after["d"]
    assert linked.id_changes[["old_id", "new_id", "kind"]].values.tolist() == [
        [after["a"], after["d"], "split"]
    ]


def test_grid_mentions_that_outvote_a_buildings_grid_move_it_as_a_whole_run_does():
    first = pd.DataFrame(
        {
            "record_id": ["a", "b", "c"],
            "address": ["香榭家园1栋", "香榭家园1栋", "香榭家园1栋2单元301"],
            "grid_code": ["500106001003-G01", "500106001003-G01", "500106001003-G02"],
        }
    )
    batch = pd.DataFrame(
        {
            "record_id": ["d", "e"],
            "address": ["香榭家园1栋2单元301", "香榭家园1栋2单元301"],
            "grid_code": ["500106001003-G02", "500106001003-G02"],
        }
    )
    linked, whole = _link_and_whole(first, batch)
    assert _grid_of_building(whole.places, "1栋") == "500106001003-G02"
    assert _grid_of_building(linked.state.places, "1栋") == "500106001003-G02"
    columns = ["place_id", "level", "grid_id"]
    assert linked.state.places[columns].fillna("").equals(whole.places[columns].fillna(""))
    regridded = set(whole.places.loc[whole.places["grid_id"].notna(), "place_id"])  # building, unit, room
    assert len(regridded) == 3 and regridded <= linked.touched
    estate = whole.places.loc[whole.places["level"] == "estate", "place_id"].iloc[0]
    assert estate not in linked.touched  # its row is as it was


def test_a_new_room_written_plainly_is_placed_without_moving_its_estate():
    first = pd.DataFrame(
        {
            "record_id": ["a", "b", "c"],
            "address": [
                "沙坪坝区香榭家园2栋1单元2101",
                "沙坪坝区香榭家园3栋",
                "重庆市沙坪坝区中梁镇学士社区香榭家园6栋",
            ],
            "grid_code": ["", "", ""],
        }
    )
    batch = pd.DataFrame({"record_id": ["d"], "address": ["沙坪坝香榭家园5栋2单元101"], "grid_code": [""]})
    linked, whole = _link_and_whole(first, batch)
    assert linked.changed["record_id"].tolist() == ["d"]  # the estate's other mentions did not move
    _assert_as_whole_run(linked, whole)
    assert len(linked.state.places) == len(whole.places)
    assert len(linked.touched) == 3  # building 5, its unit and its room are new


_XIANGXIE = pd.DataFrame(
    {
        "record_id": ["a", "b", "c", "d"],
        "address": [
            "沙坪坝区香榭家园2栋1单元2101",
            "香榭家园3栋",
            "重庆市沙坪坝区中梁镇新店子社区香榭家园6栋",
            "香榭家园2-1-2101",
        ],
        "grid_code": ["", "", "", "500106001003-G01"],
    }
)


def test_new_rooms_written_formally_or_with_a_known_grid_move_nothing_else():
    batch = pd.DataFrame(
        {
            "record_id": ["e", "f", "g"],
            "address": [
                "重庆市沙坪坝区中梁镇新店子社区香榭家园7栋1单元101",
                "香榭家园2-1-2102",
                "香榭家园9栋",
            ],
            "grid_code": ["", "500106001003-G01", ""],
        }
    )
    linked, whole = _link_and_whole(_XIANGXIE, batch)
    assert sorted(linked.changed["record_id"]) == ["e", "f", "g"]
    _assert_as_whole_run(linked, whole)


def test_a_new_community_or_district_for_an_estate_places_its_other_mentions_again():
    for address in ("重庆市沙坪坝区童家桥街道五灵观社区香榭家园8栋", "重庆市九龙坡区香榭家园8栋"):
        batch = pd.DataFrame({"record_id": ["e"], "address": [address], "grid_code": [""]})
        linked, whole = _link_and_whole(_XIANGXIE, batch)
        _assert_as_whole_run(linked, whole)
        assert len(linked.changed) > 1  # the registry learnt something of the estate's other mentions


def test_an_estate_known_in_two_districts_learns_a_room_from_the_batch_as_a_whole_run_does():
    first = pd.DataFrame(
        {
            "record_id": ["a", "b", "c", "x"],
            "address": [
                "沙坪坝区锦绣花园3栋2单元501",
                "九龙坡区锦绣花园5栋1单元101",
                "锦绣花园5栋1单元101",  # shorthand of a room written with its district
                "锦绣花园3栋2单元502",  # shorthand of a room no one has written with a district yet
            ],
            "grid_code": ["", "", "", ""],
        }
    )
    teaches = pd.DataFrame(
        {"record_id": ["d"], "address": ["沙坪坝区锦绣花园3栋2单元502"], "grid_code": [""]}
    )
    linked, whole = _link_and_whole(first, teaches)
    _assert_as_whole_run(linked, whole)
    assert sorted(linked.changed["record_id"]) == ["d", "x"]  # the shorthand room now has its district
    plain = pd.DataFrame({"record_id": ["e"], "address": ["九龙坡区锦绣花园5栋1单元102"], "grid_code": [""]})
    linked, whole = _link_and_whole(first, plain)
    _assert_as_whole_run(linked, whole)
    assert linked.changed["record_id"].tolist() == ["e"]


def test_a_room_written_more_fully_than_before_is_written_out_so_beside_a_grid_report():
    first = pd.DataFrame(
        {
            "record_id": ["a", "b", "c"],
            "address": [
                "沙坪坝区中梁镇香榭家园1栋",
                "沙坪坝区童家桥街道香榭家园2栋",
                "沙坪坝区香榭家园3栋1单元101",
            ],
            "grid_code": ["", "", ""],
        }
    )
    batch = pd.DataFrame(
        {
            "record_id": ["d", "e"],
            "address": ["沙坪坝区中梁镇香榭家园3栋1单元101", "沙坪坝区锦绣花园2栋"],  # another estate's grid
            "grid_code": ["", "500106019001-G02"],
        }
    )
    linked, whole = _link_and_whole(first, batch)
    _assert_as_whole_run(linked, whole)
    room = whole.places.set_index("place_id").loc[
        whole.assignments.set_index("record_id").loc["c", "place_id"]
    ]
    assert room["full_address"] == "沙坪坝区中梁镇香榭家园3栋1单元101"
