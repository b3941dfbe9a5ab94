"""Daily file drops: CSV (often GBK) or XLSX files in a folder, one per day.

The watermark is the date of the last file read. A malformed line (wrong number of fields, bytes
that don't decode) is kept as a row with `_row_error` set, so it reaches quarantine instead of
vanishing: nothing read from a file is lost.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from connectors.spec import FileDropFetch, expand_variables
from ontology.errors import SourceError

ROW_ERROR = "_row_error"
FILE_FIELD = "_file"
LINE_FIELD = "_line"


class FileDropReader:
    """Reads the files dropped after a watermark date, oldest first."""

    def __init__(self, source: str, fetch: FileDropFetch, variables: Mapping[str, str]) -> None:
        self.source = source
        self.fetch = fetch
        self.folder = Path(expand_variables(fetch.folder, variables))
        self._date = re.compile(fetch.date_regex)

    def close(self) -> None:
        """Nothing to release; present so every reader closes the same way."""

    def files_after(self, since: str) -> list[tuple[str, Path]]:
        """Return (YYYYMMDD, path) of the files dated after `since` (an ISO date or '')."""
        since_day = since[:10].replace("-", "")
        found = []
        for path in self.folder.glob(self.fetch.pattern):
            match = self._date.search(path.name)
            if match and match.group(1) > since_day and not path.name.startswith("."):
                found.append((match.group(1), path))
        return sorted(found)

    def pages(self, since: str) -> Iterator[list[dict[str, Any]]]:
        """Yield each new file's rows (as strings), a file at a time."""
        for day, path in self.files_after(since):
            rows = self._read_xlsx(path) if path.suffix.lower() == ".xlsx" else self._read_csv(path)
            for row in rows:
                row["_file_date"] = f"{day[:4]}-{day[4:6]}-{day[6:]}"
            yield rows

    def _read_csv(self, path: Path) -> list[dict[str, Any]]:
        raw = path.read_bytes()
        text = raw.decode(self.fetch.encoding, errors="replace")
        lines = list(csv.reader(io.StringIO(text)))
        if not lines:
            return []
        header = [h.strip().lstrip("\ufeff") for h in lines[0]]
        return [
            self._row(header, values, path.name, number)
            for number, values in enumerate(lines[1:], start=2)
            if any(v.strip() for v in values)
        ]

    def _read_xlsx(self, path: Path) -> list[dict[str, Any]]:
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a broken workbook
            raise SourceError(f"{self.source}: {path.name} is not a readable XLSX file: {error}") from error
        sheet = workbook.worksheets[0]
        lines = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        if not lines:
            return []
        header = [h.strip() for h in lines[0]]
        return [
            self._row(header, values, path.name, number)
            for number, values in enumerate(lines[1:], start=2)
            if any(v.strip() for v in values)
        ]

    def _row(self, header: list[str], values: list[str], file_name: str, line: int) -> dict[str, Any]:
        row: dict[str, Any] = {FILE_FIELD: file_name, LINE_FIELD: line, ROW_ERROR: None}
        if len(values) != len(header):
            row[ROW_ERROR] = f"{file_name} line {line}: {len(values)} fields, expected {len(header)}"
        if any("\ufffd" in v for v in values):
            row[ROW_ERROR] = f"{file_name} line {line}: bytes that are not {self.fetch.encoding}"
        for name, value in zip(header, values, strict=False):
            row[name] = value.strip()
        for name in header[len(values) :]:
            row[name] = None
        return row
