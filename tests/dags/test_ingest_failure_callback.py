"""A failed ingest task calls its failure callback, which records the error in the warehouse where
`cityhub status` shows it (run with `dag.test()` against the running department systems)."""

from __future__ import annotations

import datetime as dt

import pytest

from cityhub.config import get_settings
from cityhub.pipeline.status import source_status
from cityhub.warehouse import Warehouse
from connectors.spec import load_sources
from simulators.services.runner import DepartmentSystems


def test_a_failed_ingest_task_is_recorded_where_status_shows_it(small_city, tmp_path, dagbag, dag_runner):
    home = tmp_path / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CITYHUB_HOME", str(home))
        for name in ("CITYHUB_WAREHOUSE_URL", "CITYHUB_LAKE_DIR", "CITYHUB_SOURCES_DIR"):
            patch.delenv(name, raising=False)
        get_settings.cache_clear()
        try:
            with DepartmentSystems(small_city, tmp_path / "systems") as systems:
                for name, value in systems.environment().items():
                    patch.setenv(name, value)
                newest = sorted(systems.petitions_dir.glob("信访登记_*.csv"))[-1]
                newest.write_bytes(b"")
                run = dag_runner(dagbag.dags["cityhub_ingest_petitions"], expect="failed")
                warehouse = Warehouse(get_settings().resolved_warehouse_url())
                runs = warehouse.read_table("source_runs").set_index("source")
                rows = {r["stream"]: r for r in source_status(warehouse, load_sources(), dt.datetime.now())}
        finally:
            get_settings.cache_clear()
    assert run.get_task_instance("ingest").state == "failed"
    error = runs.at["petitions", "last_error"]
    assert error.startswith("airflow cityhub_ingest_petitions.ingest"), error
    assert f"{newest.name}: is empty (0 bytes)" in error
    assert error in rows["petitions"]["last error"] and rows["petitions"]["age"] == "never"
