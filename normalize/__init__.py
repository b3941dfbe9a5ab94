"""Value normalisers: one module per kind of value, each a few pure, cached functions.

    names      clean_name, split_surname, name_pinyin, phonetic_key, fuzzy_phonetic_key, name_keys
    id_number  parse_id_number, is_valid_id_number, id_check_digit, make_id_number
    phone      clean_phone, phone_kind
    dates      parse_date, parse_datetime
    address    parse_address, place_key, normalize_address_text

Connectors, quality checks, the simulators and entity resolution all call these; none of them
cleans a value of these kinds in its own way.

The names below are imported on first use: the modules pull in OpenCC, pypinyin, phonenumbers,
cn2an and the gazetteer code (about half a second), and a caller that only parses dates should
not pay for the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from normalize.address import (
        AddressParts,
        normalize_address_text,
        parse_address,
        place_key,
    )
    from normalize.dates import InvalidDate, parse_date, parse_datetime
    from normalize.id_number import (
        IdNumber,
        InvalidIdNumber,
        id_check_digit,
        is_valid_id_number,
        make_id_number,
        parse_id_number,
    )
    from normalize.names import (
        NameKeys,
        clean_name,
        fuzzy_phonetic_key,
        name_keys,
        name_pinyin,
        phonetic_key,
        split_surname,
    )
    from normalize.phone import PhoneKind, clean_phone, phone_kind

_MODULE_OF = {
    **dict.fromkeys(("AddressParts", "normalize_address_text", "parse_address", "place_key"), "address"),
    **dict.fromkeys(("InvalidDate", "parse_date", "parse_datetime"), "dates"),
    **dict.fromkeys(
        (
            "IdNumber",
            "InvalidIdNumber",
            "id_check_digit",
            "is_valid_id_number",
            "make_id_number",
            "parse_id_number",
        ),
        "id_number",
    ),
    **dict.fromkeys(
        (
            "NameKeys",
            "clean_name",
            "fuzzy_phonetic_key",
            "name_keys",
            "name_pinyin",
            "phonetic_key",
            "split_surname",
        ),
        "names",
    ),
    **dict.fromkeys(("PhoneKind", "clean_phone", "phone_kind"), "phone"),
}

__all__ = [  # the same names as _MODULE_OF, spelt out for type checkers and linters
    "AddressParts",
    "IdNumber",
    "InvalidDate",
    "InvalidIdNumber",
    "NameKeys",
    "PhoneKind",
    "clean_name",
    "clean_phone",
    "fuzzy_phonetic_key",
    "id_check_digit",
    "is_valid_id_number",
    "make_id_number",
    "name_keys",
    "name_pinyin",
    "normalize_address_text",
    "parse_address",
    "parse_date",
    "parse_datetime",
    "parse_id_number",
    "phone_kind",
    "phonetic_key",
    "place_key",
    "split_surname",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))
