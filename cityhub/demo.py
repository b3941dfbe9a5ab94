"""The main job on one machine, no servers: a small city, its four department systems, and the
pipeline stages that exist, end to end."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from cityhub.config import Settings
from cityhub.lake import Lake
from cityhub.pipeline.fusion import full_rebuild
from cityhub.pipeline.ingest import StreamResult
from cityhub.pipeline.run import ingest_sources
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from connectors.spec import load_sources
from simulators.city import simulate_city
from simulators.services.runner import DepartmentSystems, history_end

DEMO_KEY = "demo-officer-key"


def run_demo(home: Path, people: int, seed: int, say: Callable[[str], None]) -> dict[str, object]:
    """Return a summary of a demo run: simulate, serve, ingest the day before, advance, ingest again."""
    city = home / "city"
    if not (city / "manifest.json").exists():
        say(f"simulating a city of {people:,} residents into {city}")
        simulate_city(people=people, seed=seed, out=city)
    url = f"sqlite:///{(home / 'warehouse.sqlite').resolve()}"
    upgrade(url)
    warehouse = Warehouse(url)
    lake = Lake(home / "lake")
    end = history_end(city)
    with DepartmentSystems(city, home / "systems", clock=end - dt.timedelta(days=1)) as systems:
        os.environ.update(systems.environment())
        say(f"department systems up: hotline {systems.hotline.url}, grid {systems.grid.url}, "
            f"police {systems.police_url}, petitions {systems.petitions_dir}")
        specs = list(load_sources().values())
        first = ingest_sources(specs, warehouse, lake)
        systems.advance(end)
        say(f"the city advanced a day to {end:%Y-%m-%d %H:%M}; ingesting the increment")
        second = ingest_sources(specs, warehouse, lake)
    settings = Settings(home=home, api_keys=f"demo:{DEMO_KEY}")
    say("fusion: standardise -> check -> resolve people, places and cases -> project graph and search")
    fused = full_rebuild(settings)
    return {"first": first, "increment": second, "fusion": fused, "settings": settings,
            "warehouse": warehouse.url, "lake": str(lake.root),
            "counts": {t: warehouse.count(t) for t in ("EventRecord", "PersonMention", "PlaceMention",
                                                       "quarantine", "batches")}}


def totals(results: list[StreamResult]) -> dict[str, int]:
    return {"extracted": sum(r.extracted for r in results), "accepted": sum(r.accepted for r in results),
            "quarantined": sum(r.quarantined for r in results)}


def example_requests(settings: Settings) -> list[tuple[str, str, dict[str, object] | None]]:
    """Return (method, path, body) of requests that show the resolved city: a person found by name,
    their 360, an escalating case's timeline, the dossier of its place, and a match."""
    from cityhub.warehouse.resolved import RESOLVED_TABLES

    warehouse = Warehouse(settings.resolved_warehouse_url())
    people = warehouse.read_table(RESOLVED_TABLES["people"].name).dropna(subset=["id_number"])
    cases = warehouse.read_table(RESOLVED_TABLES["cases"].name)
    escalating = cases[cases["escalating"].astype(bool)]
    case = (escalating if len(escalating) else cases).sort_values("case_id").iloc[0]["case_id"]
    events = warehouse.read_table(RESOLVED_TABLES["events"].name)
    place = events.loc[events["case_id"] == case, "place_id"].dropna()
    person = people.sort_values("person_id").iloc[0]
    requests: list[tuple[str, str, dict[str, object] | None]] = [
        ("GET", f"/search?q={person['name']}&kind=person", None),
        ("GET", f"/people/{person['person_id']}", None),
        ("GET", f"/cases/{case}", None),
    ]
    if len(place):
        requests.append(("GET", f"/places/{place.iloc[0]}", None))
    requests.append(("POST", "/match", {"name": person["name"], "birth_date": str(person["birth_date"])}))
    return requests
