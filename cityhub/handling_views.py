"""Handling as officials read it: a case's status timeline across departments, and a grid's workload.

Both read the warehouse (the status history and the resolved tables) and leave out what the
caller's scope may not see; `cityhub.read.Reader` calls them after its own checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa

from cityhub.access.policy import Scope
from cityhub.access.visibility import Visibility
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import RESOLVED_TABLES
from cityhub.warehouse.schema import record_status_history
from ontology import load_ontology

__all__ = [
    "CASE_STATUS_LABELS",
    "SATISFACTION_LABELS",
    "STATUS_LABELS",
    "case_labels",
    "grid_workload",
    "status_timeline",
]

STATUS_LABELS = {
    "received": "受理",
    "dispatched": "已派遣",
    "in_progress": "办理中",
    "resolved": "已办结",
    "closed": "已结案",
    "withdrawn": "已撤回",
}
CASE_STATUS_LABELS = {"open": "办理中", "closed": "已办结"}
SATISFACTION_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def _clean(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], frame.astype(object).where(frame.notna(), None).to_dict("records"))


def status_timeline(warehouse: Warehouse, events: pd.DataFrame, scope: Scope) -> list[dict[str, Any]]:
    """Return every status version of the case's `events` (event_id, source, record_id) that the
    scope's sources allow, in time order, each with its Chinese label."""
    allowed = events[[scope.allows_source(str(s)) for s in events["source"]]]
    if allowed.empty:
        return []
    table = record_status_history
    keys = [
        sa.and_(table.c.source == s, table.c.record_id == r)
        for s, r in zip(allowed["source"], allowed["record_id"], strict=True)
    ]
    history = warehouse.read_table(table.name, sa.or_(*keys))
    history = history.merge(allowed[["event_id", "source", "record_id"]], on=["source", "record_id"])
    history = history.sort_values(["updated_at", "event_id"], ignore_index=True)
    history["status_label"] = history["status"].map(STATUS_LABELS)
    return _clean(
        history[["updated_at", "event_id", "source", "status", "status_label"]].rename(
            columns={"updated_at": "at"}
        )
    )


def case_labels(case: Mapping[Any, Any]) -> dict[str, Any]:
    """Return the Chinese labels of a case's handling codes (status, department, satisfaction)."""
    departments = load_ontology().taxonomy.departments
    return {
        "status_label": CASE_STATUS_LABELS.get(str(case.get("status"))),
        "responsible_department_label": departments.get(str(case.get("responsible_department"))),
        "satisfaction_label": SATISFACTION_LABELS.get(str(case.get("satisfaction"))),
    }


def grid_workload(warehouse: Warehouse, facts: Visibility, grid_id: str, scope: Scope) -> dict[str, Any]:
    """Return the grid and the cases at its places that the scope may see: opened, open, overdue
    (of those, still open) and closed, and the places it holds."""
    grids, places = RESOLVED_TABLES["grids"], RESOLVED_TABLES["places"]
    events, cases = RESOLVED_TABLES["events"], RESOLVED_TABLES["cases"]
    grid = warehouse.read_table(grids.name, grids.c.grid_id == grid_id)
    in_grid = warehouse.read_table(places.name, places.c.grid_id == grid_id)
    place_ids = in_grid["place_id"].astype(str).tolist()
    at_places = warehouse.read_table(events.name, events.c.place_id.in_(place_ids)) if place_ids else None
    case_ids = sorted(set(at_places["case_id"].dropna())) if at_places is not None else []
    case_ids = [c for c in case_ids if facts.visible(scope, "Case", c)]
    rows = warehouse.read_table(cases.name, cases.c.case_id.in_(case_ids)) if case_ids else pd.DataFrame()
    closed = rows["status"] == "closed" if len(rows) else pd.Series(dtype=bool)
    overdue = rows["overdue"].fillna(False).astype(bool) if len(rows) else pd.Series(dtype=bool)
    row = grid.iloc[0].drop("changed_at").to_dict()
    return {
        "grid": {k: (None if pd.isna(v) else v) for k, v in row.items()},
        "places": len(place_ids),
        "workload": {
            "cases_opened": len(rows),
            "cases_open": int((~closed).sum()),
            "cases_overdue": int(overdue.sum()),
            "cases_open_overdue": int((overdue & ~closed).sum()),
            "cases_closed": int(closed.sum()),
        },
        "cases": _clean(rows.drop(columns=["changed_at"], errors="ignore").sort_values("case_id"))
        if len(rows)
        else [],
    }
