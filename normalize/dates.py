"""Dates and times as Chinese records write them, parsed into `datetime.date` / `datetime.datetime`.

    >>> parse_date("一九九〇年三月七日"), parse_date("１９９０/０３/０７"), parse_date("19900307")
    (datetime.date(1990, 3, 7), datetime.date(1990, 3, 7), datetime.date(1990, 3, 7))
    >>> parse_datetime("2026年11月20日 下午2点03分")
    datetime.datetime(2026, 11, 20, 14, 3)

Year first, always: 1990年3月7日, 1990-3-7, 1990/03/07, 1990.03.07, 19900307, with full-width
digits or Chinese numerals, optionally followed by a time (14:03, 14:03:22.5, 14时03分, 下午2点半,
ISO 'T' and 'Z' or an offset). Day-first and month-first forms (07/03/1990) and two-digit years
are refused: in mixed exports they cannot be told apart, and a wrong birth date is worse than
none.

Datetimes come back naive, in China Standard Time (UTC+8), which is what every department
system records; a value with 'Z' or an offset is converted to it. Parsed values are cached by
input string: birth and event dates repeat a great deal.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

__all__ = ["CHINA_TZ", "InvalidDate", "date_parts", "parse_date", "parse_datetime"]

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")
EARLIEST_YEAR = 1870
LATEST_YEAR = 2200


class InvalidDate(ValueError):
    """The value is not a date (or datetime) in any form cityhub reads; the message says why."""


# The letter O stands in for 〇 when people type years with a Latin keyboard (二O二六年).
_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMERAL = re.compile(r"[〇零○O一二两三四五六七八九十廿卅]+")
_NOON_WORDS = {"下午": 12, "晚上": 12, "傍晚": 12, "中午": 12, "PM": 12}
_PATTERN = re.compile(
    r"""
    (?P<year>\d{4}) \s* [-/.年] \s* (?P<month>\d{1,2}) \s* [-/.月] \s* (?P<day>\d{1,2}) \s* [日号]?
    (?:
        \s* T? \s* (?P<ampm>上午|下午|晚上|傍晚|凌晨|早上|中午)? \s*
        (?P<hour>\d{1,2}) \s* [:时点] \s*
        (?: (?P<minute>\d{1,2}|半) \s* 分? \s* (?: :? \s* (?P<second>\d{1,2}(?:\.\d+)?) \s* 秒? )? )?
        \s* (?P<meridiem>AM|PM)?
        \s* (?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?
    )?
    \s*$
    """,
    re.VERBOSE | re.IGNORECASE,
)
# 19900307, 202611201403, 20261120140322: rewritten with separators before matching.
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\s*T?\s*(\d{2})(\d{2})(\d{2})?)?")
# 20261120 14:03, 20261120 14:03:22: a compact date with a written time, as some exports join them.
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?=\s*T?\s*\d{1,2}\s*[:时点])")


def parse_date(raw: str) -> dt.date:
    """Return the date a raw value names (a time after it is allowed and ignored unless zoned).

    >>> parse_date(" 1990.3.7 "), parse_date("2026-11-20 14:03:22")
    (datetime.date(1990, 3, 7), datetime.date(2026, 11, 20))
    """
    return _parse(raw).date()


# A recorded date as written, valid or not: year first, then month and day.
_PARTS = re.compile(r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})")


def date_parts(raw: str) -> tuple[int, int, int] | None:
    """Return (year, month, day) as a year-first date writes them, even when they name no real day.

    A clerk's slip (month 13, day 0, 1949-02-30) still says which person it was: the parts that
    were keyed right are evidence. None when the value is not a year-first date at all.

    >>> date_parts("1949-00-13"), date_parts("19331302"), date_parts("1990年3月7日"), date_parts("3/7/1990")
    ((1949, 0, 13), (1933, 13, 2), (1990, 3, 7), None)
    """
    try:
        day = parse_date(raw)
    except InvalidDate:
        pass
    else:
        return day.year, day.month, day.day
    text = _arabic(unicodedata.normalize("NFKC", str(raw)).strip())
    compact = _COMPACT.fullmatch(text)
    if compact is not None:
        return int(compact[1]), int(compact[2]), int(compact[3])
    match = _PARTS.match(text)
    if match is None:
        return None
    return int(match["year"]), int(match["month"]), int(match["day"])


def parse_datetime(raw: str) -> dt.datetime:
    """Return the naive China-time datetime a raw value names; a bare date means midnight.

    >>> parse_datetime("2026-11-20T06:03:22Z"), parse_datetime("2026/11/20 14:03")
    (datetime.datetime(2026, 11, 20, 14, 3, 22), datetime.datetime(2026, 11, 20, 14, 3))
    """
    return _parse(raw)


@lru_cache(maxsize=1 << 18)
def _parse(raw: str) -> dt.datetime:
    text = _arabic(unicodedata.normalize("NFKC", str(raw)).strip())
    compact = _COMPACT.fullmatch(text)
    if compact is not None:
        year, month, day, hour, minute, second = compact.groups()
        text = f"{year}-{month}-{day}" + (f" {hour}:{minute}:{second or '00'}" if hour else "")
    else:
        text = _COMPACT_DATE.sub(r"\1-\2-\3 ", text, count=1)
    match = _PATTERN.match(text)
    if match is None:
        raise InvalidDate(f"{str(raw)[:40]!r} is not a year-first date")
    parts = match.groupdict()
    year, month, day = int(parts["year"]), int(parts["month"]), int(parts["day"])
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise InvalidDate(f"{str(raw)[:40]!r}: year {year} is out of range")
    try:
        moment = dt.datetime(year, month, day, *_clock(parts))
    except ValueError as error:
        raise InvalidDate(f"{str(raw)[:40]!r} is not a real date or time ({error})") from None
    return _to_china_time(moment, parts["zone"])


def _clock(parts: dict[str, str | None]) -> tuple[int, int, int, int]:
    """Return (hour, minute, second, microsecond) from the matched time groups (all zero if none)."""
    if parts["hour"] is None:
        return 0, 0, 0, 0
    hour = int(parts["hour"])
    half = _NOON_WORDS.get((parts["ampm"] or parts["meridiem"] or "").upper(), 0)
    if half and hour < 12 and not (parts["ampm"] == "中午" and hour >= 11):
        hour += half
    if (parts["meridiem"] or "").upper() == "AM" and hour == 12:
        hour = 0
    minute_text = parts["minute"] or "0"
    minute = 30 if minute_text == "半" else int(minute_text)
    seconds = float(parts["second"] or 0)
    whole = int(seconds)
    return hour, minute, whole, min(round((seconds - whole) * 1_000_000), 999_999)


def _to_china_time(moment: dt.datetime, zone: str | None) -> dt.datetime:
    if not zone:
        return moment
    if zone.upper() == "Z":
        offset = dt.timedelta(0)
    else:
        digits = zone[1:].replace(":", "").ljust(4, "0")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = -offset if zone[0] == "-" else offset
    aware = moment.replace(tzinfo=dt.timezone(offset))
    return aware.astimezone(CHINA_TZ).replace(tzinfo=None)


def _arabic(text: str) -> str:
    """Replace Chinese numerals with Arabic digits: 一九九〇 -> 1990, 二十七 -> 27, 十 -> 10."""
    return _CN_NUMERAL.sub(lambda m: str(_numeral_value(m.group())), text) if _has_numeral(text) else text


def _has_numeral(text: str) -> bool:
    return any(ch in _CN_DIGITS or ch in "十廿卅" for ch in text)


def _numeral_value(numeral: str) -> str:
    if not any(ch in "十廿卅" for ch in numeral):
        return "".join(str(_CN_DIGITS[ch]) for ch in numeral)  # a year read digit by digit
    tens_word = {"廿": 2, "卅": 3}
    total = 0
    head = numeral[0]
    if head in tens_word:
        total, rest = tens_word[head] * 10, numeral[1:]
    else:
        tens_text, _, rest = numeral.partition("十")
        total = (_CN_DIGITS[tens_text] if tens_text else 1) * 10
    return str(total + (_CN_DIGITS[rest] if rest else 0))
