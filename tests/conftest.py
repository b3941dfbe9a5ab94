"""Shared fixtures: one small simulated city per test session, and its department systems."""

from __future__ import annotations

import datetime as dt
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
