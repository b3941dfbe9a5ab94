"""Reading query text: which clauses a query becomes."""

from __future__ import annotations

import pytest

from ontology.errors import BadInput
from search.analysis import address_tokens, sensitive_token
from search.queries import IDENTIFIER_FIELDS, WEIGHTS, build_query, digit_slips, near_names, pinyin_variants


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
    assert {c.field for c in both} == {"if", "tf", "tn"}  # tn: the phone one slip away


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


def test_a_whole_phone_is_also_read_one_slip_away() -> None:
    clauses = {c.field: c for c in build_query("13812345678").clauses}
    near = set(clauses["tn"].tokens)
    assert sensitive_token("tf", "13812345687") in near  # two digits swapped
    assert sensitive_token("tf", "13812395678") in near  # one digit wrong
    assert sensitive_token("tf", "13812345678") not in near
    assert sensitive_token("tf", "13812345768") in near and sensitive_token("tf", "13821345687") not in near
    assert WEIGHTS["t4"] < clauses["tn"].weight < clauses["tf"].weight


def test_digit_slips_are_one_slip_away() -> None:
    for slip in digit_slips("0236219"):
        differ = [i for i, (a, b) in enumerate(zip(slip, "0236219", strict=True)) if a != b]
        swapped = len(differ) == 2 and differ[1] == differ[0] + 1 and slip[differ[0]] == "0236219"[differ[1]]
        assert len(differ) == 1 or swapped, slip


def test_near_phones_are_only_for_roles_that_may_search_by_parts() -> None:
    from cityhub.access.search_scope import WHOLE_NUMBER_CLAUSES

    near = [c for c in build_query("13812345678").clauses if c.field == "tn"]
    assert near and all(c.field in IDENTIFIER_FIELDS - WHOLE_NUMBER_CLAUSES for c in near)


def test_a_name_is_also_read_one_character_away() -> None:
    near = {c.field: c for c in build_query("王律国").clauses}["nw"]
    assert {"nw:王?国", "nf:王国", "nw:王律?国"} <= set(near.tokens)  # wrong, added, dropped
    read = {c.field: c for c in build_query("王国").clauses}
    assert read["nw"].tokens == ("nw:王?国",)  # 王建国 less a character
    assert (
        set(read["nv"].tokens) == {"nw:王?", "nw:?国"}
        and read["nv"].weight < WEIGHTS["n2"] < read["nw"].weight
    )
    assert near_names("张") == [] and near_names("zhang") == []


def test_an_estate_is_also_read_by_its_bigrams_at_the_same_numbers() -> None:
    anchors = {c.tokens[0] for c in build_query("学士社区天成熙园9幢5单元3004").clauses if c.field == "ag"}
    assert "ag:天成|9|5|3004" in anchors and "ag:熙园|9|5|3004" in anchors
    assert not any(c.field == "ag" for c in build_query("天成熙园").clauses)  # numbers are needed


@pytest.mark.parametrize(
    "text",
    [
        "1" * 200,
        " ".join(["13812345678"] * 12),
        "王律国张伟欧阳娜娜" * 20,
        "学士社区天成熙园9幢5单元3004" * 10,
        " ".join(["王律国"] * 12),
    ],
)
def test_query_tokens_stay_linear_in_the_text(text: str) -> None:
    tokens = sum(len(c.tokens) for c in build_query(text).clauses)
    assert tokens <= 12 * len(text), tokens
