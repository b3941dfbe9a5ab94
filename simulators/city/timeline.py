"""The simulated history window and the time formats the departments write.

Times are naive local time (Asia/Shanghai) held as int64 seconds since 1970-01-01 in numpy arrays;
dates as numpy `datetime64[D]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

DAY = 86_400
HOUR = 3_600
MINUTE = 60

Seconds = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class History:
    """The simulated period: from `start` 00:00:00 to `end` 23:59:59, both days included."""

    start: date
    end: date

    @classmethod
    def ending(cls, end: date, days: int) -> History:
        """Return the `days`-long history whose last day is `end`."""
        return cls(start=end - timedelta(days=days - 1), end=end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_s(self) -> int:
        return int(np.datetime64(self.start, "s").astype(np.int64))

    @property
    def end_s(self) -> int:
        """Return the last second of the history (inclusive)."""
        return self.start_s + self.days * DAY - 1


def datetime_strings(seconds: Seconds, sep: str = " ") -> list[str]:
    """Return `YYYY-MM-DD HH:MM:SS` strings for epoch seconds (vectorised).

    >>> datetime_strings(np.array([0]))
    ['1970-01-01 00:00:00']
    """
    text = np.datetime_as_string(np.asarray(seconds, dtype="datetime64[s]"), unit="s")
    return [t.replace("T", sep) for t in text.tolist()]


def compact_dates(days: npt.NDArray[np.datetime64]) -> list[str]:
    """Return `YYYYMMDD` strings for dates.

    >>> compact_dates(np.array(["1990-03-07"], dtype="datetime64[D]"))
    ['19900307']
    """
    text = np.datetime_as_string(np.asarray(days).astype("datetime64[D]"), unit="D")
    return [t.replace("-", "") for t in text.tolist()]


def date_parts(days: npt.NDArray[np.datetime64]) -> tuple[npt.NDArray[np.int64], ...]:
    """Return (year, month, day) integer arrays for `datetime64[D]` values."""
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    month = (months - years).astype(np.int64) + 1
    day = (days - months).astype(np.int64) + 1
    return year, month, day
