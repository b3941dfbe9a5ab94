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
    with DepartmentSystems(small_city, home / "systems") as systems:
        specs = list(load_sources().values())
        ingest_sources(specs, Warehouse(url), Lake(home / "lake"), variables=systems.environment())
    return home


SKIP_SERVERS = os.environ.get("CITYHUB_SKIP_SERVERS") == "1"
SERVER_FIXTURES = frozenset({"postgres_url", "neo4j_url", "elasticsearch_url"})


def _serve(start: Callable[[], RunningServer]) -> Iterator[str]:
    """Start a server for the session and yield its URL; a server that can't be had fails the test."""
    if SKIP_SERVERS:
        pytest.skip("server tests skipped (CITYHUB_SKIP_SERVERS=1)")
    try:
        server: RunningServer | None = start()
    except ServerUnavailable as error:
        server, reason = None, str(error)
    if server is None:  # outside the except block, so the report is the reason alone
        pytest.fail(
            f"server unavailable: {reason}\n(run .ci/install-servers.sh, or set CITYHUB_SKIP_SERVERS=1 "
            "to skip the server tests)",
            pytrace=False,
        )
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


@pytest.fixture(autouse=True)
def _server_tests_carry_the_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that used a server without the `servers` marker (`-m "not servers"` would miss it).

    Checked after the test, so servers asked for with `request.getfixturevalue` count too.
    """
    yield
    used = sorted(SERVER_FIXTURES.intersection(request.fixturenames))
    if used and request.node.get_closest_marker("servers") is None:
        pytest.fail(
            f"{request.node.nodeid} uses {', '.join(used)} without the `servers` marker", pytrace=False
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the server tests when CITYHUB_SKIP_SERVERS=1 asks for it."""
    if not SKIP_SERVERS:
        return
    skip = pytest.mark.skip(reason="server tests skipped (CITYHUB_SKIP_SERVERS=1)")
    for item in items:
        if item.get_closest_marker("servers") is not None:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """Say loudly, after every other summary, that the server tests did not run (CITYHUB_SKIP_SERVERS=1)."""
    yield
    if not SKIP_SERVERS:
        return
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "CITYHUB_SKIP_SERVERS" in str(report.longrepr)
    ]
    terminalreporter.write_sep("!", "SERVER TESTS SKIPPED", red=True, bold=True)
    terminalreporter.write_line(
        f"CITYHUB_SKIP_SERVERS=1: {len(skipped)} tests against PostgreSQL, Neo4j and Elasticsearch did not "
        "run. This run does not show that cityhub works with its servers.",
        red=True,
        bold=True,
    )
