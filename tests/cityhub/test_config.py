"""Settings the hub reads its sources with: the grid-code format, and the variables of the source definitions."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq

from cityhub.config import Settings, source_variables


def test_the_grid_code_setting_reads_the_grid_platforms_codes(small_city: Path) -> None:
    codes = (
        pq.read_table(small_city / "channels" / "grid.parquet", columns=["grid_code"]).column(0).to_pylist()
    )
    pattern = re.compile(Settings().grid_code_pattern)
    assert codes and all(pattern.match(code) for code in codes)


def test_source_variables_are_the_environment_at_the_edge(monkeypatch) -> None:
    monkeypatch.setenv("CITYHUB_GRID_URL", "http://grid.internal")
    assert source_variables()["CITYHUB_GRID_URL"] == "http://grid.internal"
    monkeypatch.delenv("CITYHUB_GRID_URL")
    assert "CITYHUB_GRID_URL" not in source_variables()
