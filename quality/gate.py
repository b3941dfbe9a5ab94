"""The row-level quality gate: a batch of canonical records in, accepted and quarantined rows out.

    result = check_batch("police", "PersonMention", frame, {"id_number": "valid"}, now)
    result.accepted          # rows that passed every check, as they came in
    result.quarantined       # rows that failed, as they came in, plus `reasons`
    result.report            # per expectation: GX success flag and unexpected count

GX validates the whole batch with a suite generated from the ontology (`quality.suites`) and
says, per expectation, whether it held and how many rows broke it (result format BASIC); the rows
are located by a vectorised mask per expectation (`quality.masks`) whose counts must agree with
GX's. The gate turns each failure into a sentence naming the source, the record and the field.
Every extracted row ends up accepted or quarantined, and that is checked here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from ontology import RecordType, load_ontology
from ontology.errors import BadInput, QualityError
from quality.batch_checks import check_columns
from quality.context import batch_definition
from quality.derived import validation_frame
from quality.formats import china_time
from quality.gx_memo import configurations_memoized
from quality.masks import failing_mask
from quality.reasons import describe_failure, failure_text
from quality.rules import SourceRules
from quality.suites import NOW_PARAMETER, ColumnChecks, at_column, build_suite, plan_checks

__all__ = ["REASONS", "ExpectationOutcome", "GateReport", "GateResult", "check_batch", "reconcile"]

REASONS = "reasons"
# BASIC gives each expectation's verdict and count; the failing rows come from the gate's masks,
# since GX's list of them (COMPLETE) costs more than validating. No failing values are listed.
RESULT_FORMAT: dict[str, Any] = {"result_format": "BASIC", "partial_unexpected_count": 0}
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExpectationOutcome:
    """One expectation's result: which check on which field, GX's verdict, how many rows failed."""

    expectation: str
    column: str
    field: str
    check: str
    success: bool
    unexpected_count: int


@dataclass(frozen=True, slots=True)
class GateReport:
    """What the gate found in one batch, with GX's own result kept for Data Docs."""

    source: str
    record_type: str
    suite_name: str
    batch_id: str  # the batch the rows came in (their batch_id column), "" if none
    checked_at: dt.datetime
    extracted: int
    accepted: int
    quarantined: int
    success: bool
    outcomes: tuple[ExpectationOutcome, ...]
    validation: ExpectationSuiteValidationResult

    def failed(self) -> list[ExpectationOutcome]:
        """Return the outcomes of the expectations that failed."""
        return [o for o in self.outcomes if not o.success]

    def summary(self) -> str:
        """Return a one-line account of the batch, with no values in it (safe for logs)."""
        failing = ", ".join(f"{o.field} {o.check} x{o.unexpected_count}" for o in self.failed())
        return (
            f"{self.suite_name}: {self.extracted} extracted, {self.accepted} accepted, "
            f"{self.quarantined} quarantined" + (f" ({failing})" if failing else "")
        )


@dataclass(frozen=True, slots=True)
class GateResult:
    """A batch split by the gate: accepted rows, quarantined rows with reasons, and the report."""

    accepted: pd.DataFrame
    quarantined: pd.DataFrame
    report: GateReport


def check_batch(
    source: str,
    record_type_name: str,
    frame: pd.DataFrame,
    rules: Mapping[str, Any] | SourceRules | None,
    now: dt.datetime,
) -> GateResult:
    """Return the batch split into accepted and quarantined rows, with the reasons and the report.

    `rules` are the source's own rules for this record type (see `quality.rules`). Raises
    SchemaDrift if the frame lacks a column of the record type, QualityError if GX could not run
    a check or the counts do not reconcile.
    """
    record_type = _record_type(record_type_name)
    names = [c.name for c in record_type.columns]
    if len(frame) == 0:  # an empty frame may come without columns; it has nothing to check
        frame = frame.reindex(columns=list(dict.fromkeys([*frame.columns, *names])))
    check_columns(f"{source} {record_type_name}", names, frame.columns)
    source_rules = SourceRules.from_mapping(rules, source).checked_against(source, record_type)
    moment = china_time(now)
    plan = plan_checks(record_type, source_rules)
    suite = build_suite(source, record_type_name, source_rules)
    table = validation_frame(frame, plan, moment)
    batch = batch_definition(record_type_name).get_batch(batch_parameters={"dataframe": table})
    with configurations_memoized():
        validation = batch.validate(
            suite, result_format=RESULT_FORMAT, expectation_parameters={NOW_PARAMETER: moment}
        )
    reasons = _reasons(source, record_type, frame, table, validation, plan, moment)
    passing, failing = _split(frame, reasons)
    report = _report(source, record_type_name, suite.name, moment, validation, len(frame), passing, failing)
    logger.info(report.summary())
    return GateResult(passing, failing, report)


def _split(frame: pd.DataFrame, reasons: dict[int, list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (the rows without failures, the rows with failures plus their joined reasons)."""
    failing_positions = sorted(reasons)
    failing = frame.iloc[failing_positions].copy()
    failing[REASONS] = ["; ".join(reasons[position]) for position in failing_positions]
    keep = np.ones(len(frame), dtype=bool)
    keep[failing_positions] = False
    return frame.iloc[np.flatnonzero(keep)], failing


def _record_type(name: str) -> RecordType:
    records = load_ontology().records
    if name not in records:
        raise BadInput(f"{name!r} is not a record type of the ontology ({', '.join(records)})")
    return records[name]


def _reasons(
    source: str,
    record_type: RecordType,
    frame: pd.DataFrame,
    table: pd.DataFrame,
    validation: ExpectationSuiteValidationResult,
    plan: tuple[ColumnChecks, ...],
    now: dt.datetime,
) -> dict[int, list[str]]:
    """Return the failures of each failing row, by row position, in the order of the suite."""
    label = _record_label(record_type, frame)
    formats = {checks.column.name: checks.format for checks in plan}
    reasons: dict[int, list[str]] = defaultdict(list)
    for outcome in validation.results:
        field, check = _field_and_check(outcome)
        if outcome.exception_info.get("raised_exception"):
            message = outcome.exception_info.get("exception_message")
            raise QualityError(
                f"{source} {record_type.name}: the {check} check on {field} could not run: {message}"
            )
        positions = np.flatnonzero(failing_mask(expectation_config(outcome), table, now))
        counted = outcome.result.get("unexpected_count")
        if bool(outcome.success) == bool(len(positions)) or (
            counted is not None and counted != len(positions)
        ):
            raise QualityError(
                f"{source} {record_type.name}: GX and the gate disagree on the {check} check on {field} "
                f"({counted} rows against {len(positions)})"
            )
        if not len(positions):
            continue
        column = record_type.column(field)
        values = frame[field].to_numpy(dtype=object)
        moments = table[at_column(field)].to_numpy(dtype=object) if check == "range" else None
        for position in map(int, positions):
            moment = None if moments is None else moments[position]
            detail = describe_failure(
                check, column, values[position], moment=moment, fmt=formats[field], now=now
            )
            reasons[position].append(failure_text(source, label(position), field, detail))
    return reasons


def expectation_config(outcome: ExpectationValidationResult) -> ExpectationConfiguration:
    """Return the configuration of the expectation a result is for (GX always sets it)."""
    if outcome.expectation_config is None:
        raise QualityError("a GX validation result has no expectation configuration")
    return outcome.expectation_config


def _field_and_check(outcome: ExpectationValidationResult) -> tuple[str, str]:
    """Return the field and the kind of check an expectation's `meta` names (see quality.suites)."""
    meta = expectation_config(outcome).meta or {}
    return str(meta["field"]), str(meta["check"])


def _record_label(record_type: RecordType, frame: pd.DataFrame) -> Callable[[int], str]:
    """Return how a row is named in reasons: its key without the source, or else its row number."""
    key = [k for k in record_type.key if k != "source"] or list(record_type.key)
    columns = [frame[k].to_numpy(dtype=object) for k in key]

    def label(position: int) -> str:
        parts = [column[position] for column in columns]
        if any(part is None or part != part for part in parts):  # part != part: NaN
            return f"row {position}"
        return "/".join(str(part) for part in parts)

    return label


def _report(
    source: str,
    record_type: str,
    suite_name: str,
    now: dt.datetime,
    validation: ExpectationSuiteValidationResult,
    extracted: int,
    accepted: pd.DataFrame,
    quarantined: pd.DataFrame,
) -> GateReport:
    """Return the batch's report, after making sure every extracted row is accounted for."""
    reconcile(f"{source} {record_type}", extracted, len(accepted), len(quarantined))
    outcomes = tuple(
        ExpectationOutcome(
            expectation=expectation_config(outcome).type,
            column=str(expectation_config(outcome).kwargs.get("column")),
            field=_field_and_check(outcome)[0],
            check=_field_and_check(outcome)[1],
            success=bool(outcome.success),
            unexpected_count=int(outcome.result.get("unexpected_count") or 0),
        )
        for outcome in validation.results
    )
    return GateReport(
        source,
        record_type,
        suite_name,
        _batch_id(accepted, quarantined),
        now,
        extracted,
        len(accepted),
        len(quarantined),
        bool(validation.success),
        outcomes,
        validation,
    )


def reconcile(batch: str, extracted: int, accepted: int, quarantined: int) -> None:
    """Raise QualityError unless every extracted row was either accepted or quarantined, once.

    A row lost or counted twice here would be a record silently missing from the graph, or loaded
    despite failing its checks.
    """
    if accepted + quarantined != extracted:
        raise QualityError(
            f"{batch}: {extracted} extracted but {accepted} accepted + {quarantined} quarantined"
        )


def _batch_id(*frames: pd.DataFrame) -> str:
    """Return the batch ids the rows carry, joined with '+' (one, normally), or "" if none."""
    ids = sorted({str(v) for f in frames if "batch_id" in f for v in f["batch_id"].dropna().unique()})
    return "+".join(ids)
