"""Stage 1, normalise: person mentions in, one row of matching columns per mention out.

Every raw value goes through the normalisers of `normalize` once per distinct
value (hotline callers repeat, names and birth dates repeat far more), and the results are spread
back over the rows. The output keeps the row order of the input; stages after this one refer to
mentions by row position.

Columns of the prepared table:

    record_id, source
    name_clean      '张伟' (simplified, clean); None for 匿名 or a bare title like 王先生
    name_key        phonetic key: 张伟, 张玮, 張偉 share 'zhangwei'
    name_fuzzy      looser phonetic key (zh/z, n/l ...), for blocking only
    surname         '张' (also from 王先生); a Latin name's first word; None when unknown
    given_key       phonetic key of the given name: 'wei'
    id18            valid 18-digit ID number (15-digit ones upgraded), else None
    id_raw          the compacted ID text when it is not a valid resident ID (typos, foreign IDs)
    id_head, id_tail  the first and the second half of the ID text (id18, else id_raw), for blocking:
                    a number keyed with one slip keeps one half intact
    id_birth, id_sex  what the valid ID number says
    mobile, landline  canonical phone numbers, at most one of each
    mobile_head, mobile_tail  the mobile's first six and last five digits, for blocking: a number
                    keyed with one slip keeps one of them
    birth_date      recorded birth date, else the ID's (datetime64, NaT when unknown)
    birth_digits    the birth date as written, YYYYMMDD, even when it names no real day
                    ('19490013'): the parts keyed right still count; else the ID's
    birth_ym, birth_md, birth_yd  two of its parts: for blocking a date with a slip in the third
    gender          'M' / 'F': recorded, else from a title (先生/女士), else from the ID
    address_key     key of the finest place the address names: '锦绣花园|3|2|501', '锦绣花园|3'
    building_key    estate and building: '锦绣花园|3' (None when no building is named)
    room_key        the address key, only when the address names a room (else None)
    estate_key      key of the estate (小区) the address names
    address_text    the cleaned address text, for fuzzy comparison of addresses no parser reads
    address_head    for an address no parser could key: its first letters and digits
                    ('14wynns' of '14 wynn street, ...'), for blocking typos in the rest of it
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from normalize.address import parse_address, place_key
from normalize.dates import InvalidDate, date_parts, parse_date
from normalize.id_number import InvalidIdNumber, parse_id_number
from normalize.names import MIDDLE_DOT, name_keys, phonetic_key
from normalize.phone import clean_phone, phone_kind

__all__ = ["MENTION_COLUMNS", "PREPARED_COLUMNS", "PrepareOptions", "letters_and_digits", "prepare_mentions"]

MENTION_COLUMNS = ("record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address")
PREPARED_COLUMNS = (
    "record_id",
    "source",
    "name_clean",
    "name_key",
    "name_fuzzy",
    "surname",
    "given_key",
    "id18",
    "id_raw",
    "id_head",
    "id_tail",
    "id_birth",
    "id_sex",
    "mobile",
    "landline",
    "mobile_head",
    "mobile_tail",
    "birth_date",
    "birth_digits",
    "birth_ym",
    "birth_md",
    "birth_yd",
    "gender",
    "address_key",
    "building_key",
    "room_key",
    "estate_key",
    "address_text",
    "address_head",
)

# Distinct addresses from which parsing them in a second process pays for starting it (about 2 s
# with the gazetteer load); a million mentions hold about 500,000.
PARALLEL_ADDRESSES = 100_000
# Gender as departments code it: GB/T 2261.1 digits, Chinese words, English letters.
GENDER_CODES = {"M": "M", "MALE": "M", "男": "M", "1": "M", "F": "F", "FEMALE": "F", "女": "F", "2": "F"}
# What a call-taker types when the caller gives no name.
NO_NAME = frozenset({"匿名", "不详", "未知", "无名", "无", "市民", "群众", "来电人", "NA", "NULL", "NONE"})
# 王先生, 李女士, 张师傅: a surname and a form of address, not a name; the title tells the gender.
_TITLE = re.compile(r"^(?P<surname>\w{1,2}?)(?P<title>先生|女士|小姐|老师|师傅|阿姨|大爷|大妈|老板|同志)$")
_TITLE_GENDER = {"先生": "M", "大爷": "M", "女士": "F", "小姐": "F", "阿姨": "F", "大妈": "F"}
# Several numbers in one phone cell; each part is cleaned on its own.
_PHONE_PARTS = re.compile(r"[/,;，；、|]|或")


@dataclass(frozen=True, slots=True)
class PrepareOptions:
    """Settings of the normalisation stage."""

    # The hub's own city: landlines written without an area code are local numbers, and district
    # short names (江北, 渝中) are read as this city's districts.
    default_area_code: str = "023"
    city_code: str | None = "500100"


def _text(value: Any) -> str | None:
    """Return a raw cell as stripped text, or None for empty / missing cells."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    text = str(value).strip()
    return text or None


def _normalise_all(normalise: Callable[[Any], tuple[Any, ...]], values: list[Any]) -> list[tuple[Any, ...]]:
    return [normalise(value) for value in values]


class _Distinct:
    """The distinct non-missing values of a column, normalised in this process or, when there are
    many, in a second one while this process normalises the other columns (`spread` reads them)."""

    def __init__(
        self,
        values: pd.Series,
        normalise: Callable[[Any], tuple[Any, ...]],
        pool: ProcessPoolExecutor | None = None,
    ) -> None:
        self.codes, uniques = pd.factorize(values, use_na_sentinel=True)
        self.pending: Future[list[tuple[Any, ...]]] | None = None
        self.results: list[tuple[Any, ...]] = []
        if pool is not None:
            self.pending = pool.submit(_normalise_all, normalise, list(uniques))
        else:
            self.results = _normalise_all(normalise, list(uniques))

    def spread(self, width: int) -> list[np.ndarray]:
        """Return `width` object columns, one value per row of the column."""
        results = self.pending.result() if self.pending is not None else self.results
        return _columns(results, self.codes, width)


def _per_distinct(
    values: pd.Series, normalise: Callable[[Any], tuple[Any, ...]], width: int
) -> list[np.ndarray]:
    """Return `width` object columns: `normalise` applied once per distinct non-missing value."""
    return _Distinct(values, normalise).spread(width)


def _columns(results: list[tuple[Any, ...]], codes: np.ndarray, width: int) -> list[np.ndarray]:
    columns = []
    for k in range(width):
        out = np.empty(len(results) + 1, dtype=object)  # the last slot answers the missing code -1
        out[:-1] = [r[k] for r in results]
        out[-1] = None
        columns.append(out[codes])
    return columns


def _name(raw: Any) -> tuple[str | None, str | None, str | None, str | None, str | None, str | None]:
    """Return (clean, phonetic key, fuzzy key, surname, given-name key, title gender)."""
    text = _text(raw)
    if text is None:
        return None, None, None, None, None, None
    keys = name_keys(text)
    if not keys.clean or keys.clean in NO_NAME:
        return None, None, None, None, None, None
    title = _TITLE.match(keys.clean)
    if title is not None:
        return None, None, None, title["surname"], None, _TITLE_GENDER.get(title["title"])
    surname, given = keys.surname, keys.given
    if not surname and " " in keys.clean and MIDDLE_DOT not in keys.clean:
        # Latin names come family name first, as Chinese ones do ('BERRY LACHLAN').
        surname, given = keys.clean.split(" ", 1)
    given_key = phonetic_key(given) if given else None
    return keys.clean, keys.phonetic or None, keys.fuzzy or None, surname or None, given_key or None, None


def _id_number(raw: Any) -> tuple[str | None, str | None, dt.date | None, str | None]:
    """Return (id18, id_raw, id birth date, id sex); id_raw keeps what is not a valid resident ID."""
    text = _text(raw)
    if text is None:
        return None, None, None, None
    try:
        parsed = parse_id_number(text)
    except InvalidIdNumber as error:
        compact = "".join(ch for ch in unicodedata.normalize("NFKC", error.value or text) if ch.isalnum())
        return None, compact.upper() or None, None, None
    return parsed.number, None, parsed.birth_date, parsed.sex


def _id_halves(id18: np.ndarray[Any, Any], id_raw: np.ndarray[Any, Any]) -> tuple[pd.Series, pd.Series]:
    """Return the first and the second half of each ID text: '1234567' -> ('123', '4567')."""
    text = pd.Series(id18, dtype=object).combine_first(pd.Series(id_raw, dtype=object))
    head = pd.Series([t[: len(t) // 2] if isinstance(t, str) else None for t in text], dtype=object)
    tail = pd.Series([t[len(t) // 2 :] if isinstance(t, str) else None for t in text], dtype=object)
    return head, tail


def _phones(raw: Any, default_area_code: str) -> tuple[str | None, str | None]:
    """Return (mobile, landline): the first of each kind found in the cell."""
    text = _text(raw)
    if text is None:
        return None, None
    found: dict[str, str] = {}
    for part in _PHONE_PARTS.split(text):
        number = clean_phone(part, default_area_code) if part.strip() else None
        if number is not None:
            found.setdefault(phone_kind(number), number)
    return found.get("mobile"), found.get("landline")


def _digits(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _birth(raw: Any) -> tuple[dt.date | None, str | None]:
    """Return (the birth date, its parts as written: YYYYMMDD, also when no real day)."""
    if isinstance(raw, dt.datetime):
        return raw.date(), _digits(raw.date())
    if isinstance(raw, dt.date):
        return raw, _digits(raw)
    text = _text(raw)
    if text is None:
        return None, None
    parts = date_parts(text)
    written = None if parts is None else f"{parts[0]:04d}{min(parts[1], 99):02d}{min(parts[2], 99):02d}"
    try:
        return parse_date(text), written
    except InvalidDate:
        return None, written


def _gender(raw: Any) -> tuple[str | None]:
    text = _text(raw)
    return (GENDER_CODES.get(text.upper()) if text else None,)


ADDRESS_HEAD = 7  # letters and digits: a door number and the start of a street name
_NOT_LETTERS = re.compile(r"[\W_]+")


def letters_and_digits(text: str) -> str:
    """Return the text without spaces, punctuation and symbols: '14 wynn st.' -> '14wynnst'."""
    return _NOT_LETTERS.sub("", text)


# A community or sub-district the gazetteer does not know, read as the start of the estate name
# (学士社区朝阳府): cut off, so the estate matches its mentions without it.
_DIVISION_PREFIX = re.compile(r"^.{1,12}?(?:社区|居委会|居委|街道|村委会)(?=.{2,})")


def _without_division(name: str) -> str:
    return _DIVISION_PREFIX.sub("", name, count=1)


def _address(raw: Any, city_code: str | None) -> tuple[str | None, ...]:
    """Return (place key, building key, room key, estate key, cleaned text, head) of a raw address.

    The keys leave the district out: a grid worker's 锦绣花园3-2-501 names no district, and within
    one person's mentions the estate, building, unit and room are what identify a home.
    """
    text = _text(raw)
    if text is None:
        return None, None, None, None, None, None
    parts = parse_address(text, city_code)
    key = place_key(parts)
    site_key = _without_division(key.split("|", 1)[1] if "|" in key else key)
    site = _without_division((parts.estate or parts.road).replace("·", ""))
    building_key = f"{site}|{parts.building}" if site and parts.building else None
    room_key = site_key if parts.room and site else None
    cleaned = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    head = None if site_key else letters_and_digits(cleaned)[:ADDRESS_HEAD] or None
    estate = _without_division(parts.estate.replace("·", ""))
    return site_key or None, building_key, room_key, estate or None, cleaned, head


def _as_frame(mentions: pd.DataFrame | pa.Table) -> pd.DataFrame:
    frame = mentions.to_pandas() if isinstance(mentions, pa.Table) else mentions
    missing = [c for c in MENTION_COLUMNS if c not in frame.columns]
    if "record_id" in missing:
        raise ValueError("person mentions: the column 'record_id' is required")
    frame = frame.reset_index(drop=True)
    for column in missing:
        frame = frame.assign(**{column: None})
    if frame["record_id"].duplicated().any():
        dup = frame.loc[frame["record_id"].duplicated(), "record_id"].iloc[0]
        raise ValueError(f"person mentions: record_id {dup!r} appears more than once")
    return frame


def _dates(values: Sequence[dt.date | None] | np.ndarray) -> pd.Series:
    as_objects = pd.Series(list(values), dtype=object)
    return pd.Series(pd.to_datetime(as_objects, errors="coerce"), dtype="datetime64[ns]")


def prepare_mentions(
    mentions: pd.DataFrame | pa.Table, options: PrepareOptions | None = None
) -> pd.DataFrame:
    """Return the prepared table (see the module docstring), one row per mention, in input order."""
    options = options or PrepareOptions()
    frame = _as_frame(mentions)
    with _address_pool(frame["address"]) as pool:
        addresses = _Distinct(frame["address"], partial(_address, city_code=options.city_code), pool)
        prepared = _prepare_columns(frame, addresses, options)
    return prepared


@contextmanager
def _address_pool(addresses: pd.Series) -> Iterator[ProcessPoolExecutor | None]:
    """Yield a one-process pool when the column has enough distinct addresses to pay for it.

    Parsing addresses is the largest normalising cost (about half of it at a million mentions);
    a spawned process (no inherited threads or locks) parses them while this one does the rest.
    """
    if addresses.nunique() < PARALLEL_ADDRESSES:
        yield None
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        yield pool


def _prepare_columns(frame: pd.DataFrame, addresses: _Distinct, options: PrepareOptions) -> pd.DataFrame:
    name_clean, name_key, name_fuzzy, surname, given_key, title_gender = _per_distinct(
        frame["name"], _name, 6
    )
    id18, id_raw, id_birth, id_sex = _per_distinct(frame["id_number"], _id_number, 4)
    mobile, landline = _per_distinct(
        frame["phone"], partial(_phones, default_area_code=options.default_area_code), 2
    )
    birth, written = _per_distinct(frame["birth_date"], _birth, 2)
    (gender,) = _per_distinct(frame["gender"], _gender, 1)
    address_key, building_key, room_key, estate_key, address_text, address_head = addresses.spread(6)
    birth_dates = _dates(birth)
    digits = pd.Series(written, dtype=object).combine_first(
        pd.Series([_digits(d) for d in id_birth], dtype=object)
    )
    id_head, id_tail = _id_halves(id18, id_raw)
    id_births = _dates(id_birth)
    genders = pd.Series(gender, dtype=object)
    genders = genders.where(genders.notna(), pd.Series(title_gender, dtype=object))
    genders = genders.where(genders.notna(), pd.Series(id_sex, dtype=object))
    return pd.DataFrame(
        {
            "record_id": frame["record_id"].astype(str).to_numpy(dtype=object),
            "source": frame["source"].to_numpy(dtype=object),
            "name_clean": name_clean,
            "name_key": name_key,
            "name_fuzzy": name_fuzzy,
            "surname": surname,
            "given_key": given_key,
            "id18": id18,
            "id_raw": id_raw,
            "id_head": id_head.to_numpy(dtype=object),
            "id_tail": id_tail.to_numpy(dtype=object),
            "id_birth": id_births,
            "id_sex": id_sex,
            "mobile": mobile,
            "landline": landline,
            "mobile_head": pd.Series(mobile, dtype=object).str[:6].to_numpy(dtype=object),
            "mobile_tail": pd.Series(mobile, dtype=object).str[-5:].to_numpy(dtype=object),
            "birth_date": birth_dates.where(birth_dates.notna(), id_births),
            "birth_digits": digits.to_numpy(dtype=object),
            "birth_ym": digits.str[:6].to_numpy(dtype=object),
            "birth_md": digits.str[4:].to_numpy(dtype=object),
            "birth_yd": (digits.str[:4] + digits.str[6:]).to_numpy(dtype=object),
            "gender": genders.to_numpy(dtype=object),
            "address_key": address_key,
            "building_key": building_key,
            "room_key": room_key,
            "estate_key": estate_key,
            "address_text": address_text,
            "address_head": address_head,
        }
    )
