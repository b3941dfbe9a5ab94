"""Reading query text: which clauses a query becomes."""

from __future__ import annotations

import pytest

from ontology.errors import BadInput
from search.analysis import address_tokens, sensitive_token
from search.queries import build_query, pinyin_variants


def fields(text: str) -> set[str]:
    return {c.field for c in build_query(text).clauses}


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("1234", {"i4", "t4"}, {"i6", "tf"}),
        ("157x", {"i4"}, {"t4"}),  # X ends only ID numbers
        ("07157X", {"i6"}, {"t6", "ir"}),
        ("500106", {"i6", "t6", "ir"}, set()),
        ("62192019", {"tl", "tf"}, {"i4"}),  # a local landline: also read with the city's area code
        ("19900307", {"ib", "tl"}, set()),
        ("13812345678", {"tf"}, {"i4", "t4"}),
        ("50010619900307", {"ir", "ib"}, {"i4", "i6"}),
        ("50010619900307157X", {"if"}, {"ir", "ib"}),  # whole: no fragments
        ("张伟", {"nf", "n2", "n1", "py"}, {"i4"}),
        ("zhangwei", {"py", "pe"}, {"nf"}),
        ("聚龙城3-2-501", {"ae", "ab", "au", "ar"}, {"nf", "i4"}),
    ],
)
def test_readings(text: str, expected: set[str], absent: set[str]) -> None:
    found = fields(text)
    assert expected <= found and not absent & found, found


def test_shorthand_after_a_space_belongs_to_the_estate() -> None:
    assert {c.tokens[0] for c in build_query("聚龙城 3-2-501").clauses} >= {"ar:聚龙城|3|2|501"}


def test_digit_groups_join_only_into_whole_numbers() -> None:
    phone = sensitive_token("tf", "13812345678")
    assert any(c.tokens == (phone,) for c in build_query("+86 138 1234 5678").clauses)
    both = build_query("500103198506293429 15987654321").clauses
    assert {c.field for c in both} == {"if", "tf"}


def test_weights_are_exact_halves() -> None:
    for clause in build_query("张伟 沙坪坝 聚龙城3-2-501 1234 zhangwei").clauses:
        assert (clause.weight * 2).is_integer()


def test_pinyin_variants_are_one_edit_away() -> None:
    variants = pinyin_variants("wang")
    assert "wnag" in variants and "wan" in variants and "wangg" in variants and "wang" not in variants


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(BadInput, match="unknown kind"):
        build_query("x", kinds=["car"])
    with pytest.raises(BadInput, match="cannot filter"):
        build_query("x", filters={"name": "x"})
    with pytest.raises(BadInput, match="not an ISO date"):
        build_query("x", filters={"time_from": "yesterday"})
    with pytest.raises(BadInput, match="size"):
        build_query("x", size=0)


def test_addresses_are_read_inside_the_hubs_city(tmp_path) -> None:
    # 江北 is a district of Chongqing (500100) and of Ningbo (330200); 观音桥 is a street only in Chongqing's
    chongqing = {c.tokens[0] for c in build_query("江北观音桥", city_code="500100").clauses}
    ningbo = {c.tokens[0] for c in build_query("江北观音桥", city_code="330200").clauses}
    assert "as:观音桥街道" in chongqing
    assert "as:观音桥街道" not in ningbo and "ae:观音桥" in ningbo
    assert address_tokens("江北观音桥", "330200") == ["ad:江北区", "ae:观音桥"]
