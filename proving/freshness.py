"""Freshness: how soon a new 12345 call about a known resident is searchable and on that person's 360.

After the demo has run, a resident whose earlier hotline call the hub already resolved calls again.
The call enters the hotline system the way the simulator holds every ticket: as a version in the
hotline's history, visible from the moment of the call, so the hotline API lists it once the clock
passes that moment. Then the hotline ingest DAG is triggered, the fusion DAG runs (in production
it is scheduled on the hotline's Asset), and the clock runs from the trigger until

- searchable: a search for the call's text finds the case that holds the new record, and
- attached: the 360 of the person who held the earlier call lists the new record, same person_id.

Only hub ids, ticket ids and counts are reported: the caller's name and phone stay in the systems.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from cityhub.config import Settings
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import RESOLVED_TABLES
from proving.airflow_ui import airflow_home
from proving.demo import (
    DEMO_KEY,
    FUSION_DAG,
    load_dags,
    point_settings_at,
    run_dag,
    run_demo,
)
from simulators.services.history import ChannelHistory
from simulators.services.runner import DepartmentSystems, history_end, sources_pointed_at

HOTLINE_DAG = "cityhub_ingest_hotline"
TARGET_SECONDS = 30.0
#: How long after the trigger the checks keep trying before the record counts as not fresh.
GIVE_UP_SECONDS = 300.0
#: What the caller reports: words no generated ticket uses, so a search for them means this call.
CALL_TEXT = "楼栋单元门禁刷卡器损坏九天仍未修复，夜间陌生人随意进出"
CALL_QUERY = "门禁刷卡器损坏"
CALL_CATEGORY = "0203"  # the hotline's code for property service quality
CALL_AFTER = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class RepeatCaller:
    """A resolved person with an earlier hotline call, and the ground-truth resident behind it."""

    person_id: str
    resident: str
    earlier_ticket: str


@dataclass(frozen=True, slots=True)
class Freshness:
    """Seconds from triggering the hotline ingest DAG until each stage was done or seen."""

    ticket_id: str
    event_id: str
    person_id_before: str
    person_id_after: str | None
    resident: str
    case_id: str | None
    seen_before_trigger: bool
    previous_cycle_seconds: float
    ingest_dag_seconds: float
    fusion_dag_seconds: float
    fusion_task_seconds: dict[str, float]
    searchable_seconds: float | None
    attached_seconds: float | None
    cpu_seconds: float
    load_average_1m: float
    fusion_cpu_seconds: float = 0.0  # CPU of this process (all its threads) while the fusion DAG ran


def hotline_call_ids(city: Path, warehouse: Warehouse) -> set[str]:
    """Return every ticket id the hotline or the warehouse already knows."""
    channel = pd.read_parquet(city / "channels" / "hotline.parquet", columns=["ticket_id"])
    stored = warehouse.read_table("EventRecord")
    return set(channel["ticket_id"]) | set(stored.loc[stored["source"] == "hotline", "record_id"])


def repeat_callers(city: Path, warehouse: Warehouse, count: int) -> list[RepeatCaller]:
    """Return the first `count` resolved people (by id) who called the hotline before, whose resolved
    mentions all belong to one resident in the ground truth, and who appear in another record too."""
    table = RESOLVED_TABLES["person_mentions"]
    mentions = warehouse.read_table(table.name)[["source", "mention_id", "record_id", "person_id"]]
    truth = pd.read_parquet(
        city / "truth" / "mentions.parquet", columns=["source", "mention_id", "person_id"]
    )
    joined = mentions.merge(truth.rename(columns={"person_id": "resident"}), on=["source", "mention_id"])
    per_person = joined.groupby("person_id").agg(
        residents=("resident", "nunique"), records=("mention_id", "size")
    )
    clean = per_person[(per_person["residents"] == 1) & (per_person["records"] >= 2)].index
    callers = joined[joined["person_id"].isin(clean) & (joined["source"] == "hotline")]
    if callers.empty:
        raise LookupError(f"no resolved hotline caller with a second record in {warehouse.url}")
    ordered = callers.sort_values(["person_id", "record_id"]).drop_duplicates("person_id").head(count)
    return [RepeatCaller(str(r.person_id), str(r.resident), str(r.record_id)) for r in ordered.itertuples()]


def pick_repeat_caller(city: Path, warehouse: Warehouse, rank: int = 0) -> RepeatCaller:
    """Return the rank-th (first by default) of `repeat_callers`, wrapping round when there are fewer."""
    callers = repeat_callers(city, warehouse, rank + 1)
    return callers[rank % len(callers)]


def new_call(
    history: ChannelHistory, caller: RepeatCaller, ticket_id: str, at: dt.datetime
) -> dict[str, Any]:
    """Return a first version of a new ticket from the caller of `caller.earlier_ticket`: the same
    caller fields as the earlier call (a repeat caller dialling from the same phone), a new complaint."""
    frame = history.frame
    earlier = frame[frame["ticket_id"] == caller.earlier_ticket].iloc[-1]
    named = frame.loc[frame["category_code"] == CALL_CATEGORY, "category_name"]
    payload = {c: earlier[c] for c in frame.columns if not c.startswith("_")}
    payload.update(
        {
            "ticket_id": ticket_id,
            "created_at": f"{at:%Y-%m-%d %H:%M:%S}",
            "category_code": CALL_CATEGORY,
            "category_name": named.iloc[0] if len(named) else "物业服务",
            "content": f"来电人反映：{CALL_TEXT}，地址：{earlier['event_address']}，要求物业限期修好。",
            "status": "受理",
            "handling_department": "",
            "satisfaction": "",
            "version": 1,
            "updated_at": at,
            "deleted": False,
        }
    )
    return payload


def with_call(history: ChannelHistory, call: dict[str, Any]) -> ChannelHistory:
    """Return the hotline history with one more ticket version, visible from its `updated_at`."""
    versions = history.frame[[c for c in history.frame.columns if not c.startswith("_")]]
    added = pd.DataFrame([call]).astype(versions.dtypes.to_dict())
    return ChannelHistory(pd.concat([versions, added], ignore_index=True), history.id_column)


def next_ticket_id(known: set[str], day: dt.date) -> str:
    """Return an unused ticket id of the day in the hotline's format (RX + yyyymmdd + 6 digits),
    numbered from 900001 so it never collides with the simulated ones."""
    number = 900_001
    while f"RX{day:%Y%m%d}{number:06d}" in known:
        number += 1
    return f"RX{day:%Y%m%d}{number:06d}"


def call_moment(warehouse: Warehouse, end: dt.datetime) -> dt.datetime:
    """Return when the new call comes in: a few minutes after the end of the history, or after
    the hotline's watermark when an earlier measurement on this home moved it past that."""
    mark = warehouse.watermark("hotline")
    latest = max(end, dt.datetime.fromisoformat(mark)) if mark else end
    return (latest + CALL_AFTER).replace(microsecond=0)


def find_in_search(settings: Settings, event_id: str, reader: Any = None) -> str | None:
    """Return the case that holds `event_id` if a search for the call's text finds it, else None
    (asking `reader`, the running API's, else a new one)."""
    from cityhub.read import Reader

    reader = reader or Reader(settings)
    events = RESOLVED_TABLES["events"]
    row = reader.warehouse.read_table(events.name, events.c.event_id == event_id)
    if row.empty or pd.isna(row.iloc[0]["case_id"]):
        return None
    case_id = str(row.iloc[0]["case_id"])
    hits = reader.search(CALL_QUERY, kinds=["case"], size=20, filters={})["hits"]
    return case_id if case_id in {hit["id"] for hit in hits} else None


def attached_to(settings: Settings, person_id: str, event_id: str, reader: Any = None) -> bool:
    """Return whether the person's 360 lists the event among their involvements (asking `reader`,
    the running API's, else a new one)."""
    from cityhub.read import Reader
    from ontology.errors import NotFound

    try:
        profile = (reader or Reader(settings)).person(person_id)
    except NotFound:
        return False
    return any(item["event"]["event_id"] == event_id for item in profile["involvements"])


def person_of(warehouse: Warehouse, mention_id: str) -> str | None:
    """Return the person a hotline mention is resolved to, None if it is not resolved (yet)."""
    table = RESOLVED_TABLES["person_mentions"]
    where = (table.c.source == "hotline") & (table.c.mention_id == mention_id)
    found = warehouse.read_table(table.name, where)
    return None if found.empty else str(found.iloc[0]["person_id"])


def _wait_for(check: Callable[[], bool], started: float) -> float | None:
    """Return the seconds from `started` until `check` holds, None if it did not within the limit."""
    while time.perf_counter() - started < GIVE_UP_SECONDS:
        if check():
            return time.perf_counter() - started
        time.sleep(0.5)
    return None


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def prepare_home(home: Path, people: int, seed: int, say: Callable[[str], None]) -> Settings:
    """Return the settings of a demo home that has a resolved city, running the demo first if not."""
    point_settings_at(home)
    settings = Settings(home=home.resolve(), api_keys=f"demo:{DEMO_KEY}")
    warehouse_file = home / "warehouse.sqlite"
    if (
        warehouse_file.exists()
        and Warehouse(settings.resolved_warehouse_url()).count(RESOLVED_TABLES["people"].name) > 0
    ):
        say(f"reusing the demo home {home} (Airflow in {airflow_home(home)})")
        return settings
    say(f"no resolved city in {home}: running the demo first")
    run_demo(home, people, seed, say)
    return settings


def systems_with_call(
    city: Path, home: Path, caller: RepeatCaller, ticket_id: str, at: dt.datetime
) -> DepartmentSystems:
    """Return the city's systems (not started) a few minutes before `at`, with the caller's new
    call in the hotline's history: the hotline lists it once the clock reaches the call."""
    systems = DepartmentSystems(city, home / "systems", clock=at - CALL_AFTER)
    hotline = systems.histories["hotline"]
    systems.histories["hotline"] = with_call(hotline, new_call(hotline, caller, ticket_id, at))
    return systems


def previous_cycle(dags: dict[str, Any], say: Callable[[str], None]) -> float:
    """Return the seconds of one hotline poll and fusion run before the call, as the running hub
    made them a quarter of an hour earlier; it also leaves this process warm, like a running worker."""
    started = time.perf_counter()
    run_dag(dags[HOTLINE_DAG])
    run_dag(dags[FUSION_DAG])
    seconds = time.perf_counter() - started
    say(f"  the poll before the call (hotline ingest and fusion, not counted): {seconds:.1f} s")
    return seconds


def measure_freshness(
    home: Path, people: int, seed: int, say: Callable[[str], None], warm: bool = True, rank: int = 0
) -> Freshness:
    """Return the freshness of one new hotline call about a known resident (see the module doc).

    `warm`: run one poll and fusion before the call, as a running hub has, so the measurement does
    not include this process's first imports and caches; without it they count, as they would for
    a task started in a fresh process. `rank` picks which repeat caller calls.
    """
    settings = prepare_home(home, people, seed, say)
    warehouse = Warehouse(settings.resolved_warehouse_url())
    city, dags = home / "city", load_dags(home)
    caller = pick_repeat_caller(city, warehouse, rank)
    at = call_moment(warehouse, history_end(city))
    ticket_id = next_ticket_id(hotline_call_ids(city, warehouse), at.date())
    event_id = f"hotline:{ticket_id}"
    systems = systems_with_call(city, home, caller, ticket_id, at)
    with sources_pointed_at(systems) as variables:
        # the DAG tasks read their sources' variables from this process's environment, as deployed
        os.environ.update(variables)
        warm_up = previous_cycle(dags, say) if warm else 0.0
        systems.advance(at)
        say(
            f"{at:%Y-%m-%d %H:%M}: ticket {ticket_id} comes in from the caller of {caller.earlier_ticket} "
            f"(person {caller.person_id})"
        )
        seen_before = find_in_search(settings, event_id) is not None or attached_to(
            settings, caller.person_id, event_id
        )
        cpu, started = _cpu_seconds(), time.perf_counter()
        ingest = run_dag(dags[HOTLINE_DAG])
        say(f"  {HOTLINE_DAG}: {ingest.task_states['ingest']} in {ingest.seconds:.1f} s")
    say(f"  {FUSION_DAG} (Asset-scheduled on the hotline's records in production; run here)")
    fusion = run_dag(dags[FUSION_DAG])
    searchable = _wait_for(lambda: find_in_search(settings, event_id) is not None, started)
    attached = _wait_for(lambda: attached_to(settings, caller.person_id, event_id), started)
    return Freshness(
        ticket_id=ticket_id,
        event_id=event_id,
        person_id_before=caller.person_id,
        person_id_after=person_of(warehouse, f"{ticket_id}#0"),
        resident=caller.resident,
        case_id=find_in_search(settings, event_id),
        seen_before_trigger=seen_before,
        previous_cycle_seconds=warm_up,
        ingest_dag_seconds=ingest.seconds,
        fusion_dag_seconds=fusion.seconds,
        fusion_task_seconds=fusion.task_seconds,
        searchable_seconds=searchable,
        attached_seconds=attached,
        cpu_seconds=_cpu_seconds() - cpu,
        load_average_1m=os.getloadavg()[0],
    )


def as_row(result: Freshness) -> dict[str, Any]:
    """Return the result as one flat JSON-ready row."""
    return asdict(result)


def _one_call(
    settings: Settings,
    dags: dict[str, Any],
    systems: DepartmentSystems,
    call: tuple[RepeatCaller, str, dt.datetime],
    say: Callable[[str], None],
    reader: Any,
) -> Freshness:
    """Return the freshness of one call already in the hotline's history, once the clock reaches it,
    as the running API (`reader`, kept across calls) sees it."""
    warehouse = Warehouse(settings.resolved_warehouse_url())
    caller, ticket_id, at = call
    event_id = f"hotline:{ticket_id}"
    systems.advance(at)
    say(f"{at:%Y-%m-%d %H:%M}: ticket {ticket_id} from the caller of {caller.earlier_ticket}")
    seen_before = find_in_search(settings, event_id, reader) is not None or attached_to(
        settings, caller.person_id, event_id, reader
    )
    cpu, started = _cpu_seconds(), time.perf_counter()
    ingest = run_dag(dags[HOTLINE_DAG])
    before_fusion = _cpu_seconds()
    fusion = run_dag(dags[FUSION_DAG])
    fusion_cpu = _cpu_seconds() - before_fusion
    searchable = _wait_for(lambda: find_in_search(settings, event_id, reader) is not None, started)
    attached = _wait_for(lambda: attached_to(settings, caller.person_id, event_id, reader), started)
    say(f"  ingest {ingest.seconds:.1f} s, fusion {fusion.seconds:.1f} s, searchable {searchable} s")
    return Freshness(
        ticket_id=ticket_id,
        event_id=event_id,
        person_id_before=caller.person_id,
        person_id_after=person_of(warehouse, f"{ticket_id}#0"),
        resident=caller.resident,
        case_id=find_in_search(settings, event_id, reader),
        seen_before_trigger=seen_before,
        previous_cycle_seconds=0.0,
        ingest_dag_seconds=ingest.seconds,
        fusion_dag_seconds=fusion.seconds,
        fusion_task_seconds=fusion.task_seconds,
        searchable_seconds=searchable,
        attached_seconds=attached,
        cpu_seconds=_cpu_seconds() - cpu,
        load_average_1m=os.getloadavg()[0],
        fusion_cpu_seconds=fusion_cpu,
    )


def measure_calls(
    home: Path, people: int, seed: int, say: Callable[[str], None], calls: int
) -> list[Freshness]:
    """Return the freshness of `calls` new hotline calls, five minutes apart, each from another known
    resident, in one warm process (one poll and fusion before the first, as a running hub has)."""
    settings = prepare_home(home, people, seed, say)
    warehouse = Warehouse(settings.resolved_warehouse_url())
    city, dags = home / "city", load_dags(home)
    first = call_moment(warehouse, history_end(city))
    known = hotline_call_ids(city, warehouse)
    planned = []
    for index, caller in enumerate(repeat_callers(city, warehouse, calls)):
        at = first + index * CALL_AFTER
        ticket_id = next_ticket_id(known, at.date())
        known.add(ticket_id)
        planned.append((caller, ticket_id, at))
    systems = DepartmentSystems(city, home / "systems", clock=first - CALL_AFTER)
    hotline = systems.histories["hotline"]
    for caller, ticket_id, at in planned:
        hotline = with_call(hotline, new_call(hotline, caller, ticket_id, at))
    systems.histories["hotline"] = hotline
    with sources_pointed_at(systems) as variables:
        os.environ.update(variables)
        warm_up = previous_cycle(dags, say)
        from cityhub.read import Reader

        reader = Reader(settings)  # the running API's: its facts and caches are kept between calls
        reader.visibility.facts()
        results = [_one_call(settings, dags, systems, call, say, reader) for call in planned]
    return [replace(results[0], previous_cycle_seconds=warm_up), *results[1:]] if results else results
