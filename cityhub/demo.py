"""The main job on one machine, no servers: a small city, its four department systems, and the
pipeline stages that exist, end to end."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from cityhub.lake import Lake
from cityhub.pipeline.ingest import StreamResult
from cityhub.pipeline.run import ingest_sources
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from connectors.spec import load_sources
from simulators.city import simulate_city
from simulators.services.runner import DepartmentSystems, history_end

#: Stages of the fusion pipeline that are not built yet; the demo says so instead of pretending.
PENDING_STAGES = ("resolve people, places and cases", "project the knowledge graph",
                  "project the search index", "serve the read API")


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
    return {"first": first, "increment": second, "warehouse": warehouse.url, "lake": str(lake.root),
            "counts": {t: warehouse.count(t) for t in ("EventRecord", "PersonMention", "PlaceMention",
                                                       "quarantine", "batches")}}


def totals(results: list[StreamResult]) -> dict[str, int]:
    return {"extracted": sum(r.extracted for r in results), "accepted": sum(r.accepted for r in results),
            "quarantined": sum(r.quarantined for r in results)}
