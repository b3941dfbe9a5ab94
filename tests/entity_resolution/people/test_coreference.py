"""Case co-reference with the real people resolution: one resident named in two records of one case
becomes one person; namesakes with two ID numbers, many parties of one case, a record naming two
people of one sound, and a human not_same decision do not merge."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from entity_resolution.people import PeopleResolution, resolve_people
from entity_resolution.people.coreference import case_coreference, merge_people, merge_people_anew
from normalize.id_number import make_id_number

COLUMNS = ["record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address"]
LI_ID = make_id_number("500106", dt.date(1988, 4, 12), 162, "F")
OTHER_ID = make_id_number("500106", dt.date(1961, 9, 3), 244, "F")
Town = tuple[pd.DataFrame, pd.DataFrame]


def _mention(
    record_id: str, name: str, phone: str, id_number: str | None = None, **more: str
) -> dict[str, object]:
    source = record_id.split(":", 1)[0]
    return {
        "record_id": record_id,
        "source": source,
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "birth_date": more.get("birth_date"),
        "gender": more.get("gender"),
        "address": more.get("address", "沙坪坝聚龙城2栋"),
    }


# the hotline caller 皇娜 on her mobile, the police caller 黄娜 on the landline of her room
HUANG = [
    _mention("hotline:h1#0", "皇娜", "13912345678"),
    _mention("police:p1#0", "黄娜", "023-65123456", address="重庆市沙坪坝区聚龙城2栋1单元1701"),
]
# two women of one name sound in one case, neither record with an ID number; the hotline caller's
# police record elsewhere (same mobile) carries her valid ID number, the other woman has another
NAMESAKES = [
    _mention("hotline:h2#0", "李静", "13800001111"),
    _mention("police:p9#0", "李静", "13800001111", LI_ID, address="重庆市沙坪坝区学府府5栋2单元302"),
    _mention("police:p2#0", "李婧", "023-65000000", OTHER_ID),
]
# a petition signed by many: seven co-signers, two of them sound alike, and the grid's report of it
SIGNERS = [
    _mention(f"petitions:x1#{k}", n, f"1370000{k:04d}")
    for k, n in enumerate("王芳 刘洋 陈杰 杨敏 赵磊 周涛".split())
]
SIGNERS += [
    _mention("petitions:x1#9", "张伟", "13611112222"),
    _mention("grid:g1#0", "张玮", "023-68889999"),
]
# one grid record naming two people of one sound, and a police record of the same incident
TWO_IN_ONE = [
    _mention("grid:g2#0", "孙丽", "13755556666"),
    _mention("grid:g2#1", "孙莉", "13755557777", address="沙坪坝香榭新城1栋1单元101"),
    _mention("police:p3#0", "孙丽", "023-67770000", address="沙坪坝江南丽景3栋3单元303"),
]
HARD = HUANG + NAMESAKES + SIGNERS + TWO_IN_ONE


def _case_of(record_id: str) -> str:
    record = record_id.split("#", 1)[0]
    return {
        "hotline:h1": "C1",
        "police:p1": "C1",
        "hotline:h2": "C2",
        "police:p2": "C2",
        "petitions:x1": "C3",
        "grid:g1": "C3",
        "grid:g2": "C4",
        "police:p3": "C4",
    }.get(record, "C-" + record)


def _case_mentions(mentions: pd.DataFrame) -> pd.DataFrame:
    ids = mentions["record_id"]
    return pd.DataFrame(
        {"record_id": ids, "event_id": ids.str.split("#").str[0], "case_id": ids.map(_case_of)}
    )


@pytest.fixture(scope="module")
def resolved(background: Town) -> tuple[pd.DataFrame, PeopleResolution]:
    mentions = pd.concat([background[0], pd.DataFrame(HARD)[COLUMNS]], ignore_index=True)
    return mentions, resolve_people(mentions)


def _person(resolution: PeopleResolution, record_id: str) -> str:
    return str(resolution.assignments.set_index("record_id").loc[record_id, "person_id"])


def test_the_pair_scores_alone_keep_each_hard_pair_apart(
    resolved: tuple[pd.DataFrame, PeopleResolution],
) -> None:
    _, resolution = resolved
    assert _person(resolution, "hotline:h2#0") == _person(resolution, "police:p9#0")
    for left, right in (
        ("hotline:h1#0", "police:p1#0"),
        ("hotline:h2#0", "police:p2#0"),
        ("petitions:x1#9", "grid:g1#0"),
        ("grid:g2#0", "police:p3#0"),
    ):
        assert _person(resolution, left) != _person(resolution, right)


def test_one_resident_in_two_records_of_one_case_becomes_one_person(
    resolved: tuple[pd.DataFrame, PeopleResolution],
) -> None:
    mentions, resolution = resolved
    merges = case_coreference(resolution, _case_mentions(mentions))
    assert merges[["left", "right", "case_id"]].values.tolist() == [["hotline:h1#0", "police:p1#0", "C1"]]
    merged = merge_people(resolution, merges, "2026-12-01")
    assert _person(merged, "hotline:h1#0") == _person(merged, "police:p1#0")
    assert merged.id_changes["kind"].tolist() == ["merge"]
    survivor = merged.id_changes["new_id"].iloc[0]
    assert survivor in {_person(resolution, "hotline:h1#0"), _person(resolution, "police:p1#0")}
    assert (merged.prepared["person_id"] == survivor).sum() == 2


def test_two_valid_id_numbers_a_crowd_and_a_record_naming_two_do_not_merge(
    resolved: tuple[pd.DataFrame, PeopleResolution],
) -> None:
    mentions, resolution = resolved
    merges = case_coreference(resolution, _case_mentions(mentions))
    merged = set(merges["case_id"])
    assert "C2" not in merged  # two valid ID numbers between the two people
    assert "C3" not in merged  # eight people in one case
    assert "C4" not in merged  # which of the grid's two 孙丽 would the police's be?


def test_a_crowd_merges_when_the_case_size_allows_it(resolved: tuple[pd.DataFrame, PeopleResolution]) -> None:
    from entity_resolution.people.coreference import CoreferenceOptions

    mentions, resolution = resolved
    merges = case_coreference(
        resolution, _case_mentions(mentions), coreference=CoreferenceOptions(max_case_people=10)
    )
    assert "C3" in set(merges["case_id"])  # the size limit, not something else, kept it apart


def test_a_not_same_decision_wins_over_the_case(resolved: tuple[pd.DataFrame, PeopleResolution]) -> None:
    mentions, resolution = resolved
    decisions = pd.DataFrame(
        {
            "left": ["hotline:h1#0"],
            "right": ["police:p1#0"],
            "decision": ["not_same"],
            "who": ["reviewer"],
            "at": [pd.Timestamp("2026-11-30")],
        }
    )
    assert case_coreference(resolution, _case_mentions(mentions), decisions).empty


def test_a_whole_run_keeps_the_id_the_merged_person_had_before(
    resolved: tuple[pd.DataFrame, PeopleResolution],
) -> None:
    mentions, resolution = resolved
    first = merge_people_anew(resolution, case_coreference(resolution, _case_mentions(mentions)), None)
    second = resolve_people(mentions, previous=first)  # the pair scores alone: two people again
    assert _person(second, "hotline:h1#0") != _person(second, "police:p1#0")
    again = merge_people_anew(second, case_coreference(second, _case_mentions(mentions)), first)
    assert again.id_changes.empty  # nothing changed since the first run
    assert _person(again, "police:p1#0") == _person(again, "hotline:h1#0") == _person(first, "police:p1#0")
