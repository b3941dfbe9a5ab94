"""Shared fixtures: one small simulated city per test session, and real servers started on demand."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from proving.servers import (
    RunningServer,
    ServerUnavailable,
    start_elasticsearch,
    start_neo4j,
    start_postgres,
)
from simulators.city import simulate_city

CITY_PEOPLE = 2_000
CITY_SEED = 5
CITY_END = dt.date(2026, 11, 20)


@pytest.fixture(scope="session")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the folder of a 2,000-resident city with a year of history ending 2026-11-20."""
    root = tmp_path_factory.mktemp("small-city")
    simulate_city(people=CITY_PEOPLE, seed=CITY_SEED, out=root, days=365, end=CITY_END)
    return root


@pytest.fixture(scope="session")
def ingested_city_home(small_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a hub home whose warehouse holds the small city, ingested from its running systems."""
    from cityhub.lake import Lake
    from cityhub.pipeline.run import ingest_sources
    from cityhub.warehouse import Warehouse
    from cityhub.warehouse.migrate import upgrade
    from connectors.spec import load_sources
    from simulators.services.runner import DepartmentSystems

    home = tmp_path_factory.mktemp("hub")
    url = f"sqlite:///{home / 'warehouse.sqlite'}"
    upgrade(url)
    saved = dict(os.environ)
    try:
        with DepartmentSystems(small_city, home / "systems") as systems:
            os.environ.update(systems.environment())
            ingest_sources(list(load_sources().values()), Warehouse(url), Lake(home / "lake"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return home


def _serve(start: Callable[[], RunningServer]) -> Iterator[str]:
    """Start a server for the session and yield its URL; skip (or fail in CI) when it can't be had."""
    try:
        server: RunningServer | None = start()
    except ServerUnavailable as error:
        server, reason = None, str(error)
    if server is None:  # outside the except block, so the report is the reason alone
        if os.environ.get("CITYHUB_REQUIRE_SERVERS") == "1":
            pytest.fail(f"server required (CITYHUB_REQUIRE_SERVERS=1), unavailable: {reason}", pytrace=False)
        pytest.skip(f"server unavailable: {reason}")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL (postgresql+psycopg://) of a fresh PostgreSQL server for this session."""
    yield from _serve(start_postgres)


@pytest.fixture(scope="session")
def neo4j_url() -> Iterator[str]:
    """Bolt URL of a fresh Neo4j server (auth off) for this session."""
    yield from _serve(start_neo4j)


@pytest.fixture(scope="session")
def elasticsearch_url() -> Iterator[str]:
    """HTTP URL of a fresh single-node Elasticsearch (security off) for this session."""
    yield from _serve(start_elasticsearch)
