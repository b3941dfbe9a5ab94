"""Masks that hold: personal fields leave in the form the caller's role allows, free text too.

A masked ID number keeps only its province (2 of 18 digits) and a masked phone its first 3 and
last 2 of 11, and a masked role sees the birth year, not the date: whatever else such a caller
sees (district, sex, birth year), at least 1,000 numbers stay possible for each mask. Runs of 7
or more digits inside free text (a description, a highlight) are masked the same way.

    >>> mask_id_number("500106198503070016"), mask_phone("13812345678"), mask_phone("023-68881234")
    ('50****************', '138******78', '***-********')
    >>> mask_free_text("来电人13812345678称身份证500106198503070016丢失，2026-11-20报")
    '来电人138******78称身份证50****************丢失，2026-11-20报'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from cityhub.access.policy import Scope

__all__ = ["ID_FIELDS", "PHONE_FIELDS", "mask_free_text", "mask_id_number", "mask_phone", "shaped"]

ID_FIELDS = frozenset({"id_number", "id_numbers", "sfzh"})
PHONE_FIELDS = frozenset({"phone", "phones", "lxdh", "mobile"})
BIRTH_FIELDS = frozenset({"birth_date", "birthday", "csrq"})
# Keys whose values are the hub's own ids or codes, never free text (left as they are).
_CODE_KEYS = frozenset(
    {"id", "key", "label", "kind", "source", "sources", "category", "status", "role", "type"}
)
_TAG = r"(?:</?em>)?"
_DIGIT_RUN = re.compile(rf"(?<![A-Za-z0-9_\-])\d(?:{_TAG}[ \-]?{_TAG}\d){{6,}}{_TAG}[xX]?(?![A-Za-z0-9])")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2})?")


def _star_digits(text: str, keep_head: int, keep_tail: int) -> str:
    positions = [i for i, ch in enumerate(text) if ch.isdigit() or ch in "xX"]
    hidden = set(positions[keep_head : len(positions) - keep_tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


def mask_id_number(value: str) -> str:
    """Return an ID number with all but its first two digits (the province) starred."""
    return _star_digits(value, 2, 0)


def mask_phone(value: str) -> str:
    """Return a phone with only a mobile's first 3 and last 2 digits kept (a landline: none)."""
    count = sum(ch.isdigit() for ch in value)
    return (
        _star_digits(value, 3, 2)
        if count >= 11 and value.lstrip("+ ").startswith("1")
        else _star_digits(value, 0, 0)
    )


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    plain = re.sub(r"</?em>", "", run)
    if _DATE.fullmatch(plain):
        return run
    digits = sum(ch.isdigit() for ch in plain)
    if digits >= 15:
        return mask_id_number(run)
    return mask_phone(run) if digits == 11 and plain.startswith("1") else _star_digits(run, 0, 0)


def mask_free_text(text: str) -> str:
    """Return `text` with every run of 7 or more digits (a phone, an ID number) masked."""
    return _DIGIT_RUN.sub(_mask_run, text)


def _field(value: Any, form: str, mask: Any) -> Any:
    if value is None or value == "":
        return value
    if isinstance(value, (list, tuple)):
        return [_field(v, form, mask) for v in value if form != "hidden"]
    if form == "clear":
        return value
    if form == "hidden":
        return None
    if form == "year":
        return str(value)[:4]
    return mask(str(value))


def shaped(value: Any, scope: Scope) -> Any:
    """Return a JSON-ready copy of `value` with personal fields and free text as `scope` allows."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _shaped_item(str(k), v, scope) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [shaped(v, scope) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, str) and scope.field_form("id_number") != "clear":
        return mask_free_text(value)
    return value


def _shaped_item(key: str, value: Any, scope: Scope) -> Any:
    if key in ID_FIELDS:
        return _field(value, scope.field_form("id_number"), mask_id_number)
    if key in PHONE_FIELDS:
        return _field(value, scope.field_form("phone"), mask_phone)
    if key in BIRTH_FIELDS:
        return _field(shaped(value, scope), scope.field_form("birth_date"), str)
    if key == "sources" and isinstance(
        value, (list, tuple)
    ):  # provenance: "source:record_id" or source codes
        return [v for v in value if scope.allows_source(str(v).split(":", 1)[0])]
    if key in _CODE_KEYS or key.endswith(("_id", "_ids")):
        return value if isinstance(value, str) else shaped(value, scope)
    return shaped(value, scope)
