"""Operations: statistics (counts, rates, comparisons, per 10,000 residents, hot spots) and alerts
(a paged list, a server-sent-events stream), each cut to the caller's role (`cityhub.stats.policy`).

Every answer carries `as_of`: the fusion run the aggregates or alerts were rebuilt from.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from api.auth import CallerDep
from api.context import Hub, hub_of
from api.errors import ERROR_RESPONSES
from api.models import Limit, Offset, page, returned
from api.routes_read import stated_purpose
from cityhub.access.masking import shaped
from cityhub.alerts.store import changed_before, changed_since
from cityhub.stats.policy import alert_visible, scoped_filter
from cityhub.stats.query import GROUPS, PLACE_GROUPS, StatsFilter, StatsQuery
from cityhub.warehouse.resolved import RESOLVED_TABLES
from ontology.errors import BadInput

__all__ = ["router"]

router = APIRouter(responses=ERROR_RESPONSES)
Short = Annotated[str | None, Query(max_length=40)]
Day = Annotated[dt.date | None, Query(description="A day, YYYY-MM-DD (both ends of a range are included)")]
MAX_ALERTS = 5000  # alerts read to filter and page through per request
STREAM_BATCH = 200
LATEST_BATCH = 100  # alerts read at a time, latest first, to find the latest the caller may see


def _query(request: Request) -> StatsQuery:
    hub = hub_of(request)
    found: StatsQuery | None = getattr(hub, "_stats_query", None)
    if found is None:
        found = StatsQuery(hub.reader.warehouse)
        hub._stats_query = found  # type: ignore[attr-defined]  # one per process: it caches district ids
    return found


def _json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")  # type: ignore[assignment]
    return [
        {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in r.items()}
        for r in rows
    ]


def _named(query: StatsQuery, frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    for group in by:
        column = GROUPS[group]
        if group in (*PLACE_GROUPS, "category", "major", "department"):
            names = query.names(group, frame[column].astype(str).tolist())
            frame[f"{group}_name"] = frame[column].map(names)
    return frame


@router.get(
    "/stats", summary="Counts and rates by category, place, department, source or month", tags=["stats"]
)
def stats(
    request: Request,
    caller: CallerDep,
    by: Annotated[list[str], Query(max_length=3, description=f"Group by: {', '.join(GROUPS)}")] = [],  # noqa: B006
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
    category: Short = None,
    source: Short = None,
    district: Short = None,
    street: Short = None,
    community: Short = None,
    grid: Short = None,
    department: Short = None,
    compare: Annotated[bool, Query(description="Add month-on-month and year-on-year changes")] = False,
    limit: Limit = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Return event and case counts with completion, on-time and satisfaction rates, grouped as asked,
    counted over the sources and districts the caller's role reads."""
    query = _query(request)
    asked = StatsFilter(date_from, date_to, category, source, district, street, community, grid, department)
    scoped = scoped_filter(caller.scope, query, asked)
    if compare and (date_from is None or date_to is None):
        raise BadInput("compare needs a range: from and to")
    frame = query.compare(by, scoped) if compare else query.counts(by, scoped)
    rows = page(_json(_named(query, frame, by)), limit, offset)
    return {"as_of": query.as_of(), "by": by, "from": date_from, "to": date_to, **rows}


@router.get("/stats/per-10k", summary="Events and cases per 10,000 residents by community", tags=["stats"])
def per_10k(
    request: Request,
    caller: CallerDep,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
    category: Short = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Return events and cases per 10,000 residents (resolved people living there) by community, highest
    first, counted over the sources and districts the caller's role reads."""
    query = _query(request)
    scoped = scoped_filter(caller.scope, query, StatsFilter(date_from, date_to, category))
    frame = _named(query, query.per_10k(scoped), ["community"])
    return {"as_of": query.as_of(), **page(_json(frame), limit, offset)}


@router.get("/stats/hotspots", summary="Places and people with repeated cases", tags=["stats"])
def hotspots(
    request: Request,
    caller: CallerDep,
    kind: Annotated[str, Query(pattern="^(place|person)$")] = "place",
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
    min_cases: Annotated[int, Query(ge=2, le=100)] = 2,
    purpose: Annotated[str | None, Query(max_length=60)] = None,
    limit: Limit = 20,
) -> dict[str, Any]:
    """Return the places or people with at least `min_cases` cases in the range, most first, that the
    caller may see; people only for a stated purpose, masked for the role and audited."""
    hub = hub_of(request)
    query = _query(request)
    if kind == "person":
        stated_purpose(request, purpose)
    scoped = scoped_filter(caller.scope, query, StatsFilter(date_from, date_to))
    found = query.hotspots(kind, scoped, min_cases, limit * 4)  # some may be withheld below
    facts = hub.reader.visibility.facts()
    label = "Person" if kind == "person" else "Place"
    found = found[[facts.visible(caller.scope, label, str(i)) for i in found["entity_id"]]].head(limit)
    items = _json(found)
    if kind == "person":
        people = _people(hub, found["entity_id"].tolist())
        items = [{**item, **shaped(people.get(item["entity_id"], {}), caller.scope)} for item in items]
    else:
        names = query.names("place", found["entity_id"].tolist())
        items = [{**item, "name": names.get(item["entity_id"])} for item in items]
    returned(request, [str(i["entity_id"]) for i in items])
    return {"as_of": query.as_of(), "kind": kind, "items": items}


def _people(hub: Hub, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    table = RESOLVED_TABLES["people"]
    people = hub.reader.warehouse.read_table(table.name, table.c.person_id.in_(ids))
    columns = ["person_id", "name", "gender", "birth_date", "id_number"]
    return {
        str(r["person_id"]): {k: r[k] for k in columns if k != "person_id"} for r in _json(people[columns])
    }


def _since(since: str | None, last_event_id: str | None) -> tuple[dt.datetime | None, str]:
    """Return where to start: the Last-Event-ID (`<updated_at>|<alert_id>`) or `since`."""
    text = last_event_id or since
    if not text:
        return None, ""
    stamp, _, after = text.partition("|")
    try:
        return dt.datetime.fromisoformat(stamp), after
    except ValueError:
        raise BadInput(f"since {text[:40]!r} is not an ISO time (YYYY-MM-DDTHH:MM:SS)") from None


def _visible_alerts(
    request: Request,
    caller: CallerDep,
    since: dt.datetime | None,
    after: str,
    kinds: list[str],
    purpose: str | None,
) -> list[dict[str, Any]]:
    hub = hub_of(request)
    facts = hub.reader.visibility.facts()
    with hub.reader.warehouse.engine.connect() as connection:
        found = changed_since(connection, since, MAX_ALERTS, after, kinds)
    return [shaped(a, caller.scope) for a in found if alert_visible(caller.scope, facts, a, purpose)]


def _latest_alerts(
    request: Request, caller: CallerDep, count: int, kinds: list[str], purpose: str | None
) -> list[dict[str, Any]]:
    """The `count` latest-changed alerts the caller may see, oldest change first (at most MAX_ALERTS read)."""
    hub = hub_of(request)
    facts = hub.reader.visibility.facts()
    found: list[dict[str, Any]] = []
    before: tuple[dt.datetime, str] | None = None
    with hub.reader.warehouse.engine.connect() as connection:
        for _ in range(MAX_ALERTS // LATEST_BATCH):
            batch = changed_before(connection, before, LATEST_BATCH, kinds)
            seen = [a for a in batch if alert_visible(caller.scope, facts, a, purpose)]
            found += [shaped(a, caller.scope) for a in seen]
            if len(found) >= count or len(batch) < LATEST_BATCH:
                break
            before = (dt.datetime.fromisoformat(batch[-1]["updated_at"]), batch[-1]["alert_id"])
    return found[:count][::-1]


@router.get("/alerts", summary="Alerts changed since a time, oldest change first", tags=["alerts"])
def alert_list(
    request: Request,
    caller: CallerDep,
    since: Annotated[
        str | None, Query(max_length=80, description="ISO time; alerts changed after it")
    ] = None,
    kind: Annotated[list[str] | None, Query(max_length=6)] = None,
    purpose: Annotated[
        str | None, Query(max_length=60, description="Needed to see alerts about people")
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
    latest: Annotated[
        int | None,
        Query(ge=1, le=100, description="Instead of a page: the `latest` alerts changed last, oldest first"),
    ] = None,
) -> dict[str, Any]:
    """Return a page of the alerts changed after `since` that the caller may see (alerts about people only
    for a stated purpose), oldest change first, or the `latest` ones changed last; `next_since` resumes
    after the last one returned."""
    if purpose is not None:
        stated_purpose(request, purpose)
    if latest is not None:
        if since is not None or offset:
            raise BadInput("latest takes neither since nor offset: it is the alerts changed last")
        answer = page(_latest_alerts(request, caller, latest, kind or [], purpose), latest, 0)
    else:
        start, after = _since(since, None)
        answer = page(_visible_alerts(request, caller, start, after, kind or [], purpose), limit, offset)
    shown = answer["items"]
    returned(request, [a["subject_id"] for a in shown if a["subject_kind"] == "person"])
    last = shown[-1] if shown else None
    next_since = f"{last['updated_at']}|{last['alert_id']}" if last else since
    return {"as_of": _query(request).as_of("alerts"), **answer, "next_since": next_since}


@router.get(
    "/alerts/stream",
    response_class=EventSourceResponse,
    summary="Alerts as server-sent events",
    tags=["alerts"],
)
async def alert_stream(
    request: Request,
    caller: CallerDep,
    since: Annotated[str | None, Query(max_length=80)] = None,
    purpose: Annotated[str | None, Query(max_length=60)] = None,
    poll_seconds: Annotated[float, Query(ge=0.2, le=60)] = 5.0,
    max_seconds: Annotated[float, Query(gt=0, le=3600)] = 600.0,
    last_event_id: Annotated[str | None, Header(max_length=120)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Stream the alerts the caller may see as they change (event `alert`, id `<updated_at>|<alert_id>`,
    which a reconnecting client sends back as Last-Event-ID); the stream ends after `max_seconds`."""
    if purpose is not None:
        stated_purpose(request, purpose)
    start, after = _since(since, last_event_id)
    ends = time.monotonic() + max_seconds
    while time.monotonic() < ends and not await request.is_disconnected():
        batch = await asyncio.to_thread(_visible_alerts, request, caller, start, after, [], purpose)
        for alert in batch[:STREAM_BATCH]:
            start, after = dt.datetime.fromisoformat(alert["updated_at"]), alert["alert_id"]
            yield ServerSentEvent(
                data=alert, event="alert", id=f"{alert['updated_at']}|{alert['alert_id']}", retry=5000
            )
        if len(batch) < STREAM_BATCH:
            await asyncio.sleep(poll_seconds)
