"""Where the hub's case-level rates part from the truth's: its cases joined to the true incidents
through their records.

A hub case is `one-to-one` when its records are all of one incident and that incident's records
all in it; `merged` when its records belong to two incidents or more; `split` when its incident's
records lie in two cases or more (a case both merged and split counts as merged). Per kind: the
hub's cases and how many of those judged were on time, and the same for the true incidents those
cases stand for. A gap in the on-time rate between the hub and the truth with the one-to-one rows
agreeing comes from how records were grouped, not from how a case's times are derived.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from cityhub.config import Settings, get_settings
from proving.handling_eval import ingested_daily, simulated_for_handling, truth_as_of

__all__ = ["case_breakdown", "evaluate_breakdown"]

KINDS = ("one-to-one", "merged", "split")


def _kinds(records: pd.DataFrame) -> pd.Series:
    """Return per hub case its kind, from its records' (case_id, incident_id)."""
    incidents_per_case = records.groupby("case_id")["incident_id"].nunique()
    cases_per_incident = records.groupby("incident_id")["case_id"].nunique()
    split_incidents = set(cases_per_incident[cases_per_incident > 1].index)
    split = (
        records.assign(split=records["incident_id"].isin(split_incidents)).groupby("case_id")["split"].any()
    )
    kind = pd.Series("one-to-one", index=incidents_per_case.index, dtype=object)
    kind[split.reindex(kind.index, fill_value=False).to_numpy()] = "split"
    kind[(incidents_per_case > 1).to_numpy()] = "merged"
    return kind


def _judged(on_time: pd.Series) -> tuple[int, int]:
    verdicts = on_time.dropna().astype(bool)
    return int(verdicts.sum()), len(verdicts)


def case_breakdown(
    city: Path, cases: pd.DataFrame, events: pd.DataFrame, at: dt.datetime
) -> list[dict[str, object]]:
    """Return per kind of hub case (KINDS) the hub's cases and on-time count against the truth's
    incidents they stand for (`cases`, `events`: resolved_cases and resolved_events)."""
    truth_records = pd.read_parquet(city / "truth" / "records.parquet")
    truth_cases = truth_as_of(pd.read_parquet(city / "truth" / "cases.parquet"), at).set_index("incident_id")
    records = events.dropna(subset=["case_id"]).merge(
        truth_records.assign(event_id=truth_records["source"] + ":" + truth_records["record_id"])[
            ["event_id", "incident_id"]
        ],
        on="event_id",
    )
    kind = _kinds(records)
    on_time = cases.set_index("case_id")["on_time"]
    rows: list[dict[str, object]] = []
    for name in KINDS:
        ids = kind.index[kind == name]
        incidents = pd.unique(records.loc[records["case_id"].isin(ids), "incident_id"])
        hub_on, hub_judged = _judged(on_time.reindex(ids))
        true_on, true_judged = _judged(truth_cases["on_time"].reindex(incidents))
        rows.append(
            {
                "cases": name,
                "hub cases": len(ids),
                "hub on time": f"{hub_on}/{hub_judged}",
                "incidents": len(incidents),
                "truth on time": f"{true_on}/{true_judged}",
            }
        )
    return rows


def evaluate_breakdown(
    people: int = 20_000,
    seed: int = 7,
    noise: str = "realistic",
    days: int = 120,
    settings: Settings | None = None,
) -> list[dict[str, object]]:
    """Return `case_breakdown` for the city `cityhub eval handling` ingested (simulated and ingested
    first when it has not been)."""
    from cityhub.warehouse import Warehouse

    root = (settings or get_settings()).home
    city = simulated_for_handling(people, seed, noise, days, root)
    hub = ingested_daily(city, root / "eval" / f"handling-{people}-{seed}-{noise}-{days}d")
    warehouse = Warehouse(hub.resolved_warehouse_url())
    cases = warehouse.read_table("resolved_cases")
    at = pd.Timestamp(cases["changed_at"].max()).to_pydatetime()
    return case_breakdown(city, cases, warehouse.read_table("resolved_events"), at)
