"""Statistics queries over the aggregates: counts and rates by any dimension and time range, events per
10,000 residents, month-on-month and year-on-year changes, and hot spots.

The whole months of a range are read from `stats_monthly` (its smallest roll-up that has the
dimensions asked for), the days left at its ends from `stats_daily`. Every answer carries `as_of`,
the fusion run the aggregates were rebuilt from. A filter's `sources` and `districts` are
the caller's: rows of other sources or districts are not counted (see `cityhub.stats.policy`).

Answers are kept per process, under the whole filter (the caller's sources and districts with it, so an
answer is only given again for the very scope it was counted over) and the run and time the aggregates
were rebuilt (`projection_runs`, read on every question, so a rebuild is seen at once).

Rates: completion = closed / cases; on time = closed on time / closed; satisfaction = (satisfied +
basically satisfied) / cases rated. A rate with nothing to divide by is None.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from cityhub.stats.hotspots import top_hotspots
from cityhub.stats.ranges import RangePart, plan_range, split_range
from cityhub.warehouse import Warehouse
from cityhub.warehouse.ops_tables import (
    CASE_MEASURES,
    CUBOIDS,
    DAILY_CUBOIDS,
    EVENT_MEASURES,
    QUARTERLY_CUBOIDS,
    stats_daily,
    stats_monthly,
    stats_quarterly,
    stats_residents,
)
from cityhub.warehouse.resolved import RESOLVED_TABLES, projection_runs
from ontology import load_ontology
from ontology.errors import BadInput

__all__ = ["GROUPS", "StatsFilter", "StatsQuery", "split_range", "with_rates"]

GROUPS = {
    "category": "category",
    "major": "major",
    "source": "source",
    "district": "district_id",
    "street": "street_id",
    "community": "community_id",
    "grid": "grid_id",
    "department": "department",
    "month": "month",
}
PLACE_GROUPS = ("district", "street", "community")
MEASURES = (*EVENT_MEASURES, *CASE_MEASURES)
MAX_NAMES = 500  # ids named per SQL IN list
ANSWERS_KEPT = 256  # counted answers kept (a few KB each), least recently used dropped first


@dataclass(frozen=True, slots=True)
class StatsFilter:
    """What to count: a time range (days, both ends included), dimension values, and the caller's limits."""

    start: dt.date | None = None
    end: dt.date | None = None
    category: str | None = None  # a subcategory code, or a major code (no dot)
    source: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    grid: str | None = None
    department: str | None = None
    sources: tuple[str, ...] | None = None  # the sources the caller reads (None: all)
    districts: tuple[str, ...] | None = None  # the district ids the caller reads (None: all)

    def shifted(self, months: int) -> StatsFilter:
        """Return the same filter over the range `months` earlier (ends kept at month ends)."""
        if self.start is None or self.end is None:
            raise BadInput("a comparison needs a time range with both ends")
        offset = pd.DateOffset(months=months)
        start = (pd.Timestamp(self.start) - offset).date()
        end = (pd.Timestamp(self.end + dt.timedelta(days=1)) - offset).date() - dt.timedelta(days=1)
        return replace(self, start=start, end=end)


def _clauses(table: sa.Table, f: StatsFilter) -> list[Any]:
    clauses: list[Any] = []
    if f.category:
        clauses.append((table.c.category if "." in f.category else table.c.major) == f.category)
    for name in ("source", "district", "street", "community", "grid", "department"):
        value = getattr(f, name)
        if value:
            clauses.append(table.c[GROUPS[name]] == value)
    if f.sources is not None:
        clauses.append(table.c.source.in_(f.sources))
    if f.districts is not None:
        clauses.append(table.c.district_id.in_(f.districts))
    return clauses


def _cuboid(by: Sequence[str], f: StatsFilter, grain: str) -> str:
    """Return the smallest roll-up (kept at `grain`) with every dimension the query uses."""
    needed = {GROUPS[b] for b in by if b != "month"} | {"source", "district_id"}
    if f.category:
        needed.add("category" if "." in f.category else "major")
    needed |= {GROUPS[n] for n in ("street", "community", "grid", "department") if getattr(f, n)}
    names = {"day": DAILY_CUBOIDS, "month": tuple(CUBOIDS), "quarter": QUARTERLY_CUBOIDS}[grain]
    return next(name for name in names if needed <= set(CUBOIDS[name]))


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Return numerator / denominator rounded to 4 places, None where the denominator is 0."""
    top, bottom = numerator.to_numpy(dtype="float64"), denominator.to_numpy(dtype="float64")
    out = np.full(len(bottom), None, dtype=object)
    some = bottom > 0
    out[some] = np.round(top[some] / bottom[some], 4)  # stored as Python floats
    return pd.Series(out, index=numerator.index, dtype=object)


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the counts with completion, on-time and satisfaction rates added.

    >>> row = pd.DataFrame({"cases": [4], "closed": [2], "on_time": [1], "rated": [0], "satisfied": [0],
    ...     "basically_satisfied": [0]})
    >>> with_rates(row)[["completion_rate", "on_time_rate", "satisfaction_rate"]].iloc[0].tolist()
    [0.5, 0.5, None]
    """
    return frame.assign(
        completion_rate=_ratio(frame["closed"], frame["cases"]),
        on_time_rate=_ratio(frame["on_time"], frame["closed"]),
        satisfaction_rate=_ratio(frame["satisfied"] + frame["basically_satisfied"], frame["rated"]),
    )


class StatsQuery:
    """Statistics read from the aggregates in one warehouse."""

    def __init__(self, warehouse: Warehouse, keep_answers: bool = True) -> None:
        self.warehouse = warehouse
        self.keep_answers = keep_answers  # off where every query must be counted afresh (the benchmark)
        self._district_ids: tuple[dt.datetime | None, dict[str, str]] | None = None
        self._answers: OrderedDict[Hashable, pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def as_of(self, projection: str = "stats") -> dt.datetime | None:
        """Return the fusion run the aggregates (or the alerts) are as of (None before the first run)."""
        with self.warehouse.engine.connect() as connection:
            return connection.execute(
                sa.select(projection_runs.c.caught_up_to).where(projection_runs.c.projection == projection)
            ).scalar_one_or_none()

    def generation(self) -> tuple[Any, ...]:
        """Return the fusion run the aggregates were rebuilt from and when (changes with every rebuild)."""
        with self.warehouse.engine.connect() as connection:
            row = connection.execute(
                sa.select(projection_runs.c.caught_up_to, projection_runs.c.projected_at).where(
                    projection_runs.c.projection == "stats"
                )
            ).first()
        return tuple(row) if row else ()

    def _kept(self, key: tuple[Any, ...], count: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """Return what `count` answers for `key` (its filter whole), counted once per rebuild of the
        aggregates; a copy, as callers add columns."""
        if not self.keep_answers:
            return count()
        key = (*key, self.generation())
        with self._lock:
            kept = self._answers.get(key)
            if kept is not None:
                self._answers.move_to_end(key)
        if kept is None:
            kept = count()
            with self._lock:
                self._answers[key] = kept
                while len(self._answers) > ANSWERS_KEPT:
                    self._answers.popitem(last=False)
        return kept.copy()

    def district_ids(self, names: Sequence[str]) -> tuple[str, ...]:
        """Return the ids of the districts named (an area is a district's name, e.g. 沙坪坝区)."""
        as_of = self.as_of()
        if self._district_ids is None or self._district_ids[0] != as_of:
            places = RESOLVED_TABLES["places"]
            with self.warehouse.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(places.c.name, places.c.place_id).where(places.c.level == "district")
                ).all()
            self._district_ids = (as_of, {str(n): str(i) for n, i in rows})
        known = self._district_ids[1]
        return tuple(known[n] for n in names if n in known)

    def _part(self, by: Sequence[str], f: StatsFilter, part: RangePart) -> sa.Select[Any]:
        """Return the rows of one part of the range (whole months from a roll-up, or days), signed."""
        table = {"day": stats_daily, "month": stats_monthly, "quarter": stats_quarterly}[part.grain]
        period = table.c[part.grain]
        clauses = _clauses(table, f)
        if part.first is not None:
            clauses.append(period >= part.first)
        if part.last is not None:
            clauses.append(period <= part.last)
        clauses.append(table.c.cuboid == _cuboid(by, f, part.grain))
        columns = [
            (period if part.grain == "month" else sa.literal(part.month, sa.Date)).label("month")
            if b == "month"
            else table.c[GROUPS[b]].label(GROUPS[b])
            for b in by
        ]
        measures = [(table.c[m] if part.sign > 0 else -table.c[m]).label(m) for m in MEASURES]
        return sa.select(*columns, *measures).where(*clauses)

    def counts(self, by: Sequence[str], f: StatsFilter) -> pd.DataFrame:
        """Return the counts and rates grouped by `by` (names of GROUPS) within the filter."""
        return self._kept(("counts", tuple(by), f), lambda: self._counted(by, f))

    def _counted(self, by: Sequence[str], f: StatsFilter) -> pd.DataFrame:
        unknown = [b for b in by if b not in GROUPS]
        if unknown:
            raise BadInput(f"statistics group by {', '.join(GROUPS)}, not {unknown[0][:20]!r}")
        quarters = "month" not in by and _cuboid(by, f, "month") in QUARTERLY_CUBOIDS
        parts = plan_range(f.start, f.end, quarters)
        keys = [_key(b) for b in by]
        selects = [self._part(by, f, part) for part in parts]
        rows = sa.union_all(*selects).subquery("parts") if len(selects) > 1 else selects[0].subquery("parts")
        query = sa.select(*(rows.c[k] for k in keys), *(sa.func.sum(rows.c[m]).label(m) for m in MEASURES))
        if keys:
            # days taken away from a month read whole leave a group at 0 when it has nothing in range
            query = query.group_by(*(rows.c[k] for k in keys)).having(
                sa.func.sum(rows.c.events) + sa.func.sum(rows.c.cases) != 0
            )
        width = len(keys)
        with self.warehouse.engine.connect() as connection:  # a sum over no rows is NULL: 0
            found = [(*r[:width], *(v or 0 for v in r[width:])) for r in connection.execute(query)]
        frame = pd.DataFrame(found, columns=[*keys, *MEASURES]).astype(dict.fromkeys(MEASURES, "int64"))
        if not keys:
            frame = pd.DataFrame([frame[list(MEASURES)].sum()])
        else:
            frame = frame.sort_values(keys, ignore_index=True)
        return with_rates(frame)

    def compare(self, by: Sequence[str], f: StatsFilter) -> pd.DataFrame:
        """Return the counts by `by` with the same range a month earlier (mom) and a year earlier (yoy)."""
        keys = [_key(b) for b in by]
        now = self.counts(by, f)
        for label, months in (("mom", 1), ("yoy", 12)):
            before = self.counts(by, f.shifted(months))[[*keys, "events", "cases"]]
            before = before.rename(columns={"events": f"events_{label}_base", "cases": f"cases_{label}_base"})
            now = now.merge(before, on=keys, how="left") if keys else now.join(before)
            for measure in ("events", "cases"):
                base = now[f"{measure}_{label}_base"].fillna(0).astype(int)
                now[f"{measure}_{label}_base"] = base
                now[f"{measure}_{label}"] = _ratio(now[measure] - base, base)
        return now

    def per_10k(self, f: StatsFilter) -> pd.DataFrame:
        """Return events and cases per 10,000 residents by community (the resolved people living there)."""
        counts = self.counts(["community"], f)[["community_id", "events", "cases"]]
        query = sa.select(stats_residents)
        if f.districts is not None:
            query = query.where(stats_residents.c.district_id.in_(f.districts))
        with self.warehouse.engine.connect() as connection:
            residents = pd.DataFrame(
                connection.execute(query).mappings().all(),
                columns=["community_id", "district_id", "residents"],
            )
        frame = residents.merge(counts, on="community_id", how="left").fillna({"events": 0, "cases": 0})
        frame[["events", "cases"]] = frame[["events", "cases"]].astype(int)
        frame["events_per_10k"] = (frame["events"] * 10_000 / frame["residents"]).round(2)
        frame["cases_per_10k"] = (frame["cases"] * 10_000 / frame["residents"]).round(2)
        return frame.sort_values(
            ["events_per_10k", "community_id"], ascending=[False, True], ignore_index=True
        )

    def hotspots(self, kind: str, f: StatsFilter, min_cases: int = 2, limit: int = 20) -> pd.DataFrame:
        """Return the places or people with at least `min_cases` cases in the range, most cases first."""
        if kind not in ("place", "person"):
            raise BadInput(f"hot spots are places or people, not {kind[:20]!r}")
        filters = {
            "start": f.start,
            "end": f.end,
            "sources": f.sources,
            "districts": f.districts,
            "district": f.district,
        }
        return self._kept(
            ("hotspots", kind, f, min_cases, limit),
            lambda: top_hotspots(self.warehouse.engine, kind, filters, min_cases, limit),
        )

    def names(self, group: str, ids: Sequence[str]) -> dict[str, str]:
        """Return display names of the ids of a group (places, categories, departments)."""
        if group in PLACE_GROUPS or group == "place":
            places = RESOLVED_TABLES["places"]
            wanted = sorted({i for i in ids if i})
            out: dict[str, str] = {}
            with self.warehouse.engine.connect() as connection:
                for start in range(0, len(wanted), MAX_NAMES):
                    chunk = wanted[start : start + MAX_NAMES]
                    query = sa.select(places.c.place_id, places.c.full_address, places.c.name)
                    for pid, address, name in connection.execute(query.where(places.c.place_id.in_(chunk))):
                        out[str(pid)] = str(address or name or pid)
            return out
        taxonomy = load_ontology().taxonomy
        if group == "category":
            return {c: taxonomy.categories[c].name for c in ids if c in taxonomy.categories}
        if group == "major":
            majors = {c.major_code: c.major_name for c in taxonomy.categories.values()}
            return {c: majors[c] for c in ids if c in majors}
        if group == "department":
            return {d: taxonomy.departments[d] for d in ids if d in taxonomy.departments}
        return {}


def _key(group: str) -> str:
    return GROUPS[group]
