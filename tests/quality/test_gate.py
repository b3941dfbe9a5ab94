"""The row-level gate, on real GX: clean rows pass, messy rows are quarantined with the right reasons."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml

from ontology.errors import BadInput, QualityError, SchemaDrift
from quality import context
from quality.gate import REASONS, check_batch, reconcile
from quality.rules import SourceRules

NOW = dt.datetime(2026, 11, 20, 12, 0)
POLICE_PERSON_RULES = {"id_number": "valid", "phone": "valid_if_present", "required": ["name"]}
HOTLINE_PERSON_RULES: dict[str, object] = {}
VALID_ID = "510103199003071230"  # the one the fixtures' rows carry


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_clean_rows_are_all_accepted_and_every_expectation_succeeds(person_row):
    rows = frame(
        person_row(1), person_row(2, phone=None, gender=None), person_row(3, birth_date="1990年3月7日")
    )
    result = check_batch("police", "PersonMention", rows, POLICE_PERSON_RULES, NOW)
    assert list(result.accepted["record_id"]) == ["JJ2026112000001", "JJ2026112000002", "JJ2026112000003"]
    assert result.quarantined.empty
    assert REASONS in result.quarantined.columns
    assert result.report.success
    assert result.report.failed() == []
    assert len(result.report.outcomes) > 10


PERSON_CASES = [
    # (changes to a clean police person row, rules, the reason expected)
    (
        {"id_number": "51010319900307123"},
        POLICE_PERSON_RULES,
        "police JJ2026112000001#0: id_number '510103*********23' has 17 digits",
    ),
    (
        {"id_number": "510103199003071231"},
        POLICE_PERSON_RULES,
        "police JJ2026112000001#0: id_number '510103**********31' check digit is 1, expected 0",
    ),
    ({"id_number": None}, POLICE_PERSON_RULES, "police JJ2026112000001#0: id_number is missing"),
    (
        {"phone": "12345"},
        POLICE_PERSON_RULES,
        "police JJ2026112000001#0: phone '1****' is not a personal phone number of mainland China",
    ),
    ({"name": None}, POLICE_PERSON_RULES, "police JJ2026112000001#0: name is missing"),
    (
        {"role": "boss"},
        HOTLINE_PERSON_RULES,
        "police JJ2026112000001#0: role 'boss' is not one of caller, party, victim, suspect, petitioner, "
        "grid_worker, witness",
    ),
    ({"gender": "男"}, HOTLINE_PERSON_RULES, "police JJ2026112000001#0: gender '男' is not one of M, F"),
    (
        {"birth_date": "07/03/1990"},
        HOTLINE_PERSON_RULES,
        "police JJ2026112000001#0: birth_date '07/03/1990' is not a year-first date",
    ),
    (
        {"birth_date": dt.date(1850, 1, 1)},
        HOTLINE_PERSON_RULES,
        "police JJ2026112000001#0: birth_date 1850-01-01 is before 1900-01-01",
    ),
    (
        {"updated_at": dt.datetime(2026, 11, 21, 9, 0)},
        HOTLINE_PERSON_RULES,
        "police JJ2026112000001#0: updated_at 2026-11-21 09:00:00 is in the future "
        "(now is 2026-11-20 12:00:00)",
    ),
    ({"updated_at": None}, HOTLINE_PERSON_RULES, "police JJ2026112000001#0: updated_at is missing"),
    ({"deleted": "Y"}, HOTLINE_PERSON_RULES, "police JJ2026112000001#0: deleted 'Y' is not true or false"),
]


@pytest.mark.parametrize(("changes", "rules", "reason"), PERSON_CASES)
def test_a_messy_person_is_quarantined_with_a_reason_naming_source_record_and_field(
    changes, rules, reason, person_row
):
    rows = frame(person_row(1, **changes), person_row(2))
    result = check_batch("police", "PersonMention", rows, rules, NOW)
    assert list(result.quarantined[REASONS]) == [reason]
    assert list(result.accepted["mention_id"]) == ["JJ2026112000002#0"]


EVENT_CASES = [
    (
        {"category": "noise"},
        "hotline RX2026112000001: category 'noise' is not a category of the unified taxonomy",
    ),
    ({"status": None}, "hotline RX2026112000001: status is missing"),
    (
        {"status": "pending"},
        "hotline RX2026112000001: status 'pending' is not one of received, dispatched, "
        "in_progress, resolved, closed, withdrawn",
    ),
    ({"occurred_at": "昨天晚上"}, "hotline RX2026112000001: occurred_at '昨天晚上' is not a year-first date"),
    (
        {"occurred_at": "1999-12-31 23:00"},
        "hotline RX2026112000001: occurred_at 1999-12-31 23:00:00 is before 2000-01-01",
    ),
    (
        {"reported_at": dt.datetime(2027, 1, 1)},
        "hotline RX2026112000001: reported_at 2027-01-01 00:00:00 is in the future "
        "(now is 2026-11-20 12:00:00)",
    ),
]


@pytest.mark.parametrize(("changes", "reason"), EVENT_CASES)
def test_a_messy_event_is_quarantined_with_its_reason(changes, reason, event_row):
    result = check_batch("hotline", "EventRecord", frame(event_row(1, **changes), event_row(2)), {}, NOW)
    assert list(result.quarantined[REASONS]) == [reason]
    assert len(result.accepted) == 1


def test_dates_written_the_chinese_way_are_read_by_the_project_normaliser(event_row):
    rows = frame(event_row(1, occurred_at="2026年11月19日 晚上10点15分", reported_at="20261119221600"))
    result = check_batch("hotline", "EventRecord", rows, {}, NOW)
    assert len(result.accepted) == 1, list(result.quarantined.get(REASONS, []))


def test_the_police_demand_valid_id_numbers_and_the_hotline_does_not(person_row):
    rows = frame(person_row(1, id_number="51010319900307123"), person_row(2, id_number=None))
    police = check_batch("police", "PersonMention", rows, POLICE_PERSON_RULES, NOW)
    hotline = check_batch("hotline", "PersonMention", rows, HOTLINE_PERSON_RULES, NOW)
    assert len(police.quarantined) == 2
    assert len(hotline.accepted) == 2


def test_every_failure_of_a_row_is_listed_in_the_order_of_its_columns(person_row):
    rows = frame(person_row(7, role="boss", name=None, phone="110", updated_at=dt.datetime(2031, 1, 1)))
    (reasons,) = check_batch("police", "PersonMention", rows, POLICE_PERSON_RULES, NOW).quarantined[REASONS]
    fields = [part.split(": ", 1)[1].split(" ")[0] for part in reasons.split("; ")]
    assert fields == ["role", "name", "phone", "updated_at"]


def test_id_numbers_and_phones_never_appear_in_clear_in_reasons_or_gx_results(person_row):
    bad_id, bad_phone = "51010319900307123", "1381234567"
    result = check_batch(
        "police",
        "PersonMention",
        frame(person_row(1, id_number=bad_id, phone=bad_phone)),
        POLICE_PERSON_RULES,
        NOW,
    )
    text = " ".join(result.quarantined[REASONS]) + str(result.report.validation.to_json_dict())
    assert "id_number '510103*********23'" in text
    assert bad_id not in text
    assert bad_phone not in text


def test_counts_reconcile_and_the_quarantined_rows_are_the_original_rows_with_their_index(person_row):
    rows = [person_row(n, id_number="123" if n % 4 == 0 else VALID_ID) for n in range(1, 41)]
    batch = frame(*rows)
    batch.index = pd.RangeIndex(100, 140)
    result = check_batch("police", "PersonMention", batch, POLICE_PERSON_RULES, NOW)
    report = result.report
    assert (report.extracted, report.accepted, report.quarantined) == (40, 30, 10)
    assert len(result.accepted) + len(result.quarantined) == len(batch)
    assert list(result.quarantined.index) == [103, 107, 111, 115, 119, 123, 127, 131, 135, 139]
    assert list(result.quarantined["_raw_id"]) == [f"JJ2026112000{n:03d}" for n in range(4, 41, 4)]
    assert result.quarantined.drop(columns=REASONS).equals(batch.loc[result.quarantined.index])
    id_check = next(o for o in report.outcomes if o.field == "id_number" and o.check == "format")
    assert (id_check.success, id_check.unexpected_count, id_check.column) == (False, 10, "id_number__valid")
    assert not report.success
    assert "10 quarantined (id_number format x10)" in report.summary()


def test_counts_that_do_not_reconcile_stop_the_batch():
    reconcile("police PersonMention", 40, 30, 10)
    with pytest.raises(QualityError, match=r"PersonMention: 40 extracted but 31 accepted \+ 10 quarantined"):
        reconcile("police PersonMention", 40, 31, 10)


def test_rules_from_yaml_a_mapping_or_a_source_rules_object_give_the_same_verdict(person_row):
    loaded = yaml.safe_load("PersonMention: {id_number: valid, phone: valid_if_present, required: [name]}")
    rows = frame(person_row(1, name=None), person_row(2, id_number="1"), person_row(3))
    verdicts = {
        str(kind): list(check_batch("police", "PersonMention", rows, rules, NOW).quarantined[REASONS])
        for kind, rules in [
            ("yaml", loaded["PersonMention"]),
            ("dict", POLICE_PERSON_RULES),
            ("object", SourceRules.from_mapping(POLICE_PERSON_RULES)),
        ]
    }
    assert verdicts["yaml"] == verdicts["dict"] == verdicts["object"]
    assert len(verdicts["yaml"]) == 2


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"id_card": "valid"}, "PersonMention has no column 'id_card'"),
        (
            {"id_number": "mandatory"},
            "police quality rules: id_number is 'mandatory', not one of valid, valid_if_present",
        ),
        ({"required": "name"}, "police quality rules: 'required' must be a list of columns, not 'name'"),
        ({"name": "valid"}, "no format check for PersonMention.name"),
        ({"required": ["nmae"]}, "PersonMention has no column 'nmae'"),
    ],
)
def test_a_rule_naming_an_unknown_column_or_requirement_is_refused(rules, message, person_row):
    with pytest.raises(BadInput, match=message):
        check_batch("police", "PersonMention", frame(person_row()), rules, NOW)


def test_a_frame_missing_a_canonical_column_is_schema_drift_naming_the_column(person_row):
    rows = frame(person_row()).drop(columns=["role"])
    with pytest.raises(SchemaDrift, match="police PersonMention: column 'role' is missing"):
        check_batch("police", "PersonMention", rows, {}, NOW)


def test_an_unknown_record_type_is_bad_input(person_row):
    with pytest.raises(BadInput, match="'Complaint' is not a record type"):
        check_batch("police", "Complaint", frame(person_row()), {}, NOW)


def test_an_empty_batch_without_columns_is_accepted_as_empty():
    result = check_batch("police", "PersonMention", pd.DataFrame(), POLICE_PERSON_RULES, NOW)
    assert (result.report.extracted, len(result.accepted), len(result.quarantined)) == (0, 0, 0)


def test_a_row_without_its_key_is_named_by_its_row_number(event_row):
    rows = frame(event_row(1), event_row(2, record_id=None))
    (reason,) = check_batch("hotline", "EventRecord", rows, {}, NOW).quarantined[REASONS]
    assert reason == "hotline row 1: record_id is missing"


def test_aware_times_are_compared_in_china_time(event_row):
    utc_now = dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)  # 12:00 in China
    rows = frame(
        event_row(1, updated_at=dt.datetime(2026, 11, 20, 11, 0)),
        event_row(2, updated_at=dt.datetime(2026, 11, 20, 13, 0)),
    )
    result = check_batch("hotline", "EventRecord", rows, {}, utc_now)
    assert list(result.accepted["record_id"]) == ["RX2026112000001"]


def test_one_gx_context_serves_every_batch(person_row, event_row):
    for number in range(2):
        check_batch("police", "PersonMention", frame(person_row(number)), {}, NOW)
        check_batch("hotline", "EventRecord", frame(event_row(number)), {}, NOW)
    assert context._gate_context.cache_info().misses == 1
    assert context.batch_definition("EventRecord") is context.batch_definition("EventRecord")
