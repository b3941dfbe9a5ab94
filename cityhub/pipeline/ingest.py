"""Ingest one source: pull the increment, land it in the lake, map it to canonical records, pass
it through the quality gate, load the warehouse, and only then advance the watermark.

Per stream and batch: extracted = accepted + quarantined (raw rows), checked before anything is
committed. A record whose canonical rows fail any check is quarantined whole, with every reason.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from cityhub.lake import Lake, batch_id_for
from cityhub.pipeline.heap import batch_collections
from cityhub.pipeline.readers import observed_columns, open_reader
from cityhub.warehouse import Warehouse
from cityhub.warehouse.loader import BulkLoad
from connectors.file_drop import (
    FILE_DATE_FIELD,
    FILE_FIELD,
    FILE_SHA256_FIELD,
    LINE_FIELD,
    ROW_ERROR,
    KnownFiles,
)
from connectors.mapping import RAW_ID, UPDATED_AT, CanonicalBatch, map_stream, stream_frame
from connectors.prefetch import prefetched
from connectors.spec import FileDropFetch, SourceSpec, Stream
from ontology import load_ontology
from ontology.errors import QualityError
from quality.batch_checks import check_columns, check_freshness, check_volume
from quality.gate import GateReport, check_batch

_CANONICAL = {"events": "EventRecord", "persons": "PersonMention", "places": "PlaceMention"}


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the mapping and the quality gate made of a batch's raw rows."""

    canonical: CanonicalBatch
    reasons: dict[int, list[str]]  # by raw row position: why the row is quarantined
    structural: set[int]  # rows no mapping fix can cure: malformed lines, bad record IDs
    reports: list[GateReport]


@dataclass(frozen=True, slots=True)
class StreamResult:
    """What one stream's run did (zeros when there was nothing new)."""

    source: str
    stream: str
    batch_id: str
    extracted: int
    accepted: int
    quarantined: int
    watermark: str
    warnings: tuple[str, ...] = ()  # batch-level checks that failed (volume, freshness)
    reports: tuple[GateReport, ...] = field(default=(), repr=False)  # for Data Docs


def lake_source(spec: SourceSpec, stream: Stream) -> str:
    """Return the name a stream's batches go under: the source, or source.stream when it has several."""
    return spec.source if len(spec.streams) == 1 else f"{spec.source}.{stream.name}"


def _since(warehouse: Warehouse, key: str, stream: Stream) -> tuple[str, str]:
    """Return (watermark, the point to read from): behind the watermark by the lookback window."""
    mark = warehouse.watermark(key) or ""
    if not mark or isinstance(stream.fetch, FileDropFetch):
        return mark, mark
    start = dt.datetime.fromisoformat(mark) - dt.timedelta(seconds=stream.lookback_seconds)
    return mark, start.isoformat(timespec="seconds")


def _watermark_to(stream: Stream, rows: list[dict[str, Any]], frame: pd.DataFrame, mark: str) -> str:
    if isinstance(stream.fetch, FileDropFetch):
        return max([mark] + [str(r[FILE_DATE_FIELD]) for r in rows])
    stamps = pd.to_datetime(frame[UPDATED_AT].astype(str), errors="coerce").dropna()
    newest = stamps.max().isoformat(timespec="seconds") if len(stamps) else mark
    return max(mark, newest)


def _raw_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Return raw rows as Arrow; values are kept as the source sent them (JSON for nested ones)."""
    try:
        return pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.Table.from_pylist(
            [
                {
                    k: json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (dict, list)) else v
                    for k, v in r.items()
                }
                for r in rows
            ]
        )


def _gate(
    spec: SourceSpec, canonical: CanonicalBatch, now: dt.datetime, reports: list[GateReport]
) -> dict[int, list[str]]:
    """Return the reasons, by raw row position, that the quality gate and the mapping found."""
    reasons: dict[int, list[str]] = defaultdict(list)
    for raw_id, problems in canonical.problems.items():
        reasons[raw_id].extend(problems)
    for attribute, record_type in _CANONICAL.items():
        frame: pd.DataFrame = getattr(canonical, attribute)
        if frame.empty:
            continue
        rules = spec.quality.get(record_type, {})
        result = check_batch(spec.source, record_type, frame, rules, now)
        reports.append(result.report)
        for row in result.quarantined.to_dict("records"):
            reasons[int(row[RAW_ID])].append(str(row["reasons"]))
    return reasons


def _quarantine_rows(
    source: str,
    batch_id: str,
    rows: list[dict[str, Any]],
    stream: Stream,
    judgement: Judgement,
) -> list[dict[str, Any]]:
    """Return the quarantine entries of the raw rows that have reasons, the raw row kept whole
    (the warehouse masks and seals it)."""
    return [
        {
            "source": source,
            "batch_id": batch_id,
            "row_number": position,
            "record_id": str(rows[position].get(stream.record_id) or ""),
            "reasons": "; ".join(dict.fromkeys(judgement.reasons[position])),
            # the checksum is the hub's, not the source's: its hex digits could read as a number
            "raw": {k: v for k, v in rows[position].items() if k != FILE_SHA256_FIELD},
            "replayable": position not in judgement.structural,
        }
        for position in sorted(judgement.reasons)
    ]


def _by_file(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Return a file drop's rows grouped by the file they came from (nothing for other readers)."""
    files: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get(FILE_FIELD):
            files[str(row[FILE_FIELD])].append(row)
    return dict(files)


def _record_id_problems(source: str, stream: Stream, rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """Return (row position, reason) for rows without a record ID and for a record ID that one
    dropped file holds twice (loaded, the second line would overwrite the first).

    An API or database may serve one record twice (a page re-read), and a later day's file may
    carry a record again with its new status: `_accepted` keeps the newest of those. Two lines of
    one file with one ID are two different records.
    """
    record_ids = [str(row.get(stream.record_id) or "").strip() for row in rows]
    if not isinstance(stream.fetch, FileDropFetch):  # no files: only empty IDs to find
        empty = f"empty record ID ({stream.record_id})"
        return [(n, f"{source} row {n}: {empty}") for n, record_id in enumerate(record_ids) if not record_id]
    problems: list[tuple[int, str]] = []
    seen: dict[tuple[Any, str], str] = {}
    for position, (row, record_id) in enumerate(zip(rows, record_ids, strict=True)):
        where = f"{row.get(FILE_FIELD)} line {row.get(LINE_FIELD)}"
        if not record_id:
            problems.append((position, f"{source} {where}: empty record ID ({stream.record_id})"))
        elif (row.get(FILE_FIELD), record_id) in seen:
            first = seen[(row.get(FILE_FIELD), record_id)]
            problems.append((position, f"{source} {where}: record ID {record_id} already on {first}"))
        else:
            seen[(row.get(FILE_FIELD), record_id)] = where
    return problems


def _accepted(frame: pd.DataFrame, rejected: set[int], key: list[str]) -> pd.DataFrame:
    """Return the rows to load: not rejected, and one row per key (the newest), since a page
    served twice or a lookback re-read brings the same record more than once."""
    if frame.empty:
        return frame
    kept = frame[~frame[RAW_ID].isin(rejected)].drop(columns=[RAW_ID])
    kept = kept.sort_values("updated_at", kind="stable")
    return kept.drop_duplicates(subset=key, keep="last")


def judge_rows(
    spec: SourceSpec,
    stream: Stream,
    rows: list[dict[str, Any]],
    batch_id: str,
    now: dt.datetime,
    frame: pd.DataFrame | None = None,
) -> Judgement:
    """Return the canonical records of raw rows and the reasons, by row position, to quarantine
    (`frame`: the rows' `stream_frame`, when the caller has it already)."""
    frame = stream_frame(rows, stream) if frame is None else frame
    malformed = frame[ROW_ERROR].notna() if ROW_ERROR in frame else pd.Series(False, index=frame.index)
    canonical = map_stream(spec, stream, frame[~malformed], batch_id)
    reports: list[GateReport] = []
    reasons = _gate(spec, canonical, now, reports)
    structural: set[int] = set()
    for position in frame.index[malformed]:
        reasons[int(position)].append(f"{spec.source} {frame.at[position, ROW_ERROR]!s}")
        structural.add(int(position))
    for position, problem in _record_id_problems(spec.source, stream, rows):
        reasons[position].append(problem)
        structural.add(position)
    return Judgement(canonical, reasons, structural, reports)


def load_accepted(warehouse: Warehouse, judgement: Judgement) -> None:
    """Upsert the canonical records of the rows the judgement did not reject, in one transaction."""
    with warehouse.bulk_load() as load:
        queue_accepted(load, judgement)


def queue_accepted(load: BulkLoad, judgement: Judgement) -> None:
    """Queue on `load` the upserts of the canonical records of the rows the judgement did not reject."""
    rejected = set(judgement.reasons)
    for attribute, record_type in _CANONICAL.items():
        record_key = list(load_ontology().records[record_type].key)
        frame = getattr(judgement.canonical, attribute)
        load.upsert(record_type, _accepted(frame, rejected, record_key))


def _pull(
    spec: SourceSpec,
    stream: Stream,
    since: str,
    variables: Mapping[str, str],
    on_page: Callable[[int], None] | None,
    known: KnownFiles | None = None,
) -> list[dict[str, Any]]:
    """Return the stream's raw rows since `since`, its columns checked (per file for file drops,
    `known` naming the files already read)."""
    reader = open_reader(spec.source, stream, variables, known)
    rows: list[dict[str, Any]] = []
    try:
        for page in prefetched(reader.pages(since)):
            rows.extend(page)
            if on_page:
                on_page(len(rows))
        check_columns(spec.source, stream.columns, observed_columns(reader, rows))
        for file_name, file_rows in _by_file(rows).items():  # a column renamed in one file of many
            check_columns(f"{spec.source} {file_name}", stream.columns, observed_columns(reader, file_rows))
    finally:
        reader.close()
    return rows


def ingest_stream(
    spec: SourceSpec,
    stream: Stream,
    warehouse: Warehouse,
    lake: Lake,
    now: dt.datetime,
    variables: Mapping[str, str],
    on_page: Callable[[int], None] | None = None,
) -> StreamResult:
    """Return what ingesting one stream's increment did; the watermark moves only at the end.

    `variables` fill the source definition's `${NAME}` references (URLs, credentials, folders);
    `on_page` is told the number of rows pulled so far after each page.
    """
    with batch_collections():
        return _ingest_stream(spec, stream, warehouse, lake, now, variables, on_page)


def _ingest_stream(
    spec: SourceSpec,
    stream: Stream,
    warehouse: Warehouse,
    lake: Lake,
    now: dt.datetime,
    variables: Mapping[str, str],
    on_page: Callable[[int], None] | None,
) -> StreamResult:
    key = lake_source(spec, stream)
    mark, since = _since(warehouse, key, stream)
    known = warehouse.known_files(key) if isinstance(stream.fetch, FileDropFetch) else None
    rows = _pull(spec, stream, since, variables, on_page, known)
    if not rows:
        return StreamResult(spec.source, stream.name, "", 0, 0, 0, mark)
    frame = stream_frame(rows, stream)
    watermark_to = _watermark_to(stream, rows, frame, mark)
    batch_id = batch_id_for(key, mark, watermark_to)  # what the lake names the batch
    judgement = judge_rows(spec, stream, rows, batch_id, now, frame)
    quarantined = _quarantine_rows(spec.source, batch_id, rows, stream, judgement)
    accepted = len(rows) - len(quarantined)
    # The writer loads the warehouse while this thread lands the raw batch in the lake; the counts
    # are reconciled against the landed batch before the load commits, and nothing commits if not.
    with warehouse.bulk_load() as load:
        queue_accepted(load, judgement)
        extracted_at = now.isoformat(timespec="seconds")
        manifest = lake.write_batch(key, _raw_table(rows), mark, watermark_to, extracted_at)
        if accepted + len(quarantined) != manifest.row_count:
            raise QualityError(
                f"{key} batch {manifest.batch_id}: {manifest.row_count} extracted but "
                f"{accepted} accepted + {len(quarantined)} quarantined"
            )
    warehouse.quarantine_rows(quarantined)
    warnings = _batch_warnings(stream, warehouse, key, frame, now)
    warehouse.record_batch(manifest, accepted=accepted, quarantined=len(quarantined), files=_files_read(rows))
    return StreamResult(
        spec.source,
        stream.name,
        manifest.batch_id,
        manifest.row_count,
        accepted,
        len(quarantined),
        manifest.watermark_to,
        warnings,
        tuple(judgement.reports),
    )


def _files_read(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Return (sha256, file name, YYYYMMDD) of each dropped file the rows came from (none for APIs)."""
    files = {
        (str(r[FILE_SHA256_FIELD]), str(r[FILE_FIELD]), str(r[FILE_DATE_FIELD]).replace("-", ""))
        for r in rows
        if r.get(FILE_SHA256_FIELD)
    }
    return sorted(files)


def _batch_warnings(
    stream: Stream, warehouse: Warehouse, key: str, frame: pd.DataFrame, now: dt.datetime
) -> tuple[str, ...]:
    """Return the messages of the batch-level checks that failed: volume against the source's
    recent batches, and freshness when the stream declares how old its newest record may be."""
    checks = [check_volume(len(frame), warehouse.recent_batch_sizes(key))]
    if stream.max_age_hours is not None:
        newest = pd.to_datetime(frame[UPDATED_AT].astype(str), errors="coerce").max()
        checks.append(
            check_freshness(
                None if pd.isna(newest) else newest.to_pydatetime(),
                now,
                dt.timedelta(hours=stream.max_age_hours),
            )
        )
    return tuple(f"{key}: {c.message}" for c in checks if not c.ok)


def ingest_source(
    spec: SourceSpec,
    warehouse: Warehouse,
    lake: Lake,
    now: dt.datetime | None = None,
    *,
    variables: Mapping[str, str],
) -> list[StreamResult]:
    """Return one result per stream of the source (`${NAME}` references read from `variables`)."""
    moment = now or dt.datetime.now().replace(microsecond=0)
    return [ingest_stream(spec, stream, warehouse, lake, moment, variables) for stream in spec.streams]
