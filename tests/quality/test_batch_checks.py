"""Batch-level checks: volume against recent history, freshness, and schema drift."""

from __future__ import annotations

import datetime as dt

import pytest

from ontology.errors import QualityError, SchemaDrift
from quality.batch_checks import check_columns, check_freshness, check_volume

NOW = dt.datetime(2026, 11, 20, 12, 0)
HISTORY = [1000, 1100, 950, 1020]  # median 1010: ordinary is 202 to 5050


@pytest.mark.parametrize(
    ("count", "history", "ok"),
    [
        (1010, HISTORY, True),
        (202, HISTORY, True),
        (201, HISTORY, False),  # a fifth of the usual, minus one row
        (5050, HISTORY, True),
        (5051, HISTORY, False),
        (0, HISTORY, False),  # the source sent nothing at all
        (40, [1000, 1100], True),  # two earlier batches are not yet a history
        (40, [], True),
        (3, [0, 0, 0], False),  # a source that always sent nothing now sends something
    ],
)
def test_volume_is_flagged_far_below_or_above_the_recent_median(count, history, ok):
    assert check_volume(count, history).ok is ok


def test_volume_messages_say_which_way_and_what_was_expected():
    assert check_volume(40, HISTORY).message == (
        "40 rows is far below the recent median of 1010 (expected 202 to 5050)"
    )
    assert check_volume(9000, HISTORY).message == (
        "9000 rows is far above the recent median of 1010 (expected 202 to 5050)"
    )
    assert "only 2 earlier batches" in check_volume(40, [5, 6]).message


def test_volume_thresholds_can_be_tightened():
    assert check_volume(500, HISTORY).ok
    assert not check_volume(500, HISTORY, factor=1.5).ok


@pytest.mark.parametrize(
    ("newest", "ok", "words"),
    [
        (dt.datetime(2026, 11, 20, 11, 0), True, "is 1:00:00 old"),
        (
            dt.datetime(2026, 11, 19, 11, 59),
            False,
            "is 1 day, 0:01:00 old, more than the 1 day, 0:00:00 allowed",
        ),
        (dt.datetime(2026, 11, 20, 12, 5), True, "is 0:00:00 old"),  # a few minutes of clock skew
        (
            dt.datetime(2026, 11, 20, 14, 0),
            False,
            "is 2:00:00 ahead of now (2026-11-20 12:00:00): wrong clock?",
        ),
        (None, False, "no record carries an update time"),
    ],
)
def test_freshness_flags_stale_missing_and_future_update_times(newest, ok, words):
    result = check_freshness(newest, NOW, dt.timedelta(days=1))
    assert result.ok is ok
    assert words in result.message


def test_freshness_compares_aware_times_in_china_time():
    newest = dt.datetime(2026, 11, 20, 3, 30, tzinfo=dt.UTC)  # 11:30 in China
    assert check_freshness(newest, NOW, dt.timedelta(hours=1)).ok
    assert not check_freshness(newest, NOW, dt.timedelta(minutes=15)).ok


def test_a_failed_check_raises_a_quality_error_naming_the_source():
    check_volume(1000, HISTORY).raise_if_failed("hotline")
    with pytest.raises(QualityError, match="^hotline: volume: 40 rows is far below"):
        check_volume(40, HISTORY).raise_if_failed("hotline")


def test_a_missing_column_is_schema_drift_naming_the_source_and_the_column():
    with pytest.raises(SchemaDrift, match=r"^police: column 'sfzh' is missing$"):
        check_columns("police", ["jjbh", "sfzh", "bjsj"], ["jjbh", "bjsj"])


def test_a_renamed_column_is_reported_with_its_likely_new_name():
    with pytest.raises(SchemaDrift) as raised:
        check_columns(
            "petitions", ["信访件编号", "身份证号码", "登记日期"], ["信访件编号", "身份证号", "登记日期"]
        )
    assert str(raised.value) == "petitions: column '身份证号码' is missing (renamed to '身份证号'?)"


def test_every_missing_column_is_named():
    with pytest.raises(SchemaDrift, match="column 'a' is missing; column 'c' is missing"):
        check_columns("grid", ["a", "b", "c"], ["b", "zzz"])


def test_extra_columns_are_no_drift_but_are_reported():
    result = check_columns("hotline", ["gdbh", "ldsj"], ["ldsj", "gdbh", "sfmy", "hfjg"])
    assert result.added == ("hfjg", "sfmy")


def test_a_batch_without_rows_shows_no_columns_and_is_no_drift():
    assert check_columns("hotline", ["gdbh", "ldsj"], []).added == ()
