"""Dates and times as different systems (and system versions) write them, all year first.

Every format here is one `normalize.dates` reads; what changes is which one a column holds, row by
row, and whether the time of day is there at all. A birth date may carry its day and month swapped
(a clerk's slip that the normaliser cannot see, since the swapped date is a valid one).
"""

from __future__ import annotations

import re

DATETIME_STYLES = (
    "{y}-{m:02d}-{d:02d} {H:02d}:{M:02d}:{S:02d}",
    "{y}/{m}/{d} {H}:{M:02d}",
    "{y}年{m:02d}月{d:02d}日 {H:02d}:{M:02d}",
    "{y}年{m}月{d}日{H}时{M:02d}分",
    "{y}{m:02d}{d:02d}{H:02d}{M:02d}{S:02d}",
    "{y}-{m:02d}-{d:02d}T{H:02d}:{M:02d}:{S:02d}+08:00",
    "{y}.{m:02d}.{d:02d} {H:02d}:{M:02d}",
)
DATE_STYLES = (
    "{y}年{m:02d}月{d:02d}日",
    "{y}/{m}/{d}",
    "{y}{m:02d}{d:02d}",
    "{y}-{m:02d}-{d:02d}",
    "{y}年{m}月{d}日",
)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_DATE = re.compile(r"(\d{4})\D?(\d{1,2})\D?(\d{1,2})\D?$")


def _pick(styles: tuple[str, ...], draw: float) -> str:
    return styles[int(draw * len(styles)) % len(styles)]


def restyle_datetime(stamp: str, draw: float, date_only: bool) -> str:
    """Return a 'YYYY-MM-DD HH:MM:SS' stamp in a style picked by `draw` (the date alone if `date_only`).

    >>> stamp = "2026-07-04 09:03:05"
    >>> restyle_datetime(stamp, 0.3, False), restyle_datetime(stamp, 0.1, True)
    ('2026年07月04日 09:03', '2026年07月04日')
    """
    match = _ISO.match(stamp)
    if match is None:
        return stamp
    y, m, d, hh, mm, ss = (int(g) for g in match.groups())
    style = _pick(DATE_STYLES, draw) if date_only else _pick(DATETIME_STYLES, draw)
    return style.format(y=y, m=m, d=d, H=hh, M=mm, S=ss)


def _parts(text: str) -> tuple[int, int, int] | None:
    match = _DATE.match(text.replace("年", "-").replace("月", "-").replace("日", ""))
    if match is None:
        return None
    y, m, d = (int(g) for g in match.groups())
    return (y, m, d) if 1 <= m <= 12 and 1 <= d <= 31 else None


def restyle_date(text: str, draw: float, swap: bool) -> str:
    """Return a written date (19900307, 1990年3月7日 ...) in a style picked by `draw`, day and month
    swapped if `swap` and both are 12 or less; a value that is no date is returned as it is.

    >>> restyle_date("19900307", 0.1, True), restyle_date("1990年3月7日", 0.5, False)
    ('1990年07月03日', '19900307')
    """
    parts = _parts(text)
    if parts is None:
        return text
    y, m, d = parts
    if swap and d <= 12 and d != m:
        m, d = d, m
    return _pick(DATE_STYLES, draw).format(y=y, m=m, d=d)
