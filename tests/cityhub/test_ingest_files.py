"""Dropped files checked one by one: a column renamed in one file of many, and record IDs that are
empty or repeated within a file, which would otherwise load as NULLs or overwrite each other."""

import pytest

from cityhub.lake import Lake
from cityhub.pipeline.ingest import ingest_source
from cityhub.warehouse import Warehouse
from connectors.spec import load_sources
from ontology.errors import SchemaDrift
from simulators.services.runner import DepartmentSystems

ID = "信访件编号"


@pytest.fixture()
def drops(small_city, tmp_path, monkeypatch):
    systems = DepartmentSystems(small_city, tmp_path / "systems")
    systems.__enter__()
    for name, value in systems.environment().items():
        monkeypatch.setenv(name, value)
    warehouse = Warehouse(f"sqlite:///{tmp_path}/warehouse.sqlite", quarantine_key=tmp_path / "q.key")
    warehouse.create_all()
    yield systems, warehouse, Lake(tmp_path / "lake")
    systems.__exit__(None, None, None)


def _csv_files(systems):
    files = sorted(systems.petitions_dir.glob("信访登记_*.csv"))
    assert len(files) >= 2, "the drop folder has several CSV files"
    return files


def _ingest(systems, warehouse, lake):
    return ingest_source(load_sources()["petitions"], warehouse, lake, variables=systems.environment())


def test_a_column_renamed_in_one_file_of_many_stops_the_batch_naming_the_file(drops):
    systems, warehouse, lake = drops
    target = _csv_files(systems)[-1]
    text = target.read_bytes().decode("gbk")
    header, rest = text.split("\n", 1)
    renamed = header.replace("信访人", "来访人", 1)
    assert renamed != header
    target.write_bytes((renamed + "\n" + rest).encode("gbk"))
    with pytest.raises(SchemaDrift, match=target.name):
        _ingest(systems, warehouse, lake)
    assert warehouse.count("EventRecord") == 0


def test_empty_and_repeated_record_ids_in_a_file_are_quarantined(drops):
    systems, warehouse, lake = drops
    target = max(_csv_files(systems), key=lambda path: len(path.read_bytes().splitlines()))
    lines = target.read_bytes().decode("gbk").splitlines()
    column = lines[0].split(",").index(ID)
    assert len(lines) >= 3
    blank = lines[1].split(",")
    blank[column] = ""
    lines[1] = ",".join(blank)
    lines.append(lines[2])  # the same record ID twice in one file
    target.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    _ingest(systems, warehouse, lake)
    reasons = " | ".join(warehouse.read_table("quarantine")["reasons"])
    assert "empty record ID" in reasons and f"line {len(lines)}" in reasons and "already on" in reasons
    stored = warehouse.read_table("EventRecord")
    assert not (stored["record_id"].fillna("") == "").any()
