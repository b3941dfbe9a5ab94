"""GX expectation suites generated from the ontology's record types and a source's rules.

No suite is written by hand. For a record type, every required column must not be null, every
code column must hold one of its declared values, a category must be a subcategory of the unified
taxonomy, a boolean must be true or false, and a date or datetime must be readable and lie
between a plausible earliest moment and `now` (a suite parameter, so one suite serves every run).
A source's rules add required columns and format checks (ID number, phone).

Checks that need real logic (an ID check digit, a phone number's prefixes, a Chinese date) run
on derived columns computed by `quality.derived` with the project's normalisers; the suite checks
those columns (`id_number__valid` in {True}, `occurred_at__at` between ...). Every expectation
carries `meta = {"field": ..., "check": ...}`, which is how the gate turns a failure back into a
sentence about the source's field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import great_expectations as gx

# The concrete modules, because GX's `expectations` package re-exports these without an
# `__all__`, which mypy --strict refuses; they are the classes `gx.expectations.*` names.
from great_expectations.expectations.core.expect_column_values_to_be_between import (
    ExpectColumnValuesToBeBetween,
)
from great_expectations.expectations.core.expect_column_values_to_be_in_set import ExpectColumnValuesToBeInSet
from great_expectations.expectations.core.expect_column_values_to_not_be_null import (
    ExpectColumnValuesToNotBeNull,
)
from great_expectations.expectations.expectation import Expectation

from ontology import Property, RecordType, load_ontology
from quality.rules import TEMPORAL_TYPES, SourceRules

__all__ = [
    "EARLIEST",
    "NOW_PARAMETER",
    "ColumnChecks",
    "at_column",
    "build_suite",
    "plan_checks",
    "suite_name",
    "valid_column",
]

# Events before 2000 predate every department system we ingest; a birth date before 1900 is a
# typing error, not a 126-year-old caller.
EARLIEST: dict[str, dt.datetime] = {"datetime": dt.datetime(2000, 1, 1), "date": dt.datetime(1900, 1, 1)}
NOW_PARAMETER = "now"


@dataclass(frozen=True, slots=True)
class ColumnChecks:
    """What the gate checks on one column of a record type."""

    column: Property
    required: bool
    format: str | None  # a name in quality.formats.FORMATS

    @property
    def temporal(self) -> bool:
        """Return whether the column holds dates or datetimes (read, then checked for range)."""
        return self.column.type in TEMPORAL_TYPES


def valid_column(name: str) -> str:
    """Return the name of the derived boolean column saying whether `name`'s value is well formed."""
    return f"{name}__valid"


def at_column(name: str) -> str:
    """Return the name of the derived datetime column holding `name`'s value as a moment."""
    return f"{name}__at"


def suite_name(source: str, record_type_name: str) -> str:
    """Return the suite's name, `<source>.<RecordType>`, as Data Docs file it."""
    return f"{source}.{record_type_name}"


def plan_checks(record_type: RecordType, rules: SourceRules) -> tuple[ColumnChecks, ...]:
    """Return the checks of every column of a record type, the ontology's and the source's.

    `rules` must have been through `SourceRules.checked_against` for this record type.
    """
    return tuple(
        ColumnChecks(c, c.required or c.name in rules.required, rules.format_of(c.name))
        for c in record_type.columns
    )


@lru_cache(maxsize=256)
def build_suite(source: str, record_type_name: str, rules: SourceRules) -> gx.ExpectationSuite:
    """Return the expectation suite for one source's records of one type (cached: rules are frozen).

    The returned suite is shared; callers must not add expectations to it.
    """
    record_type = load_ontology().records[record_type_name]
    rules = rules.checked_against(source, record_type)
    expectations: list[Expectation] = []
    for checks in plan_checks(record_type, rules):
        expectations.extend(_column_expectations(record_type.name, checks))
    return gx.ExpectationSuite(name=suite_name(source, record_type_name), expectations=expectations)


def _column_expectations(record: str, checks: ColumnChecks) -> list[Expectation]:
    """Return the expectations on one column (and on its derived columns)."""
    column = checks.column
    name = column.name
    found: list[Expectation] = []
    if checks.required:
        found.append(
            ExpectColumnValuesToNotBeNull(
                column=name, meta=_meta(name, "required"), description=f"{record}.{name} is present"
            )
        )
    value_set = _value_set(column)
    if value_set is not None:
        check = column.type if column.type in ("category", "boolean") else "code"
        found.append(
            ExpectColumnValuesToBeInSet(
                column=name,
                value_set=value_set,
                meta=_meta(name, check),
                description=f"{record}.{name} is one of the {check} values the ontology declares",
            )
        )
    if checks.format is not None:
        found.append(
            ExpectColumnValuesToBeInSet(
                column=valid_column(name),
                value_set=[True],
                meta=_meta(name, "format"),
                description=f"{record}.{name}, when present, is a valid {checks.format.replace('_', ' ')}",
            )
        )
    if checks.temporal:
        found.extend(_temporal_expectations(record, column))
    return found


def _temporal_expectations(record: str, column: Property) -> list[Expectation]:
    name = column.name
    earliest = EARLIEST[column.type]
    return [
        ExpectColumnValuesToBeInSet(
            column=valid_column(name),
            value_set=[True],
            meta=_meta(name, "readable"),
            description=f"{record}.{name}, when present, is a readable {column.type}",
        ),
        ExpectColumnValuesToBeBetween(
            column=at_column(name),
            min_value=earliest,
            max_value={"$PARAMETER": NOW_PARAMETER},
            meta=_meta(name, "range"),
            description=f"{record}.{name} is not before {earliest:%Y-%m-%d} and not in the future",
        ),
    ]


def _value_set(column: Property) -> list[object] | None:
    """Return the values a code, category or boolean column may hold, or None if any value may."""
    if column.type == "code":
        return [*column.values]
    if column.type == "category":
        return [*sorted(load_ontology().taxonomy.categories)]
    if column.type == "boolean":
        return [True, False]
    return None


def _meta(field: str, check: str) -> dict[str, str]:
    return {"field": field, "check": check}
