import csv
import datetime as dt
import io

import pandas as pd
from openpyxl import load_workbook

from simulators.services.faults import FaultPlan
from simulators.services.history import ChannelHistory
from simulators.services.petition_drops import PetitionDrops
from simulators.services.runner import history_end

from .helpers import expected_at


def read_drop(path) -> list[dict]:
    if path.suffix == ".csv":
        return list(csv.DictReader(io.StringIO(path.read_bytes().decode("gbk"))))
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_daily_files_in_gbk_csv_and_xlsx_hold_the_city(small_city, tmp_path):
    drops = PetitionDrops(
        tmp_path, ChannelHistory.read(small_city / "channels/petitions.parquet", "信访件编号")
    )
    clock = history_end(small_city)
    written = drops.sync_to(clock - dt.timedelta(days=1))
    assert {p.suffix for p in written} == {".csv", ".xlsx"}
    latest: dict[str, dict] = {}
    for path in sorted(written + drops.sync_to(clock), key=lambda p: p.name):
        for row in read_drop(path):
            latest[row["信访件编号"]] = row
    expected = expected_at(small_city, "petitions", "信访件编号", clock)
    assert set(latest) == set(expected.index)
    for number, row in latest.items():
        assert row["办理状态"] == expected.at[number, "办理状态"]
        assert row["更新时间"] == pd.Timestamp(expected.at[number, "updated_at"]).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
    assert drops.sync_to(clock) == []  # nothing is dropped twice
    assert not list(tmp_path.glob(".*"))  # no half-written file left


def test_malformed_lines_are_added_on_request(small_city, tmp_path):
    history = ChannelHistory.read(small_city / "channels/petitions.parquet", "信访件编号")
    drops = PetitionDrops(tmp_path, history, FaultPlan(malformed_file_rows=1))
    csv_files = [p for p in drops.sync_to(history_end(small_city)) if p.suffix == ".csv"]
    lines = list(csv.reader(io.StringIO(csv_files[0].read_bytes().decode("gbk"))))
    assert [len(line) for line in lines].count(2) == 1 and len(lines[0]) > 2
