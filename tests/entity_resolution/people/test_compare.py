"""Comparison levels per field, frequency-aware name weights, and what training learns."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from entity_resolution.people.block import block_pairs
from entity_resolution.people.compare import LEVELS, comparison_levels, encode
from entity_resolution.people.prepare import prepare_mentions
from entity_resolution.people.train import MatchModel, train_model
from normalize.id_number import make_id_number

ID_A = make_id_number("500106", dt.date(1990, 3, 7), 157, "M")  # 50010619900307157X
ID_B = make_id_number("500106", dt.date(1985, 6, 1), 233, "M")


def levels_of(rows: list[dict[str, object]]) -> dict[str, int]:
    """Return the levels of the pair (row 0, row 1)."""
    prepared = prepare_mentions(pd.DataFrame([{"record_id": str(i), **r} for i, r in enumerate(rows)]))
    levels = comparison_levels(encode(prepared), np.array([0]), np.array([1]))
    return {field: int(level[0]) for field, level in levels.items()}


def name(field: str, level: int) -> str:
    return "missing" if level < 0 else LEVELS[field][level]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("张伟", "张伟", "exact"),
        ("张伟", "張偉", "exact"),  # traditional characters are cleaned to simplified
        ("张伟", "张玮", "phonetic"),  # typed by ear
        ("张成", "章岑", "fuzzy"),  # zh/z and eng/en sound alike in south-western Mandarin
        ("王子涵", "王子轩", "similar"),  # a miskeyed character, or brothers: the other fields decide
        ("陈嘉鑫", "阵嘉鑫", "similar"),  # a non-homophone typo
        ("宋俊楠", "宋俊", "similar"),  # a dropped character
        ("王伟", "王刚", "surname_only"),  # one character of two is another given name
        ("张伟", "李娜", "differ"),
        ("王先生", "王建国", "title_surname"),
        ("王先生", "李建国", "differ"),
        ("匿名", "王建国", "missing"),
        ("NEUMANN MICHAELA", "NUEMANN MICHAELA", "fuzzy"),  # Latin names: spelling similarity
        ("BERRY LACHLAN", "LACHLAN BERRY", "fuzzy"),  # swapped name parts
    ],
)
def test_name_levels(a: str, b: str, expected: str) -> None:
    assert name("name", levels_of([{"name": a}, {"name": b}])["name"]) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (ID_A, ID_A.lower(), "exact"),
        (ID_A, "500106900307157", "exact"),  # the old 15-digit form of the same number
        (ID_A, ID_B, "conflict"),  # two valid numbers
        (ID_A, ID_A[:-1], "close"),  # a 17-digit slip
        ("5405822", "5405282", "close"),  # an opaque identifier with a transposition
        ("5405822", "9911003", "differ"),
        (ID_A, None, "missing"),
    ],
)
def test_id_levels(a: str, b: str | None, expected: str) -> None:
    assert name("id", levels_of([{"id_number": a}, {"id_number": b}])["id"]) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("19900307", "1990年3月7日", "exact"),
        ("19900307", "19900703", "typo"),  # day and month swapped
        ("19900307", "19910307", "typo"),
        ("19330212", "19330122", "typo"),  # neighbouring digits swapped across month and day
        ("19900307", "19900312", "close"),  # two of year, month and day agree
        ("19900307", "19420307", "close"),
        ("19900307", "19850611", "differ"),
        ("19900307", "1990-00-07", "typo"),  # a month keyed as 00: still one keystroke from the truth
        ("19900307", "1990年13月40日", "differ"),  # written parts of an impossible date still compare
        ("19900307", "1990年3月", "missing"),
    ],
)
def test_birth_levels(a: str, b: str, expected: str) -> None:
    assert name("birth", levels_of([{"birth_date": a}, {"birth_date": b}])["birth"]) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("重庆市沙坪坝区锦绣花园3栋2单元501", "沙坪坝锦绣花园三栋二单元501室", "room"),
        (
            "锦绣花园3-2-501",
            "重庆市沙坪坝区锦绣花园3幢2单元501号",
            "room",
        ),  # grid shorthand names no district
        ("锦绣花园3栋", "锦绣花园3-2-501", "building"),
        ("锦绣花园", "锦绣花园3-2-501", "estate"),
        ("锦绣花园4-1-101", "锦绣花园3-2-501", "estate_other"),
        ("4 knox street, lakewood estate", "4 knox st, lakewood estate", "similar"),
        # spaces slipped out of and into words
        (
            "79 braminastation, lakewoo destate, vermont",
            "79 bramina station, lakewood estate, vermont",
            "similar",
        ),
        # read as two different estates by the parser, one letter apart
        ("badimara street, tourist park, killara", "badimara street, tourist park, killaora", "similar"),
        ("沙坪坝区锦绣花园3栋2单元501", "沙坪坝区锦秀花园3栋2单元501", "similar"),  # a typed homophone
        # the street and the postcode still shared, the locality changed
        ("8 lethbridge street, winston hills 2767", "8 lethbridbe street, toowoomba 2767", "loosely_similar"),
        ("4 knox street, lakewood estate", "17 hearn street, miami, acton 5166 nsw", "differ"),
        ("锦绣花园3-2-501", "龙湖花园5-1-101", "differ"),
    ],
)
def test_address_levels(a: str, b: str, expected: str) -> None:
    assert name("address", levels_of([{"address": a}, {"address": b}])["address"]) == expected


def test_phone_levels_compare_mobiles_with_mobiles_and_landlines_with_landlines() -> None:
    levels = levels_of([{"phone": "+86 138 0013 8000"}, {"phone": "138-0013-8000"}])
    assert name("mobile", levels["mobile"]) == "agree" and levels["landline"] < 0
    levels = levels_of([{"phone": "13800138000"}, {"phone": "023-68881234"}])
    assert levels["mobile"] < 0 and levels["landline"] < 0  # one person may give either
    levels = levels_of([{"phone": "68881234"}, {"phone": "023-6888-1234"}])
    assert name("landline", levels["landline"]) == "agree"


@pytest.fixture(scope="module")
def trained(background: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[MatchModel, pd.DataFrame]:
    prepared = prepare_mentions(background[0])
    enc = encode(prepared)
    pairs = block_pairs(prepared).pairs
    left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    return train_model(enc, prepared, left, comparison_levels(enc, left, right)), prepared


def weight(model: MatchModel, field: str, level: str) -> float:
    table = model.parameters.set_index(["field", "level_name"])["weight"]
    return float(table[(field, level)])


def test_a_shared_mobile_weighs_more_than_a_shared_landline(trained: tuple[MatchModel, pd.DataFrame]) -> None:
    model, _ = trained
    assert weight(model, "mobile", "agree") > weight(model, "landline", "agree") > 0


def test_disagreements_on_birth_and_gender_are_strong_negatives(
    trained: tuple[MatchModel, pd.DataFrame],
) -> None:
    model, _ = trained
    assert weight(model, "birth", "differ") <= -8
    assert weight(model, "gender", "differ") <= -8
    assert weight(model, "id", "conflict") <= -30


def test_a_common_name_agreeing_weighs_less_than_a_rare_one(trained: tuple[MatchModel, pd.DataFrame]) -> None:
    model, prepared = trained
    tf = model.name_tf[model.name_tf["column"] == "name_clean"].set_index("value")["tf"]
    common, rare = tf.idxmax(), tf.idxmin()
    m_exact = model.m_tf()[0]
    assert np.log2(m_exact / tf[common]) < np.log2(m_exact / tf[rare]) - 1


def test_the_prior_is_for_random_pairs(trained: tuple[MatchModel, pd.DataFrame]) -> None:
    model, prepared = trained
    n = len(prepared)
    # about 400 people in about 800 mentions: some hundreds of matching pairs out of n(n-1)/2
    assert np.log2(100 / (n * n / 2)) < model.prior < np.log2(5_000 / (n * n / 2))
