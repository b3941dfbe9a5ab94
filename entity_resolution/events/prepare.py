"""Stage 1, prepare: event records checked, and turned into the arrays the later stages read.

An event is one department record about something that happened: its source, a category, when
it was reported, what it says, where (a place path from coarse to fine) and whom it names
(resolved person ids). Preparing checks the columns and encodes each record once: time as
seconds, category as the set of taxonomy subcategories it may mean, the place path as hashed
prefixes, people as integer codes, so blocking and comparison are array operations.

The category is the department's own label or a taxonomy code, read by
`normalize.categories` (names, terms, and the user's mapping in `PrepareOptions.categories`):
`category` becomes the taxonomy code it amounts to (a subcategory, a major category for a coarse
label such as 纠纷/邻里纠纷, or other.unclassified), `category_label` keeps what was written. A
label nothing recognises is unclassified: weaker evidence, never an error. Times are datetimes or
text in any form `normalize.dates` reads.

A place path lists place ids from coarse to fine, each the id of a place inside the one before:
[district, street, community, estate, building, unit, room] from place resolution, or
[district, site, building, unit, room] from an address alone (`address_place_path`). Divisions
keep their gazetteer codes (all digits) in both; the first element that is not one is the site
(an estate, or a road and door number). Since writers drop the street and the community but not
the estate, each path is read as its `place_chain` [district, site, building, unit, room]: the
divisions between the district and the site are left out, so a path that names them and one that
does not compare alike. A path that does not start with a district code ('' when the address
named none, as grid shorthand does) gives no place. Two records are near in proportion to how
long a prefix their chains share.

    >>> address_place_path("重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501")
    ['500106', '500106|聚龙城', '500106|聚龙城|3', '500106|聚龙城|3|2', '500106|聚龙城|3|2|501']
    >>> address_place_path("聚龙城3-2-501")[:2]
    ['', '|聚龙城']
    >>> place_chain(["500106", "500106006", "500106006001", "PL-e1", "PL-b3"])
    ['500106', 'PL-e1', 'PL-b3']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from normalize.address import parse_address, place_key
from normalize.categories import CategoryMapper, category_mapper
from normalize.dates import InvalidDate, parse_datetime
from ontology.errors import BadInput

__all__ = [
    "CHANNELS",
    "event_times",
    "EVENT_COLUMNS",
    "UNCLASSIFIED",
    "Encoded",
    "PrepareOptions",
    "address_place_path",
    "encode_events",
    "place_chain",
    "prepare_events",
]

EVENT_COLUMNS = (
    "event_id",
    "source",
    "record_id",
    "category",
    "occurred_at",
    "description",
    "place_id",
    "place_path",
    "person_ids",
)
CHANNELS = ("hotline", "grid", "police", "petitions")  # the escalation ladder, lowest rung first
UNCLASSIFIED = "other.unclassified"
MAX_DEPTH = 8
SITE_DEPTH = 2  # the site's depth in a place chain: [district, site, building, unit, room]


@dataclass(frozen=True, slots=True)
class PrepareOptions:
    """The order of channels an escalating case climbs, and a mapping of labels to taxonomy codes."""

    ladder: tuple[str, ...] = CHANNELS  # sources off the ladder are grouped but never climb
    categories: Mapping[str, Any] | None = None  # department label -> taxonomy code(s)

    def mapper(self) -> CategoryMapper:
        """Return the category mapper with this mapping."""
        return category_mapper(self.categories)


@dataclass(frozen=True, slots=True)
class Encoded:
    """Prepared events as arrays, one row per event, in the order of the prepared table."""

    source: npt.NDArray[np.int16]  # source code (same code: same department)
    rung: npt.NDArray[np.int8]  # position on the ladder, -1 off it
    t: npt.NDArray[np.int64]  # seconds since 1970
    major: npt.NDArray[np.int32]  # major category code; -1 unknown (unclassified, or several majors)
    sub: npt.NDArray[np.int32]  # subcategory code; -1 when the label names no single one
    categories: npt.NDArray[np.uint64]  # bit set of the subcategories the label may mean; 0 unknown
    path: npt.NDArray[np.uint64]  # (n, MAX_DEPTH) hashed place-path prefixes, 0 where unknown
    depth: npt.NDArray[np.int8]  # how many leading elements of the path are known
    site: npt.NDArray[np.uint64]  # the prefix at site depth, 0 when the path stops above it
    person_start: npt.NDArray[np.int64]  # people of row i: person_code[person_start[i]:person_start[i+1]]
    person_code: npt.NDArray[np.int64]
    site_depth: int

    def __len__(self) -> int:
        return len(self.t)


def address_place_path(address: str | None, city_code: str | None = None) -> list[str]:
    """Return the place path an address names: successive prefixes of its `place_key`.

    The first element is the district code ('' when the address names none, as grid shorthand
    does); an address that names no site gives just its division code.
    """
    if not address or not str(address).strip():
        return []
    key = place_key(parse_address(str(address), city_code))
    if not key:
        return []
    fields = key.split("|")
    return ["|".join(fields[: i + 1]) for i in range(len(fields))]


def place_chain(path: list[str]) -> list[str]:
    """Return a place path as [district, site, building, unit, room]: the division codes between
    the district and the site left out; [] when it does not start with a district code."""
    if not path or not path[0].isdigit():
        return []
    site = next((i for i, element in enumerate(path) if not element.isdigit()), len(path))
    return [path[0], *path[site:]]


def _as_frame(events: pd.DataFrame | pa.Table) -> pd.DataFrame:
    frame = events.to_pandas() if isinstance(events, pa.Table) else events
    missing = [c for c in EVENT_COLUMNS if c not in frame.columns]
    if missing:
        raise BadInput(f"events: missing column(s) {', '.join(missing)}; need {', '.join(EVENT_COLUMNS)}")
    return frame


def _as_list(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) if v is not None else "" for v in value]


def _check(frame: pd.DataFrame, times: pd.Series) -> None:
    """Raise BadInput naming the first event whose id, source or time is unusable."""
    checks = (
        ("event_id", frame["event_id"].isna() | (frame["event_id"].astype(str) == "")),
        ("source", frame["source"].isna() | (frame["source"].astype(str) == "")),
        ("occurred_at", times.isna()),
    )
    for column, bad in checks:
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise BadInput(
                f"events row {row} ({frame['event_id'].iloc[row]!r}): {column} "
                f"{frame[column].iloc[row]!r} is not usable"
            )
    duplicated = frame["event_id"].duplicated()
    if duplicated.any():
        raise BadInput(f"events: event_id {frame.loc[duplicated, 'event_id'].iloc[0]!r} appears twice")


def _time_or_none(value: Any) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(parse_datetime(str(value)))
    except InvalidDate:
        return None


def event_times(values: pd.Series) -> pd.Series:
    """Return times as datetime64 (NaT where unreadable): datetimes as they are, text in any form
    `normalize.dates` reads (2026-07-04 09:00, 2026年07月04日, 20260704 09:00, ISO with a zone)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        zoned = getattr(values.dt, "tz", None) is not None
        return (values.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None) if zoned else values).astype(
            "datetime64[ns]"
        )
    stamps = values.map(lambda v: v if isinstance(v, pd.Timestamp) else None)
    text = values.where(stamps.isna()).map(lambda v: None if v is None or pd.isna(v) else str(v))
    times = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce").astype("datetime64[ns]")
    odd = times.isna() & text.notna()
    if odd.any():
        parsed = {value: _time_or_none(value) for value in pd.unique(text[odd])}
        times[odd] = pd.to_datetime(text[odd].map(parsed)).astype("datetime64[ns]")
    if stamps.notna().any():
        times[stamps.notna()] = pd.to_datetime(stamps[stamps.notna()].tolist()).astype("datetime64[ns]")
    return times


def _with_categories(frame: pd.DataFrame, mapper: CategoryMapper) -> pd.DataFrame:
    """Return the frame with the label kept as `category_label` and read as taxonomy categories."""
    labels = frame["category"].map(lambda v: None if v is None or pd.isna(v) else str(v))
    matches = {label: mapper.match(label) for label in pd.unique(labels.fillna(""))}
    found = labels.fillna("").map(matches)
    frame["category_label"] = labels
    frame["category"] = found.map(lambda m: m.code)
    frame["major"] = found.map(lambda m: m.major or "")
    frame["category_codes"] = found.map(lambda m: tuple(sorted(m.codes - {UNCLASSIFIED})))
    return frame


def prepare_events(events: pd.DataFrame | pa.Table, options: PrepareOptions | None = None) -> pd.DataFrame:
    """Return the checked events sorted by event_id, with `major`, `status`, the category read and
    clean lists.

    Raises BadInput on a missing column, a duplicated event_id, an empty source or a missing or
    unreadable time. Categories never refuse a record (see the module doc).
    """
    options = options or PrepareOptions()
    frame = _as_frame(events).copy()
    times = event_times(frame["occurred_at"])
    _check(frame, times)
    frame["occurred_at"] = times
    frame["event_id"] = frame["event_id"].astype(str)
    frame["source"] = frame["source"].astype(str)
    frame["record_id"] = frame["record_id"].astype(str)
    frame = _with_categories(frame, options.mapper())
    frame["description"] = frame["description"].fillna("").astype(str)
    frame["place_path"] = [_as_list(p) for p in frame["place_path"]]
    frame["place_chain"] = [place_chain(p) for p in frame["place_path"]]
    frame["person_ids"] = [sorted(set(_as_list(p)) - {""}) for p in frame["person_ids"]]
    if "status" not in frame:
        frame["status"] = None
    columns = [*EVENT_COLUMNS, "major", "status", "place_chain", "category_label", "category_codes"]
    return frame.sort_values("event_id", ignore_index=True)[columns]


def _hashed(values: Sequence[str] | npt.NDArray[Any]) -> npt.NDArray[np.uint64]:
    """Return a 64-bit hash per string; the empty string hashes to 0 (unknown)."""
    array = np.asarray(values, dtype=object)
    hashed: npt.NDArray[np.uint64] = np.asarray(pd.util.hash_array(array, categorize=True), dtype=np.uint64)
    hashed[array == ""] = 0
    hashed[(hashed == 0) & (array != "")] = 1  # keep 0 for unknown
    return hashed


def _paths(paths: Sequence[list[str]]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int8]]:
    """Return hashed path prefixes (n, MAX_DEPTH) and the known depth of each path."""
    n = len(paths)
    lengths = np.fromiter((min(len(p), MAX_DEPTH) for p in paths), dtype=np.int64, count=n)
    flat = [element for p in paths for element in p[:MAX_DEPTH]]
    rows = np.repeat(np.arange(n), lengths)
    cols = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    hashed = np.zeros((n, MAX_DEPTH), dtype=np.uint64)
    hashed[rows, cols] = _hashed(flat)
    # the known depth ends at the first unknown element: nothing below an unknown place is comparable
    known = np.cumprod(hashed != 0, axis=1).sum(axis=1).astype(np.int8)
    hashed[np.arange(MAX_DEPTH)[None, :] >= known[:, None]] = 0
    return hashed, known


def _category_bits(codes: pd.Series) -> npt.NDArray[np.uint64]:
    """Return per row a bit set of its subcategories (the taxonomy has fewer than 64)."""
    distinct = sorted({code for row in codes for code in row})
    bit = {code: 1 << (i % 64) for i, code in enumerate(distinct)}
    masks = {row: sum(bit[c] for c in set(row)) for row in set(codes)}
    return np.fromiter((masks[row] for row in codes), dtype=np.uint64, count=len(codes))


def encode_events(prepared: pd.DataFrame, options: PrepareOptions | None = None) -> Encoded:
    """Return the arrays of prepared events (see `Encoded`)."""
    options = options or PrepareOptions()
    source = pd.factorize(prepared["source"], sort=True)[0].astype(np.int16)
    rung_of = {name: i for i, name in enumerate(options.ladder)}
    rung = np.asarray(prepared["source"].map(rung_of).fillna(-1), dtype=np.int8)
    t = prepared["occurred_at"].to_numpy("datetime64[s]").astype(np.int64)
    major = pd.factorize(prepared["major"], sort=True)[0].astype(np.int32)
    major[(prepared["major"] == "").to_numpy()] = -1
    category_codes = prepared["category_codes"]
    specific = (category_codes.map(len) == 1).to_numpy()
    sub = pd.factorize(prepared["category"], sort=True)[0].astype(np.int32)
    sub[~specific] = -1
    path, depth = _paths(prepared["place_chain"].tolist())
    site = np.where(depth >= SITE_DEPTH, path[:, SITE_DEPTH - 1], np.uint64(0))
    people = prepared["person_ids"].tolist()
    counts = np.fromiter((len(p) for p in people), dtype=np.int64, count=len(people))
    flat = [person for p in people for person in p]
    codes = pd.factorize(pd.Series(flat, dtype=object))[0].astype(np.int64) if flat else np.zeros(0, np.int64)
    return Encoded(
        source=source,
        rung=rung,
        t=t,
        major=major,
        sub=sub,
        categories=_category_bits(category_codes),
        path=path,
        depth=depth,
        site=site.astype(np.uint64),
        person_start=np.r_[0, np.cumsum(counts)].astype(np.int64),
        person_code=codes,
        site_depth=SITE_DEPTH,
    )
