"""`sources_pointed_at`: cityhub's sources reach the running systems, and the environment comes back."""

import os

import httpx
import pytest

from simulators.services.runner import DepartmentSystems, sources_pointed_at


def test_the_environment_points_at_the_running_systems_and_is_restored(small_city, tmp_path, monkeypatch):
    monkeypatch.setenv("CITYHUB_GRID_URL", "http://grid.internal")
    monkeypatch.delenv("CITYHUB_HOTLINE_URL", raising=False)
    with sources_pointed_at(DepartmentSystems(small_city, tmp_path)) as systems:
        assert os.environ["CITYHUB_HOTLINE_URL"] == systems.hotline.url
        token = os.environ["CITYHUB_HOTLINE_TOKEN"]
        answer = httpx.get(
            f"{os.environ['CITYHUB_HOTLINE_URL']}/api/v1/tickets",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert answer.status_code == 200
    assert os.environ["CITYHUB_GRID_URL"] == "http://grid.internal"
    assert "CITYHUB_HOTLINE_URL" not in os.environ


def test_the_environment_is_restored_when_the_block_fails(small_city, tmp_path, monkeypatch):
    monkeypatch.delenv("CITYHUB_PETITIONS_DIR", raising=False)
    systems = DepartmentSystems(small_city, tmp_path)
    with pytest.raises(RuntimeError, match="ingest failed"), sources_pointed_at(systems):
        assert "CITYHUB_PETITIONS_DIR" in os.environ
        raise RuntimeError("ingest failed")
    assert "CITYHUB_PETITIONS_DIR" not in os.environ
