"""Ingest run files: what one stream's ingest run did, with its gate reports, as JSON in the lake.

The daily quality report and its Data Docs are built from these files, so they hold what the gate
saw (verdicts, counts) without the per-row lists Great Expectations can add.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cityhub.pipeline.ingest import StreamResult
    from quality.gate import GateReport

__all__ = ["result_from_json", "result_to_json", "write_json"]

_BULKY_RESULT_KEYS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON whole or not at all, so a task killed mid-write leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    staging.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), "utf-8")
    os.replace(staging, path)


def result_to_json(result: StreamResult, key: str, loaded_at: dt.datetime) -> dict[str, Any]:
    """Return a stream's run as the JSON its run file holds (gate reports without per-row lists)."""
    return {
        "key": key,
        "source": result.source,
        "stream": result.stream,
        "batch_id": result.batch_id,
        "loaded_at": loaded_at.isoformat(timespec="seconds"),
        "extracted": result.extracted,
        "accepted": result.accepted,
        "quarantined": result.quarantined,
        "watermark": result.watermark,
        "warnings": list(result.warnings),
        "reports": [_report_to_json(report) for report in result.reports],
    }


def result_from_json(run: dict[str, Any]) -> StreamResult:
    """Return the stream result a run file holds, its gate reports rebuilt."""
    from cityhub.pipeline.ingest import StreamResult

    return StreamResult(
        run["source"],
        run["stream"],
        run["batch_id"],
        run["extracted"],
        run["accepted"],
        run["quarantined"],
        run["watermark"],
        tuple(run["warnings"]),
        tuple(_report_from_json(report) for report in run["reports"]),
    )


def _report_to_json(report: GateReport) -> dict[str, Any]:
    validation: dict[str, Any] = report.validation.to_json_dict()  # type: ignore[no-untyped-call]
    for result in validation.get("results", []):
        _drop_keys(result.get("result") or {}, _BULKY_RESULT_KEYS)
    return {
        "source": report.source,
        "record_type": report.record_type,
        "suite_name": report.suite_name,
        "batch_id": report.batch_id,
        "checked_at": report.checked_at.isoformat(),
        "extracted": report.extracted,
        "accepted": report.accepted,
        "quarantined": report.quarantined,
        "success": report.success,
        "outcomes": [_outcome_to_json(o) for o in report.outcomes],
        "validation": validation,
    }


def _outcome_to_json(outcome: Any) -> dict[str, Any]:
    return {name: getattr(outcome, name) for name in outcome.__dataclass_fields__}


def _drop_keys(mapping: dict[str, Any], keys: Iterable[str]) -> None:
    for key in keys:
        mapping.pop(key, None)


def _report_from_json(data: dict[str, Any]) -> GateReport:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )

    from quality.gate import ExpectationOutcome, GateReport

    validation = ExpectationSuiteValidationResultSchema().load(data["validation"])
    return GateReport(
        source=data["source"],
        record_type=data["record_type"],
        suite_name=data["suite_name"],
        batch_id=data["batch_id"],
        checked_at=dt.datetime.fromisoformat(data["checked_at"]),
        extracted=data["extracted"],
        accepted=data["accepted"],
        quarantined=data["quarantined"],
        success=data["success"],
        outcomes=tuple(ExpectationOutcome(**o) for o in data["outcomes"]),
        validation=validation,
    )
