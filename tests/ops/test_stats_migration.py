"""Migration 0008 fills the new roll-ups, the quarterly table and the hot-spot entities from the aggregates a
0007 warehouse already holds: the same rows a fusion run's refresh writes."""

from __future__ import annotations

import sqlite3

import pandas as pd
from alembic import command

from cityhub.config import Settings
from cityhub.pipeline.operations import refresh_operations
from cityhub.warehouse.migrate import alembic_config, upgrade

NEW_ROWS = {
    "stats_daily": "SELECT * FROM stats_daily WHERE cuboid IN ('source_district', 'community', 'district', "
    "'street_major')",
    "stats_monthly": "SELECT * FROM stats_monthly WHERE cuboid IN ('source_district', 'grid_major')",
    "stats_quarterly": "SELECT * FROM stats_quarterly",
    "stats_hotspot_entities": "SELECT * FROM stats_hotspot_entities",
}


def _read(path) -> dict[str, pd.DataFrame]:
    out = {}
    with sqlite3.connect(path) as db:
        for name, sql in NEW_ROWS.items():
            frame = pd.read_sql(sql, db)
            out[name] = frame.sort_values(list(frame.columns), ignore_index=True)
    return out


def test_a_0007_warehouse_gets_the_rows_a_refresh_writes(resolved_home, tmp_path):
    path = tmp_path / "warehouse.sqlite"
    with sqlite3.connect(resolved_home.home / "warehouse.sqlite") as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    refresh_operations(Settings(home=tmp_path))
    refreshed = _read(path)
    assert all(len(frame) for frame in refreshed.values())
    url = f"sqlite:///{path}"
    command.downgrade(alembic_config(url), "0007")
    with sqlite3.connect(path) as db:
        cuboids = {c for (c,) in db.execute("SELECT DISTINCT cuboid FROM stats_monthly")}
        tables = {t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "grid_major" not in cuboids and "stats_quarterly" not in tables
    upgrade(url)
    migrated = _read(path)
    for name, frame in refreshed.items():
        pd.testing.assert_frame_equal(migrated[name], frame, check_dtype=False, obj=name)
