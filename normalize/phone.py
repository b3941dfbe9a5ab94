"""Phone numbers of mainland China in one canonical form, validated with `phonenumbers`.

    >>> clean_phone("+86 138-1234-5678"), clean_phone("(023)6888 1234 转 8012"), clean_phone("68881234")
    ('13812345678', '023-68881234', '023-68881234')

Mobiles are their 11 digits; landlines are area code (with its leading 0), a dash and the local
number. A landline written without its area code gets `default_area_code` (the city's own, since
callers and clerks leave it out for local numbers). Extensions (转, 分机, ext, a trailing dash
group) are dropped: they do not tell households apart.

`None` means "no personal phone here": junk, too few digits, numbers outside mainland China, and
service numbers (12345, 110, 95555, 400/800 lines), which would otherwise link everyone who
wrote down the hotline's own number. Validity (which prefixes and lengths exist) comes from
Google's libphonenumber metadata via the `phonenumbers` package; a cold call costs about 20 us,
so results are cached by input string (a repeat costs well under 1 us).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

import phonenumbers
from phonenumbers import PhoneNumberType

__all__ = ["PhoneKind", "clean_phone", "phone_kind"]

PhoneKind = Literal["mobile", "landline"]

_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_LANDLINE_TYPES = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
# Several numbers in one cell: the first valid one is taken.
_ALTERNATIVES = re.compile(r"[/,;，；、|]|或|和")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#).*$", re.IGNORECASE)
_MOBILE = re.compile(r"1[3-9]\d{9}")
_CANONICAL_LANDLINE = re.compile(r"0\d{2,3}-\d{7,8}")


@lru_cache(maxsize=1 << 20)
def clean_phone(raw: str | int, default_area_code: str = "023") -> str | None:
    """Return the canonical phone number, or None when `raw` holds no personal phone number.

    >>> clean_phone("００８６ １３９ ８７６５ ４３２１"), clean_phone("010 6512 3456"), clean_phone("12345")
    ('13987654321', '010-65123456', None)
    """
    text = unicodedata.normalize("NFKC", str(raw))
    for chunk in _ALTERNATIVES.split(text):
        found = _clean_one(_EXTENSION.sub("", chunk), default_area_code)
        if found is not None:
            return found
    return None


def phone_kind(clean: str) -> PhoneKind:
    """Return 'mobile' or 'landline' for a number in the form `clean_phone` returns.

    >>> phone_kind("13812345678"), phone_kind("023-68881234")
    ('mobile', 'landline')
    """
    if _MOBILE.fullmatch(clean):
        return "mobile"
    if _CANONICAL_LANDLINE.fullmatch(clean):
        return "landline"
    raise ValueError(f"{clean!r} is not a phone number in canonical form; pass it through clean_phone first")


def _clean_one(chunk: str, default_area_code: str) -> str | None:
    groups = re.findall(r"\d+", chunk)
    if not groups:
        return None
    international = chunk.lstrip().startswith("+")
    found = _canonical(_national_digits("".join(groups), international), default_area_code)
    if found is None and len(groups) > 1:
        # "023-68881234-8012": a last dash group is usually an extension.
        found = _canonical(_national_digits("".join(groups[:-1]), international), default_area_code)
    return found


def _national_digits(digits: str, international: bool) -> str | None:
    """Return the digits without the country code, or None for a country other than China."""
    if digits.startswith("0086"):
        return digits[4:]
    if international:
        return digits[2:] if digits.startswith("86") else None
    if len(digits) == 13 and digits.startswith("861"):  # 86 written without + or 00
        return digits[2:]
    return digits


# As large as clean_phone's cache: one number written several ways comes back here as the same digits.
@lru_cache(maxsize=1 << 20)
def _canonical(digits: str | None, default_area_code: str) -> str | None:
    if digits is None or len(digits) < 7:
        return None
    if len(digits) == 11 and digits[0] == "1":
        return _mobile(digits)
    if digits[0] == "0":
        # Only Beijing's area code starts 01, and 010 numbers have 11 digits: 12 digits starting
        # 01 are a mobile dialled with a trunk 0.
        return _mobile(digits[1:]) if len(digits) == 12 and digits[1] == "1" else _landline(digits)
    if len(digits) <= 8 and digits[0] in "23456789":
        return _landline(default_area_code + digits) if default_area_code else None
    if len(digits) in (10, 11):  # an area code that lost its 0: 2368881234
        return _landline("0" + digits)
    return None


def _mobile(digits: str) -> str | None:
    number = _parse(digits, _MOBILE_TYPES)
    if number is None:
        return None
    national = phonenumbers.national_significant_number(number)
    return national if _MOBILE.fullmatch(national) else None


def _landline(digits: str) -> str | None:
    number = _parse(digits, _LANDLINE_TYPES)
    if number is None:
        return None
    national = phonenumbers.national_significant_number(number)
    # Area codes 10 and 20-29 have two digits, all others three (after the trunk 0). Saying so
    # here is 50 us a number cheaper than phonenumbers.length_of_geographical_area_code.
    area = 2 if national[0] in "12" else 3
    found = f"0{national[:area]}-{national[area:]}"
    # libphonenumber also takes short numbers behind an area code (028-95335: a 95xxx service
    # line); a household's line has 7 or 8 digits
    return found if _CANONICAL_LANDLINE.fullmatch(found) else None


def _parse(digits: str, types: set[int]) -> phonenumbers.PhoneNumber | None:
    """Return the number if it is a Chinese number of one of `types` (which implies it is valid).

    `digits` are national digits, so the number is built directly: phonenumbers.parse would cost
    60 us more to find out what we already know.
    """
    number = phonenumbers.PhoneNumber(country_code=86, national_number=int(digits.lstrip("0") or "0"))
    return number if phonenumbers.number_type(number) in types else None
