"""A year of a city's resolved tables written straight into a warehouse, for the statistics benchmark.

Fusing a 1,000,000-resident city through ingest and resolution takes hours on a small machine, and
the statistics read only what resolution leaves (events, cases, places, people's homes), so the
benchmark can write those tables directly at the simulator's proportions: the real districts,
streets and communities the simulator would take (`simulators.city.divisions`), 2.8 residents a
household, about 0.53 events per resident a year (the simulated 20,000-resident city's rate,
bench_events) in cases of 1.4 events, four sources, the taxonomy's categories with skewed weights,
repeat callers and places, and 2% escalating cases.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from cityhub.warehouse.resolved import RESOLVED_TABLES
from ontology import load_ontology
from ontology.gazetteer import load_gazetteer
from simulators.city.divisions import choose_communities

__all__ = ["write_city"]

EVENTS_PER_RESIDENT = 0.53
EVENTS_PER_CASE = 1.4
SOURCES = {"hotline": 0.45, "grid": 0.35, "police": 0.12, "petitions": 0.08}
ESTATES_PER_COMMUNITY = 6
GRIDS_PER_COMMUNITY = 5


def _insert(warehouse: Warehouse, name: str, frame: pd.DataFrame, at: dt.datetime) -> None:
    table = RESOLVED_TABLES[name]
    frame = frame.assign(changed_at=at)
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")  # type: ignore[assignment]
    with warehouse.engine.begin() as connection:
        for start in range(0, len(rows), 50_000):
            connection.execute(table.insert(), rows[start : start + 50_000])


def _places(people: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    gazetteer = load_gazetteer()
    chosen = choose_communities(gazetteer, int(people / 2.8), rng)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for community in chosen:
        code = community.division.code
        street, district = code[:9], code[:6]
        for place, level, parent in ((district, "district", None), (street, "street", district)):
            if place not in seen:
                seen.add(place)
                name = gazetteer.divisions[place].name if place in gazetteer.divisions else place
                rows.append(
                    {
                        "place_id": place,
                        "level": level,
                        "name": name,
                        "full_address": name,
                        "parent_id": parent,
                        "grid_id": None,
                    }
                )
        rows.append(
            {
                "place_id": code,
                "level": "community",
                "name": community.division.name,
                "full_address": community.division.name,
                "parent_id": street,
                "grid_id": None,
            }
        )
        for e in range(ESTATES_PER_COMMUNITY):
            rows.append(
                {
                    "place_id": f"PL-{code}-{e}",
                    "level": "site",
                    "name": f"小区{e}",
                    "full_address": f"{community.division.name}小区{e}",
                    "parent_id": code,
                    "grid_id": f"{code}-G{e % GRIDS_PER_COMMUNITY + 1:02d}",
                }
            )
    share = pd.DataFrame(
        {"community_id": [c.division.code for c in chosen], "households": [c.households for c in chosen]}
    )
    return pd.DataFrame(rows), share


def write_city(
    home: Path, people: int, seed: int = 7, end: dt.date = dt.date(2026, 11, 20)
) -> dict[str, int]:
    """Write a year of resolved tables of a `people`-resident city under `home`; return the row counts."""
    rng = np.random.default_rng(seed)
    url = f"sqlite:///{(home / 'warehouse.sqlite').resolve()}"
    home.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    warehouse = Warehouse(url)
    at = dt.datetime.combine(end, dt.time(23, 0))
    places, communities = _places(people, rng)
    estates = places[places["level"] == "site"]["place_id"].to_numpy()
    weights = (
        np.repeat(
            communities["households"].to_numpy() / communities["households"].sum(), ESTATES_PER_COMMUNITY
        )
        / ESTATES_PER_COMMUNITY
    )
    homes = rng.choice(estates, size=people, p=weights / weights.sum())
    person_ids = np.array([f"P-{i:07d}" for i in range(people)])
    mentions = pd.DataFrame(
        {
            "source": "hotline",
            "mention_id": person_ids,
            "record_id": person_ids,
            "person_id": person_ids,
            "place_id": homes,
            "updated_at": at,
        }
    )
    categories = sorted(load_ontology().taxonomy.categories)
    category_weights = 1 / np.arange(1, len(categories) + 1) ** 0.8
    n_cases = int(people * EVENTS_PER_RESIDENT / EVENTS_PER_CASE)
    start = dt.datetime.combine(end - dt.timedelta(days=364), dt.time())
    opened = start + pd.to_timedelta(rng.integers(0, 365 * 86_400, n_cases), unit="s")
    case_ids = np.array([f"C-{i:07d}" for i in range(n_cases)])
    case_places = rng.choice(estates, size=n_cases, p=weights / weights.sum())
    case_people = rng.choice(person_ids[: max(1, people // 3)], size=n_cases)  # a third of the people call
    cases = pd.DataFrame(
        {
            "case_id": case_ids,
            "category": rng.choice(categories, size=n_cases, p=category_weights / category_weights.sum()),
            "opened_at": opened,
            "last_activity_at": opened,
            "escalating": rng.random(n_cases) < 0.02,
            "escalation_reason": None,
            "sources": "[]",
        }
    )
    per_case = 1 + rng.poisson(EVENTS_PER_CASE - 1, n_cases)
    index = np.repeat(np.arange(n_cases), per_case)
    delay = pd.to_timedelta(
        rng.integers(0, 5 * 86_400, len(index)) * (np.arange(len(index)) != np.searchsorted(index, index)),
        unit="s",
    )
    occurred = opened[index] + delay
    sources = rng.choice(list(SOURCES), size=len(index), p=list(SOURCES.values()))
    event_ids = [f"{s}:E-{i:08d}" for i, s in enumerate(sources)]
    events = pd.DataFrame(
        {
            "event_id": event_ids,
            "source": sources,
            "record_id": event_ids,
            "category": cases["category"].to_numpy()[index],
            "occurred_at": occurred,
            "status": "open",
            "description": "",
            "address": "",
            "place_id": case_places[index],
            "case_id": case_ids[index],
            "updated_at": occurred,
        }
    )
    cases["sources"] = [json.dumps([s]) for s in events.drop_duplicates("case_id")["source"]]
    event_people = pd.DataFrame({"event_id": event_ids, "person_id": case_people[index], "role": "caller"})
    for name, frame in (
        ("places", places),
        ("person_mentions", mentions),
        ("cases", cases),
        ("events", events),
        ("event_people", event_people),
    ):
        _insert(warehouse, name, frame, at)
    return {"places": len(places), "people": people, "cases": n_cases, "events": len(events)}
