"""Benchmark the workbench in a real browser (Debian's headless Chromium through Playwright).

The hub (API and workbench, one process) serves a demo home: `--home DIR` of a finished `make demo`
(`.cityhub/demo`), or else the demo's city (`--people`, `--seed`: 5,000 residents, seed 7, as
`cityhub demo`) simulated, ingested from its running department systems and resolved here, without
Airflow. `--officers` police users (6) sign in, each in a tab of their own, and take the samples in
turn: the API sends a user who spends over 2 server-seconds in 10 s through one slow lane (address
lists are charged 1 s each up front), so one user loading 30 dossiers back to back measures that
lane, not an official reading pages (`--officers 1` measures it). The pages are measured on
entities drawn at random (seeded) from the warehouse, not chosen by the workbench:

- first render, page loaded: a full load of the page's URL in the signed-in tab (the browser's cache
  warm, as for an official who has used the workbench before), from navigation start to the page's
  data on screen (its ready selector present in an animation frame, polled from the moment the
  document arrives, not from its `load` event), read from the page's own clock (`performance.now()`);
- first render, link followed: the page opened from another page of the running workbench (its
  URL set as a link does), from then to its data on screen;
- search-as-you-type: names and street addresses typed one character at a time, each keystroke
  timed from the key event to the hits for that exact prefix rendered (the page's `data-query`),
  the next key sent once they are.

Budgets (issue 17): first render p95 <= 300 ms per page, search-as-you-type p95 <= 150 ms.
Run: `cityhub bench ui [--home DIR] [--samples 30]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.report import print_rows, write_result

RENDER_BUDGET_MS = 300.0
TYPING_BUDGET_MS = 150.0
#: Each page: its URL for an entity, and the selector present once its data is on screen.
PAGES: dict[str, tuple[str, str]] = {
    "search": ("/#/search?q={key}", "[data-test=hits][data-query]"),
    "person": ("/#/people/{key}", ".person-page[data-ready]"),
    "address": ("/#/places/{key}", ".place-page[data-ready]"),
    "case": ("/#/cases/{key}", ".case-page[data-ready]"),
    "graph": ("/#/graph/Person/{key}", ".graph-page[data-ready]"),
    "escalating": ("/#/escalating{key}", ".escalating-page[data-ready]"),
    "cockpit": ("/#/cockpit{key}", ".cockpit-page[data-ready]"),
}


def demo_home(people: int, seed: int, folder: Path) -> Path:
    """Return a hub home holding the demo's city, ingested and resolved (no Airflow)."""
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
    simulate_city(people=people, seed=seed, out=city, days=365, end=dt.date(2026, 11, 20))
    home.mkdir(parents=True)
    url = f"sqlite:///{home / 'warehouse.sqlite'}"
    upgrade(url)
    with sources_pointed_at(DepartmentSystems(city, home / "systems")) as variables:
        ingest_sources(
            list(load_sources().values()), Warehouse(url), Lake(home / "lake"), variables=variables
        )
    fusion.full_rebuild(Settings(home=home))
    return home


def samples(home: Path, count: int, seed: int) -> dict[str, list[str]]:
    """Return, per page, the keys of `count` entities drawn at random from the warehouse."""
    from cityhub.warehouse import Warehouse

    warehouse = Warehouse(f"sqlite:///{home / 'warehouse.sqlite'}")
    pick = random.Random(seed)
    people = warehouse.read_table("resolved_people")
    mentions = warehouse.read_table("resolved_person_mentions")
    # police read every source but petitions; an entity a petition record names is withheld whole
    petitioned = set(mentions.loc[mentions["source"] == "petitions", "person_id"])
    seen_by_police = people[~people["person_id"].isin(petitioned)]
    events = warehouse.read_table("resolved_events")
    petition_cases = set(events.loc[events["source"] == "petitions", "case_id"].dropna())
    readable = events[~events["case_id"].isin(petition_cases)]
    places = warehouse.read_table("resolved_places")
    estates = places[places["level"].isin(["estate", "building", "room"])]
    cases = readable["case_id"].dropna().unique().tolist()
    escalating = warehouse.read_table("resolved_cases").query("escalating")

    def draw(values: list[Any]) -> list[str]:
        return [str(v) for v in pick.sample(list(values), min(count, len(values)))]

    names = draw(seen_by_police["name"].dropna().unique().tolist())
    return {
        "search": names,
        "person": draw(seen_by_police["person_id"].tolist()),
        "address": draw(estates["place_id"].tolist()),
        "case": draw(cases),
        "graph": draw(seen_by_police["person_id"].tolist()),
        "escalating": [f"?category={c}" if c else "" for c in draw(_majors(escalating)) + [""] * count][
            :count
        ],
        "cockpit": [f"?day={d}" for d in draw(_days(readable))],
        "typing": names[: max(5, count // 3)] + draw(_street_texts(estates))[: max(5, count // 3)],
    }


def _days(events: pd.DataFrame) -> list[str]:
    """The days events happened on (the cockpit's day of intake), as YYYY-MM-DD."""
    return sorted(set(events["occurred_at"].astype(str).str[:10]))


def _majors(cases: pd.DataFrame) -> list[str]:
    return sorted({str(c).split(".")[0] for c in cases["category"].dropna()})


def _street_texts(places: pd.DataFrame) -> list[str]:
    """Estate names as an official types them (`观澜公馆`), from the places themselves."""
    return places.loc[places["level"] == "estate", "name"].dropna().unique().tolist()


def first_render_ms(page: Any, origin: str, url: str, ready: str) -> float:
    """Load `url` afresh in the signed-in tab; return ms from navigation start to `ready` present.

    The clock is polled from the moment the page's document arrives, not from its `load` event: a page
    whose data is on screen before a late script (ECharts, Cytoscape.js) has loaded is counted when
    its data shows, not when the script is done."""
    page.goto("about:blank")
    page.goto(origin + url, wait_until="commit")
    handle = page.wait_for_function(
        "sel => document.querySelector(sel) ? performance.now() : false",
        arg=ready,
        polling="raf",
        timeout=30_000,
    )
    return float(handle.json_value())


def in_app_ms(page: Any, origin: str, url: str, ready: str) -> float | None:
    """Open `url` from another page of the running workbench (a link followed); return ms to `ready`."""
    start = "/#/search" if "escalating" in url else "/#/escalating"
    if not page.url.endswith(start[1:]):
        page.goto(origin + start)
    page.wait_for_selector(
        "[data-test=search-box]" if start == "/#/search" else ".escalating-page[data-ready]"
    )
    began = page.evaluate("hash => { const t = performance.now(); location.hash = hash; return t; }", url[2:])
    handle = page.wait_for_function(
        "sel => document.querySelector(sel) ? performance.now() : false",
        arg=ready,
        polling="raf",
        timeout=30_000,
    )
    return float(handle.json_value()) - float(began)


_KEY_CLOCK = (
    "window.__keyAt = [];"
    "document.addEventListener('input', () => window.__keyAt.push(performance.now()), true);"
)
_HITS_FOR = "q => document.querySelector('[data-test=hits]')?.dataset.query === q ? performance.now() : false"


def typing_ms(page: Any, origin: str, text: str) -> list[float]:
    """Type `text` into the search box a character at a time; return each keystroke's latency (ms)."""
    page.goto("about:blank")
    page.goto(origin + "/#/search")
    box = page.wait_for_selector("[data-test=search-box]")
    page.evaluate(_KEY_CLOCK)
    box.click()
    latencies = []
    for typed in range(1, len(text) + 1):
        prefix = text[:typed]
        page.keyboard.type(text[typed - 1])
        try:
            shown = page.wait_for_function(_HITS_FOR, arg=prefix.strip(), polling="raf", timeout=30_000)
        except Exception as error:
            shown_alert = page.locator(".el-alert").all_inner_texts()
            raise RuntimeError(f"no hits for {prefix!r}: {shown_alert}") from error
        pressed = page.evaluate("window.__keyAt[window.__keyAt.length - 1]")
        latencies.append(float(shown.json_value()) - float(pressed))
    return latencies


def _row(what: str, measured: list[float | None], budget: float) -> dict[str, Any]:
    values = [v for v in measured if v is not None]
    array = np.asarray(values or [float("nan")])
    p95 = float(np.percentile(array, 95))
    failed = len(measured) - len(values)
    return {
        "what": what,
        "samples": len(values),
        "errors_shown": failed,
        "p50_ms": float(np.percentile(array, 50)),
        "p95_ms": p95,
        "max_ms": float(array.max()),
        "budget_ms": budget,
        "holds": "yes" if p95 <= budget and not failed else "NO",
    }


def add_officers(settings: Any, count: int) -> list[str]:
    """Add `count` police officers to the home (passwords: `proving.browser.password_of`); return their
    usernames."""
    from cityhub.access.policy import load_policy
    from cityhub.access.users import UserStore
    from proving.browser import password_of

    store = UserStore(settings.home / "users.yaml", load_policy())
    names = [f"officer{i}" for i in range(1, count + 1)]
    for name in names:
        store.add(name, f"民警{name[-1]}", "police", password_of(name), "沙坪坝区公安分局", "")
    return names


def measure(home: Path, count: int, seed: int, officers: int = 1) -> list[dict[str, Any]]:
    """Serve `home`, sign in `officers` police users and measure every page and search-as-you-type,
    the samples taken by the officers in turn (one tab each)."""
    from cityhub.config import Settings
    from proving.browser import (
        add_users,
        chromium,
        served_hub,
        sign_in,
        state_purpose,
        warm_search,
        watched_page,
    )

    settings = Settings(home=home)
    add_users(settings)
    usernames = add_officers(settings, officers)
    keys = samples(home, count, seed)
    rows = []
    with served_hub(settings) as origin, chromium() as browser:
        warm_search(origin)
        tabs = []
        for username in usernames:
            page, watch = watched_page(browser, origin, intercept=False)  # requests still checked
            sign_in(page, origin, username)
            state_purpose(page)
            tabs.append((page, watch))
        page = tabs[0][0]
        for name, (pattern, ready) in PAGES.items():  # one unmeasured load each: server and JIT warm
            try:
                first_render_ms(page, origin, pattern.format(key=keys[name][0]), ready)
            except Exception as error:
                raise RuntimeError(f"page {name} did not render: {error}") from error

        def turn(i: int) -> Any:
            return tabs[i % len(tabs)][0]

        for name, (pattern, ready) in PAGES.items():
            times = [
                first_render_ms(turn(i), origin, pattern.format(key=k), ready)
                for i, k in enumerate(keys[name])
            ]
            rows.append(_row(f"first render, page loaded: {name}", times, RENDER_BUDGET_MS))
        for name, (pattern, ready) in PAGES.items():
            times = [
                in_app_ms(turn(i), origin, pattern.format(key=k), ready) for i, k in enumerate(keys[name])
            ]
            rows.append(_row(f"first render, link followed: {name}", times, RENDER_BUDGET_MS))
        typed = [ms for i, text in enumerate(keys["typing"]) for ms in typing_ms(turn(i), origin, text)]
        rows.append(_row("search as you type (per keystroke)", typed, TYPING_BUDGET_MS))
        foreign = [url for _, watch in tabs for url in watch.foreign]
        if foreign:
            raise RuntimeError(f"the workbench asked outside the hub: {foreign[:3]}")
        errors = [text for _, watch in tabs for text in watch.errors]
        rows.append(
            {"what": "console errors (a 404 for an entity the role may not see)", "samples": len(errors)}
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run the UI benchmark; print the table and write benchmarks/results/ui.json."""
    parser = argparse.ArgumentParser(prog="cityhub bench ui", description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a finished demo home (default: build the demo city here)")
    parser.add_argument("--people", type=int, default=5_000, help="residents of the demo city built here")
    parser.add_argument("--seed", type=int, default=7, help="seed of the demo city built here")
    parser.add_argument("--samples", type=int, default=30, help="entities per page")
    parser.add_argument(
        "--officers",
        type=int,
        default=6,
        help="signed-in police users taking the samples in turn (one tab each)",
    )
    parser.add_argument("--out", type=Path, help="results folder (default benchmarks/results)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as folder:
        home = args.home or demo_home(args.people, args.seed, Path(folder))
        rows = measure(home, args.samples, args.seed, args.officers)
        load = os.getloadavg()[0]
    print_rows("workbench in headless Chromium", rows)
    parameters = {
        "home": str(args.home)
        if args.home
        else f"demo city built here: {args.people} residents, seed {args.seed}",
        "samples": args.samples,
        "officers": args.officers,
        "load_average_1m_at_end": round(load, 2),
    }
    print(write_result("ui", rows, parameters, args.out))


if __name__ == "__main__":
    main()
