"""Formats checked with the project's normalisers, and masking of sensitive values."""

from __future__ import annotations

import datetime as dt

import pytest

from quality.formats import FORMATS, mask_identifier, parse_temporal

TODAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("51010319900307123", "510103*********23"),
        ("510103199003071230", "510103**********30"),
        ("51010319900307123x", "510103**********3x"),
        ("13812345678", "138123***78"),
        ("+86 138-1234-5678", "+86 138-1***-**78"),
        ("68881234", "68*****4"),
        ("12345", "1****"),
        ("", ""),
    ],
)
def test_masking_keeps_the_first_six_and_last_two_digits_and_less_of_short_values(raw, masked):
    assert mask_identifier(raw) == masked


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("510103199003071230", True),
        ("51010319900307123x", False),  # check digit should be 0
        ("510103900307123", True),  # old 15-digit form
        ("510103203003071234", False),  # born in 2030
        ("身份证", False),
    ],
)
def test_id_number_format_is_the_normalisers_verdict(raw, valid):
    assert FORMATS["id_number"].is_valid(raw, today=TODAY) is valid


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("+86 138-1234-5678", True),
        ("(023)6888 1234", True),
        ("12345", False),  # the hotline's own number
        ("1381234567", False),  # a digit short
    ],
)
def test_phone_format_is_the_normalisers_verdict(raw, valid):
    assert FORMATS["phone"].is_valid(raw, today=TODAY) is valid


def test_id_number_reasons_give_the_normalisers_words_on_a_masked_number():
    reason = FORMATS["id_number"].explain("510103203003071234", TODAY)
    assert reason.startswith("'510103**********34' birth date 2030")


@pytest.mark.parametrize(
    ("value", "column_type", "moment"),
    [
        ("2026年11月20日 下午2点03分", "datetime", dt.datetime(2026, 11, 20, 14, 3)),
        ("2026-11-20T06:03:22Z", "datetime", dt.datetime(2026, 11, 20, 14, 3, 22)),
        (dt.datetime(2026, 11, 20, 6, 3, tzinfo=dt.UTC), "datetime", dt.datetime(2026, 11, 20, 14, 3)),
        (dt.date(1990, 3, 7), "date", dt.datetime(1990, 3, 7)),
        ("07/03/1990", "date", None),
    ],
)
def test_temporal_values_become_naive_china_time_or_none(value, column_type, moment):
    assert parse_temporal(value, column_type) == moment
