"""A statistics time range as the aggregates hold it: whole quarters, whole months and days.

A range's whole quarters are read from `stats_quarterly` (when the roll-up asked for is kept by
quarter and the answer is not by month), its other whole months from `stats_monthly`, the days at its
ends from `stats_daily`. When the days at an end are more than half of their month, the month is read
whole and the days outside the range taken away instead, so no end reads more than half a month of
days (the counts are sums: a month less some of its days is the rest of its days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["RangePart", "plan_range", "split_range"]

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RangePart:
    """One part of a range: whole quarters or months (by first days) or days, ends included (None: open)."""

    grain: str  # quarter | month | day
    first: dt.date | None
    last: dt.date | None
    sign: int = 1  # -1: days taken away from a month read whole
    month: dt.date | None = None  # the month a part of days lies in


def split_range(
    start: dt.date | None, end: dt.date | None
) -> tuple[tuple[dt.date | None, dt.date | None] | None, list[tuple[dt.date | None, dt.date | None]]]:
    """Return the whole months of a range (first and last day, None: open) and the days left at its ends.

    >>> split_range(dt.date(2026, 3, 17), dt.date(2026, 6, 3))
    ((datetime.date(2026, 4, 1), datetime.date(2026, 5, 31)), [(datetime.date(2026, 3, 17), \
datetime.date(2026, 3, 31)), (datetime.date(2026, 6, 1), datetime.date(2026, 6, 3))])
    >>> split_range(dt.date(2026, 3, 17), dt.date(2026, 3, 20))
    (None, [(datetime.date(2026, 3, 17), datetime.date(2026, 3, 20))])
    """
    first = (
        start
        if start is None or start.day == 1
        else (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    )
    after = None if end is None else end + ONE_DAY
    stop = (
        after if after is None or after.day == 1 else after.replace(day=1)
    )  # the day after the whole months
    if first is not None and stop is not None and first >= stop:
        return None, [(start, end)]
    days: list[tuple[dt.date | None, dt.date | None]] = []
    if start is not None and first is not None and start < first:
        days.append((start, first - ONE_DAY))
    if end is not None and stop is not None and stop <= end:
        days.append((stop, end))
    return (first, None if stop is None else stop - ONE_DAY), days


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - ONE_DAY


def _days_part(first: dt.date, last: dt.date) -> list[RangePart]:
    """Return the parts of days `first`..`last` (within one month): the days, or their month less the rest."""
    month, month_end = first.replace(day=1), _month_end(first)
    if ((last - first).days + 1) * 2 <= (month_end - month).days + 1:
        return [RangePart("day", first, last, 1, month)]
    parts = [RangePart("month", month, month)]
    if first > month:
        parts.append(RangePart("day", month, first - ONE_DAY, -1, month))
    if last < month_end:
        parts.append(RangePart("day", last + ONE_DAY, month_end, -1, month))
    return parts


def _quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def _months_part(first: dt.date | None, last: dt.date | None, quarters: bool) -> list[RangePart]:
    """Return the parts of the whole months `first`..`last`: whole quarters and the months around them."""
    if not quarters:
        return [RangePart("month", first, last)]
    quarter_first = first
    if first is not None and _quarter_start(first) != first:
        quarter_first = _quarter_start(_quarter_start(first) + dt.timedelta(days=100))
    quarter_stop = None if last is None else _quarter_start(last + ONE_DAY)  # after the whole quarters
    if quarter_first is not None and quarter_stop is not None and quarter_first >= quarter_stop:
        return [RangePart("month", first, last)]
    parts = []
    if first is not None and quarter_first is not None and first < quarter_first:
        parts.append(RangePart("month", first, quarter_first - ONE_DAY))
    quarter_last = None if quarter_stop is None else quarter_stop - ONE_DAY
    parts.append(RangePart("quarter", quarter_first, quarter_last))
    if last is not None and quarter_stop is not None and quarter_stop <= last:
        parts.append(RangePart("month", quarter_stop, last))
    return parts


def plan_range(start: dt.date | None, end: dt.date | None, quarters: bool = False) -> list[RangePart]:
    """Return the parts to add up (or take away) for the range `start`..`end` (None: open).

    >>> [(p.grain, p.first.isoformat(), p.last.isoformat(), p.sign)
    ...  for p in plan_range(dt.date(2025, 11, 21), dt.date(2026, 11, 20), quarters=True)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('month', '2025-12-01', '2025-12-31', 1), ('quarter', '2026-01-01', '2026-09-30', 1),
     ('month', '2026-10-01', '2026-10-31', 1), ('day', '2025-11-21', '2025-11-30', 1),
     ('month', '2026-11-01', '2026-11-01', 1), ('day', '2026-11-21', '2026-11-30', -1)]
    """
    months, days = split_range(start, end)
    parts = [] if months is None else _months_part(months[0], months[1], quarters)
    for first, last in days:
        if first is None or last is None:  # split_range leaves no open days
            continue
        while first <= last:  # a run of days may cross a month's end
            until = min(last, _month_end(first))
            parts += _days_part(first, until)
            first = until + ONE_DAY
    return parts
