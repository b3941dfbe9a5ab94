"""The petitions office: one file a day dropped into a folder, CSV in GBK or XLSX in turn.

`信访登记_YYYYMMDD.csv|xlsx` holds the versions updated that day, with Chinese headers and an
`更新时间` column; a day's file is dropped once the day is over. Files are written under a
hidden temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from simulators.services.faults import FaultPlan
from simulators.services.history import ChannelHistory

UPDATED_HEADER = "更新时间"
PREFIX = "信访登记_"


def file_format(day: dt.date) -> str:
    """Return the format the office uses on a day: CSV on even ordinals, XLSX on odd ones."""
    return "csv" if day.toordinal() % 2 == 0 else "xlsx"


class PetitionDrops:
    """The drop folder, kept in step with the simulated clock."""

    def __init__(self, folder: Path, history: ChannelHistory, faults: FaultPlan | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.history = history
        self.faults = faults or FaultPlan()

    def path_for(self, day: dt.date) -> Path:
        return self.folder / f"{PREFIX}{day:%Y%m%d}.{file_format(day)}"

    def sync_to(self, clock: dt.datetime) -> list[Path]:
        """Return the files written: one for every finished day up to `clock` not yet dropped."""
        frame = self.history.frame
        days = frame["_visible_at"].dt.date
        last_full_day = (clock - dt.timedelta(days=1)).date()
        written = []
        for day in sorted(set(days[days <= last_full_day])):
            path = self.path_for(day)
            if path.exists():
                continue
            day_versions = frame[days == day].drop_duplicates(subset=[self.history.id_column], keep="last")
            self._write(path, _table(day_versions))
            written.append(path)
        return written

    def _write(self, path: Path, table: pd.DataFrame) -> None:
        staging = path.with_name(f".{path.name}.tmp")
        if path.suffix == ".csv":
            staging.write_bytes(self._csv(table).encode("gbk"))
        else:
            book = Workbook()
            sheet = book.active
            sheet.append(list(table.columns))
            for row in table.itertuples(index=False):
                sheet.append(list(row))
            book.save(staging)
        os.replace(staging, path)

    def _csv(self, table: pd.DataFrame) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(table.columns)
        writer.writerows(table.itertuples(index=False))
        for n in range(self.faults.malformed_file_rows):
            writer.writerow([f"XF-BROKEN-{n}", "字段缺失"])
        return buffer.getvalue()


def _table(versions: pd.DataFrame) -> pd.DataFrame:
    """Return a day's versions as the office exports them (payload columns plus 更新时间)."""
    payload = [
        c for c in versions.columns if c not in ("version", "updated_at", "deleted") and not c.startswith("_")
    ]
    table = versions[payload].copy()
    table[UPDATED_HEADER] = versions["updated_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return table.fillna("")
