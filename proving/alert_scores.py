"""Alerts against the simulator's truth: planted spikes found (precision, recall), escalation alerts
against the escalation signal.

The truth of spikes is `<city>/truth/spikes.parquet` (or .csv): community_id, category, week_start.
A found spike matches a planted one with the same community and week (the Monday it starts) whose
category is the spike's subcategory or its major category.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from cityhub.warehouse import Warehouse

__all__ = ["found_spikes", "read_truth_spikes", "score_alerts", "score_spikes"]


def _monday(values: pd.Series) -> pd.Series:
    days = pd.to_datetime(values)
    return (days - pd.to_timedelta(days.dt.weekday, unit="D")).dt.date


def score_spikes(found: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Return precision and recall of found spikes against planted ones (both: community_id, category,
    week_start).

    >>> truth = pd.DataFrame({"community_id": ["C1"], "category": ["noise"], "week_start": ["2026-03-02"]})
    >>> found = pd.DataFrame({"community_id": ["C1", "C2"], "category": ["noise.x", "noise"],
    ...     "week_start": ["2026-03-04", "2026-03-02"]})
    >>> score_spikes(found, truth)
    {'planted': 1, 'found': 2, 'matched': 1, 'precision': 0.5, 'recall': 1.0}
    """
    planted = {
        (c, k, w)
        for c, k, w in zip(
            truth["community_id"], truth["category"], _monday(truth["week_start"]), strict=True
        )
    }
    matched_truth: set[tuple[Any, Any, Any]] = set()
    hits = 0
    for community, category, week in zip(
        found["community_id"], found["category"], _monday(found["week_start"]), strict=True
    ):
        keys = {(community, category, week), (community, str(category).split(".")[0], week)}
        if keys & planted:
            hits += 1
            matched_truth |= keys & planted
    return {
        "planted": len(planted),
        "found": len(found),
        "matched": hits,
        "precision": round(hits / len(found), 4) if len(found) else 0.0,
        "recall": round(len(matched_truth) / len(planted), 4) if planted else 0.0,
    }


def found_spikes(warehouse: Warehouse) -> pd.DataFrame:
    """Return the active spike alerts of a warehouse as community_id, category, week_start."""
    alerts = warehouse.read_table("alerts")
    spikes = alerts[(alerts["kind"] == "spike") & (alerts["status"] == "active")]
    evidence = [json.loads(e) for e in spikes["evidence"]]
    return pd.DataFrame(
        {
            "community_id": [e["community_id"] for e in evidence],
            "category": [e["category"] for e in evidence],
            "week_start": [dt.date.fromisoformat(e["week_start"]) for e in evidence],
        }
    )


def read_truth_spikes(city: Path) -> pd.DataFrame | None:
    """Return the city's planted spikes, or None when its simulator planted none (no truth table)."""
    for name in ("spikes.parquet", "spikes.csv"):
        path = city / "truth" / name
        if path.is_file():
            return pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path, dtype=str)
    return None


def score_alerts(city: Path, warehouse: Warehouse) -> list[dict[str, Any]]:
    """Return rows scoring a resolved city's alerts: spikes against the truth (when present) and the
    escalation alerts against the escalating cases."""
    rows: list[dict[str, Any]] = []
    truth = read_truth_spikes(city)
    if truth is None:
        rows.append({"what": "spikes", "note": f"no truth table in {city / 'truth'} (spikes.parquet)"})
    else:
        rows.append({"what": "spikes", **score_spikes(found_spikes(warehouse), truth)})
    alerts = warehouse.read_table("alerts")
    cases = warehouse.read_table("resolved_cases")
    escalating = set(cases.loc[cases["escalating"].fillna(False).astype(bool), "case_id"])
    alerted = set(alerts.loc[(alerts["kind"] == "escalating") & (alerts["status"] == "active"), "subject_id"])
    both = len(escalating & alerted)
    rows.append(
        {
            "what": "escalation alerts vs escalating cases",
            "found": len(alerted),
            "planted": len(escalating),
            "matched": both,
            "precision": round(both / len(alerted), 4) if alerted else 0.0,
            "recall": round(both / len(escalating), 4) if escalating else 0.0,
        }
    )
    return rows
