"""Ground truth of handling (`truth/cases.parquet`, per ticket `truth/tickets.parquet`) and of the
planted spikes (`truth/spikes.parquet`).

A case is an incident with at least one record a department kept (not deleted by the history's
end, not malformed). It opened at its first record's report, is due its category's time limit
later, and is closed once every kept record reached the status that finishes handling, at the last
of those times (read from the rendered versions, as the departments' systems show them). On time:
closed by its due time; overdue: closed after it, or open past it at the history's end; on time is
null while open and not yet due. Satisfaction: the hotline rating reported last.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ontology import load_ontology
from simulators.city.channels.common import World
from simulators.city.handling import WEEK
from simulators.city.reports import SOURCES, Reports
from simulators.city.versions import FLOWS

# channel table -> (source, record id column, status column)
CHANNELS = {
    "hotline": ("hotline", "ticket_id", "status"),
    "grid": ("grid", "event_no", "status_code"),
    "police_incidents": ("police", "jjdbh", "clzt"),
    "petitions": ("petitions", "信访件编号", "办理状态"),
}
SATISFACTION_CODES = {"满意": "satisfied", "基本满意": "basically_satisfied", "不满意": "unsatisfied"}


def record_facts(name: str, table: pa.Table) -> pd.DataFrame | None:
    """Return per record of a channel table (source, record_id, closed_at, deleted, satisfaction,
    rated_at): when it first reached its flow's finishing status, and its rating; None for tables
    that hold no event records."""
    if name not in CHANNELS:
        return None
    source, id_column, status_column = CHANNELS[name]
    flow = FLOWS[source]
    columns = [id_column, status_column, "updated_at", "deleted"]
    columns += ["satisfaction"] if "satisfaction" in table.column_names else []
    frame = (
        table.select(columns).to_pandas().rename(columns={id_column: "record_id", status_column: "status"})
    )
    finished = frame["status"].isin(flow.statuses[flow.resolved :]) & ~frame["deleted"]
    rated = (
        frame["satisfaction"].fillna("") != "" if "satisfaction" in frame else pd.Series(False, frame.index)
    )
    grouped = frame.groupby("record_id")
    facts = pd.DataFrame(
        {
            "closed_at": frame[finished].groupby("record_id")["updated_at"].min(),
            "deleted": grouped["deleted"].any(),
        }
    )
    if "satisfaction" in frame:
        last_rating = frame[rated].sort_values("updated_at").drop_duplicates("record_id", keep="last")
        facts["satisfaction"] = last_rating.set_index("record_id")["satisfaction"].map(SATISFACTION_CODES)
        facts["rated_at"] = last_rating.set_index("record_id")["updated_at"]
    else:
        facts["satisfaction"] = pd.Series(dtype=object)
        facts["rated_at"] = pd.Series(dtype=frame["updated_at"].dtype)
    return facts.reset_index().assign(source=source)


def _kept_records(
    reports: Reports, record_ids: list[str], malformed: list[str], facts: list[pd.DataFrame]
) -> pd.DataFrame:
    """Return the records a department kept (not deleted, not malformed) with their facts."""
    records = pd.DataFrame(
        {
            "source": [SOURCES[s] for s in reports.source.tolist()],
            "record_id": record_ids,
            "incident": reports.incident,
            "reported_at": reports.reported_at.astype("datetime64[s]"),
            "malformed": [bool(m) for m in malformed],
        }
    ).merge(pd.concat(facts, ignore_index=True), on=["source", "record_id"], how="left")
    return records[~records["malformed"] & ~records["deleted"].fillna(False).astype(bool)]


def _verdicts(frame: pd.DataFrame, closed: pd.Series, end: pd.Timestamp) -> None:
    """Set overdue and on_time of `frame` (closed_at, due_at) as of `end`."""
    late_closed = closed & (frame["closed_at"] > frame["due_at"])
    late_open = ~closed & (frame["due_at"] < end)
    frame["overdue"] = late_closed | late_open
    frame["on_time"] = pd.Series(closed & ~late_closed, dtype=object).where(closed | late_open, None)


def handling_truth(
    world: World, reports: Reports, record_ids: list[str], malformed: list[str], facts: list[pd.DataFrame]
) -> tuple[pa.Table, pa.Table]:
    """Return the cases' truth (see the module doc): incident_id, category, responsible_department,
    opened_at, due_at, closed_at, status, on_time, overdue, satisfaction; and the same per ticket
    (each kept record judged alone against its incident's time limit, from its own report)."""
    taxonomy = load_ontology().taxonomy.categories
    kept = _kept_records(reports, record_ids, malformed, facts)
    codes_of = np.array(world.profiles.codes, dtype=object)[world.incidents.category]
    hours_of = np.array([taxonomy[c].time_limit_hours for c in codes_of], dtype=np.int64)
    end = pd.Timestamp(world.history.end_s, unit="s")
    ids = world.incidents.ids
    grouped = kept.groupby("incident")
    cases = pd.DataFrame(
        {
            "opened_at": grouped["reported_at"].min(),
            "closed": grouped["closed_at"].apply(lambda s: bool(s.notna().all())),
            "last_closed": grouped["closed_at"].max(),
        }
    )
    rated = kept.dropna(subset=["satisfaction"]).sort_values(["rated_at", "record_id"])
    cases["satisfaction"] = rated.drop_duplicates("incident", keep="last").set_index("incident")[
        "satisfaction"
    ]
    cases["category"] = codes_of[cases.index.to_numpy()]
    cases["responsible_department"] = [taxonomy[c].department for c in cases["category"]]
    cases["due_at"] = cases["opened_at"] + pd.to_timedelta(hours_of[cases.index.to_numpy()], unit="h")
    cases["closed_at"] = cases["last_closed"].where(cases["closed"])
    cases["status"] = np.where(cases["closed"], "closed", "open")
    _verdicts(cases, cases["closed"], end)
    cases.insert(0, "incident_id", [ids[i] for i in cases.index.tolist()])
    columns = ["incident_id", "category", "responsible_department", "opened_at", "due_at", "closed_at"]
    columns += ["status", "on_time", "overdue", "satisfaction"]
    frame = cases[columns].sort_values("incident_id", ignore_index=True)
    tickets = kept.assign(
        incident_id=[ids[i] for i in kept["incident"].tolist()],
        due_at=kept["reported_at"] + pd.to_timedelta(hours_of[kept["incident"].to_numpy()], unit="h"),
    )
    _verdicts(tickets, tickets["closed_at"].notna(), end)
    tickets = tickets.rename(columns={"reported_at": "received_at"})[
        ["source", "record_id", "incident_id", "received_at", "due_at", "closed_at", "on_time", "overdue"]
        + ["satisfaction"]
    ].sort_values(["source", "record_id"], ignore_index=True)
    return (
        pa.Table.from_pandas(frame, preserve_index=False).cast(_CASES_SCHEMA),
        pa.Table.from_pandas(tickets, preserve_index=False).cast(_TICKETS_SCHEMA),
    )


_CASES_SCHEMA = pa.schema(
    [
        ("incident_id", pa.string()),
        ("category", pa.string()),
        ("responsible_department", pa.string()),
        ("opened_at", pa.timestamp("s")),
        ("due_at", pa.timestamp("s")),
        ("closed_at", pa.timestamp("s")),
        ("status", pa.string()),
        ("on_time", pa.bool_()),
        ("overdue", pa.bool_()),
        ("satisfaction", pa.string()),
    ]
)


def spikes_truth(world: World) -> pa.Table:
    """Return the planted spikes: community_id, category (a subcategory code), week_start, week_end
    (the following Monday) and the incidents added."""
    spikes = world.spikes
    starts = np.array([s.week_start_s for s in spikes], dtype=np.int64)
    return pa.table(
        {
            "community_id": pa.array([world.city.communities[s.community].code for s in spikes], pa.string()),
            "category": pa.array([world.profiles.codes[s.category] for s in spikes], pa.string()),
            "week_start": pa.array(starts.astype("datetime64[s]").astype("datetime64[D]"), pa.date32()),
            "week_end": pa.array(
                (starts + WEEK).astype("datetime64[s]").astype("datetime64[D]"), pa.date32()
            ),
            "incidents_added": pa.array([s.incidents for s in spikes], pa.int32()),
        }
    )


_TICKETS_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("record_id", pa.string()),
        ("incident_id", pa.string()),
        ("received_at", pa.timestamp("s")),
        ("due_at", pa.timestamp("s")),
        ("closed_at", pa.timestamp("s")),
        ("on_time", pa.bool_()),
        ("overdue", pa.bool_()),
        ("satisfaction", pa.string()),
    ]
)
