"""The quality gate: GX suites generated from the ontology, row-level quarantine, batch checks, Data Docs."""

from quality.batch_checks import BatchCheck, ColumnsCheck, check_columns, check_freshness, check_volume
from quality.data_docs import build_data_docs
from quality.gate import ExpectationOutcome, GateReport, GateResult, check_batch
from quality.rules import SourceRules
from quality.suites import build_suite

__all__ = [
    "BatchCheck",
    "ColumnsCheck",
    "ExpectationOutcome",
    "GateReport",
    "GateResult",
    "SourceRules",
    "build_data_docs",
    "build_suite",
    "check_batch",
    "check_columns",
    "check_freshness",
    "check_volume",
]
