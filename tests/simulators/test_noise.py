"""Each noise kind reaches the last record versions under `realistic` and `hard`, and the new kinds
are absent under `clean`; the departments' codes stay mappable by the hub's code tables."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from normalize.dates import parse_date, parse_datetime
from normalize.id_number import InvalidIdNumber, parse_id_number
from normalize.names import clean_name, fuzzy_phonetic_key
from normalize.phone import clean_phone
from simulators.city.noise.addresses import _known_names
from simulators.city.noise.labels import load_labels
from simulators.departments import load_code_books

PROFILES = ("city", "realistic_city", "hard_city")  # clean, realistic, hard
DIVISION = re.compile(r"(?:街道|镇|乡|区|县)?([\u4e00-\u9fff]{2,4}?(?:社区|居委会|村))")


def _latest(city, table: str, key: str) -> pd.DataFrame:
    frame = city.table(f"channels/{table}").to_pandas()
    latest = frame.sort_values([key, "version"]).groupby(key, sort=False).tail(1)
    return latest[~latest["deleted"]]


def _police_people(city) -> pd.DataFrame:
    """Police person rows (last versions) beside the true person's name, ID number, birth and phones."""
    persons = _latest(city, "police_persons", "rybh")
    truth = city.table("truth/mentions").to_pandas()
    people = city.table("city/people").to_pandas()
    homes = city.table("city/households").to_pandas()[["household_id", "home_phone"]]
    people = people.merge(homes, on="household_id", how="left")
    joined = persons.merge(truth[["mention_id", "person_id"]], left_on="rybh", right_on="mention_id")
    return joined.merge(people, on="person_id", suffixes=("", "_true"))


def _counts(city) -> dict[str, int]:
    """Count each noise kind in a city's last record versions."""
    police = _police_people(city)
    ids = [_id(v) for v in police["sfzh"]]
    slipped_ids = sum(1 for got, true in zip(ids, police["id_number"], strict=True) if got and got != true)
    phones = [
        clean_phone(v) not in {clean_phone(m or ""), clean_phone(h or "")}
        for v, m, h in zip(police["lxdh"], police["mobile"], police["home_phone"], strict=True)
    ]
    names = [(clean_name(w), clean_name(t)) for w, t in zip(police["xm"], police["name"], strict=True)]
    typos = sum(1 for w, t in names if w != t and fuzzy_phonetic_key(w) != fuzzy_phonetic_key(t))
    dropped = sum(1 for w, t in names if len(w) < len(t))
    births = [parse_date(v) for v in police["csrq"]]
    true_births = pd.to_datetime(police["birth_date"]).dt.date
    swaps = sum(
        1
        for got, true in zip(births, true_births, strict=True)
        if got != true and (got.year, got.month, got.day) == (true.year, true.day, true.month)
    )
    hotline = _latest(city, "hotline", "ticket_id")
    styled = (~hotline["created_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")).sum()
    records = city.table("truth/records").to_pandas()
    repeats = records[records["source"].isin(["hotline", "grid"])].duplicated(["source", "incident_id"]).sum()
    return {
        "id_slip": slipped_ids,
        "phone_slip": sum(phones),
        "name_typo": typos,
        "name_dropped": dropped,
        "birth_swap": swaps,
        "date_styles": int(styled),
        "unknown_division": _unknown_divisions(city),
        "granularity": int(
            (~_latest(city, "police_incidents", "jjdbh")["fadz"].str.startswith("重庆市")).sum()
        ),
        "own_label": _own_labels(city),
        "repeat": int(repeats),
    }


def _id(value: str) -> str | None:
    try:
        return parse_id_number(value).number
    except InvalidIdNumber:
        return None


def _unknown_divisions(city) -> int:
    known = _known_names()
    addresses = pd.concat(
        [
            _latest(city, "hotline", "ticket_id")["event_address"],
            _latest(city, "police_incidents", "jjdbh")["fadz"],
            _latest(city, "grid", "event_no")["address"],
        ]
    )
    return sum(1 for a in addresses for m in DIVISION.findall(a) if m not in known)


def _own_labels(city) -> int:
    names = {c.code: c.name for c in load_code_books()["hotline"].by_code().values()}
    hotline = _latest(city, "hotline", "ticket_id")
    return int((hotline["category_code"].map(names) != hotline["category_name"]).sum())


@pytest.fixture(scope="module")
def counts(request) -> dict[str, dict[str, int]]:
    return {name: _counts(request.getfixturevalue(name)) for name in PROFILES}


KINDS = (
    "id_slip",
    "phone_slip",
    "name_typo",
    "name_dropped",
    "birth_swap",
    "date_styles",
    "unknown_division",
    "granularity",
    "own_label",
    "repeat",
)


@pytest.mark.parametrize("kind", KINDS)
def test_each_noise_kind_survives_into_the_last_versions_of_realistic_and_hard(counts, kind):
    assert counts["realistic_city"][kind] > 0, counts["realistic_city"]
    assert counts["hard_city"][kind] >= counts["realistic_city"][kind], (
        counts["hard_city"],
        counts["realistic_city"],
    )


@pytest.mark.parametrize("kind", KINDS)
def test_clean_has_none_of_the_new_kinds(counts, kind):
    assert counts["city"][kind] == 0, counts["city"]


def test_the_coarse_labels_of_the_departments_appear(realistic_city):
    coarse = {label for labels in load_labels().coarse.values() for label in labels}
    hotline = _latest(realistic_city, "hotline", "ticket_id")
    grid = _latest(realistic_city, "grid", "event_no")
    assert hotline["category_name"].isin(coarse).sum() > 0
    assert grid["type_name"].isin(coarse).sum() > 0


@pytest.mark.parametrize("fixture", PROFILES)
def test_every_department_code_stays_in_the_hubs_code_tables(fixture, request):
    city = request.getfixturevalue(fixture)
    for source, table, column in (
        ("hotline", "hotline", "category_code"),
        ("grid", "grid", "type_code"),
        ("police", "police_incidents", "jqlbdm"),
        ("petitions", "petitions", "问题分类"),
    ):
        with open(f"connectors/sources/{source}.yaml", encoding="utf-8") as handle:
            mapped = {str(k) for k in yaml.safe_load(handle)["tables"]["categories"]}
        codes = set(city.table(f"channels/{table}").column(column).to_pylist())
        assert codes <= mapped, (source, codes - mapped)


@pytest.mark.parametrize("fixture", PROFILES)
def test_every_time_and_date_column_is_readable(fixture, request):
    city = request.getfixturevalue(fixture)
    for table, column in (("hotline", "created_at"), ("grid", "report_time"), ("police_incidents", "bjsj")):
        for value in set(city.table(f"channels/{table}").column(column).to_pylist()):
            parse_datetime(value)
    for value in set(city.table("channels/police_persons").column("csrq").to_pylist()):
        parse_date(value)


def test_truth_covers_every_record_and_mention(hard_city):
    records = hard_city.table("truth/records").to_pandas()
    mentions = hard_city.table("truth/mentions").to_pandas()
    for source, table, key in (
        ("hotline", "hotline", "ticket_id"),
        ("grid", "grid", "event_no"),
        ("police", "police_incidents", "jjdbh"),
        ("petitions", "petitions", "信访件编号"),
    ):
        written = set(hard_city.table(f"channels/{table}").column(key).to_pylist())
        assert written == set(records.loc[records["source"] == source, "record_id"]), source
    police = set(hard_city.table("channels/police_persons").column("rybh").to_pylist())
    assert police == set(mentions.loc[mentions["source"] == "police", "mention_id"])


def test_a_second_report_is_a_record_of_its_own_about_the_same_incident(hard_city):
    records = hard_city.table("truth/records").to_pandas()
    hotline = records[records["source"] == "hotline"]
    twice = hotline[hotline.duplicated("incident_id", keep=False)]
    assert len(twice) >= 2 and twice["record_id"].is_unique
    incidents = hard_city.table("city/incidents").to_pandas()
    paths = incidents.set_index("incident_id").loc[twice["incident_id"], "escalation_path"]
    assert not paths.str.contains("hotline>hotline").any()  # a repeat is no step of escalation


def test_some_second_tickets_come_from_another_person_in_the_incident(hard_city):
    mentions = hard_city.table("truth/mentions").to_pandas()
    records = hard_city.table("truth/records").to_pandas()
    callers = mentions[mentions["source"] == "hotline"].merge(records, on=["source", "record_id"])
    per_incident = callers.groupby("incident_id")["person_id"].agg(["size", "nunique"])
    repeated = per_incident[per_incident["size"] > 1]
    assert (repeated["nunique"] > 1).any() and (repeated["nunique"] == 1).any()
