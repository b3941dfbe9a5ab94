"""The resolved tables as the statistics and the alerts read them: events and cases with their
district, street, community, grid and department, one row each.

The handling columns (a case's status, responsible department, time limit, overdue, on-time and
satisfaction; an event's handling department) are read when the warehouse has them; without them
a case counts as opened only, and its department is the one the taxonomy names for its category.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from cityhub.warehouse import Warehouse
from ontology import load_ontology

__all__ = ["OperationsFrames", "divisions_of_places", "load_frames", "owning_department"]

DIVISION_LEVELS = ("district", "street", "community")
MAX_DEPTH = 12  # district > street > community > estate > building > unit > room, with room to spare


@lru_cache(maxsize=1)
def _owners() -> dict[str, str]:
    return {code: c.department for code, c in load_ontology().taxonomy.categories.items()}


def owning_department(categories: pd.Series) -> pd.Series:
    """Return the department the taxonomy makes responsible for each category code ('' if unknown).

    >>> owning_department(pd.Series(["neighbour_dispute.noise", None])).tolist()
    ['justice', '']
    """
    return categories.map(_owners()).fillna("").astype(str)


def divisions_of_places(places: pd.DataFrame) -> pd.DataFrame:
    """Return, per place_id, the district, street and community it lies in and its grid ('' when none).

    >>> places = pd.DataFrame({"place_id": ["D", "S", "C", "B"],
    ...     "level": ["district", "street", "community", "building"],
    ...     "parent_id": [None, "D", "S", "C"], "grid_id": [None, None, None, "G1"]})
    >>> divisions_of_places(places).loc["B"].tolist()
    ['D', 'S', 'C', 'G1']
    """
    columns = ["district_id", "street_id", "community_id", "grid_id"]
    if places.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="place_id"))
    level = places.set_index("place_id")["level"]
    parent = places.set_index("place_id")["parent_id"]
    grid = places.set_index("place_id")["grid_id"].where(lambda g: g.notna() & (g != ""))
    out = pd.DataFrame(index=level.index, columns=columns, dtype=object)
    current = pd.Series(level.index, index=level.index, dtype=object)
    for _ in range(MAX_DEPTH):
        here = current.map(level)
        for name in DIVISION_LEVELS:
            hit = (here == name) & out[f"{name}_id"].isna()
            out.loc[hit, f"{name}_id"] = current[hit]
        found = current.map(grid)
        take = out["grid_id"].isna() & found.notna()
        out.loc[take, "grid_id"] = found[take]
        current = current.map(parent)
        if current.isna().all():
            break
    return out.fillna("").astype(str)


@dataclass(frozen=True, slots=True)
class OperationsFrames:
    """Events and cases with their places' divisions and departments; the data's clock."""

    events: pd.DataFrame  # event_id, source, category, major, day, occurred_at, case_id, place_id,
    #                       district_id, street_id, community_id, grid_id, department
    cases: pd.DataFrame  # case_id, category, major, day, opened_at, source (of its first event),
    #                      place divisions of its first event, department, escalating, ... measures
    places: pd.DataFrame  # the resolved places (place_id, level, name, parent_id, grid_id)
    clock: dt.datetime | None  # the newest event time: "now" as far as the data goes


def _with_places(frame: pd.DataFrame, divisions: pd.DataFrame) -> pd.DataFrame:
    joined = frame.join(divisions, on="place_id")
    for column in divisions.columns:
        joined[column] = joined[column].fillna("").astype(str)
    return joined


def _case_measures(cases: pd.DataFrame) -> pd.DataFrame:
    """Return the case measures (0/1 each) from the handling columns the cases have."""
    status = cases["status"] if "status" in cases else pd.Series(None, index=cases.index, dtype=object)
    satisfaction = (
        cases["satisfaction"] if "satisfaction" in cases else pd.Series(None, index=cases.index, dtype=object)
    )

    def flag(column: str) -> pd.Series:
        if column not in cases:
            return pd.Series(0, index=cases.index)
        return cases[column].map(lambda v: 1 if v is True or v == 1 else 0).astype(int)

    return pd.DataFrame(
        {
            "cases": 1,
            "closed": (status == "closed").astype(int),
            "on_time": flag("on_time"),
            "overdue": flag("overdue"),
            "rated": satisfaction.notna().astype(int),
            "satisfied": (satisfaction == "satisfied").astype(int),
            "basically_satisfied": (satisfaction == "basically_satisfied").astype(int),
            "unsatisfied": (satisfaction == "unsatisfied").astype(int),
        },
        index=cases.index,
    )


def load_frames(warehouse: Warehouse) -> OperationsFrames:
    """Return the events and cases of the resolved tables, placed and given their departments."""
    places = warehouse.read_table("resolved_places")
    divisions = divisions_of_places(places)
    events = warehouse.read_table("resolved_events").drop(
        columns=["description", "changed_at"], errors="ignore"
    )
    events = _with_places(events, divisions)
    events["occurred_at"] = pd.to_datetime(events["occurred_at"])
    events["day"] = events["occurred_at"].dt.date
    events["category"] = events["category"].fillna("").astype(str)
    events["major"] = events["category"].str.split(".").str[0]
    owner = owning_department(events["category"])
    handled = events["handling_department"] if "handling_department" in events else None
    events["department"] = owner if handled is None else handled.fillna(owner).astype(str)
    cases = warehouse.read_table("resolved_cases").drop(columns=["changed_at"], errors="ignore")
    first = (
        events.dropna(subset=["case_id"])
        .sort_values(["occurred_at", "event_id"])
        .drop_duplicates("case_id")
        .set_index("case_id")[["source", "place_id", "district_id", "street_id", "community_id", "grid_id"]]
    )
    cases = cases.join(first, on="case_id")
    cases["category"] = cases["category"].fillna("").astype(str)
    cases["major"] = cases["category"].str.split(".").str[0]
    cases["opened_at"] = pd.to_datetime(cases["opened_at"])
    cases["day"] = cases["opened_at"].dt.date
    owner = owning_department(cases["category"])
    responsible = cases["responsible_department"] if "responsible_department" in cases else None
    cases["department"] = owner if responsible is None else responsible.fillna(owner).astype(str)
    for column in ("source", "district_id", "street_id", "community_id", "grid_id"):
        cases[column] = cases[column].fillna("").astype(str)
    measures = _case_measures(cases)  # 0/1 flags in place of the handling columns of the same names
    cases = pd.concat([cases.drop(columns=list(measures.columns), errors="ignore"), measures], axis=1)
    clock = events["occurred_at"].max() if len(events) else None
    return OperationsFrames(
        events=events,
        cases=cases,
        places=places,
        clock=None if clock is None or pd.isna(clock) else clock.to_pydatetime(),
    )
