"""Tiling the simulated city: copy k is another city, as consistent within itself as copy 0."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from rapidfuzz.distance import OSA

from benchmarks.people_scale import Tiling, prepare_tiling, tile
from entity_resolution.places.prepare import prepare_addresses
from normalize.dates import parse_date
from normalize.id_number import is_valid_id_number, make_id_number, parse_id_number
from normalize.phone import clean_phone

BORN = dt.date(1976, 6, 2)
ID18 = make_id_number("500106", BORN, 262, "F")  # 500106197606022620
ID15 = ID18[:6] + ID18[8:17]  # the old form: YYMMDD, no check digit
FULL_WIDTH_ID18 = ID18.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
# Copy 9 of this number ends in X too: it shows the X stays lower-case.
ID_LOWER_X = make_id_number("500106", dt.date(1960, 1, 2), 109, "M").replace("X", "x")
ID_BAD_CHECK = ID18[:17] + "1"  # fails its check digit
PHONE = "13812345678"
# One room of 锦绣花园 (and, last, the estate alone) as each writer puts it.
FORMAL = "重庆市沙坪坝区回龙坝镇聚龙城社区锦绣花园3栋2单元501"
HANDWRITTEN = "重庆市沙坪坝区锦绣花园3幢2单元501号"
SPOKEN = "沙坪坝锦绣花园三栋二单元501室"
TRADITIONAL = "重慶市沙坪壩區錦繡花園3幢2單元501號"
ESTATE_ROWS = ("a", "b", "c", "d", "e", "f")
COLUMNS = ["record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address"]
MENTIONS = pd.DataFrame(
    [
        ("a", "police", "王芳", ID18, PHONE, "19760602", "2", FORMAL),
        # b: day and month swapped; a phone with digits 7 and 8 swapped; the old 15-digit ID
        ("b", "petitions", "王芳", ID15, "13812354678", "1976年2月6日", "2", HANDWRITTEN),
        ("c", "grid", "王芳", None, "13813245678", None, None, "锦绣花园3-2-501"),
        ("d", "hotline", "王女士", None, "+86 138 1234 5679", None, None, SPOKEN),
        ("e", "petitions", "王芳", FULL_WIDTH_ID18, "023-65432109", "1976/6/2", "2", TRADITIONAL),
        ("f", "hotline", "王芳", None, "65432109", None, None, "沙坪坝区锦绣花园"),
        ("g", "grid", "李强", ID_LOWER_X, "13900001111", None, "1", "锦绣花园二期1-1-101"),
        ("h", "police", "李强", ID_BAD_CHECK, "12345", "1980年13月40日", "1", "汉渝路12号"),
    ],
    columns=COLUMNS,
)
TRUTH = pd.DataFrame({"record_id": list(MENTIONS["record_id"]), "cluster": list("pppppppq")})
COPIES = range(1, 10)  # ten million mentions: copies 1-9 of a million


@pytest.fixture(scope="module")
def tiling() -> Tiling:
    return prepare_tiling(MENTIONS, TRUTH)


@pytest.fixture(scope="module")
def copies(tiling: Tiling) -> dict[int, pd.DataFrame]:
    return {k: tile(tiling, k)[0].set_index("record_id") for k in (0, *COPIES)}


def _value(copies: dict[int, pd.DataFrame], k: int, record: str, column: str) -> str:
    return str(copies[k].loc[record if k == 0 else f"{record}~{k}", column])


def _places(copy: pd.DataFrame) -> pd.DataFrame:
    return prepare_addresses(copy.reset_index()).set_index("record_id")


def test_copy_0_is_the_city_itself(tiling: Tiling) -> None:
    mentions, truth = tile(tiling, 0)
    pd.testing.assert_frame_equal(mentions, MENTIONS)
    pd.testing.assert_frame_equal(truth, TRUTH)


def test_copy_k_is_other_people_in_the_truth(tiling: Tiling) -> None:
    mentions, truth = tile(tiling, 3)
    assert mentions["record_id"].tolist() == [f"{r}~3" for r in MENTIONS["record_id"]]
    assert truth["cluster"].tolist() == [f"{c}~3" for c in TRUTH["cluster"]]


def test_every_copy_moves_the_estate_and_all_its_addresses_still_name_one(
    copies: dict[int, pd.DataFrame],
) -> None:
    city = _places(copies[0])
    sites: set[str] = set()
    for copy in copies.values():
        places = _places(copy)
        estate = places.iloc[: len(ESTATE_ROWS)]
        assert estate["site"].nunique() == 1, estate["site"].tolist()  # full, spoken, shorthand, traditional
        rooms = estate.iloc[:5]  # the five that name the room keep it, and the district where they say it
        assert set(zip(rooms["building"], rooms["unit"], rooms["room"], strict=True)) == {("3", "2", "501")}
        assert places["district"].tolist() == city["district"].tolist()
        sites |= {estate["site"].iloc[0], places["site"].iloc[6]}  # 锦绣花园 and its phase 2, 锦绣花园二期
    assert city["site"].iloc[0] == "锦绣花园"
    # No copy shares the estate or its phase with another copy, nor the phase with the estate.
    assert len(sites) == 2 * len(copies)


def test_an_address_without_an_estate_moves_its_number(copies: dict[int, pd.DataFrame]) -> None:
    assert _value(copies, 2, "h", "address") == "汉渝路212号"


def test_every_id_form_moves_its_birth_with_the_birth_date(copies: dict[int, pd.DataFrame]) -> None:
    for k in COPIES:
        id18, id15, wide = (_value(copies, k, r, "id_number") for r in ("a", "b", "e"))
        born = parse_date(_value(copies, k, "a", "birth_date"))
        assert born != BORN
        assert parse_id_number(id18).birth_date == born
        assert parse_date(_value(copies, k, "e", "birth_date")) == born  # 1976/6/2 written in its own style
        assert "/" in _value(copies, k, "e", "birth_date")
        assert len(id15) == 15 and id15[6:12] == f"{born:%y%m%d}"
        assert parse_id_number(id15).number == id18  # the old form still upgrades to the new one
        assert parse_id_number(wide).number == id18 and wide[0] == "５"
        lower_x = _value(copies, k, "g", "id_number")
        assert is_valid_id_number(lower_x) and "X" not in lower_x  # an X check digit stays lower-case
        assert not is_valid_id_number(_value(copies, k, "h", "id_number"))  # a wrong check digit stays wrong
    assert _value(copies, 9, "g", "id_number").endswith("x")


def test_a_swapped_birth_date_stays_the_swap_of_the_moved_one(copies: dict[int, pd.DataFrame]) -> None:
    for k in COPIES:
        born = parse_date(_value(copies, k, "a", "birth_date"))
        swapped = parse_date(_value(copies, k, "b", "birth_date"))
        assert (swapped.year, swapped.month, swapped.day) == (born.year, born.day, born.month)


def test_a_birth_date_that_is_no_day_moves_its_year(copies: dict[int, pd.DataFrame]) -> None:
    assert _value(copies, 4, "h", "birth_date") == "1976年13月40日"


@pytest.mark.parametrize(
    ("typo", "what"),
    [("b", "digits 7 and 8 swapped"), ("c", "digits 5 and 6 swapped"), ("d", "last digit off")],
)
def test_a_phone_typo_stays_the_same_typo(copies: dict[int, pd.DataFrame], typo: str, what: str) -> None:
    in_city = OSA.distance(clean_phone(PHONE), clean_phone(_value(copies, 0, typo, "phone")))
    assert in_city == 1, what
    for k in COPIES:
        right, wrong = (clean_phone(_value(copies, k, r, "phone")) for r in ("a", typo))
        assert right != PHONE
        assert OSA.distance(right, wrong) == in_city, (k, what)


def test_a_landline_stays_one_number_however_written(copies: dict[int, pd.DataFrame]) -> None:
    for k in COPIES:
        full, bare = (clean_phone(_value(copies, k, r, "phone")) for r in ("e", "f"))
        assert full == bare and full is not None and full != "023-65432109"
    assert _value(copies, 5, "h", "phone") == "12345"  # no phone: left as it is


def test_no_two_copies_share_an_id_a_phone_or_a_birth_date(copies: dict[int, pd.DataFrame]) -> None:
    for column in ("id_number", "phone", "birth_date"):
        values = {_value(copies, k, "a", column) for k in copies}
        assert len(values) == len(copies), column
