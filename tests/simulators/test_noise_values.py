"""The noise functions on single values: what each does to a name, a number, a date, an address."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from normalize.dates import parse_date, parse_datetime
from normalize.id_number import is_valid_id_number, parse_id_number
from normalize.names import clean_name, fuzzy_phonetic_key
from normalize.phone import clean_phone
from simulators.city.addresses import AddressParts
from simulators.city.noise.addresses import _known_names, messy_address, unknown_division
from simulators.city.noise.dates import restyle_date, restyle_datetime
from simulators.city.noise.typos import id_slip, name_typo, phone_slip

DRAWS = [(random.Random(k).random(), random.Random(k + 1000).random()) for k in range(200)]
ID = "50010619900307157X"
PARTS = AddressParts("合川区", "钓鱼城街道", "学府社区", "天成熙园", 9, 5, 3004)


def _edits(a: str, b: str) -> int:
    """Return 1 for one substitution or one adjacent transposition, else the count of differing places."""
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        return 1
    return len(diff)


@pytest.mark.parametrize(("draw", "kind"), DRAWS[:50])
def test_an_id_slip_is_one_edit_away_and_still_a_valid_number_of_the_same_birth_date(draw, kind):
    slipped = id_slip(ID, draw, kind)
    assert slipped != ID and is_valid_id_number(slipped)
    assert _edits(ID[:17], slipped[:17]) == 1
    assert parse_id_number(slipped).birth_date == dt.date(1990, 3, 7)


def test_an_old_form_or_full_width_id_keeps_its_form():
    assert len(id_slip("500106900307157", 0.3, 0.9)) == 15
    wide = id_slip("５００１０６１９９００３０７１５７Ｘ", 0.3, 0.9)
    assert is_valid_id_number(wide) and parse_id_number(wide).number != ID


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "023-62948811"])
def test_a_phone_slip_keeps_a_valid_number_that_is_another_one(phone):
    for draw, kind in DRAWS[:30]:
        slipped = phone_slip(phone, draw, kind)
        assert clean_phone(slipped) is not None and clean_phone(slipped) != clean_phone(phone)


def test_name_typos_are_not_homophones_and_some_drop_a_character():
    typed = [name_typo("王建国", d, k) for d, k in DRAWS]
    assert all(clean_name(t) != "王建国" for t in typed)
    assert all(fuzzy_phonetic_key(t) != fuzzy_phonetic_key("王建国") for t in typed)
    assert "王建" in typed or "王国" in typed
    assert name_typo("匿名", 0.5, 0.5) == "匿名"


def test_times_in_every_style_read_back_to_the_same_moment_or_day():
    stamp = "2026-07-04 09:03:05"
    for draw, _ in DRAWS[:40]:
        assert parse_datetime(restyle_datetime(stamp, draw, False)).replace(second=5) == dt.datetime(
            2026, 7, 4, 9, 3, 5
        )
        assert parse_datetime(restyle_datetime(stamp, draw, True)) == dt.datetime(2026, 7, 4)


def test_a_birth_date_swap_exchanges_day_and_month_only_where_both_can_be_months():
    assert parse_date(restyle_date("19900307", 0.2, True)) == dt.date(1990, 7, 3)
    assert parse_date(restyle_date("19900327", 0.2, True)) == dt.date(1990, 3, 27)
    assert restyle_date("1990年13月40日", 0.2, True) == "1990年13月40日"  # a malformed form stays so


def test_an_unknown_division_is_no_division_of_the_province_and_sits_between_street_and_estate():
    division = unknown_division(3, PARTS.community)
    assert division not in _known_names() and division.endswith(("社区", "村", "居委会"))
    written = [messy_address(PARTS, 0, (d, k, d / 2, k / 2, d, k), division) for d, k in DRAWS[:60]]
    for address in written:
        head, _, tail = address.partition(division)
        assert tail.startswith("天成熙园") and ("合川" in head or "钓鱼城" in head)


def test_mixed_granularity_writes_one_room_many_ways():
    draw = random.Random(0)
    written = {messy_address(PARTS, 0, tuple(draw.random() for _ in range(6)), None) for _ in range(300)}
    assert any(a.startswith("重庆市") for a in written) and any(not a.startswith("重庆市") for a in written)
    assert any("9-5-3004" in a for a in written) and any("九" in a for a in written)
    assert any("号楼" in a for a in written) and any("幢" in a for a in written)
    assert all("天成熙园" in a and "3004" in a for a in written)
