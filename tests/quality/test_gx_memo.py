"""The memo of GX expectation configurations: one per expectation inside a validation, none outside."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from quality.gate import check_batch
from quality.gx_memo import configurations_memoized
from quality.rules import SourceRules
from quality.suites import build_suite

NOW = dt.datetime(2026, 11, 20, 12, 0)
RULES = {"id_number": "valid", "phone": "valid_if_present", "required": ["name"]}


def test_inside_the_block_an_expectation_answers_one_configuration_and_outside_a_fresh_one():
    expectation = build_suite(
        "police", "PersonMention", SourceRules.from_mapping(RULES, "police")
    ).expectations[0]
    outside = expectation.configuration
    assert expectation.configuration is not outside  # GX's own behaviour: built on every read
    with configurations_memoized():
        inside = expectation.configuration
        assert expectation.configuration is inside
        assert inside == outside
    assert expectation.configuration is not inside  # forgotten after the block


def test_a_memoized_validation_still_finds_every_failure_and_the_suite_parameter_each_time(person_row):
    rows = pd.DataFrame([person_row(1), person_row(2, id_number="510103199003071231"), person_row(3)])
    first = check_batch("police", "PersonMention", rows, RULES, NOW)
    assert list(first.quarantined["record_id"]) == ["JJ2026112000002"]
    assert [(o.field, o.check) for o in first.report.failed()] == [("id_number", "format")]
    # a later `now` is substituted afresh (the memo of the first validation is gone): the
    # range check still holds, and a row dated after the first `now` fails only the earlier one
    later = rows.assign(updated_at=pd.Timestamp(NOW + dt.timedelta(days=2)))
    assert len(check_batch("police", "PersonMention", later, RULES, NOW).quarantined) == 3
    assert (
        len(check_batch("police", "PersonMention", later, RULES, NOW + dt.timedelta(days=3)).quarantined) == 1
    )
