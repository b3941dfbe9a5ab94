import re
from collections import Counter, defaultdict

import pytest

from ontology.model import load_ontology
from simulators.city.channels.common import traditional
from simulators.city.names import HOMOPHONES
from simulators.city.reports import SOURCES
from simulators.city.truth import mention_id
from simulators.departments import load_code_books

ROLE_NAMES = set(load_ontology().links["INVOLVED_IN"].properties[0].values)
KEYS = {
    "hotline": ("channels/hotline", "ticket_id"),
    "grid": ("channels/grid", "event_no"),
    "police": ("channels/police_incidents", "jjdbh"),
    "petitions": ("channels/petitions", "信访件编号"),
}
CODE_FIELDS = {"hotline": "category_code", "grid": "type_code", "police": "jqlbdm", "petitions": "问题分类"}


@pytest.fixture(scope="module")
def truth(city):
    records = {(r["source"], r["record_id"]): r for r in city.rows("truth/records")}
    mentions = defaultdict(list)
    for m in city.rows("truth/mentions"):
        mentions[m["source"], m["record_id"]].append(m)
    return records, mentions


@pytest.fixture(scope="module")
def people(city):
    return {p["person_id"]: p for p in city.rows("city/people")}


@pytest.fixture(scope="module")
def latest(city):
    """The last version of every record, per source."""
    result = {}
    for source, (name, key) in KEYS.items():
        rows = {}
        for row in city.rows(name):
            rows[row[key]] = row
        result[source] = rows
    return result


def test_every_record_has_truth_and_every_truth_a_record(truth, latest):
    records, mentions = truth
    for source, rows in latest.items():
        assert {k for s, k in records if s == source} == set(rows)
    assert set(mentions) <= set(records)
    assert all(records[key]["source"] == key[0] for key in mentions)


def test_mentions_name_real_people_in_the_incident(city, truth, people):
    records, mentions = truth
    involved = defaultdict(set)
    for row in city.rows("city/incident_people"):
        involved[row["incident_id"]].add(row["person_id"])
    for key, rows in mentions.items():
        assert 1 <= len(rows) <= 4
        expected = [mention_id(SOURCES.index(key[0]), key[1], n) for n in range(len(rows))]
        assert sorted(m["mention_id"] for m in rows) == expected
        for m in rows:
            assert m["person_id"] in people and m["role"] in ROLE_NAMES
            assert m["person_id"] in involved[records[key]["incident_id"]]


def test_versions_count_up_in_time_and_deletion_is_last(city):
    for name, key in (*KEYS.values(), ("channels/police_persons", "rybh")):
        versions = defaultdict(list)
        for row in city.rows(name):
            versions[row[key]].append(row)
        deleted = 0
        for rows in versions.values():
            assert [r["version"] for r in rows] == list(range(1, len(rows) + 1))
            assert [r["updated_at"] for r in rows] == sorted(r["updated_at"] for r in rows)
            assert not any(r["deleted"] for r in rows[:-1])
            deleted += rows[-1]["deleted"]
        assert deleted < 0.04 * len(versions), name


def test_codes_come_from_the_department_book_and_mean_the_true_category(city, truth, latest):
    records, _ = truth
    category = {i["incident_id"]: i["category"] for i in city.rows("city/incidents")}
    books = load_code_books()
    for source, rows in latest.items():
        meaning = {c.code: c.unified for c in (*books[source].codes, books[source].other)}
        for record_id, row in rows.items():
            unified = meaning[row[CODE_FIELDS[source]]]
            assert unified in ("other.unclassified", category[records[source, record_id]["incident_id"]])


def test_police_persons_carry_true_names_ids_and_roles(city, truth, people):
    _, mentions = truth
    rows = {}
    for row in city.rows("channels/police_persons"):
        rows[row["rybh"]] = row
    codes = {"caller": "01", "party": "02", "suspect": "03", "victim": "04", "witness": "05"}
    for row in rows.values():
        mention = next(m for m in mentions["police", row["jjdbh"]] if m["mention_id"] == row["rybh"])
        person = people[mention["person_id"]]
        assert row["xm"] == person["name"] and row["sfzh"].upper() == person["id_number"]
        assert row["csrq"] == person["birth_date"].strftime("%Y%m%d")
        assert (
            row["xbdm"] == ("1" if person["gender"] == "M" else "2") and row["rylx"] == codes[mention["role"]]
        )


def test_police_write_formal_addresses_of_the_place_and_of_each_home(city, truth, latest):
    records, mentions = truth
    addresses = {p["place_id"]: p["full_address"] for p in city.rows("city/places")}
    for record_id, row in latest["police"].items():
        assert row["fadz"] == addresses[records["police", record_id]["place_id"]]
    homes = defaultdict(set)
    for r in city.rows("city/residences"):
        homes[r["person_id"]].add(addresses[r["place_id"]])
    for row in city.rows("channels/police_persons"):
        person = next(m for m in mentions["police", row["jjdbh"]] if m["mention_id"] == row["rybh"])[
            "person_id"
        ]
        assert row["xzz"] in homes[person]


def test_hotline_names_are_typed_by_ear(truth, people, latest):
    _, mentions = truth
    outcome = Counter()
    for record_id, row in latest["hotline"].items():
        true = people[mentions["hotline", record_id][0]["person_id"]]["name"]
        typed = row["caller_name"]
        if typed == true:
            outcome["exact"] += 1
        elif len(typed) == len(true) and sum(a != b for a, b in zip(typed, true, strict=True)) == 1:
            a, b = next((a, b) for a, b in zip(typed, true, strict=True) if a != b)
            assert b in HOMOPHONES and a in HOMOPHONES[b]
            outcome["homophone"] += 1
        else:
            assert typed == "匿名" or typed in (true[0] + "先生", true[0] + "女士"), (typed, true)
            outcome["other"] += 1
    total = sum(outcome.values())
    assert 0.12 < outcome["homophone"] / total < 0.30
    assert outcome["exact"] / total > 0.6


def test_hotline_rarely_takes_an_id_number(latest):
    rows = latest["hotline"].values()
    taken = sum(1 for r in rows if r["caller_id_number"])
    assert 0 < taken < 0.12 * len(rows)


def test_grid_workers_write_shorthand_and_sign_their_reports(city, truth, people, latest):
    records, mentions = truth
    levels = {p["place_id"]: p["level"] for p in city.rows("city/places")}
    workers = {g["grid_id"]: people[g["worker_person_id"]]["name"] for g in city.rows("city/grids")}
    at_rooms = [r for k, r in latest["grid"].items() if levels[records["grid", k]["place_id"]] == "room"]
    short = sum(1 for r in at_rooms if re.search(r"\d+-\d+-\d+$", r["address"]))
    assert 0.6 < short / len(at_rooms) < 0.9
    for record_id, row in latest["grid"].items():
        assert row["worker_name"] == workers[row["grid_code"]]
        assert mentions["grid", record_id][-1]["role"] == "grid_worker"
        assert len(row["parties"]) == len(mentions["grid", record_id]) - 1


def test_petition_forms_carry_their_own_noise(truth, people, latest):
    records, mentions = truth
    rows = [(k, r) for k, r in latest["petitions"].items() if not records["petitions", k]["malformed"]]
    old_ids = full_width = 0
    born_before_1985 = 0
    for record_id, row in rows:
        person = people[mentions["petitions", record_id][0]["person_id"]]
        number = row["身份证号码"].translate(str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx"))
        full_width += number != row["身份证号码"]
        if person["birth_date"].year < 1985:
            born_before_1985 += 1
            old_ids += len(number) == 15
        born = person["birth_date"]
        assert row["出生日期"] == f"{born.year}年{born.month}月{born.day}日"
        assert number.upper() in (person["id_number"], person["id_number"][:6] + person["id_number"][8:17])
    assert 0.1 < old_ids / born_before_1985 < 0.5
    assert full_width > 0
    written_traditionally = sum(
        1
        for record_id, row in rows
        if row["信访人"] != (name := people[mentions["petitions", record_id][0]["person_id"]]["name"])
        and row["信访人"] == traditional(name)
    )
    assert written_traditionally > 0


def test_malformed_petitions_are_listed_with_their_reason(truth, latest):
    records, _ = truth
    bad = [r for r in records.values() if r["malformed"]]
    assert all(r["source"] == "petitions" for r in bad)
    for record in bad:
        row = latest["petitions"][record["record_id"]]
        reason = record["malformed_reason"]
        if reason == "empty_petitioner":
            assert row["信访人"] == ""
        elif reason == "impossible_birth_date":
            assert "13月40日" in row["出生日期"]
        else:
            assert reason == "id_number_17_digits" and len(row["身份证号码"]) == 17


def test_some_records_are_corrected_later(city):
    first, last = {}, {}
    for row in city.rows("channels/hotline"):
        first.setdefault(row["ticket_id"], row["caller_phone"])
        last[row["ticket_id"]] = row["caller_phone"]
    fixed = sum(1 for k in first if first[k] != last[k])
    assert 0 < fixed < 0.05 * len(first)


def test_deleted_petitions_say_so_in_their_own_words(city):
    for row in city.rows("channels/petitions"):
        assert row["记录状态"] == ("已删除" if row["deleted"] else "正常")


def test_code_books_speak_the_unified_taxonomy():
    categories = set(load_ontology().taxonomy.categories)
    books = load_code_books()
    for book in books.values():
        assert {c.unified for c in book.codes} <= categories
        assert book.other.unified == "other.unclassified"
        assert len({c.code for c in book.codes}) == len(book.codes)
    assert any(len(book.for_category("city_appearance.garbage")) > 1 for book in books.values())
    assert not books["police"].for_category("public_facilities.street_light")
