"""A fault script: one fault per line (or per `;`), in words a test reads at a glance.

    hotline page 3 -> 503 twice
    grid request 2 -> 429
    hotline page 2 -> malformed missing caller_phone
    grid page 1 -> duplicate
    petitions day 2026-11-19 -> malformed row 2
    police_incidents J5001062025112200001 v2 -> late 36h
"""

from __future__ import annotations

import datetime as dt
import re

from simulators.systems.faults import FileFault, HttpFault, LateUpdate

_TIMES = {"once": 1, "twice": 2, "thrice": 3}
_HTTP = re.compile(
    r"(?P<system>\w+)\s+(?P<where>page|request)\s+(?P<n>\d+)\s*->\s*(?P<kind>timeout|503|429|duplicate|malformed)"
    r"(?:\s+(?:(?P<word>once|twice|thrice)|(?P<count>\d+)\s+times|x(?P<x>\d+)))?"
    r"(?:\s+missing\s+(?P<field>\S+))?$"
)
_FILE = re.compile(
    r"petitions\s+(?:day\s+)?(?P<day>\d{4}-\d{2}-\d{2})\s*->\s*malformed(?:\s+row\s+(?P<row>\d+))?$"
)
_LATE = re.compile(
    r"(?P<channel>\w+)\s+(?P<record>\S+)\s+v(?P<version>\d+)\s*->\s*late\s+(?P<amount>\d+)(?P<unit>[smhd])$"
)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_script(text: str) -> tuple[list[HttpFault], list[FileFault], list[LateUpdate]]:
    """Return the HTTP, file and late-update faults a script lists; ValueError names a bad line."""
    http: list[HttpFault] = []
    files: list[FileFault] = []
    late: list[LateUpdate] = []
    for number, line in enumerate(re.split(r"[;\n]", text), start=1):
        line = " ".join(line.split())
        if not line or line.startswith("#"):
            continue
        if match := _FILE.match(line):
            files.append(FileFault(dt.date.fromisoformat(match["day"]), int(match["row"] or 1)))
        elif match := _LATE.match(line):
            delay = dt.timedelta(**{_UNITS[match["unit"]]: int(match["amount"])})
            late.append(LateUpdate(match["channel"], match["record"], int(match["version"]), delay))
        elif match := _HTTP.match(line):
            http.append(_http_fault(match))
        else:
            raise ValueError(f"fault script line {number}: cannot read {line!r}")
    return http, files, late


def _http_fault(match: re.Match[str]) -> HttpFault:
    """Return the HTTP fault of a matched script line."""
    times = _TIMES.get(match["word"] or "", 0) or int(match["count"] or match["x"] or 1)
    n = int(match["n"])
    where = {"page": n} if match["where"] == "page" else {"request": n}
    return HttpFault(match["system"], match["kind"], times=times, missing_field=match["field"],  # type: ignore[arg-type]
                     **where)
