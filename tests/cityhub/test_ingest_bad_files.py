"""Every bad file dropped in the petitions folder ends in one line naming the file and the problem,
and nothing of its batch is loaded: no records, no quarantine, no batch, no lake batch, the
watermark where it was."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from cityhub.lake import Lake
from cityhub.pipeline.ingest import ingest_source
from cityhub.warehouse import Warehouse
from connectors.file_drop import BadFile
from connectors.spec import load_sources
from simulators.services.runner import DepartmentSystems


@pytest.fixture()
def drops(small_city, tmp_path):
    systems = DepartmentSystems(small_city, tmp_path / "systems")
    systems.__enter__()
    warehouse = Warehouse(f"sqlite:///{tmp_path}/warehouse.sqlite", quarantine_key=tmp_path / "q.key")
    warehouse.create_all()
    yield systems, warehouse, Lake(tmp_path / "lake")
    systems.__exit__(None, None, None)


def newest_csv(systems) -> Path:
    return sorted(systems.petitions_dir.glob("信访登记_*.csv"))[-1]


def utf8_instead_of_gbk(path: Path) -> str:
    path.write_bytes(path.read_bytes().decode("gbk").encode("utf-8"))
    return "is not gbk text; it reads as utf-8"


def semicolons(path: Path) -> str:
    path.write_bytes(path.read_bytes().replace(b",", b";"))
    return "fields are separated by semicolons, not commas"


def cut_short(path: Path) -> str:
    data = path.read_bytes().rstrip(b"\r\n")
    last_line = data.rsplit(b"\n", 1)[1]
    kept = last_line.decode("gbk")[: len(last_line.decode("gbk")) // 2].encode(
        "gbk"
    )  # cut between characters
    path.write_bytes(data[: len(data) - len(last_line) + len(kept)])
    return "truncated: line"


def empty(path: Path) -> str:
    path.write_bytes(b"")
    return "is empty (0 bytes)"


def _gbk_rows(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_bytes().decode("gbk").splitlines()]


def cover_sheet_first(path: Path) -> str:
    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["信访登记表，导出自信访系统"])
    data = workbook.create_sheet("登记")
    for row in _gbk_rows(path):
        data.append(row)
    path.unlink()
    workbook.save(path.with_suffix(".xlsx"))
    return "sheet '说明' has no column '信访件编号' (sheets: 说明, 登记)"


def broken_xlsx(path: Path) -> str:
    path.unlink()
    path.with_suffix(".xlsx").write_bytes(b"PK\x03\x04 cut off in transfer")
    return "is not a readable XLSX file"


CASES = [utf8_instead_of_gbk, semicolons, cut_short, empty, cover_sheet_first, broken_xlsx]


@pytest.mark.parametrize("spoil", CASES, ids=[case.__name__ for case in CASES])
def test_a_bad_file_stops_the_batch_in_one_line_naming_it_and_loads_nothing(drops, spoil):
    systems, warehouse, lake = drops
    target = newest_csv(systems)
    problem = spoil(target)
    with pytest.raises(BadFile) as raised:
        ingest_source(load_sources()["petitions"], warehouse, lake, variables=systems.environment())
    message = str(raised.value)
    assert "\n" not in message
    assert target.stem in message and raised.value.file.startswith(target.stem)
    assert problem in message, message
    assert warehouse.watermark("petitions") is None
    assert {t: warehouse.count(t) for t in ("EventRecord", "PersonMention", "quarantine", "batches")} == {
        "EventRecord": 0,
        "PersonMention": 0,
        "quarantine": 0,
        "batches": 0,
    }
    assert lake.list_batches("petitions") == []


def test_a_utf8_file_in_the_gbk_folder_ends_the_command_in_one_line(drops, tmp_path):
    systems, _, _ = drops
    target = newest_csv(systems)
    utf8_instead_of_gbk(target)
    env = {**os.environ, **systems.environment(), "CITYHUB_HOME": str(tmp_path / "home")}
    for name in ("CITYHUB_WAREHOUSE_URL", "CITYHUB_LAKE_DIR", "CITYHUB_SOURCES_DIR"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "cityhub.cli", "ingest", "petitions"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "KeyError" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith(
        f"error: petitions/registrations {target.name}: is not gbk text; it reads as utf-8"
    )
