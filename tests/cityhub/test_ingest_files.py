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


def test_a_file_dropped_late_is_read_and_a_file_dropped_again_unchanged_is_not(drops):
    systems, warehouse, lake = drops
    files = _csv_files(systems)
    late = files[0]
    held_back = late.read_bytes()
    late.unlink()  # the office drops it only after later days were read
    _ingest(systems, warehouse, lake)
    assert late.name not in set(warehouse.read_table("source_files")["file_name"])

    late.write_bytes(held_back)  # dated before the watermark now
    (result,) = _ingest(systems, warehouse, lake)
    after = set(warehouse.read_table("EventRecord")["record_id"])
    assert result.extracted == len(_records_of_bytes(held_back)) > 0  # that file, and only it
    assert _records_of_bytes(held_back) <= after
    dropped = {path.name for path in systems.petitions_dir.glob("信访登记_*.*")}
    assert set(warehouse.read_table("source_files")["file_name"]) == dropped

    copy = late.with_name(late.name.replace(".csv", "_重报.csv"))
    copy.write_bytes(held_back)  # the same file under another name: known by its checksum
    (again,) = _ingest(systems, warehouse, lake)
    assert again.extracted == 0 and set(warehouse.read_table("EventRecord")["record_id"]) == after


def _records_of_bytes(data):
    lines = data.decode("gbk").splitlines()
    column = lines[0].split(",").index(ID)
    return {line.split(",")[column] for line in lines[1:] if line.strip()} - {""}
