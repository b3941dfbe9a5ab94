"""Person mentions at any size for `cityhub bench people --scale N`, written in chunks to Parquet.

Up to a million mentions come from one simulated city (`simulators.city`, about 1.03 residents
per mention over two years, sampled down to N). Past that the city is tiled: copy k of it is
another city of other people, as consistent within itself as the simulated one and as unlike the
other copies as two cities with the same names (a bigger city has more namesakes) can be.

- Estates: copy k writes one word after every estate's own name (锦绣花园 -> 锦绣花园北苑,
  锦绣花园二期 -> 锦绣花园北苑二期, 阳光小区 -> 阳光北苑小区). The formal, spoken, shorthand and
  traditional-character addresses of one estate all carry its name, so they still name one estate
  in the copy, and one that no other copy has. An address in which the parser finds no estate, or
  which it would not read back as the renamed estate, moves its first number by 100·k instead.
- Birth dates: the year moves k back; month and day turn round the calendar by the same steps
  (a day up to 12 with the months, so a day-month swap of the city is the swap of the moved date;
  days 13-28 among themselves; a day past the end of its new month becomes the month's last day).
  A written date keeps its style (19900307, 1990年3月7日); one that is no real day moves its year.
- ID numbers move their birth digits in the same way, in the form they were written: 18 digits
  (check digit rebuilt, or left as wrong as it was), 17 digits, 15 digits (YYMMDD; kept 15 digits
  while the year stays in the 1900s), full-width or with a lower-case x.
- Phones: one offset per copy is added to each of the last eight digits, so a slip (one digit
  off) or a transposition (two swapped) in the city is the same slip in the copy. A landline keeps
  its first local digit, since 0 or 1 there would read as no local number.

Phones repeat after nine copies and the calendar turn after eleven; estates and birth years do
not. Tiles are written one at a time, so ten million mentions are never in memory.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from opencc import OpenCC

from entity_resolution.places.prepare import PlaceOptions
from normalize.address import AddressParts, parse_address
from normalize.id_number import id_check_digit

BASE_MAX = 1_000_000
COLUMNS = ("record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address")
CITY_CODE = PlaceOptions().city_code  # addresses are read as place resolution reads them
# Words after an estate's name in copy k. None holds a digit, a numeral, a division, road,
# building or phase word or a vague tail (附近), so the parser keeps it in the estate's name; each
# is written alike in traditional characters, so a petition written in them gets the same word.
ESTATE_WORDS = tuple("北苑 南苑 西苑 中苑 北庭 南庭 西庭 中庭 上苑 桃苑 竹苑 梅苑".split())
_PHASE = re.compile(r"(?:\d+|[A-Z])(?:期|区)$")  # 锦绣花园2期: the parser keeps the phase in the name
_ID_FORM = re.compile(r"\d{15}|\d{17}|\d{17}[\dX]", re.ASCII)
_WRITTEN_DATE = re.compile(r"(\d{4})(\D*?)(\d{1,2})(\D*?)(\d{1,2})(\D*)")
_NUMBER = re.compile(r"\d+")
_FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
_CHECK_RING = "0123456789X"
_T2S = OpenCC("t2s")


def base_city(work: Path, mentions: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (mentions, truth) of a simulated city cut to `mentions` (kept in `work`)."""
    from proving.scores import load_simulated_city
    from simulators.city import simulate_city

    people = int(mentions * 1.03)
    root = work / f"city-{people}-{seed}"
    if not (root / "truth" / "mentions.parquet").exists():
        simulate_city(people=people, seed=seed, out=root, days=730)
    city = load_simulated_city(root)
    frame = city.mentions.sample(n=min(mentions, len(city.mentions)), random_state=0)
    frame = frame.sort_values("record_id", ignore_index=True)[list(COLUMNS)]
    truth = city.truth[city.truth["record_id"].isin(frame["record_id"])]
    return frame, truth


# What tells copy k apart: each repeats only where noted in the module's docstring.


def estate_word(k: int) -> str:
    """Return the word copy k writes after every estate's name: one word for each of the first
    twelve copies, then pairs of them (numbered like spreadsheet columns, so no two copies share)."""
    words: list[str] = []
    while k > 0:
        k, word = divmod(k - 1, len(ESTATE_WORDS))
        words.append(ESTATE_WORDS[word])
    return "".join(words)


def phone_offset(k: int) -> int:
    """Return what copy k adds to each moved phone digit (mod 10): 1-9, never 0."""
    return 1 + (k - 1) % 9


def _calendar_turn(k: int) -> int:
    """Return how far copy k turns months and days: 1-11, so no month is left in place."""
    return 1 + (k - 1) % 11


# Birth dates and ID numbers.


def moved_birth(year: int, month: int, day: int, k: int) -> tuple[int, int, int]:
    """Return copy k's (year, month, day) for a birth date written as (year, month, day).

    The year moves k back: everyone is still born before the records are, and old 15-digit
    numbers stay in the 1900s. Month and day turn by the same steps, a day up to 12 with the
    months, so the swap of a date moves to the swap of its moved date. A date that is no real day
    (1990-13-40) moves its year only; a year below 1000 is no birth year and stays.
    """
    if year - k < 1000:
        return year, month, day
    if not _is_day(year, month, day):
        return year - k, month, day
    turn = _calendar_turn(k)
    moved_year, moved_month = year - k, _turned(month, turn, 1, 12)
    if day <= 12:
        moved_day = _turned(day, turn, 1, 12)
    elif day <= 28:
        moved_day = _turned(day, turn, 13, 16)
    else:
        moved_day = day  # 29-31 exist in most months; past the month's end it becomes its last day
    return moved_year, moved_month, min(moved_day, calendar.monthrange(moved_year, moved_month)[1])


def _is_day(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _turned(value: int, turn: int, first: int, count: int) -> int:
    """Return `value` turned `turn` steps round the `count` values from `first` on."""
    return first + (value - first + turn) % count


def _moved_written_date(text: str, k: int) -> str:
    """Return a written birth date moved to copy k in the style it was written in (19900307,
    1990年3月7日, 1990/03/07 ...); text that is no year-first date stays as it is."""
    match = _WRITTEN_DATE.fullmatch(text)
    if match is None:
        return text
    year, after_year, month, after_month, day, after_day = match.groups()
    y, m, d = moved_birth(int(year), int(month), int(day), k)
    return f"{y:04d}{after_year}{m:0{len(month)}d}{after_month}{d:0{len(day)}d}{after_day}"


def _moved_id(text: str, k: int) -> str:
    """Return copy k's ID number: the birth digits moved as `moved_birth` moves a birth date, in
    the form and width it was written. Text that is no ID number of 15, 17 or 18 digits stays."""
    plain = unicodedata.normalize("NFKC", text).upper()
    if len(plain) != len(text) or not _ID_FORM.fullmatch(plain):
        return text
    moved = _moved_id_digits(plain, k)
    if text[-1] in "xｘ":  # a check digit X written lower-case
        moved = moved[:-1] + moved[-1].lower()
    return moved.translate(_FULL_WIDTH) if ord(text[0]) >= 0xFF10 else moved


def _moved_id_digits(plain: str, k: int) -> str:
    """Return an ID number (ASCII) with its birth digits moved to copy k."""
    if len(plain) == 15:  # region, YYMMDD, sequence: a number of the 1900s without check digit
        year, month, day = moved_birth(1900 + int(plain[6:8]), int(plain[8:10]), int(plain[10:12]), k)
        if 1900 <= year <= 1999:
            return f"{plain[:6]}{year % 100:02d}{month:02d}{day:02d}{plain[12:]}"
        first17 = f"{plain[:6]}{year:04d}{month:02d}{day:02d}{plain[12:]}"  # no 15-digit form then
        return first17 + id_check_digit(first17)
    year, month, day = moved_birth(int(plain[6:10]), int(plain[10:12]), int(plain[12:14]), k)
    first17 = f"{plain[:6]}{year:04d}{month:02d}{day:02d}{plain[14:17]}"
    return first17 if len(plain) == 17 else first17 + _check_digit_as_off(first17, plain)


def _check_digit_as_off(first17: str, old: str) -> str:
    """Return the check digit of `first17` as far off as `old`'s was (mostly not at all): a number
    that fails its check in the city fails it in the copy too."""
    off = _CHECK_RING.index(old[17]) - _CHECK_RING.index(id_check_digit(old[:17]))
    return _CHECK_RING[(_CHECK_RING.index(id_check_digit(first17)) + off) % len(_CHECK_RING)]


# Phones.


def _moved_phone(text: str, k: int) -> str:
    """Return copy k's phone: `phone_offset(k)` added to each of the last eight digits (mod 10), a
    landline's first local digit kept, each digit in the width it was written. One offset for all
    keeps a slip a slip and a transposition a transposition. Fewer than eight digits is no phone."""
    positions = [i for i, ch in enumerate(text) if ch.isdecimal()]
    if len(positions) < 8:
        return text
    moved = positions[-8:] if _is_mobile(text, positions) else positions[-7:]
    offset = phone_offset(k)
    chars = list(text)
    for i in moved:
        chars[i] = _digit_as(chars[i], (unicodedata.decimal(chars[i]) + offset) % 10)
    return "".join(chars)


def _is_mobile(text: str, positions: list[int]) -> bool:
    """Return whether the phone is a mobile: its last eight digits follow 1[3-9]x, a landline's
    follow an area code (0...) or nothing."""
    return len(positions) >= 11 and unicodedata.decimal(text[positions[-11]]) == 1


def _digit_as(written: str, digit: int) -> str:
    return chr(0xFF10 + digit) if ord(written) >= 0xFF10 else str(digit)


# Addresses.


def estate_name_end(address: str) -> int:
    """Return where the estate's own name ends in `address`: before a phase (二期), 小区 or a vague
    tail (附近). -1 when the parser finds no estate, or would not read the address with a word
    after that name as the same place in an estate of that longer name."""
    parts = parse_address(address, CITY_CODE)
    name = _PHASE.sub("", parts.estate)
    at = _as_parsed(address).rfind(name) if name else -1
    if at < 0:
        return -1
    end = at + len(name)
    return end if _reads_renamed(address, end, parts, name) else -1


def _as_parsed(address: str) -> str:
    """Return the address in the characters the parser reads (NFKC, simplified, upper-case), when
    that keeps every position; else the address as written."""
    simplified = str(_T2S.convert(unicodedata.normalize("NFKC", address))).upper()
    return simplified if len(simplified) == len(address) else address


def _reads_renamed(address: str, end: int, parts: AddressParts, name: str) -> bool:
    """Return whether the parser reads the address with a word after the estate's name (at `end`)
    as the same place, in the estate named with that word."""
    word = estate_word(1)  # every word is alike to the parser (ESTATE_WORDS)
    renamed = parse_address(address[:end] + word + address[end:], CITY_CODE)
    return renamed == replace(parts, estate=name + word + parts.estate[len(name) :])


def _moved_address(address: str, estate_end: int, k: int) -> str:
    """Return copy k's address: the estate renamed, else the first number moved by 100·k."""
    if estate_end < 0:
        return _NUMBER.sub(lambda m: str(int(m.group()) + 100 * k), address, count=1)
    return address[:estate_end] + estate_word(k) + address[estate_end:]


# Tiles.


@dataclass(frozen=True, slots=True)
class Tiling:
    """The simulated city ready to tile: its mentions, their true people, and where the estate's
    name ends in each of its distinct addresses (`estate_name_end`, found once for every copy)."""

    mentions: pd.DataFrame
    truth: pd.DataFrame
    estate_ends: dict[str, int]


def prepare_tiling(mentions: pd.DataFrame, truth: pd.DataFrame) -> Tiling:
    """Return the city's mentions and truth ready to tile (each distinct address parsed twice)."""
    addresses = [a for a in mentions["address"].dropna().unique() if isinstance(a, str)]
    return Tiling(mentions, truth, {a: estate_name_end(a) for a in addresses})


def _per_distinct(values: pd.Series, move: Callable[[str], str]) -> pd.Series:
    """Return `values` with each string moved, once per distinct string; other values as they are."""
    moved = {v: move(v) for v in values.dropna().unique() if isinstance(v, str)}
    mapped = values.map(moved)
    return mapped.where(mapped.notna(), values)


def tile(tiling: Tiling, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return copy k of the city: other people with the same names (copy 0 is the city itself)."""
    frame, truth = tiling.mentions, tiling.truth
    if k == 0:
        return frame, truth
    ends = tiling.estate_ends
    out = frame.assign(
        record_id=frame["record_id"] + f"~{k}",
        id_number=_per_distinct(frame["id_number"], lambda v: _moved_id(v, k)),
        birth_date=_per_distinct(frame["birth_date"], lambda v: _moved_written_date(v, k)),
        phone=_per_distinct(frame["phone"], lambda v: _moved_phone(v, k)),
        address=_per_distinct(frame["address"], lambda v: _moved_address(v, ends.get(v, -1), k)),
    )
    return out, truth.assign(record_id=truth["record_id"] + f"~{k}", cluster=truth["cluster"] + f"~{k}")


def copy_of(record_ids: pd.Series) -> np.ndarray:
    """Return the copy each mention belongs to: k for a `~k` suffix, 0 for the simulated city itself."""
    suffix = record_ids.str.extract(r"~(\d+)$", expand=False)
    return suffix.fillna("0").astype(np.int16).to_numpy()


def copy_scores(predicted: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Return, for tiled mentions (record_id, cluster each), pairwise F1 of copy 0 alone (the
    simulated city as it is), P/R/F1 with every predicted person cut at copy borders (what the
    tiling does to one city's people), and how many predicted people and mentions span copies."""
    from proving.scores import pairwise_scores

    joined = predicted.merge(truth, on="record_id", suffixes=("", "_true"))
    copy = copy_of(joined["record_id"])
    person = pd.factorize(joined["cluster"])[0]
    first = copy == 0
    own = pairwise_scores(
        pd.DataFrame({"record_id": joined["record_id"][first], "cluster": person[first]}),
        joined.loc[first, ["record_id", "cluster_true"]].rename(columns={"cluster_true": "cluster"}),
    )
    cut = pairwise_scores(
        pd.DataFrame({"record_id": joined["record_id"], "cluster": person.astype(np.int64) * 1024 + copy}),
        joined[["record_id", "cluster_true"]].rename(columns={"cluster_true": "cluster"}),
    )
    copies = pd.Series(copy).groupby(person).nunique()
    spanning = copies.to_numpy() > 1
    return {
        "copy0_f1": own.f1,
        "in_copy_precision": cut.precision,
        "in_copy_recall": cut.recall,
        "in_copy_f1": cut.f1,
        "people_across_copies": float(spanning.sum()),
        "mentions_in_them": float(np.isin(person, copies.index[spanning]).sum()),
    }


def write_scaled(work: Path, mentions: int, seed: int) -> tuple[Path, Path]:
    """Write people.parquet and people_truth.parquet of `mentions` mentions under work/scale-N."""
    out = work / f"scale-{mentions}-{seed}"
    people, truth_path = out / "people.parquet", out / "people_truth.parquet"
    if people.is_file() and truth_path.is_file():
        return people, truth_path
    out.mkdir(parents=True, exist_ok=True)
    base, truth = base_city(work, min(mentions, BASE_MAX), seed)
    schema = pa.schema([(c, pa.string()) for c in COLUMNS])
    truth_schema = pa.schema([("record_id", pa.string()), ("cluster", pa.string())])
    copies = int(np.ceil(mentions / len(base)))
    tiling = prepare_tiling(base, truth) if copies > 1 else Tiling(base, truth, {})  # copy 0 moves nothing
    written = 0
    with pq.ParquetWriter(people, schema) as writer, pq.ParquetWriter(truth_path, truth_schema) as truths:
        for k in range(copies):
            rows, rows_truth = tile(tiling, k)
            rows = rows.iloc[: mentions - written]
            rows_truth = rows_truth[rows_truth["record_id"].isin(rows["record_id"])]
            writer.write_table(pa.Table.from_pandas(rows.astype(object), schema=schema, preserve_index=False))
            truths.write_table(
                pa.Table.from_pandas(
                    rows_truth[["record_id", "cluster"]].astype(str),
                    schema=truth_schema,
                    preserve_index=False,
                )
            )
            written += len(rows)
    return people, truth_path
