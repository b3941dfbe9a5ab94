"""resolve_people and link_people end to end: the hard cases of the domain, stable IDs, increments."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest

from entity_resolution.people import PeopleResolution, link_people, resolve_people
from entity_resolution.people.resolve import ResolveOptions, _cluster_options
from entity_resolution.people.train import reference_model
from normalize.id_number import make_id_number
from proving.scores import pairwise_scores

COLUMNS = ["record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address"]
ZHANG_A = make_id_number("500106", dt.date(1990, 3, 7), 157, "M")
ZHANG_B = make_id_number("500106", dt.date(1985, 6, 1), 233, "M")
TWIN_1 = make_id_number("500106", dt.date(2012, 5, 20), 111, "M")
TWIN_2 = make_id_number("500106", dt.date(2012, 5, 20), 113, "M")
FATHER = make_id_number("500106", dt.date(1968, 2, 2), 315, "M")
MOTHER = make_id_number("500106", dt.date(1970, 9, 9), 322, "F")
SON = make_id_number("500106", dt.date(1995, 4, 4), 417, "M")
HOME = "023-65551234"
Town = tuple[pd.DataFrame, pd.DataFrame]
FAMILY_ROOM = "重庆市沙坪坝区聚龙城3栋2单元501"

CASES: list[dict[str, object]] = [
    # one man: typed by ear at the hotline, formal at the police, traditional (old 15-digit ID) on a petition
    {
        "record_id": "case:zhang-hotline",
        "source": "hotline",
        "name": "张玮",
        "id_number": ZHANG_A.lower(),
        "phone": "+86 138 0013 8000",
        "address": "沙坪坝锦绣花园三栋二单元501室",
    },
    {
        "record_id": "case:zhang-police",
        "source": "police",
        "name": "张伟",
        "id_number": ZHANG_A,
        "phone": "13800138000",
        "birth_date": "19900307",
        "gender": "1",
        "address": "重庆市沙坪坝区锦绣花园3栋2单元501",
    },
    {
        "record_id": "case:zhang-petition",
        "source": "petitions",
        "name": "張偉",
        "id_number": ZHANG_A[:6] + ZHANG_A[8:17],
        "birth_date": "1990年3月7日",
        "gender": "男",
        "address": "重慶市沙坪壩區錦繡花園3幢2單元501號",
    },
    # his namesake in the same district: another ID, another phone
    {
        "record_id": "case:namesake-police",
        "source": "police",
        "name": "张伟",
        "id_number": ZHANG_B,
        "phone": "13900139000",
        "birth_date": "19850601",
        "gender": "1",
        "address": "重庆市沙坪坝区学府府2栋1单元302",
    },
    {
        "record_id": "case:namesake-grid",
        "source": "grid",
        "name": "张伟",
        "id_number": ZHANG_B,
        "phone": "13900139000",
        "address": "学府府2-1-302",
    },
    # twins: one surname, birth date, address and home phone, two people
    {
        "record_id": "case:twin1-police",
        "source": "police",
        "name": "王子涵",
        "id_number": TWIN_1,
        "phone": HOME,
        "birth_date": "20120520",
        "gender": "1",
        "address": FAMILY_ROOM.replace("3栋2单元501", "5栋1单元101"),
    },
    {
        "record_id": "case:twin2-police",
        "source": "police",
        "name": "王子轩",
        "id_number": TWIN_2,
        "phone": HOME,
        "birth_date": "20120520",
        "gender": "1",
        "address": FAMILY_ROOM.replace("3栋2单元501", "5栋1单元101"),
    },
    {
        "record_id": "case:twin1-hotline",
        "source": "hotline",
        "name": "王子涵",
        "phone": HOME,
        "address": "沙坪坝聚龙城五栋一单元101",
    },
    # a family: one room, one home phone
    {
        "record_id": "case:father-police",
        "source": "police",
        "name": "刘建国",
        "id_number": FATHER,
        "phone": HOME,
        "birth_date": "19680202",
        "gender": "1",
        "address": FAMILY_ROOM,
    },
    {
        "record_id": "case:mother-police",
        "source": "police",
        "name": "陈秀英",
        "id_number": MOTHER,
        "phone": HOME,
        "birth_date": "19700909",
        "gender": "2",
        "address": FAMILY_ROOM,
    },
    {
        "record_id": "case:son-police",
        "source": "police",
        "name": "刘洋",
        "id_number": SON,
        "phone": "13700137000",
        "birth_date": "19950404",
        "gender": "1",
        "address": FAMILY_ROOM,
    },
    {
        "record_id": "case:father-hotline",
        "source": "hotline",
        "name": "刘建国",
        "phone": "65551234",
        "address": "沙坪坝聚龙城三栋二单元501室",
    },
    {
        "record_id": "case:mr-liu-hotline",
        "source": "hotline",
        "name": "刘先生",
        "phone": HOME,
        "address": "沙坪坝聚龙城",
    },
    # the son moved out: same ID, a new address
    {
        "record_id": "case:son-moved",
        "source": "grid",
        "name": "刘洋",
        "id_number": SON,
        "phone": "13700137000",
        "address": "江南丽景7-1-1201",
    },
    # same name and home phone, but the recorded genders differ: a brother and a sister
    {
        "record_id": "case:gender-m",
        "source": "police",
        "name": "李静",
        "phone": "023-68887777",
        "gender": "1",
        "address": "重庆市沙坪坝区香榭新城1栋",
    },
    {
        "record_id": "case:gender-f",
        "source": "petitions",
        "name": "李静",
        "phone": "023-68887777",
        "gender": "女",
        "address": "重庆市沙坪坝区香榭新城1幢",
    },
]


def with_cases(background: tuple[pd.DataFrame, pd.DataFrame], cases: list[dict[str, object]]) -> pd.DataFrame:
    """Return the background mentions with hand-written mentions appended (missing fields empty)."""
    extra = pd.DataFrame([{c: case.get(c) for c in COLUMNS} for case in cases])
    return pd.concat([background[0], extra], ignore_index=True)


def person_of(assignments: pd.DataFrame, record_id: str) -> str:
    return str(assignments.set_index("record_id")["person_id"][record_id])


@pytest.fixture(scope="module")
def resolved(background: tuple[pd.DataFrame, pd.DataFrame]) -> PeopleResolution:
    return resolve_people(with_cases(background, CASES))


def same(resolution: PeopleResolution, a: str, b: str) -> bool:
    return person_of(resolution.assignments, a) == person_of(resolution.assignments, b)


def test_homophone_and_traditional_names_with_one_id_are_one_person(resolved: PeopleResolution) -> None:
    assert same(resolved, "case:zhang-hotline", "case:zhang-police")
    assert same(resolved, "case:zhang-police", "case:zhang-petition")


def test_namesakes_with_different_ids_stay_apart(resolved: PeopleResolution) -> None:
    assert not same(resolved, "case:zhang-police", "case:namesake-police")
    assert same(resolved, "case:namesake-police", "case:namesake-grid")


def test_twins_are_two_people(resolved: PeopleResolution) -> None:
    assert not same(resolved, "case:twin1-police", "case:twin2-police")
    assert same(resolved, "case:twin1-hotline", "case:twin1-police")


def test_a_family_sharing_room_and_home_phone_stays_apart(resolved: PeopleResolution) -> None:
    family = ["case:father-police", "case:mother-police", "case:son-police"]
    assert len({person_of(resolved.assignments, r) for r in family}) == 3
    assert same(resolved, "case:father-hotline", "case:father-police")
    # 刘先生 on the home phone could be father or son: he must not join them together
    assert not same(resolved, "case:father-police", "case:son-police")


def test_people_who_move_keep_their_identity(resolved: PeopleResolution) -> None:
    assert same(resolved, "case:son-police", "case:son-moved")


def test_different_recorded_genders_do_not_merge(resolved: PeopleResolution) -> None:
    assert not same(resolved, "case:gender-m", "case:gender-f")


def test_background_is_resolved_well(
    resolved: PeopleResolution, background: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    predicted = resolved.assignments.rename(columns={"person_id": "cluster"})
    assert pairwise_scores(predicted, background[1]).f1 > 0.97


def test_links_explain_every_field(resolved: PeopleResolution) -> None:
    links = resolved.links.set_index(["left", "right"])
    pair = links.loc[("case:zhang-hotline", "case:zhang-police")]
    assert pair["w_id"] > 10 and pair["w_mobile"] > 5
    assert pair["score"] == pytest.approx(
        resolved.model.prior
        + sum(
            pair[c]
            for c in (
                "w_id",
                "w_name",
                "w_birth",
                "w_gender",
                "w_mobile",
                "w_landline",
                "w_address",
                "w_name_birth",
            )
        ),
        abs=1e-3,
    )


def test_a_rerun_gives_the_same_ids(
    resolved: PeopleResolution, background: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    again = resolve_people(with_cases(background, CASES), previous=resolved)
    pd.testing.assert_frame_equal(again.assignments, resolved.assignments)
    assert again.id_changes.empty


def test_ids_are_stable_when_more_mentions_arrive(
    resolved: PeopleResolution, background: tuple[pd.DataFrame, pd.DataFrame], make_town: Callable[..., Town]
) -> None:
    more, _ = make_town(n=60, seed=99)
    more["record_id"] = "more:" + more["record_id"]
    mentions = pd.concat([with_cases(background, CASES), more], ignore_index=True)
    again = resolve_people(mentions, previous=resolved)
    before = resolved.assignments.set_index("record_id")["person_id"]
    after = again.assignments.set_index("record_id")["person_id"].reindex(before.index)
    assert (after == before).mean() > 0.99


def test_an_increment_links_into_existing_people(resolved: PeopleResolution) -> None:
    batch = pd.DataFrame(
        [
            {"record_id": "new:zhang", "source": "hotline", "name": "张炜", "phone": "138-0013-8000"},
            {"record_id": "new:stranger", "source": "hotline", "name": "欧阳娜娜", "phone": "18912345678"},
            {"record_id": "new:stranger-again", "source": "grid", "name": "欧阳娜娜", "phone": "18912345678"},
        ]
    )
    linked = link_people(batch, resolved)
    assert person_of(linked.assignments, "new:zhang") == person_of(resolved.assignments, "case:zhang-police")
    stranger = person_of(linked.assignments, "new:stranger")
    assert stranger == person_of(linked.assignments, "new:stranger-again")
    assert stranger not in set(resolved.assignments["person_id"])
    assert len(linked.assignments) == len(resolved.assignments) + 3
    untouched = resolved.assignments.merge(linked.assignments, on="record_id", suffixes=("", "_now"))
    assert (untouched["person_id"] == untouched["person_id_now"]).all()


def test_an_increment_that_repeats_a_record_is_refused(resolved: PeopleResolution) -> None:
    with pytest.raises(ValueError, match="already resolved"):
        link_people(pd.DataFrame([{"record_id": "case:zhang-police", "name": "张伟"}]), resolved)


def test_the_birth_date_check_is_lifted_where_one_persons_births_often_disagree() -> None:
    model = reference_model()
    assert _cluster_options(model, ResolveOptions()).births_reliable
    parameters = model.parameters.copy()
    differ = (parameters["field"] == "birth") & (parameters["level_name"] == "differ")
    parameters.loc[differ, "m"] = 0.05  # FEBRL's duplicates: one in twenty births mistyped
    noisy = dataclasses.replace(model, parameters=parameters)
    assert not _cluster_options(noisy, ResolveOptions()).births_reliable
