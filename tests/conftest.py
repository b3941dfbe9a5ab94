"""Shared fixtures: one small simulated city per test session, and its department systems."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

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
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Return the URL of a real PostgreSQL server started for this test session."""
    from tests.servers import ServerUnavailable, running_postgres, unavailable

    try:
        # not under pytest's temp folder: that one is private to root, and PostgreSQL runs as postgres
        server = running_postgres(Path(tempfile.mkdtemp(prefix="cityhub-postgres-")))
        url = server.__enter__()
    except ServerUnavailable as error:
        unavailable(str(error))
    try:
        yield url
    finally:
        server.__exit__(None, None, None)
