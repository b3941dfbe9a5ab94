"""A small simulated city, written once per test session and read by the simulator tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulators.city import simulate_city

PEOPLE = 3_000
SEED = 11
END = date(2026, 11, 20)


@dataclass
class CityFiles:
    """The files of one simulated city, read on demand."""

    root: Path
    counts: dict[str, int]
    people: int = PEOPLE
    seed: int = SEED
    end: date = END

    def table(self, name: str) -> pa.Table:
        return pq.read_table(self.root / f"{name}.parquet")

    def rows(self, name: str) -> list[dict[str, object]]:
        return self.table(name).to_pylist()


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> CityFiles:
    root = tmp_path_factory.mktemp("city")
    counts = simulate_city(people=PEOPLE, seed=SEED, out=root, days=365, end=END, noise="clean")
    return CityFiles(root, counts)


def _noisy(factory: pytest.TempPathFactory, noise: str) -> CityFiles:
    root = factory.mktemp(f"city-{noise}")
    counts = simulate_city(people=PEOPLE, seed=SEED, out=root, days=365, end=END, noise=noise)
    return CityFiles(root, counts)


@pytest.fixture(scope="session")
def realistic_city(tmp_path_factory: pytest.TempPathFactory) -> CityFiles:
    """The same city with the `realistic` noise profile."""
    return _noisy(tmp_path_factory, "realistic")


@pytest.fixture(scope="session")
def hard_city(tmp_path_factory: pytest.TempPathFactory) -> CityFiles:
    """The same city with the `hard` noise profile."""
    return _noisy(tmp_path_factory, "hard")
