"""What every department renderer needs: the city's state, record ids, codes, versions and noise."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from simulators.city.addresses import AddressBook
from simulators.city.grids import Grids
from simulators.city.handling import Spike
from simulators.city.households import Households
from simulators.city.incidents import Incidents
from simulators.city.noise.channels import Noise
from simulators.city.people import People
from simulators.city.places import City
from simulators.city.profiles import Profiles
from simulators.city.reports import Reports
from simulators.city.residences import Residences
from simulators.city.timeline import History, compact_dates
from simulators.city.versions import Versions
from simulators.departments import CodeBook

Ints = npt.NDArray[np.int64]
OTHER_CODE_P = 0.03  # staff file an item under the catch-all code even when a better one exists
FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


@dataclass(slots=True)
class World:
    """Everything true about the city that a department may see part of."""

    city: City
    addresses: AddressBook
    households: Households
    people: People
    residences: Residences
    grids: Grids
    incidents: Incidents
    profiles: Profiles
    phrases: list[str]  # one per incident
    history: History
    noise: Noise | None = None  # None: the departments' own noise only
    spikes: list[Spike] = field(default_factory=list)  # planted jumps of one category in one community


@dataclass(slots=True)
class SourceRecords:
    """The records of one source: rows of `Reports` in order, with their ids."""

    incident: Ints
    reported_at: Ints
    people: Ints  # (records, 4), -1 for no one
    roles: Ints
    record_ids: list[str]
    handled: Ints | None = None  # seconds each record takes to be resolved (None: the flow's own pace)

    def __len__(self) -> int:
        return len(self.incident)


def source_records(
    reports: Reports, source: int, ids: list[str], handled: Ints | None = None
) -> SourceRecords:
    """Return the records of one source with the given ids (in report order); `handled` is per
    report, like `reports`."""
    rows = np.flatnonzero(reports.source == source)
    return SourceRecords(
        reports.incident[rows],
        reports.reported_at[rows],
        reports.people[rows],
        reports.roles[rows],
        ids,
        None if handled is None else handled[rows],
    )


def daily_ids(prefix: str, reported_at: Ints, width: int) -> list[str]:
    """Return ids prefix + YYYYMMDD + a sequence within the day (records must be in time order)."""
    days = reported_at // 86_400
    starts = np.r_[True, days[1:] != days[:-1]] if len(days) else np.zeros(0, dtype=bool)
    first = np.maximum.accumulate(np.where(starts, np.arange(len(days)), 0)) if len(days) else days
    sequence = np.arange(len(days)) - first + 1
    dates = compact_dates(reported_at.astype("datetime64[s]"))
    return [f"{prefix}{d}{s:0{width}d}" for d, s in zip(dates, sequence.tolist(), strict=True)]


def choose_codes(
    rng: np.random.Generator, book: CodeBook, profiles: Profiles, category: Ints
) -> list[tuple[str, str]]:
    """Return (code, name) per record: a code of the record's subcategory, else the catch-all."""
    candidates = [book.for_category(code) for code in profiles.codes]
    draws = rng.random(len(category))
    picks = rng.integers(0, 1_000_000, len(category))
    out: list[tuple[str, str]] = []
    for c, draw, pick in zip(category.tolist(), draws.tolist(), picks.tolist(), strict=True):
        options = candidates[c]
        code = book.other if not options or draw < OTHER_CODE_P else options[pick % len(options)]
        out.append((code.code, code.name))
    return out


def versioned(
    payload: dict[str, pa.Array],
    versions: Versions,
    status_field: str | None,
    statuses: tuple[str, ...],
    corrections: dict[str, pa.Array] | None = None,
) -> pa.Table:
    """Return one row per version: the record's payload, its status then, and the version columns.

    `corrections` holds, per field, the wrong value that versions before the correction carry.
    """
    index = pa.array(versions.record)
    columns = {name: column.take(index) for name, column in payload.items()}
    for name, wrong in (corrections or {}).items():
        columns[name] = pc.if_else(pa.array(versions.pre_correction), wrong.take(index), columns[name])
    if status_field is not None:
        columns[status_field] = pa.array(np.array(statuses, dtype=object)[versions.status], pa.string())
    columns["version"] = pa.array(versions.version, pa.int32())
    columns["updated_at"] = pa.array(versions.updated_at, pa.int64()).cast(pa.timestamp("s"))
    columns["deleted"] = pa.array(versions.deleted, pa.bool_())
    return pa.table(columns)


@lru_cache(maxsize=1)
def _s2t() -> object:
    import opencc

    return opencc.OpenCC("s2t")


def traditional(text: str) -> str:
    """Return text in traditional characters (张伟 -> 張偉)."""
    converted = _s2t().convert(text)  # type: ignore[attr-defined]
    return str(converted)


def full_width(text: str) -> str:
    """Return text with full-width digits (and X): 1990 -> １９９０."""
    return text.translate(FULL_WIDTH)


def lower_x(id_number: str, draw: float, p: float) -> str:
    """Return the ID number with a final X written lowercase, with chance p."""
    return id_number[:-1] + "x" if id_number.endswith("X") and draw < p else id_number


def mistyped_digit(text: str, draw: float) -> str:
    """Return text with one digit replaced by another (a typing slip later corrected)."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    if not positions:
        return text + "0"
    slot = int(draw * 1_000_003)
    i = positions[slot % len(positions)]
    digit = str((int(text[i]) + 1 + slot % 9) % 10)
    return text[:i] + digit + text[i + 1 :]


def phone_of(world: World, person: int, prefer_home: bool) -> str:
    """Return the number a person gives: the mobile, else (or by preference) the home phone, else ''."""
    mobile = world.people.mobile[person]
    home = world.households.home_phone[int(world.people.household[person])]
    if (prefer_home or mobile is None) and home is not None:
        return home
    return mobile or ""
