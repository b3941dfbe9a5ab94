"""Daily file drops: CSV (often GBK) or XLSX files in a folder, one per day.

The watermark is the date of the last file read. A file already read is known by its checksum, not
by its date: a file dropped late, dated at or before the watermark, is still read, and a file
dropped again unchanged is not (`KnownFiles`, kept by the warehouse). Files dated before the hub
began keeping checksums were read by their date alone and are not looked at again.

A malformed line (wrong number of fields, bytes that don't decode) is kept as a row with
`_row_error` set, so it reaches quarantine instead of vanishing: nothing read from a file is lost.
A file that cannot be read as a whole (another encoding, another delimiter, cut short, empty, its
data on another sheet) stops the batch with a `BadFile` naming the file and the problem, before
anything is loaded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from connectors.spec import FileDropFetch, expand_variables
from ontology.errors import SourceError

ROW_ERROR = "_row_error"
#: Above this share of lines that don't decode, the file is in another encoding, not damaged.
_FOREIGN_ENCODING_SHARE = 0.2
_OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "bars"}
FILE_FIELD = "_file"
LINE_FIELD = "_line"
FILE_DATE_FIELD = "_file_date"
FILE_SHA256_FIELD = "_file_sha256"


@dataclass(frozen=True, slots=True)
class KnownFiles:
    """The files of a stream already read: their checksums, and the first date among them."""

    checksums: frozenset[str] = field(default_factory=frozenset)
    tracked_from: str = ""  # YYYYMMDD of the earliest file with a checksum kept; '' when none is

    def is_new(self, day: str, since_day: str, checksum: str) -> bool:
        """Return whether a file dated `day` (checksum `checksum`) is to be read after `since_day`."""
        if checksum in self.checksums:
            return False
        late = day <= since_day
        return not late or (bool(self.tracked_from) and day >= self.tracked_from)


class BadFile(SourceError):
    """A dropped file that cannot be read as a whole; the message names the file and the problem."""

    def __init__(self, source: str, path: Path, problem: str) -> None:
        super().__init__(f"{source} {path.name}: {problem}")
        self.file = path.name
        self.problem = problem


class FileDropReader:
    """Reads the files dropped after a watermark date, oldest first."""

    def __init__(
        self,
        source: str,
        fetch: FileDropFetch,
        variables: Mapping[str, str],
        record_id: str = "",
        known: KnownFiles | None = None,
    ) -> None:
        self.source = source
        self.known = known or KnownFiles()
        self.fetch = fetch
        self.record_id = record_id  # a sheet without it is the wrong sheet
        self.folder = Path(expand_variables(fetch.folder, variables))
        self._date = re.compile(fetch.date_regex)

    def close(self) -> None:
        """Nothing to release; present so every reader closes the same way."""

    def files_to_read(self, since: str) -> list[tuple[str, Path, str]]:
        """Return (YYYYMMDD, path, sha256) of the files not read yet: dated after `since` (an ISO
        date or ''), or dropped late (dated at or before it) with a checksum never seen; oldest first."""
        since_day = since[:10].replace("-", "")
        found = []
        for path in self.folder.glob(self.fetch.pattern):
            match = self._date.search(path.name)
            if not match or path.name.startswith("."):
                continue
            day = match.group(1)
            if day <= since_day and (not self.known.tracked_from or day < self.known.tracked_from):
                continue  # read by its date before checksums were kept: not hashed again
            checksum = hashlib.sha256(path.read_bytes()).hexdigest()
            if self.known.is_new(day, since_day, checksum):
                found.append((day, path, checksum))
        return sorted(found)

    def pages(self, since: str) -> Iterator[list[dict[str, Any]]]:
        """Yield each new file's rows (as strings), a file at a time."""
        for day, path, checksum in self.files_to_read(since):
            rows = self._read_xlsx(path) if path.suffix.lower() == ".xlsx" else self._read_csv(path)
            for row in rows:
                row[FILE_DATE_FIELD] = f"{day[:4]}-{day[4:6]}-{day[6:]}"
                row[FILE_SHA256_FIELD] = checksum
            yield rows

    def _read_csv(self, path: Path) -> list[dict[str, Any]]:
        raw = path.read_bytes()
        if not raw.strip():
            raise BadFile(self.source, path, f"is empty ({len(raw)} bytes)")
        self._check_encoding(path, raw)
        text = raw.decode(self.fetch.encoding, errors="replace")
        lines = list(csv.reader(io.StringIO(text)))
        header = [h.strip().lstrip("\ufeff") for h in lines[0]]
        self._check_delimiter(path, header)
        self._check_header(path, raw, header)
        if not raw.endswith((b"\n", b"\r")) and len(lines) > 1 and len(lines[-1]) < len(header):
            raise BadFile(
                self.source,
                path,
                f"truncated: line {len(lines)} has {len(lines[-1])} of {len(header)} fields and no line end",
            )
        return [
            self._row(header, values, path.name, number)
            for number, values in enumerate(lines[1:], start=2)
            if any(v.strip() for v in values)
        ]

    def _check_encoding(self, path: Path, raw: bytes) -> None:
        """Raise BadFile when the header or many lines don't decode: the file is in another encoding."""
        lines = raw.splitlines()
        failing = [n for n, line in enumerate(lines, start=1) if not _decodes(line, self.fetch.encoding)]
        if not failing or (failing[0] != 1 and len(failing) <= _FOREIGN_ENCODING_SHARE * len(lines)):
            return
        other = next((e for e in ("utf-8", "gb18030", "utf-16") if _decodes(raw, e)), None)
        reads_as = f"; it reads as {other}" if other and other != self.fetch.encoding else ""
        raise BadFile(
            self.source,
            path,
            f"is not {self.fetch.encoding} text{reads_as} ({len(failing)} of {len(lines)} lines "
            f"do not decode, the first at line {failing[0]})",
        )

    def _check_header(self, path: Path, raw: bytes, header: list[str]) -> None:
        """Raise BadFile when the header lacks the record ID column, naming another encoding that has it."""
        if not self.record_id or self.record_id in header:
            return
        for other in ("utf-8", "gb18030", "utf-16"):
            if other != self.fetch.encoding and _decodes(raw, other):
                if self.record_id in raw.decode(other).splitlines()[0]:
                    problem = f"is not {self.fetch.encoding} text; it reads as {other}"
                    raise BadFile(self.source, path, problem)
        raise BadFile(self.source, path, f"has no column {self.record_id!r} in its header")

    def _check_delimiter(self, path: Path, header: list[str]) -> None:
        """Raise BadFile when the header is one field holding another delimiter."""
        if len(header) != 1:
            return
        for delimiter, name in _OTHER_DELIMITERS.items():
            if delimiter in header[0]:
                raise BadFile(self.source, path, f"fields are separated by {name}, not commas")

    def _read_xlsx(self, path: Path) -> list[dict[str, Any]]:
        try:  # calamine (Rust) reads a day's workbook some fifteen times faster than openpyxl
            with CalamineWorkbook.from_path(str(path)) as workbook:
                sheets = list(workbook.sheet_names)
                cells = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False) if sheets else []
        except Exception as error:  # calamine raises many types for a broken workbook
            raise BadFile(self.source, path, f"is not a readable XLSX file ({error})") from error
        lines = [[_cell_text(v) for v in row] for row in cells]
        while lines and not any(lines[-1]):  # a sheet's trailing blank rows are not lines of data
            lines.pop()
        title = sheets[0] if sheets else ""
        if not lines:
            raise BadFile(self.source, path, f"sheet {title!r} is empty (sheets: {', '.join(sheets)})")
        header = [h.strip() for h in lines[0]]
        if self.record_id and self.record_id not in header:
            raise BadFile(
                self.source,
                path,
                f"sheet {title!r} has no column {self.record_id!r} (sheets: {', '.join(sheets)})",
            )
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


def _cell_text(value: Any) -> str:
    """Return a cell as text, as a clerk reads it: a whole number without `.0`, a blank as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
