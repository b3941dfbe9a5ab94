"""A resolved copy of the small city for the statistics and alerts tests (resolving fills both)."""

from __future__ import annotations

import sqlite3

import pytest

from cityhub.config import Settings
from cityhub.pipeline import fusion


@pytest.fixture(scope="session")
def resolved_home(ingested_city_home, tmp_path_factory) -> Settings:
    """Return settings of a home whose small city is resolved once (no projections)."""
    home = tmp_path_factory.mktemp("ops")
    with (
        sqlite3.connect(ingested_city_home / "warehouse.sqlite") as source,
        sqlite3.connect(home / "warehouse.sqlite") as copy,
    ):
        source.backup(copy)
    settings = Settings(home=home)
    fusion.standardise(settings)
    fusion.check_quality(settings)
    fusion.resolve(settings)
    return settings
