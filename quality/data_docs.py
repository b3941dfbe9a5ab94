"""GX Data Docs, built as a static site from the gate's results: one page per suite and per batch.

The site is built by a fresh in-memory GX context whose only docs site is the given directory, so
nothing is written anywhere else and nothing is left behind in memory. Results are trimmed before
they are rendered: the full list of failing rows (up to one per row of the batch) belongs in the
quarantine table, not in HTML; the first 20 failing values stay, as GX shows them. Failing
values of ID numbers and phones never reach GX at all (the gate checks derived True/False columns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import great_expectations as gx
from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from normalize.dates import CHINA_TZ
from ontology.errors import QualityError
from quality.context import in_memory_context
from quality.gate import GateReport, GateResult, expectation_config

__all__ = ["SITE_NAME", "build_data_docs"]

SITE_NAME = "cityhub_quality"
_BULKY = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")


def build_data_docs(results: Iterable[GateResult | GateReport], site_dir: Path | str) -> Path:
    """Return the path of the index.html of a Data Docs site built in `site_dir` from gate results."""
    site = Path(site_dir).resolve()
    context = in_memory_context(
        {
            SITE_NAME: {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        }
    )
    suites: dict[str, gx.ExpectationSuite] = {}
    for number, item in enumerate(results):
        report = item.report if isinstance(item, GateResult) else item
        suites.setdefault(report.suite_name, _suite_of(report.validation))
        identifier = _identifier(report, number)
        context.validation_results_store.set(identifier, _trimmed(report.validation, identifier.run_id))
    for suite in suites.values():
        context.suites.add(suite)
    context.build_data_docs(site_names=[SITE_NAME])
    index = site / "index.html"
    if not index.is_file():
        raise QualityError(f"Data Docs were built but {index} is missing")
    return index


def _suite_of(validation: ExpectationSuiteValidationResult) -> gx.ExpectationSuite:
    """Return a fresh copy of the suite a validation ran (the gate's own suites are shared)."""
    expectations = [expectation_config(result).to_domain_obj() for result in validation.results]
    return gx.ExpectationSuite(name=validation.suite_name, expectations=expectations)


def _identifier(report: GateReport, number: int) -> ValidationResultIdentifier:
    """Return where a batch's result is filed: suite, then batch id and check time, then record type."""
    run = RunIdentifier(
        run_name=report.batch_id or f"batch-{number}",
        run_time=report.checked_at.replace(tzinfo=CHINA_TZ).astimezone(dt.UTC),
    )
    return ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=report.suite_name),
        run_id=run,
        batch_identifier=f"{report.source}-{report.record_type}-{number}",
    )


def _trimmed(
    validation: ExpectationSuiteValidationResult, run: RunIdentifier
) -> ExpectationSuiteValidationResult:
    """Return a copy of a validation without the per-row lists, filed under `run`.

    The caller's copy is untouched: its lists are what the gate quarantined by.
    """
    results = [
        ExpectationValidationResult(
            success=result.success,
            expectation_config=result.expectation_config,
            result={k: v for k, v in result.result.items() if k not in _BULKY},
            meta=result.meta,
            exception_info=result.exception_info,
        )
        for result in validation.results
    ]
    return ExpectationSuiteValidationResult(
        success=bool(validation.success),
        results=results,
        suite_name=validation.suite_name,
        suite_parameters=validation.suite_parameters,
        statistics=validation.statistics,
        meta={**validation.meta, "run_id": run, "validation_time": run.run_time},
    )
