"""A source's quality rules, read from its definition file."""

from __future__ import annotations

import pytest

from connectors.spec import load_sources
from ontology import load_ontology
from ontology.errors import BadInput
from quality.rules import SourceRules

PERSON = load_ontology().records["PersonMention"]


def test_valid_means_required_and_well_formed_and_valid_if_present_only_well_formed():
    rules = SourceRules.from_mapping(
        {"id_number": "valid", "phone": "valid_if_present", "required": ["name"]}
    )
    assert rules.required == ("name", "id_number")
    assert rules.format_of("id_number") == "id_number"
    assert rules.format_of("phone") == "phone"
    assert rules.format_of("name") is None


def test_no_rules_at_all_is_allowed():
    assert SourceRules.from_mapping(None) == SourceRules.from_mapping({}) == SourceRules()


def test_a_date_column_may_be_declared_valid_since_its_format_comes_from_the_ontology():
    rules = SourceRules.from_mapping({"birth_date": "valid"}).checked_against("police", PERSON)
    assert rules.required == ("birth_date",)
    assert rules.formats == ()


def test_rules_are_hashable_so_that_suites_can_be_cached():
    first, second = SourceRules.from_mapping({"phone": "valid"}), SourceRules.from_mapping({"phone": "valid"})
    assert hash(first) == hash(second)
    assert {first: "suite"}[second] == "suite"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"phone_no": "valid"}, "police quality rules: PersonMention has no column 'phone_no'"),
        ({"address": "valid_if_present"}, "no format check for PersonMention.address"),
    ],
)
def test_rules_naming_what_does_not_exist_are_refused(rules, message):
    with pytest.raises(BadInput, match=message):
        SourceRules.from_mapping(rules).checked_against("police", PERSON)


def test_the_rules_of_every_shipped_source_definition_are_accepted():
    records = load_ontology().records
    checked = {
        (name, record_type): SourceRules.from_mapping(rules).checked_against(name, records[record_type])
        for name, spec in load_sources(None).items()
        for record_type, rules in spec.quality.items()
    }
    assert checked[("police", "PersonMention")].required == ("name", "id_number")
    assert checked[("hotline", "PersonMention")].required == ()
    assert checked[("hotline", "PersonMention")].format_of("id_number") == "id_number"
