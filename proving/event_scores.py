"""Event resolution against a simulated city: its records as events, its incidents as the truth.

    city = load_simulated_events(root)            # events (the `resolve_events` input) and truth
    resolution = resolve_events(city.events)
    scores = score_events(resolution, city)       # pairwise and B-cubed, and the escalation signal

The events are what the hub would hold: the last version of every channel record that is not
deleted, each department's category code mapped to the unified taxonomy through the hub's own code
tables (`connectors/sources/*.yaml`, never the simulator's code book), people from
`entity_resolution.people.resolve_people` over `proving.scores.load_simulated_city`
(a mention `source:record#n` belongs to the event `source:record`), and places from the event
address (`entity_resolution.events.prepare.address_place_path`: district | site | building | unit |
room); a grid worker's shorthand names no district, and the grid code, which begins with its
community's gazetteer code, supplies it.

Truth: `truth/records.parquet` gives each record's incident (one true case per incident), and
`city/incidents.parquet` the escalations the simulator made. The simulator escalates a dispute by
staging it hotline -> grid (days later) -> police (weeks later) -> petitions, so an incident is a
true channel escalation when its escalation path begins hotline>grid>police: no unstaged incident
has that order, since grid workers report an hour to two days after the fact and the police within
half an hour. A staged escalation cut off by the end of the history before it reached the police
is not counted: nothing of it can be seen yet. An incident is a true recurrence when it has
`recurrence_of`. A case stands for the incident most of its records belong to (ties: the smaller
incident id); escalation precision is the share of flagged cases whose incident is a true
escalation, recall the share of true escalations with at least one flagged case standing for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from normalize.dates import parse_datetime
from proving.scores import score_clusters

__all__ = [
    "EventBenchmark",
    "case_incidents",
    "escalation_truth",
    "load_simulated_events",
    "score_escalation",
    "score_events",
]

CITY_CODE = "500100"  # the simulated city is Chongqing
SOURCES_DIR = Path(__file__).resolve().parent.parent / "connectors" / "sources"

# source, channel table, record id, category code, time, description, address, status, deleted marker
_CHANNELS = (
    ("hotline", "hotline", "ticket_id", "category_code", "created_at", "content", "event_address", "status"),
    ("grid", "grid", "event_no", "type_code", "report_time", "description", "address", "status_code"),
    ("police", "police_incidents", "jjdbh", "jqlbdm", "bjsj", "jyaq", "fadz", "clzt"),
    ("petitions", "petitions", "信访件编号", "问题分类", "登记日期", "诉求内容", "问题发生地", "办理状态"),
)


@dataclass(frozen=True, slots=True)
class EventBenchmark:
    """Events to resolve (the `resolve_events` input), their true incidents and the incidents table.

    truth      record_id (= event_id), cluster (incident id)
    incidents  incident_id, category, place_id, occurred_at, escalation_path, recurrence_of
    """

    name: str
    events: pd.DataFrame
    truth: pd.DataFrame
    incidents: pd.DataFrame


@lru_cache(maxsize=8)
def _code_tables(source: str) -> dict[str, dict[str, str]]:
    """Return a source's code tables from its connector definition (`connectors/sources/<source>.yaml`)."""
    text = (SOURCES_DIR / f"{source}.yaml").read_text("utf-8")
    tables = yaml.safe_load(text).get("tables", {})
    return {name: {str(k): str(v) for k, v in table.items()} for name, table in tables.items()}


def _latest(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Return the last version of each record that is not deleted."""
    latest = table.sort_values([key, "version"]).groupby(key, sort=False).tail(1)
    return latest[~latest["deleted"].astype(bool)]


def _channel_events(root: Path, spec: tuple[str, ...]) -> pd.DataFrame:
    """Return one source's records as events (before places and people)."""
    source, table, key, code, when, text, address, status = spec
    latest = _latest(pd.read_parquet(root / "channels" / f"{table}.parquet"), key)
    tables = _code_tables(source)
    codes = latest[code].astype(str)
    frame = pd.DataFrame(
        {
            "event_id": source + ":" + latest[key].astype(str),
            "source": source,
            "record_id": latest[key].astype(str).to_numpy(),
            # a code missing from the hub's table is filed as the catch-all, as the mapping does
            "category": codes.map(tables["categories"]).fillna("other.unclassified").to_numpy(),
            "occurred_at": _times(latest[when]).to_numpy(),
            "description": latest[text].fillna("").astype(str).to_numpy(),
            "address": latest[address].fillna("").astype(str).to_numpy(),
            "status": latest[status].astype(str).map(tables["statuses"]).to_numpy(),
            "grid_code": latest["grid_code"].to_numpy() if "grid_code" in latest else None,
        }
    )
    return frame


def _times(raw: pd.Series) -> pd.Series:
    """Return the times a source wrote, the common 'YYYY-MM-DD HH:MM:SS' fast, others one by one."""
    text = raw.fillna("").astype(str)
    times = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    odd = times.isna() & (text.str.strip() != "")
    if odd.any():
        distinct = pd.unique(text[odd])
        parsed = {value: parse_datetime(value) for value in distinct}
        times[odd] = pd.to_datetime(text[odd].map(parsed))
    return times


def _with_places(events: pd.DataFrame, city_code: str) -> pd.DataFrame:
    """Return the events with place_id and place_path from their addresses (see the module doc)."""
    from entity_resolution.events.prepare import address_place_path

    distinct = pd.unique(events["address"])
    paths = {a: address_place_path(a, city_code) for a in distinct}
    path = events["address"].map(paths)
    grid_district = events["grid_code"].fillna("").astype(str).str[:6]
    fixed = [
        _with_district(p, d) if p and not p[0] and d else p
        for p, d in zip(path.tolist(), grid_district.tolist(), strict=True)
    ]
    return events.assign(place_path=fixed, place_id=[p[-1] if p else None for p in fixed])


def _with_district(path: list[str], district: str) -> list[str]:
    """Return a path whose district was unknown ('' first) with the district code put in front."""
    return [district] + [district + element for element in path[1:]]


def _people_of_events(root: Path, event_ids: pd.Series) -> pd.Series:
    """Return each event's resolved people (a list of person ids), from the city's person mentions."""
    from entity_resolution.people import resolve_people
    from proving.scores import load_simulated_city

    mentions = load_simulated_city(root).mentions
    people = resolve_people(mentions).assignments
    people = people.assign(event_id=people["record_id"].str.rsplit("#", n=1).str[0])
    grouped = people.groupby("event_id")["person_id"].agg(lambda s: sorted(set(s)))
    return event_ids.map(grouped).map(lambda v: v if isinstance(v, list) else [])


def _labels(root: Path, event_ids: pd.Series) -> pd.Series:
    """Return each event's category as its department wrote it (the label on its screen)."""
    from proving.heldout import event_records

    written, _ = event_records(root)
    return event_ids.map(written.set_index("record_id")["category"])


def load_simulated_events(
    root: Path | str, people: bool = True, city_code: str = CITY_CODE, labels: bool = False
) -> EventBenchmark:
    """Return a simulated city's records as events to resolve, with their true incidents.

    `people=False` leaves person_ids empty (no person resolution: faster, and weaker).
    `labels=True` gives each event its department's own category label (free text, coarse ones
    too, read by the resolver) instead of its code mapped through the hub's code tables.
    """
    root = Path(root)
    events = pd.concat([_channel_events(root, spec) for spec in _CHANNELS], ignore_index=True)
    if labels:
        events["category"] = _labels(root, events["event_id"]).to_numpy()
    events = _with_places(events, city_code)
    events["person_ids"] = (
        _people_of_events(root, events["event_id"]) if people else [[] for _ in range(len(events))]
    )
    truth = pd.read_parquet(root / "truth" / "records.parquet")
    truth = pd.DataFrame(
        {"record_id": truth["source"] + ":" + truth["record_id"], "cluster": truth["incident_id"]}
    )
    truth = truth[truth["record_id"].isin(events["event_id"])].reset_index(drop=True)
    events = events.sort_values("event_id", ignore_index=True).drop(columns=["grid_code"])
    incidents = pd.read_parquet(root / "city" / "incidents.parquet")
    return EventBenchmark(root.name, events, truth, incidents)


def escalation_truth(incidents: pd.DataFrame) -> pd.DataFrame:
    """Return per incident whether the simulator escalated it through channels, or made it recur.

    Columns: incident_id, channels (path begins hotline>grid>police), recurrence (has recurrence_of),
    escalating (either).
    """
    path = incidents["escalation_path"].fillna("")
    channels = path.str.startswith("hotline>grid>police")
    recurrence = incidents["recurrence_of"].notna() & (incidents["recurrence_of"].astype(str) != "")
    return pd.DataFrame(
        {
            "incident_id": incidents["incident_id"].to_numpy(),
            "channels": channels.to_numpy(),
            "recurrence": recurrence.to_numpy(),
            "escalating": (channels | recurrence).to_numpy(),
        }
    )


def case_incidents(assignments: pd.DataFrame, truth: pd.DataFrame) -> pd.Series:
    """Return the incident each case stands for: the one most of its records belong to (ties: smaller id)."""
    joined = assignments[["event_id", "case_id"]].merge(
        truth.rename(columns={"record_id": "event_id", "cluster": "incident_id"}), on="event_id"
    )
    counts = joined.groupby(["case_id", "incident_id"]).size().reset_index(name="n")
    counts = counts.sort_values(["case_id", "n", "incident_id"], ascending=[True, False, True])
    first = counts.drop_duplicates("case_id")
    return first.set_index("case_id")["incident_id"]


def _precision_recall(
    flagged: pd.Series, incident: pd.Series, true: pd.Series, recorded: pd.Index
) -> dict[str, float]:
    """Return precision over flagged cases and recall over the true incidents with resolved records."""
    flagged_incidents = incident[flagged.reindex(incident.index, fill_value=False).to_numpy()]
    hits = true.reindex(flagged_incidents.to_numpy(), fill_value=False)
    seen = true[true.index.isin(recorded)]
    found = seen[seen].index.isin(flagged_incidents.to_numpy())
    precision = float(hits.mean()) if len(hits) else 1.0
    recall = float(found.mean()) if len(found) else 1.0
    return {"precision": precision, "recall": recall, "flagged": float(len(hits)), "true": float(len(found))}


def score_escalation(
    cases: pd.DataFrame, assignments: pd.DataFrame, bench: EventBenchmark
) -> dict[str, float]:
    """Return precision and recall of the escalation signal, overall and per kind (channels, recurrence).

    `cases` needs case_id, escalating and escalation_reason; a reason names its kind
    ('channels: ...', 'recurrence: ...'), so each kind is scored against its own truth.
    """
    incident = case_incidents(assignments, bench.truth)
    resolved = bench.truth["record_id"].isin(assignments["event_id"])
    recorded = pd.Index(pd.unique(bench.truth.loc[resolved, "cluster"]))
    truth = escalation_truth(bench.incidents).set_index("incident_id")
    flags = cases.set_index("case_id")
    reason = flags["escalation_reason"].fillna("")
    result: dict[str, float] = {}
    for kind, flagged in (
        ("", flags["escalating"].astype(bool)),
        ("channels_", reason.str.contains("channels:", regex=False)),
        ("recurrence_", reason.str.contains("recurrence:", regex=False)),
    ):
        column = kind.rstrip("_") or "escalating"
        scores = _precision_recall(flagged, incident, truth[column], recorded)
        result.update({f"escalation_{kind}{k}": v for k, v in scores.items()})
    return result


def score_events(resolution: Any, bench: EventBenchmark) -> dict[str, float]:
    """Return pairwise and B-cubed scores of the cases, and the escalation signal's precision and recall."""
    predicted = resolution.assignments.rename(columns={"event_id": "record_id", "case_id": "cluster"})
    scores = score_clusters(predicted[["record_id", "cluster"]], bench.truth)
    return {
        **scores,
        "cases": float(len(resolution.cases)),
        "incidents": float(bench.truth["cluster"].nunique()),
        **score_escalation(resolution.cases, resolution.assignments, bench),
    }
