"""Suites are generated from the ontology: every declared rule becomes an expectation, nothing by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from ontology import load_ontology
from quality.rules import SourceRules
from quality.suites import build_suite

ONTOLOGY = load_ontology()


NO_RULES = SourceRules()


def expectations_of(
    source: str, record_type: str, rules: SourceRules = NO_RULES
) -> dict[tuple[str, str], dict]:
    """Return the suite's expectations as {(field, check): kwargs}."""
    suite = build_suite(source, record_type, rules)
    return {(e.meta["field"], e.meta["check"]): e.configuration.kwargs for e in suite.expectations}


@pytest.mark.parametrize("record_type", sorted(ONTOLOGY.records))
def test_every_required_column_of_every_record_type_must_be_present(record_type):
    checks = expectations_of("hotline", record_type)
    required = {field for field, check in checks if check == "required"}
    assert required == set(ONTOLOGY.records[record_type].required_columns)


def test_code_columns_are_held_to_their_declared_values_and_categories_to_the_taxonomy():
    person = expectations_of("hotline", "PersonMention")
    roles = list(ONTOLOGY.records["PersonMention"].column("role").values)
    assert person[("role", "code")]["value_set"] == roles
    assert person[("gender", "code")]["value_set"] == ["M", "F"]
    event = expectations_of("hotline", "EventRecord")
    assert set(event[("category", "category")]["value_set"]) == set(ONTOLOGY.taxonomy.categories)
    assert "neighbour_dispute.noise" in event[("category", "category")]["value_set"]


def test_datetimes_lie_between_2000_and_now_and_birth_dates_between_1900_and_now():
    event = expectations_of("hotline", "EventRecord")
    for field in ("occurred_at", "reported_at", "updated_at"):
        assert event[(field, "range")]["column"] == f"{field}__at"
        assert event[(field, "range")]["min_value"] == dt.datetime(2000, 1, 1)
        assert event[(field, "range")]["max_value"] == {"$PARAMETER": "now"}
        assert event[(field, "readable")]["column"] == f"{field}__valid"
    person = expectations_of("hotline", "PersonMention")
    assert person[("birth_date", "range")]["min_value"] == dt.datetime(1900, 1, 1)


def test_source_rules_add_required_columns_and_format_checks():
    plain = expectations_of("hotline", "PersonMention")
    police = expectations_of(
        "police",
        "PersonMention",
        SourceRules.from_mapping({"id_number": "valid", "phone": "valid_if_present"}),
    )
    added = {("id_number", "required"), ("id_number", "format"), ("phone", "format")}
    assert set(police) - set(plain) == added
    assert police[("id_number", "format")] == {"column": "id_number__valid", "value_set": [True]}


def test_a_suite_is_named_after_its_source_and_record_type_and_built_once():
    rules = SourceRules.from_mapping({"phone": "valid_if_present"})
    suite = build_suite("grid", "PersonMention", rules)
    assert suite.name == "grid.PersonMention"
    same_rules = SourceRules.from_mapping({"phone": "valid_if_present"})
    assert build_suite("grid", "PersonMention", same_rules) is suite
