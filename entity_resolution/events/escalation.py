"""Cases from grouped events: their timeline, and whether they are escalating.

A case is escalating when either of two things is true; `escalation_reason` says which and why.

Moving up channels (`channels: ...`). The departments form a ladder: 12345 hotline, grid worker,
police, petitions office. A dispute settled where it starts stays on the first rung; one that
goes on being reported climbs. A case escalates through channels when its records, in time
order, climb at least `climb_rungs` rungs (default 3), each climb reported at least
`climb_gap_hours` (default 24) after the rung below it. One step (a hotline call then a grid
visit) is ordinary dispatching, and a police report the same hour as a hotline call is one event
told twice; a hotline call, a grid visit days later and a police call a week after that is a
dispute the first line did not settle. Example: 'channels: hotline 2026-03-01 > grid 2026-03-04 >
police 2026-03-15'.

Recurring (`recurrence: ...`). A case recurs when an earlier case of the same category (the
same subcategory of the taxonomy; a coarse label goes with its major's subcategories,
other.unclassified with any) opened between
`recurrence_min_days` (default 7) and `recurrence_days` (default 90) before it, in the same room
or naming one of the same people. The place must be a room (`recurrence_place_depth` levels below
the site): a building or an estate is too coarse, its residents report unrelated things about
its lift, water or rubbish all the time. The later case carries the flag and names the earlier
one: 'recurrence: after C-1a2b... of 2026-01-20 (same place, same people)'. Cases opened within
a week of each other are one episode, however it was split; cases a quarter apart are history.

Both are computed from the cases' records alone (sources, times, place paths, people), so they
can be recomputed for any set of cases; `case_keys` keeps what recurrence needs of every case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from entity_resolution.events.block import DAY, window_pairs
from entity_resolution.events.prepare import SITE_DEPTH, UNCLASSIFIED

__all__ = [
    "CASE_COLUMNS",
    "KEY_COLUMNS",
    "EscalationOptions",
    "case_keys",
    "case_table",
    "channel_climbs",
    "longest_climb",
    "recurrences",
]

CASE_COLUMNS = (
    "case_id",
    "category",
    "opened_at",
    "last_activity_at",
    "escalating",
    "escalation_reason",
    "sources",
)
KEY_COLUMNS = ("case_id", "key", "kind", "category", "opened_at")


@dataclass(frozen=True, slots=True)
class EscalationOptions:
    """When a case counts as escalating (see the module docstring)."""

    climb_rungs: int = 3
    climb_gap_hours: float = 24.0
    recurrence_days: float = 90.0
    recurrence_min_days: float = 7.0
    recurrence_place_depth: int = 3  # levels below the site: building 1, unit 2, room 3


def longest_climb(rungs: list[int], times: list[int], gap: int) -> list[int]:
    """Return the positions of the longest climb: rungs rising, each at least `gap` after the last."""
    best: list[list[int]] = []
    for i, (rung, t) in enumerate(zip(rungs, times, strict=True)):
        chain = [i]
        for j in range(i):
            if rungs[j] < rung and t - times[best[j][-1]] >= gap and len(best[j]) + 1 > len(chain):
                chain = [*best[j], i]
        best.append(chain if rung >= 0 else [])
    return max(best, key=len, default=[])


def channel_climbs(events: pd.DataFrame, ladder: tuple[str, ...], options: EscalationOptions) -> pd.Series:
    """Return the 'channels: ...' reason of every case that climbs (index case_id).

    `events` has case_id, source, occurred_at. Only cases with records on enough distinct rungs
    are looked at one by one; they are a few in a hundred.
    """
    rung_of = {name: i for i, name in enumerate(ladder)}
    frame = events[["case_id", "source", "occurred_at"]].assign(
        rung=events["source"].map(rung_of).fillna(-1).astype(np.int64)
    )
    frame = frame[frame["rung"] >= 0]
    distinct = frame.drop_duplicates(["case_id", "rung"])["case_id"].value_counts()
    candidates = frame[frame["case_id"].isin(distinct.index[distinct >= options.climb_rungs])]
    candidates = candidates.sort_values(["case_id", "occurred_at", "rung"], kind="stable")
    cases = candidates["case_id"].to_numpy(dtype=object)
    rungs = candidates["rung"].to_numpy().tolist()
    times = candidates["occurred_at"].to_numpy("datetime64[s]").astype(np.int64).tolist()
    days = candidates["occurred_at"].dt.strftime("%Y-%m-%d").tolist()
    starts = np.flatnonzero(np.r_[True, cases[1:] != cases[:-1]]) if len(cases) else np.zeros(0, np.int64)
    ends = np.r_[starts[1:], len(cases)] if len(cases) else starts
    gap = int(options.climb_gap_hours * 3600)
    reasons = {}
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        chain = longest_climb(rungs[start:end], times[start:end], gap)
        if len(chain) >= options.climb_rungs:
            steps = [f"{ladder[rungs[start + i]]} {days[start + i]}" for i in chain]
            reasons[cases[start]] = "channels: " + " > ".join(steps)
    return pd.Series(reasons, dtype=object)


def case_keys(events: pd.DataFrame, options: EscalationOptions) -> pd.DataFrame:
    """Return what recurrence compares, per case: its room and its people.

    `events` has case_id, category, occurred_at, place_chain, person_ids. One row per (case, key):
    kind 'place' (the place `recurrence_place_depth` levels below the site) or
    'person', with the case's category and opening time.
    """
    opened = events.groupby("case_id")["occurred_at"].min()
    category = _categories(events).reindex(opened.index)
    place_depth = SITE_DEPTH + options.recurrence_place_depth
    depth = events["place_chain"].map(len)
    deep = events[depth >= place_depth]
    deepest = deep.loc[deep["place_chain"].map(len).groupby(deep["case_id"]).idxmax()]
    places = pd.DataFrame(
        {
            "case_id": deepest["case_id"].to_numpy(),
            "key": deepest["place_chain"].map(lambda p: p[place_depth - 1]).to_numpy(),
        }
    ).assign(kind="place")
    people = events[["case_id", "person_ids"]].explode("person_ids").dropna()
    people = people.rename(columns={"person_ids": "key"}).drop_duplicates().assign(kind="person")
    keys = pd.concat([places, people], ignore_index=True)
    keys["category"] = keys["case_id"].map(category).to_numpy()
    keys["opened_at"] = keys["case_id"].map(opened).to_numpy()
    return keys.sort_values(["case_id", "kind", "key"], ignore_index=True)[list(KEY_COLUMNS)]


def recurrences(keys: pd.DataFrame, cases: pd.Index | None, options: EscalationOptions) -> pd.Series:
    """Return the 'recurrence: ...' reason of every case (of `cases`, or all) that recurs an earlier one."""
    if cases is not None:  # only keys a case of `cases` holds can tie it to an earlier case
        keys = keys[keys["key"].isin(keys.loc[keys["case_id"].isin(cases), "key"]).to_numpy()]
    if not len(keys):
        return pd.Series(dtype=object)
    code = pd.factorize(keys["kind"] + "\x1f" + keys["key"].astype(str))[0].astype(np.int64)
    t = keys["opened_at"].to_numpy("datetime64[s]").astype(np.int64)
    later_rows = keys["case_id"].isin(cases).to_numpy() if cases is not None else np.ones(len(keys), bool)
    later_code = np.where(later_rows, code, -1)
    i, j = window_pairs(later_code, t, code, t, int(options.recurrence_days * DAY))
    gap = t[i] - t[j]
    category = keys["category"].astype(str)
    major = category.str.split(".", n=1).str[0].to_numpy(dtype=object)
    coarse = ~category.str.contains(".", regex=False).to_numpy()  # a major category: a coarse label
    code = category.to_numpy(dtype=object)
    agree = (code[i] == code[j]) | (code[i] == UNCLASSIFIED) | (code[j] == UNCLASSIFIED)
    agree |= (coarse[i] | coarse[j]) & (major[i] == major[j])
    keep = (gap >= options.recurrence_min_days * DAY) & agree
    i, j = i[keep], j[keep]
    ids = keys["case_id"].to_numpy(dtype=object)
    found = pd.DataFrame(
        {"case_id": ids[i], "earlier": ids[j], "kind": keys["kind"].to_numpy(dtype=object)[i], "at": t[j]}
    )
    found = found[found["case_id"] != found["earlier"]]
    if not len(found):
        return pd.Series(dtype=object)
    why = found.groupby(["case_id", "earlier", "at"])["kind"].agg(lambda k: ", ".join(sorted(set(k))))
    ordered = why.reset_index().sort_values(["case_id", "at", "earlier"], ascending=[True, False, True])
    latest = ordered.drop_duplicates("case_id")  # the most recent earlier case is the one it repeats
    words = latest["kind"].str.replace("person", "same people").str.replace("place", "same place")
    day = pd.to_datetime(latest["at"].to_numpy(), unit="s").strftime("%Y-%m-%d")
    text = "recurrence: after " + latest["earlier"] + " of " + day + " (" + words + ")"
    return pd.Series(text.to_numpy(), index=latest["case_id"].to_numpy(), dtype=object)


def _categories(events: pd.DataFrame) -> pd.Series:
    """Return each case's category: the most common classified one (ties: earliest), else unclassified."""
    classified = events[events["category"] != UNCLASSIFIED]
    counts = classified.groupby(["case_id", "category"]).agg(
        n=("occurred_at", "size"), first=("occurred_at", "min")
    )
    counts = counts.reset_index().sort_values(["case_id", "n", "first"], ascending=[True, False, True])
    chosen = counts.drop_duplicates("case_id").set_index("case_id")["category"]
    cases = pd.Index(pd.unique(events["case_id"]))
    return chosen.reindex(cases).fillna(UNCLASSIFIED)


def _sources(events: pd.DataFrame, ladder: tuple[str, ...]) -> pd.Series:
    """Return each case's departments in ladder order (others after, by name), as lists."""
    order = {name: i for i, name in enumerate(ladder)}
    frame = events[["case_id", "source"]].drop_duplicates()
    frame = frame.assign(rung=frame["source"].map(order).fillna(len(order)))
    frame = frame.sort_values(["case_id", "rung", "source"], kind="stable")
    cases = frame["case_id"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.r_[True, cases[1:] != cases[:-1]]) if len(cases) else np.zeros(0, np.int64)
    lists = [part.tolist() for part in np.split(frame["source"].to_numpy(dtype=object), starts[1:])]
    return pd.Series(lists if len(cases) else [], index=cases[starts], dtype=object)


def case_table(
    events: pd.DataFrame,
    keys: pd.DataFrame,
    ladder: tuple[str, ...],
    options: EscalationOptions,
) -> pd.DataFrame:
    """Return one row per case of `events` (CASE_COLUMNS), escalation included.

    `keys` are the case keys of every case (earlier ones included), for recurrence.
    """
    grouped = events.groupby("case_id")
    table = pd.DataFrame(
        {
            "category": _categories(events),
            "opened_at": grouped["occurred_at"].min(),
            "last_activity_at": grouped["occurred_at"].max(),
            "sources": _sources(events, ladder),
        }
    )
    climbs = channel_climbs(events, ladder, options).reindex(table.index)
    recurs = recurrences(keys, table.index, options).reindex(table.index)
    table["escalation_reason"] = [
        "; ".join(r for r in (a, b) if isinstance(r, str)) or None
        for a, b in zip(climbs.tolist(), recurs.tolist(), strict=True)
    ]
    table["escalating"] = table["escalation_reason"].notna()
    table.index.name = "case_id"
    return table.reset_index().sort_values("case_id", ignore_index=True)[list(CASE_COLUMNS)]
