"""Checks on a batch as a whole: its volume against recent history, its freshness, its columns.

Row checks cannot see a source that sends a tenth of its usual rows, stops updating, or renames
a column: every row that does arrive may be perfect. These can.

    >>> check_volume(40, [1000, 1100, 950]).ok
    False
    >>> check_volume(40, [1000, 1100, 950]).message
    '40 rows is far below the recent median of 1000 (expected 200 to 5000)'
"""

from __future__ import annotations

import datetime as dt
import difflib
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ontology.errors import QualityError, SchemaDrift
from quality.formats import china_time

__all__ = ["BatchCheck", "ColumnsCheck", "check_columns", "check_freshness", "check_volume"]

VOLUME_FACTOR = 5.0  # a batch within [median / 5, median * 5] of recent ones is ordinary
MIN_HISTORY = 3  # fewer earlier batches than this say too little about what is ordinary
CLOCK_SKEW = dt.timedelta(minutes=10)  # update times this far ahead of us mean a wrong clock


@dataclass(frozen=True, slots=True)
class BatchCheck:
    """The verdict of one batch-level check, with a message an operator can act on."""

    check: str
    ok: bool
    message: str

    def raise_if_failed(self, source: str) -> None:
        """Raise QualityError naming the source if the check failed."""
        if not self.ok:
            raise QualityError(f"{source}: {self.check}: {self.message}")


@dataclass(frozen=True, slots=True)
class ColumnsCheck:
    """Columns a source sent beyond the expected ones (harmless, but worth mapping one day)."""

    source: str
    added: tuple[str, ...]


def check_volume(
    count: int, recent_counts: Sequence[int], *, factor: float = VOLUME_FACTOR, min_history: int = MIN_HISTORY
) -> BatchCheck:
    """Return whether a batch's row count is within `factor` of the median of recent batches.

    With fewer than `min_history` recent batches there is no ordinary yet, and the check passes.
    """
    if len(recent_counts) < min_history:
        return BatchCheck(
            "volume",
            True,
            f"{count} rows; only {len(recent_counts)} earlier batches, volume is judged from {min_history}",
        )
    median = statistics.median(recent_counts)
    low, high = median / factor, median * factor
    expected = f"(expected {low:g} to {high:g})"
    if not low <= count <= high:
        side = "below" if count < low else "above"
        message = f"{count} rows is far {side} the recent median of {median:g} {expected}"
        return BatchCheck("volume", False, message)
    return BatchCheck("volume", True, f"{count} rows, recent median {median:g} {expected}")


def check_freshness(
    max_updated_at: dt.datetime | None, now: dt.datetime, max_age: dt.timedelta
) -> BatchCheck:
    """Return whether the newest update time in a batch is at most `max_age` old.

    No update time at all fails; so does one more than a few minutes in the future, which means
    the source's clock (or its time zone) is wrong and every watermark after it would be too.
    """
    if max_updated_at is None:
        return BatchCheck("freshness", False, "no record carries an update time")
    newest, moment = china_time(max_updated_at), china_time(now)
    age = moment - newest
    if age < -CLOCK_SKEW:
        return BatchCheck(
            "freshness",
            False,
            f"newest update {newest:%Y-%m-%d %H:%M:%S} is {-age} "
            f"ahead of now ({moment:%Y-%m-%d %H:%M:%S}): wrong clock?",
        )
    if age > max_age:
        return BatchCheck(
            "freshness",
            False,
            f"newest update {newest:%Y-%m-%d %H:%M:%S} is {age} old, more than the {max_age} allowed",
        )
    shown_age = max(age, dt.timedelta(0))
    return BatchCheck("freshness", True, f"newest update {newest:%Y-%m-%d %H:%M:%S} is {shown_age} old")


def check_columns(
    source: str, expected_columns: Iterable[str], actual_columns: Iterable[str]
) -> ColumnsCheck:
    """Return the unexpected extra columns; raise SchemaDrift naming any expected column that is missing.

    A missing column with a similar new one beside it is reported as a likely rename. No columns
    at all (a batch with no rows) says nothing about the schema and passes.
    """
    expected, actual = list(dict.fromkeys(expected_columns)), set(actual_columns)
    added = tuple(sorted(actual - set(expected)))
    missing = [column for column in expected if column not in actual]
    if missing and actual:
        raise SchemaDrift(f"{source}: " + "; ".join(_missing_text(column, added) for column in missing))
    return ColumnsCheck(source, added)


def _missing_text(column: str, added: tuple[str, ...]) -> str:
    """Return 'column 'x' is missing', with the closest new column as a possible new name."""
    close = difflib.get_close_matches(column, added, n=1, cutoff=0.5)
    rename = f" (renamed to {close[0]!r}?)" if close else ""
    return f"column {column!r} is missing{rename}"
