"""Abuse benchmark: what the worst requests the API's limits allow cost, alone and eight at once.

A resolved city (`--home`, or a city of `--people` residents simulated, ingested and fused here)
is served by `cityhub api` in its own process. Each worst request (longest queries of the costly
kinds, the deepest pages, the widest graph walks and dossiers, the largest bodies) is sent alone
`--repeat` times: its wall time and how much the server's resident memory grew while it ran
(sampled every 5 ms). Then `--clients` clients, each its own user, send worst requests in a loop
while one official searches names, and that official's latencies are reported.

Targets (issue #22): worst single request <= 1 s and <= 100 MB; ordinary search p99 <= 300 ms
under 8 abusive clients.

Run alone: `python -m benchmarks.bench_abuse --people 2000` (or `cityhub bench abuse`).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil

from benchmarks.report import print_rows, write_result

PASSWORD = "bench-password"
Request = tuple[str, str, str, dict[str, Any], Any]  # what, method, path, params, body


def build_home(people: int, seed: int, folder: Path) -> Path:
    """Simulate, ingest and fuse a city into `folder`; return the home."""
    from cityhub.config import Settings
    from cityhub.lake import Lake
    from cityhub.pipeline import fusion
    from cityhub.pipeline.run import ingest_sources
    from cityhub.warehouse import Warehouse
    from cityhub.warehouse.migrate import upgrade
    from connectors.spec import load_sources
    from simulators.city import simulate_city
    from simulators.services.runner import DepartmentSystems, sources_pointed_at

    city, home = folder / "city", folder / "home"
    simulate_city(people=people, seed=seed, out=city, days=365)
    home.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{home / 'warehouse.sqlite'}"
    upgrade(url)
    with sources_pointed_at(DepartmentSystems(city, home / "systems")) as variables:
        ingest_sources(
            list(load_sources().values()), Warehouse(url), Lake(home / "lake"), variables=variables
        )
    fusion.full_rebuild(Settings(home=home))
    return home


def add_users(home: Path, clients: int) -> list[str]:
    """Add the official and the abusive clients (police: the role that may do the most); return names."""
    from cityhub.access.policy import load_policy
    from cityhub.access.users import UserStore

    store = UserStore(home / "users.yaml", load_policy())
    names = ["official", *(f"abuser{n}" for n in range(clients))]
    for name in names:
        if store.get(name) is None:
            store.add(name, name, "police", PASSWORD, "bench")
    return names


@contextmanager
def served(home: Path) -> Iterator[tuple[str, psutil.Process]]:
    """Serve `home` with `cityhub api` in a child process; yield its URL and process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "cityhub.cli", "api", "--home", str(home), "--port", str(port)]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, psutil.Process(child.pid)
    finally:
        child.terminate()
        child.wait(timeout=20)


def token(base: str, name: str) -> dict[str, str]:
    answer = httpx.post(f"{base}/auth/login", json={"username": name, "password": PASSWORD}, timeout=30)
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


#: The costliest subjects first: a dossier or a walk costs with what lies below or around it.
WIDE_LEVELS = ("district", "street", "community", "estate")


def worst_requests(home: Path, variant: int = 0) -> list[Request]:
    """Return the costliest requests the limits let through, chosen from the city's own tables:
    variant 0 names the widest place, district and busiest person; variant k the k-th of each (so
    abusive clients cycling through variants never ask what the hub has already built)."""
    from cityhub.config import Settings
    from cityhub.warehouse import Warehouse

    warehouse = Warehouse(Settings(home=home).resolved_warehouse_url())
    places = warehouse.read_table("resolved_places")
    wide = places[places["level"].isin(WIDE_LEVELS)].copy()
    wide["rank"] = wide["level"].map(WIDE_LEVELS.index)
    wide_ids = [*places[places["parent_id"].isna()]["place_id"], *wide.sort_values("rank")["place_id"]]
    districts = places[places["level"] == "district"]["place_id"].tolist()
    top = wide_ids[variant % len(wide_ids)]
    district = districts[variant % len(districts)]
    links = warehouse.read_table("resolved_event_people")
    ranked = links["person_id"].value_counts().index
    busiest = ranked[variant % len(ranked)]
    deep = {"limit": 100, "offset": 1000}
    han = ("重庆市沙坪坝区聚龙城小区噪音扰民占道经营" * 10)[:200]
    case = {"purpose": "case_handling"}
    path = {"from_label": "Place", "from_key": top, "to_label": "Person", "to_key": busiest}
    longest = {"name": "张" * 40, "phone": "1" * 24, "id_number": "5" * 24, "address": "聚" * 120}
    return [
        ("search: 200 Han characters", "GET", "/search", {"q": han, **deep}, None),
        (
            "search: 12 common surnames",
            "GET",
            "/search",
            {"q": " ".join("张王李刘陈杨黄赵周吴徐孙"), **deep},
            None,
        ),
        (
            "search: digit groups",
            "GET",
            "/search",
            {"q": " ".join(["5001 0619 8503 0700 16"] * 9)[:200]},
            None,
        ),
        ("search: latin letters", "GET", "/search", {"q": " ".join(["zhangweiwangfang"] * 12)[:200]}, None),
        (
            "neighbours: top place, depth 2",
            "GET",
            f"/graph/Place/{top}/neighbours",
            {"depth": 2, **deep},
            None,
        ),
        (
            "neighbours: district, depth 2",
            "GET",
            f"/graph/Place/{district}/neighbours",
            {"depth": 2, **deep},
            None,
        ),
        (
            "neighbours: busiest person",
            "GET",
            f"/graph/Person/{busiest}/neighbours",
            {"depth": 2, **deep},
            None,
        ),
        ("dossier: top place events", "GET", f"/places/{top}/events", deep, None),
        ("dossier: district residents", "GET", f"/places/{district}/residents", deep, None),
        ("person: busiest timeline", "GET", f"/people/{busiest}/timeline", {**case, **deep}, None),
        ("path: top place to person", "GET", "/graph/path", path, None),
        ("escalations: last page", "GET", "/escalations", deep, None),
        ("match: longest fields", "POST", "/match", {**case, "limit": 50}, longest),
        ("body: 16 KB of junk", "POST", "/match", case, "x" * 16_000),
    ]


def send(client: httpx.Client, request: Request) -> int:
    _, method, path, params, body = request
    if isinstance(body, str):
        answer = client.request(method, path, params=params, content=body)
    else:
        answer = client.request(method, path, params=params, json=body)
    return answer.status_code


class MemorySampler:
    """Sample a process's resident memory every 5 ms in a thread; `stop` returns the growth in MB."""

    def __init__(self, process: psutil.Process) -> None:
        self.process = process
        self.baseline = self.peak = process.memory_info().rss
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample)
        self.thread.start()

    def _sample(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        return (self.peak - self.baseline) / 1e6


def measure_alone(
    base: str, server: psutil.Process, headers: dict[str, str], request: Request, repeat: int
) -> dict[str, Any]:
    """Return the worst wall time and server memory growth of `repeat` sends of one request."""
    seconds, grown, statuses = [], [], set()
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for _ in range(repeat):
            sampler = MemorySampler(server)
            started = time.perf_counter()
            statuses.add(send(client, request))
            seconds.append(time.perf_counter() - started)
            grown.append(sampler.stop())
    return {"what": request[0], "status": "/".join(str(s) for s in sorted(statuses)),
            "worst s": max(seconds), "worst MB": max(grown)}  # fmt: skip


def under_load(
    base: str, names: list[str], requests: list[Request], queries: list[str], seconds: float
) -> dict[str, Any]:
    """Return the official's search latencies while the other users send worst requests in a loop."""
    stop = threading.Event()
    refused = [0, 0]  # abusive requests answered 429, all abusive requests

    sessions = {name: token(base, name) for name in names}  # one after another: sign-ins hash slowly

    def abuse(name: str) -> None:
        offset = names.index(name) * (len(requests) // len(names))  # each client in its own part of the cycle
        with httpx.Client(base_url=base, headers=sessions[name], timeout=60) as client:
            n = 0
            while not stop.is_set():
                status = send(client, requests[(n + offset) % len(requests)])
                refused[0] += status == 429
                refused[1] += 1
                n += 1

    threads = [threading.Thread(target=abuse, args=(name,)) for name in names[1:]]
    for thread in threads:
        thread.start()
    latencies = []
    with httpx.Client(base_url=base, headers=sessions[names[0]], timeout=60) as client:
        ends = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < ends:
            started = time.perf_counter()
            client.get("/search", params={"q": queries[n % len(queries)], "kind": "person"})
            latencies.append((time.perf_counter() - started) * 1000)
            n += 1
            time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join()
    values = np.array(latencies)
    return {"what": f"official's search with {len(names) - 1} abusive clients", "searches": len(values),
            "p50 ms": float(np.percentile(values, 50)), "p99 ms": float(np.percentile(values, 99)),
            "abusive requests": refused[1], "answered 429": refused[0]}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Run the abuse benchmark and write benchmarks/results/abuse.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="A resolved hub home (default: build one)")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--variants", type=int, default=60, help="places and people the abusers cycle through"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as scratch:
        home = args.home or build_home(args.people, args.seed, Path(scratch))
        names = add_users(home, args.clients)
        requests = worst_requests(home)
        # Under load every abusive request names another place or person: nothing is served twice
        # from what the hub keeps of a view, as an attacker varying its targets would see.
        cycle = [r for k in range(args.variants) for r in worst_requests(home, k)]
        from cityhub.config import Settings
        from cityhub.warehouse import Warehouse

        people = Warehouse(Settings(home=home).resolved_warehouse_url()).read_table("resolved_people")
        queries = people["name"].dropna().sample(200, random_state=1).tolist()
        with served(home) as (base, server):
            headers = token(base, names[0])
            warm = httpx.get(f"{base}/search", params={"q": "张伟"}, headers=headers, timeout=60)
            warm.raise_for_status()
            rows = [measure_alone(base, server, headers, r, args.repeat) for r in requests]
            rows.append(under_load(base, names[:1], cycle, queries, args.seconds / 3))  # the baseline
            rows.append(under_load(base, names, cycle, queries, args.seconds))
    print_rows("abuse: worst requests alone, then under load", rows)
    parameters = {k: str(v) for k, v in vars(args).items()}
    print(write_result("abuse", rows, parameters))


if __name__ == "__main__":
    main()
