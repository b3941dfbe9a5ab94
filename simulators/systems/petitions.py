"""The letters-and-visits office: one file dropped into a folder per day, CSV (GBK) or XLSX in turn.

    信访登记_20261119.csv    GBK, CRLF, header row, all values text
    信访登记_20261120.xlsx   first sheet 信访登记, header row, all values text

Columns: the office's own fields (信访件编号, 登记日期, 信访人, 性别, 身份证号码, 出生日期, 联系电话,
住址, 问题发生地, 信访形式, 问题分类, 诉求内容, 办理状态, 记录状态) and 更新时间
(YYYY-MM-DD HH:MM:SS). Each version lands in the file of the day it became visible (its
updated_at day, unless it came late), so a record edited twice appears in two rows or files; a
deleted record arrives as a row with 记录状态 = 已删除. CSV on even day ordinals, XLSX on odd.

A day's file is dropped once the day is over, even when nothing happened that day, so a reader
can tell an empty day from a missing file. Files are written under a hidden name (.信访登记_...)
and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators.systems.faults import FaultPlan
from simulators.systems.history import CityChannels, history_start, moment_of, seconds
from simulators.systems.xlsx import write_xlsx

PREFIX = "信访登记_"
UPDATED_HEADER = "更新时间"
SPLIT_FIELD = "诉求内容"  # the free-text field a careless export splits at a comma
DAY = 86_400


def file_format(day: dt.date) -> str:
    """Return the format the office uses on a day: 'csv' on even ordinals, 'xlsx' on odd ones."""
    return "csv" if day.toordinal() % 2 == 0 else "xlsx"


def drop_name(day: dt.date) -> str:
    """Return the file name of a day's drop, e.g. 信访登记_20261119.csv."""
    return f"{PREFIX}{day:%Y%m%d}.{file_format(day)}"


class PetitionDrops:
    """The drop folder of one city, filled up to the simulated clock on demand."""

    def __init__(self, folder: Path, city: Path | CityChannels, faults: FaultPlan | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        channels = city if isinstance(city, CityChannels) else CityChannels(Path(city), faults)
        self.faults = faults or channels.faults
        self.history = channels["petitions"]
        self.first_day = history_start(channels.city_dir)
        order = np.lexsort((self.history.versions, self.history.codes, self.history.visible))
        self._order = order
        self._days = self.history.visible[order] // DAY  # naive local times: a day is 86,400 s

    def path_for(self, day: dt.date) -> Path:
        """Return where the file of `day` is dropped."""
        return self.folder / drop_name(day)

    def sync_to(self, as_of: dt.datetime) -> list[Path]:
        """Return the files written: one per finished day up to `as_of` that has no file yet."""
        written = []
        last_day = moment_of(seconds(as_of) - DAY).date()  # the last day that is over at `as_of`
        day = self.first_day
        while day <= last_day:
            path = self.path_for(day)
            if not path.exists():
                self._drop(path, day)
                written.append(path)
            day += dt.timedelta(days=1)
        return written

    def rows_of(self, day: dt.date) -> list[list[str]]:
        """Return the data rows of `day`'s file (header excluded), in the order they are written."""
        epoch_day = seconds(day) // DAY
        lo, hi = np.searchsorted(self._days, [epoch_day, epoch_day + 1])
        table = self.history.table.take(self._order[lo:hi])
        stamps = pc.strftime(table.column("updated_at").cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
        columns = [table.column(name).to_pylist() for name in self.history.payload_columns]
        columns.append(stamps.to_pylist())
        return [["" if value is None else str(value) for value in row] for row in zip(*columns, strict=True)]

    def header(self) -> list[str]:
        """Return the column headers of every file."""
        return [*self.history.payload_columns, UPDATED_HEADER]

    def _drop(self, path: Path, day: dt.date) -> None:
        rows = self.rows_of(day)
        broken = self.faults.malformed_row(day)
        if broken is not None:
            rows = self._break_row(rows, broken, day)
        staging = path.with_name(f".{path.name}.part")
        if path.suffix == ".csv":
            # a GBK export cannot hold a character outside GBK: it writes '?' instead, as real ones do
            staging.write_bytes(_csv_text([self.header(), *rows]).encode("gbk", errors="replace"))
        else:
            write_xlsx(staging, [self.header(), *rows], sheet_name="信访登记")
        os.replace(staging, path)  # atomic on one filesystem: the file appears whole or not at all

    def _break_row(self, rows: list[list[str]], row: int, day: dt.date) -> list[list[str]]:
        """Return the rows with data row `row` split into one field too many (or a stray line)."""
        if row > len(rows):  # nothing to split that day: the export writes a stray short line
            self.faults.record_file_fault(day, len(rows) + 1, "")
            return [*rows, ["", "字段缺失"]]
        at = self.header().index(SPLIT_FIELD)
        values = rows[row - 1]
        text = values[at]
        cut = max(1, len(text) // 2)
        rows = list(rows)
        rows[row - 1] = [*values[:at], text[:cut], text[cut:], *values[at + 1:]]
        self.faults.record_file_fault(day, row, values[0])
        return rows


def _csv_text(lines: list[list[str]]) -> str:
    """Return lines as CSV text, CRLF-terminated as the office's Windows export writes them."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(lines)
    return buffer.getvalue()

