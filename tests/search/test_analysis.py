"""Tokens of names, ID numbers, phones, addresses and text: messy values in, equal tokens out."""

from __future__ import annotations

import re

import pytest

from search.analysis import (
    address_tokens,
    bigrams,
    id_number_tokens,
    name_tokens,
    phone_tokens,
    sensitive_token,
    text_tokens,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("张伟", "張偉"),  # traditional characters
        ("张伟", " 张 伟（先生） "),  # spaces and a note
        ("阿依古丽·买买提", "阿依古丽•买买提"),
    ],
)
def test_spellings_of_one_name_give_the_same_tokens(a: str, b: str) -> None:
    assert name_tokens(a) == name_tokens(b)


def test_a_two_character_name_has_a_bigram_and_its_characters() -> None:
    tokens = name_tokens("张伟")
    assert {"nf:张伟", "n2:张伟", "n1:张", "n1:伟"} <= set(tokens)


def test_homophones_share_pinyin_but_not_the_name() -> None:
    wei, wei2 = set(name_tokens("张伟")), set(name_tokens("张玮"))
    assert {t for t in wei & wei2 if t[:2] in ("py", "pz", "pi")} == {"py:zhangwei", "pz:zangwei", "pi:zw"}
    assert "nf:张伟" not in wei2
    assert "py:shantianfang" in name_tokens("单田芳")  # the surname reading, not dan


@pytest.mark.parametrize(
    "address",
    [
        "聚龙城3-2-501",
        "聚龙城3栋2单元501",
        "重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501",
        "沙坪坝聚龙城三栋二单元501室",
        "重慶市沙坪壩區聚龍城3幢2單元501號",
    ],
)
def test_spellings_of_one_room_share_its_room_token(address: str) -> None:
    assert "ar:聚龙城|3|2|501" in address_tokens(address)


def test_room_tokens_need_the_estate() -> None:
    assert address_tokens("3-2-501") == []
    assert "ar:聚龙城|3|2|502" not in address_tokens("聚龙城3-2-501")


def test_district_tokens_use_the_full_name() -> None:
    assert "ad:沙坪坝区" in address_tokens("沙坪坝聚龙城三栋")


def test_sensitive_tokens_hold_no_digits_in_clear() -> None:
    tokens = id_number_tokens("50010619900307157X") + phone_tokens("+86 138-1234-5678")
    assert len(tokens) == 5 + 3
    for token in tokens:
        field, value = token.split(":")
        assert re.fullmatch(r"[0-9a-f]{16}", value) and "1234" not in token and "157X" not in token
    assert sensitive_token("i4", "157X") in tokens


def test_old_and_new_id_numbers_and_phone_spellings_meet() -> None:
    assert id_number_tokens("500106900307157") == id_number_tokens("50010619900307157x")
    assert phone_tokens("13812345678") == phone_tokens("+86 138 1234 5678")
    assert sensitive_token("tl", "62192019") in phone_tokens("(023)6219 2019")
    assert id_number_tokens("50010619900307157") == []  # invalid: nothing to match
    assert phone_tokens("12345") == []  # a service number is nobody's phone


def test_text_bigrams_keep_chinese_pairs_only() -> None:
    assert bigrams("3栋501") == ["3栋", "栋5"]
    assert text_tokens("楼上裝修") == ["x2:楼上", "x2:上装", "x2:装修"]  # folded to simplified


def test_a_room_is_also_found_by_district_and_numbers() -> None:
    # the caller's words split the estate name differently from the official address
    spoken = address_tokens("北碚区天府民居南花园10号楼1单元3201")
    official = address_tokens("重庆市北碚区东阳街道天府民居南社区天府民居南花园10栋1单元3201")
    assert set(spoken) & set(official) >= {"ad:北碚区", "ak:北碚区|10|1|3201"}
    assert not {t for t in spoken if t.startswith("ar:")} & set(official)
