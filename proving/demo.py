"""The main job on one machine, no servers: a small city, its four department systems, and the
DAGs of `dags/` run through Airflow in this process, end to end.

Airflow keeps its home and its SQLite metadata database under the demo home (`<home>/airflow`), so a
fresh clone needs nothing else. It reads its configuration once, when first imported: the demo
points it at that home before anything imports Airflow.
"""

from __future__ import annotations

import copy
import ctypes
import datetime as dt
import gc
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cityhub.config import Settings, get_settings
from cityhub.orchestration import FUSION_STEPS
from cityhub.warehouse import Warehouse
from ontology.errors import CityhubError
from proving.airflow_ui import DAGS_FOLDER, airflow_home, task_logs_written
from proving.demo_lines import Request, curl_line
from simulators.city import simulate_city
from simulators.services.runner import DepartmentSystems, history_end, sources_pointed_at

DEMO_KEY = "demo-officer-key"
FUSION_DAG = "cityhub_fusion"
#: The demo's departments in the order their ingest DAGs run (the source definitions shipped).
DEMO_SOURCES = ("hotline", "grid", "police", "petitions")
#: Settings the demo pins to its home, so that a shell's own settings cannot send it elsewhere.
_HOME_OVERRIDES = ("CITYHUB_WAREHOUSE_URL", "CITYHUB_LAKE_DIR", "CITYHUB_SOURCES_DIR")


class DagRunFailed(CityhubError):
    """A DAG run of the demo did not succeed."""


@dataclass(frozen=True, slots=True)
class DagOutcome:
    """One `dag.test()` run: its state, each task's state and return value, and its wall time."""

    dag_id: str
    state: str
    task_states: dict[str, str]
    returned: dict[str, Any]
    seconds: float
    task_seconds: dict[str, float]


@dataclass
class DemoRun:
    """What a demo run did, for the summary tables and the example requests."""

    settings: Settings
    first: list[DagOutcome] = field(default_factory=list)
    increment: list[DagOutcome] = field(default_factory=list)
    fusion: DagOutcome | None = None
    counts: dict[str, int] = field(default_factory=dict)


def use_local_airflow(home: Path) -> Path:
    """Return Airflow's home under `home` after pointing Airflow's configuration at it.

    Must run before Airflow is imported: Airflow reads its configuration once, at import.
    """
    folder = airflow_home(home)
    if "airflow" in sys.modules:
        if os.environ.get("AIRFLOW_HOME") != str(folder):
            raise CityhubError(f"Airflow was imported before the demo could point it at {folder}")
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(folder),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{folder / 'airflow.db'}",
            # Task logs would repeat every step on the terminal; the demo prints its own summary.
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            # The in-process task API signs its tokens with this; nothing outside the run uses it.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        }
    )
    return folder


def point_settings_at(home: Path) -> None:
    """Make the DAG tasks (which read the process-wide settings) use the warehouse and lake under `home`."""
    os.environ["CITYHUB_HOME"] = str(home.resolve())
    for name in _HOME_OVERRIDES:
        os.environ.pop(name, None)
    get_settings.cache_clear()


def load_dags(home: Path) -> dict[str, Any]:
    """Return the DAGs of `dags/` by id, as Airflow's DAG processor parses them, after creating
    Airflow's metadata database under `home` if it is not there yet."""
    folder = use_local_airflow(home)
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.db import initdb

    database = folder / "airflow.db"
    if not database.exists() or database.stat().st_size == 0:
        initdb()  # what `airflow db migrate` does on an empty database, without starting the CLI
    bag = DagBag(dag_folder=DAGS_FOLDER)
    if bag.import_errors:
        raise DagRunFailed(f"DAG files failed to load: {', '.join(sorted(bag.import_errors))}")
    return dict(bag.dags)


def run_dag(dag: Any) -> DagOutcome:
    """Return the outcome of one in-process `dag.test()` run; raise DagRunFailed unless it succeeded.

    The run uses a copy without retries: a failing task stops the demo at once instead of
    waiting out a retry delay meant for a department system that is restarting.
    """
    trial = copy.deepcopy(dag)
    for task in trial.tasks:
        task.retries = 0
    started = time.perf_counter()
    with task_logs_written(Path(os.environ["AIRFLOW_HOME"])):
        run = trial.test()
    seconds = time.perf_counter() - started
    instances = run.get_task_instances()
    states = {ti.task_id: str(ti.state) for ti in instances}
    if str(run.state) != "success":
        raise DagRunFailed(f"{dag.dag_id} ended {run.state}: {states}")
    returned = {
        ti.task_id: ti.xcom_pull(task_ids=ti.task_id) for ti in instances if str(ti.state) == "success"
    }
    durations = {ti.task_id: round(float(ti.duration or 0.0), 2) for ti in instances}
    return DagOutcome(dag.dag_id, str(run.state), states, returned, seconds, durations)


def ingest_all(dags: dict[str, Any], say: Callable[[str], None]) -> list[DagOutcome]:
    """Return the outcomes of every department's ingest DAG, run one after the other."""
    outcomes = []
    for source in DEMO_SOURCES:
        outcome = run_dag(dags[f"cityhub_ingest_{source}"])
        say(f"  {outcome.dag_id}: {outcome.task_states['ingest']} in {outcome.seconds:.1f} s")
        outcomes.append(outcome)
    return outcomes


@contextmanager
def department_systems(city: Path, home: Path, clock: dt.datetime) -> Iterator[DepartmentSystems]:
    """Yield the city's four systems at `clock`, with the environment pointing the sources at them."""
    systems = DepartmentSystems(city, home / "systems", clock=clock)
    with sources_pointed_at(systems) as variables:
        # The DAG tasks read their sources' variables where a deployment gives them: the environment
        # of the process they run in, which is this one (the demo is a command of its own).
        os.environ.update(variables)
        yield systems


def ensure_city(home: Path, people: int, seed: int, say: Callable[[str], None]) -> Path:
    """Return the demo city's folder, simulating it first if it is not there."""
    city = home / "city"
    if not (city / "manifest.json").exists():
        say(f"simulating a city of {people:,} residents into {city}")
        started = time.perf_counter()
        simulate_city(people=people, seed=seed, out=city)
        say(f"  simulated in {time.perf_counter() - started:.1f} s")
    return city


def ingest_two_days(
    dags: dict[str, Any], city: Path, home: Path, say: Callable[[str], None]
) -> tuple[list[DagOutcome], list[DagOutcome]]:
    """Return the outcomes of every ingest DAG run at the day before the end of the city's history
    and again a day later, the department systems serving it.

    The systems (every version of every record, and each served rendered) are gone when this
    returns, before the fusion runs; the process's heap then keeps nothing of them.
    """
    end = history_end(city)
    with department_systems(city, home, end - dt.timedelta(days=1)) as systems:
        say(
            f"department systems up: hotline {systems.hotline.url}, grid {systems.grid.url}, "
            f"police {systems.police_url}, petitions {systems.petitions_dir}"
        )
        say(f"ingest DAGs at {systems.clock:%Y-%m-%d %H:%M} (the day before the end of the history)")
        first = ingest_all(dags, say)
        systems.advance(end)
        say(f"the city advanced a day to {end:%Y-%m-%d %H:%M}; ingest DAGs again for the increment")
        increment = ingest_all(dags, say)
    return_free_memory()
    return first, increment


def return_free_memory() -> None:
    """Collect garbage and give the heap's free pages back to the system (glibc's malloc_trim),
    so what the systems and the ingest held and freed does not stay resident under the fusion
    (at 50,000 residents about 150 MB of 500 MB); a no-op where there is no glibc."""
    gc.collect()
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.malloc_trim(0)


def run_demo(home: Path, people: int, seed: int, say: Callable[[str], None]) -> DemoRun:
    """Return what a demo run did: simulate, serve, run each ingest DAG at the day before, advance
    a day, run them again for the increment, then run the fusion DAG."""
    home.mkdir(parents=True, exist_ok=True)
    point_settings_at(home)
    city = ensure_city(home, people, seed, say)
    started = time.perf_counter()
    dags = load_dags(home)
    say(
        f"Airflow {_airflow_version(home)}: home and metadata database in {airflow_home(home)}, "
        f"{len(dags)} DAGs loaded from {DAGS_FOLDER} in {time.perf_counter() - started:.1f} s"
    )
    demo = DemoRun(Settings(home=home.resolve()))
    demo.first, demo.increment = ingest_two_days(dags, city, home, say)
    # In production the fusion DAG is scheduled on the ingest DAGs' Assets; dag.test() runs one
    # DAG and does not trigger Asset consumers, so the demo runs it itself, after the ingests.
    say(
        f"{FUSION_DAG} (Asset-scheduled in production; run here after the ingests): "
        "standardise -> quality -> resolve -> project graph -> project search"
    )
    demo.fusion = run_dag(dags[FUSION_DAG])
    say(f"  {FUSION_DAG}: {demo.fusion.state} in {demo.fusion.seconds:.1f} s")
    warehouse = Warehouse(demo.settings.resolved_warehouse_url())
    demo.counts = {
        t: warehouse.count(t)
        for t in ("EventRecord", "PersonMention", "PlaceMention", "quarantine", "batches")
    }
    return demo


def _airflow_version(home: Path) -> str:
    use_local_airflow(home)
    import airflow

    return str(airflow.__version__)


def totals(outcomes: list[DagOutcome]) -> dict[str, int]:
    """Return the rows extracted, accepted and quarantined by a round of ingest DAG runs."""
    summaries = [o.returned.get("ingest") or {} for o in outcomes]
    keys = ("extracted", "accepted", "quarantined")
    return {key: sum(int(summary.get(key, 0)) for summary in summaries) for key in keys}


def fusion_counts(outcome: DagOutcome) -> dict[str, int]:
    """Return the fusion DAG's counts as `task.count`, in task order."""
    order = list(FUSION_STEPS)
    tasks = sorted(outcome.returned, key=lambda task: order.index(task) if task in order else len(order))
    return {f"{task}.{key}": value for task in tasks for key, value in (outcome.returned[task] or {}).items()}


#: The demo's users: one of each role (username, name, role, department); street and district
#: staff read the district with the most events. Every demo user signs in with DEMO_PASSWORD.
DEMO_PASSWORD = "cityhub-demo"
DEMO_USERS = (
    ("li.jing", "李警官", "police", "沙坪坝区公安分局"),
    ("wang.fang", "王芳", "street_staff", "街道网格管理中心"),
    ("liu.qiang", "刘强", "district_centre", "区社会治理指挥中心"),
    ("chen.xin", "陈欣", "petitions_office", "区信访办"),
    ("zhao.min", "赵敏", "leader", "区委政法委"),
    ("sun.li", "孙丽", "auditor", "区数据管理局"),
)
# The user the demo's machine key (DEMO_KEY) reads as: a leader sees identifiers masked, so the
# demo's printed answers hold no ID number or phone in clear.
API_CLIENT, API_CLIENT_ROLE = "zhao.min", "leader"


def busiest_district(settings: Settings) -> str:
    """Return the name of the district with the most events in the resolved tables."""
    from cityhub.access.visibility import build_visibility

    facts = build_visibility(Warehouse(settings.resolved_warehouse_url()))
    counts: dict[str, int] = {}
    for _, district in facts.event.values():
        if district:
            counts[district] = counts.get(district, 0) + 1
    return max(sorted(counts), key=lambda d: counts[d]) if counts else ""


def create_demo_users(settings: Settings) -> list[tuple[str, str, str]]:
    """Write the demo's users (and the machine key) into the home's users file; return
    (username, name, role label) of each."""
    from cityhub.access.policy import load_policy
    from cityhub.access.users import UserStore, users_file

    policy = load_policy()
    store = UserStore(users_file(settings.home), policy)
    area = busiest_district(settings)
    made = []
    for username, name, role, department in DEMO_USERS:
        limited = policy.role(role).area_limited
        store.add(username, name, role, DEMO_PASSWORD, department, area if limited else "")
        made.append((username, name, policy.role(role).label + (f"（{area}）" if limited else "")))
    store.add_api_key(API_CLIENT, DEMO_KEY)
    return made


def example_requests(settings: Settings) -> list[Request]:
    """Return (method, path, query, body) of requests that show the resolved city: a person found by
    name, their 360 and timeline, an escalating case, the dossier of its place, escalations, a match."""
    import json

    from cityhub.warehouse.resolved import RESOLVED_TABLES

    warehouse = Warehouse(settings.resolved_warehouse_url())
    people = warehouse.read_table(RESOLVED_TABLES["people"].name).dropna(subset=["id_number"])
    from cityhub.access.policy import load_policy

    readable = set(load_policy().role(API_CLIENT_ROLE).sources)
    cases = warehouse.read_table(RESOLVED_TABLES["cases"].name)
    cases = cases[[set(json.loads(s or "[]")) <= readable for s in cases["sources"]]]
    escalating = cases[cases["escalating"].astype(bool)]
    case = (escalating if len(escalating) else cases).sort_values("case_id").iloc[0]["case_id"]
    events = warehouse.read_table(RESOLVED_TABLES["events"].name)
    place = events.loc[events["case_id"] == case, "place_id"].dropna()
    mentions = warehouse.read_table(RESOLVED_TABLES["person_mentions"].name)
    seen = set(mentions.loc[mentions["source"].isin(sorted(readable)), "person_id"])
    person = people[people["person_id"].isin(seen)].sort_values("person_id").iloc[0]
    purpose = {"purpose": "case_handling"}
    requests: list[Request] = [
        ("GET", "/search", {"q": str(person["name"]), "kind": "person"}, None),
        ("GET", f"/people/{person['person_id']}", purpose, None),
        ("GET", f"/people/{person['person_id']}/timeline", {**purpose, "limit": "5"}, None),
        ("GET", f"/cases/{case}", {}, None),
    ]
    if len(place):
        requests.append(("GET", f"/places/{place.iloc[0]}/events", {"limit": "5"}, None))
    requests.append(("GET", "/escalations", {"limit": "3"}, None))
    body = {"name": person["name"], "birth_date": str(person["birth_date"])}
    requests.append(("POST", "/match", purpose, body))
    return requests


def sign_in_line(base: str) -> str:
    """Return the curl command that signs in as the demo's API client user and prints the token."""
    import json
    import shlex

    body = json.dumps({"username": API_CLIENT, "password": DEMO_PASSWORD})
    return f"curl -s -X POST -H 'Content-Type: application/json' -d {shlex.quote(body)} {base}/auth/login"


def serve_and_show(settings: Settings, port: int, keep: bool, say: Callable[[str], None]) -> None:
    """Start the API (and workbench), create the demo users, run the example requests as pasteable
    curl lines with their answers, print the sign-ins; keep serving when `keep`."""
    import json
    import threading

    import httpx
    import uvicorn

    from api.app import create_app

    users = create_demo_users(settings)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    say(f"read API at {base} (OpenAPI: {base}/docs); machine clients send the header X-API-Key: {DEMO_KEY}")
    say(f"\n$ {sign_in_line(base)}")
    with httpx.Client(base_url=base, headers={"X-API-Key": DEMO_KEY}, timeout=30) as client:
        for request in example_requests(settings):
            method, path, query, body = request
            say(f"\n$ {curl_line(base, request, DEMO_KEY)}")
            answer = client.request(method, path, params=query, json=body)
            text = json.dumps(answer.json(), ensure_ascii=False)
            say(f"{answer.status_code} {text[:400]}{' ...' if len(text) > 400 else ''}")
    say(f"\nworkbench: {base}/  sign in with password {DEMO_PASSWORD} as any of:")
    for username, name, label in users:
        say(f"  {username:10} {name} {label}")
    if keep:
        say("serving; Ctrl-C to stop")
        try:
            thread.join()
        except KeyboardInterrupt:
            pass
    server.should_exit = True
    thread.join(timeout=10)
