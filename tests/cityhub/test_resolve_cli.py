"""`cityhub resolve people|places|events` on users' files, and `cityhub eval`: results and clear errors."""

import os
import subprocess
import sys

import pandas as pd
import pytest


def cityhub(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "CITYHUB_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "cityhub.cli", *args], capture_output=True, text=True, timeout=300, env=env
    )


PEOPLE = pd.DataFrame(
    {
        "record_id": ["h1", "p1", "x1", "g1"],
        "source": ["hotline", "police", "petitions", "grid"],
        "name": ["张玮", "张伟", "張偉", "李秀英"],
        "id_number": ["", "500106198503070016", "500106198503070016", ""],
        "phone": ["+86 138-0831-2233", "13808312233", "", "13996540011"],
        "birth_date": ["", "19850307", "1985年3月7日", ""],
        "gender": ["", "1", "男", ""],
        "address": [
            "沙坪坝锦绣花园三栋二单元501室",
            "重庆市沙坪坝区锦绣花园3栋2单元501",
            "",
            "聚龙城3-2-501",
        ],
    }
)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_resolve_people_writes_record_and_person_ids_in_the_input_format(tmp_path, suffix):
    source, target = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    PEOPLE.to_csv(source, index=False) if suffix == ".csv" else PEOPLE.to_parquet(source)
    done = cityhub("resolve", "people", "--input", str(source), "--output", str(target), home=tmp_path)
    assert done.returncode == 0, done.stderr
    out = pd.read_csv(target, dtype=str) if suffix == ".csv" else pd.read_parquet(target)
    assert list(out.columns) == ["record_id", "person_id"]
    person = out.set_index("record_id")["person_id"]
    assert person["h1"] == person["p1"] == person["x1"] != person["g1"]


def test_resolve_places_writes_one_place_per_room(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    PEOPLE[["record_id", "address"]].to_csv(source, index=False)
    done = cityhub("resolve", "places", "--input", str(source), "--output", str(target), home=tmp_path)
    assert done.returncode == 0, done.stderr
    place = pd.read_csv(target, dtype=str).set_index("record_id")["place_id"]
    assert place["h1"] == place["p1"] and pd.isna(place["x1"]) and place["g1"] != place["h1"]


def _error(tmp_path, command, content, suffix=".csv"):
    source = tmp_path / f"in{suffix}"
    if isinstance(content, bytes):
        source.write_bytes(content)
    elif content is not None:
        source.write_text(content, encoding="utf-8")
    done = cityhub(
        "resolve", command, "--input", str(source), "--output", str(tmp_path / f"out{suffix}"), home=tmp_path
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {source}")
    assert not (tmp_path / f"out{suffix}").exists()
    return lines[0]


def test_a_missing_column_is_named(tmp_path):
    assert "missing column(s) address" in _error(tmp_path, "places", "record_id,adress\n1,x\n")


def test_a_duplicate_record_id_is_named(tmp_path):
    message = _error(
        tmp_path,
        "people",
        "record_id,source,name,id_number,phone,birth_date,gender,address\n"
        "a,hotline,张伟,,,,,\na,police,张伟,,,,,\n",
    )
    assert "duplicate record_id 'a'" in message


def test_an_empty_record_id_is_named(tmp_path):
    assert "row 2 has an empty record_id" in _error(tmp_path, "places", "record_id,address\nr1,x\n,y\n")


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    assert "not UTF-8" in _error(tmp_path, "places", "record_id,address\nr1,沙坪坝区\n".encode("gbk"))


def test_a_missing_or_corrupt_file_is_named(tmp_path):
    assert "no such file" in _error(tmp_path, "places", None)
    assert "unreadable parquet file" in _error(tmp_path, "places", b"not parquet", suffix=".parquet")


def test_an_unknown_file_type_is_named(tmp_path):
    assert "unknown file type '.xlsx'" in _error(tmp_path, "places", "x", suffix=".xlsx")


def test_eval_places_scores_a_simulated_city(tmp_path, small_city):
    done = cityhub("eval", "places", "--city", str(small_city), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "places" in done.stdout and "f1" in done.stdout


def test_eval_people_on_febrl1_prints_pairwise_and_bcubed_scores(tmp_path):
    done = cityhub("eval", "people", "--dataset", "febrl1", home=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "febrl1" in line)
    f1 = float(row.split("│")[6])
    assert f1 > 0.95


def test_eval_rejects_a_folder_that_is_not_a_city(tmp_path):
    done = cityhub("eval", "places", "--city", str(tmp_path), home=tmp_path)
    assert done.returncode == 2 and "not a simulated city" in done.stderr


EVENTS = (
    "record_id,source,category,description,occurred_at,address,person_name,person_phone\n"
    "h1,hotline,neighbour_dispute.noise,楼上装修噪音扰民,2026-03-01 09:00:00,沙坪坝锦绣花园三栋二单元501室,张玮,13808312233\n"
    "g1,grid,neighbour_dispute.noise,装修噪音 邻里纠纷,2026-03-02 10:00,锦绣花园3-2-501,张伟,13808312233\n"
    "p1,police,neighbour_dispute.noise,报警称楼上装修噪音,2026-03-05 21:00,"
    "重庆市沙坪坝区回龙坝镇聚龙城社区锦绣花园3栋2单元501,张伟,13808312233\n"
    "x1,hotline,labour.wage_arrears,拖欠工资,2026-08-01 09:00,渝北区煤建宿舍1栋,李四,13900001111\n"
)


def test_resolve_events_groups_one_incident_across_channels(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(EVENTS, encoding="utf-8")
    done = cityhub("resolve", "events", "--input", str(source), "--output", str(target), home=tmp_path)
    assert done.returncode == 0, done.stderr
    case = pd.read_csv(target, dtype=str).set_index("record_id")["case_id"]
    assert case["h1"] == case["g1"] == case["p1"] != case["x1"]


def test_resolve_events_names_an_unreadable_time(tmp_path):
    bad = EVENTS.replace("2026-08-01 09:00", "next tuesday")
    assert "record 'x1': occurred_at 'next tuesday' is not a time" in _error(tmp_path, "events", bad)


def test_resolve_events_names_a_missing_column(tmp_path):
    assert "missing column(s) person_phone" in _error(
        tmp_path, "events", EVENTS.replace(",person_phone", ",phone")
    )


LABELLED = (
    "record_id,source,category,description,occurred_at,address,person_name,person_phone\n"
    # one leak: two 12345 tickets days apart (the second under a coarse label), a grid visit
    "h1,hotline,房屋漏水,楼上卫生间漏水至我家天花板,2026年07月04日 09时10分,沙坪坝锦绣花园三栋二单元501室,张玮,13808312233\n"
    "h2,hotline,纠纷/邻里纠纷,楼上漏水至今未修再次来电,2026/7/7 18:30,沙坪坝锦绣花园3栋2单元501,张玮,13808312233\n"
    "g1,grid,邻里纠纷-漏水,楼上卫生间漏水 网格员已上门,20260705 10:00,锦绣花园3-2-501,张伟,13808312233\n"
    # wages owed, another estate, the same week
    "x1,hotline,劳资纠纷/欠薪,工地拖欠工资三个月,2026-07-05T01:00:00Z,渝北区煤建宿舍1栋,李四,13900001111\n"
    # a label no term knows, mapped by the user's file
    "x2,grid,A07楼上滴漏,楼上滴水,2026年07月06日,沙坪坝锦绣花园3栋2单元501,张玮,13808312233\n"
)


def _resolve_labelled(tmp_path, *extra: str) -> tuple[subprocess.CompletedProcess, pd.Series]:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(LABELLED, encoding="utf-8")
    done = cityhub(
        "resolve", "events", "--input", str(source), "--output", str(target), *extra, home=tmp_path
    )
    case = pd.read_csv(target, dtype=str).set_index("record_id")["case_id"] if done.returncode == 0 else None
    return done, case


def test_resolve_events_reads_department_labels_and_chinese_dates(tmp_path):
    done, case = _resolve_labelled(tmp_path)
    assert done.returncode == 0, done.stderr
    assert case["h1"] == case["g1"] != case["x1"]
    assert "labels not recognised" in done.stdout + done.stderr


def test_resolve_events_groups_two_tickets_of_one_department_about_one_leak(tmp_path):
    done, case = _resolve_labelled(tmp_path)
    assert done.returncode == 0, done.stderr
    assert case["h1"] == case["h2"]  # the second ticket's coarse label weakens, never refuses


@pytest.mark.parametrize("suffix", [".csv", ".yaml"])
def test_resolve_events_takes_a_category_mapping_file(tmp_path, suffix):
    mapping = tmp_path / f"categories{suffix}"
    if suffix == ".csv":
        mapping.write_text("label,code\nA07楼上滴漏,neighbour_dispute.water_leak\n", encoding="utf-8")
    else:
        mapping.write_text("A07楼上滴漏: neighbour_dispute.water_leak\n", encoding="utf-8")
    done, case = _resolve_labelled(tmp_path, "--categories", str(mapping))
    assert done.returncode == 0, done.stderr
    assert case["x2"] == case["h1"]


def test_resolve_events_names_a_mapping_to_no_taxonomy_code(tmp_path):
    mapping = tmp_path / "categories.csv"
    mapping.write_text("漏水,neighbour_dispute.leaks\n", encoding="utf-8")
    done, _ = _resolve_labelled(tmp_path, "--categories", str(mapping))
    assert done.returncode != 0
    assert "'neighbour_dispute.leaks' is not a taxonomy code" in done.stderr


def test_eval_events_and_search_score_a_simulated_city(tmp_path, small_city):
    for what, title in (("events", "event resolution"), ("search", "search relevance")):
        done = cityhub("eval", what, "--city", str(small_city), home=tmp_path)
        assert done.returncode == 0, done.stderr
        assert title in done.stdout


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_resolve_people_on_duckdb_writes_what_the_pandas_engine_writes(tmp_path, suffix):
    from tests.entity_resolution.people.conftest import town

    mentions, _ = town(n=150, seed=8)
    records = pd.concat([PEOPLE, mentions.fillna("").astype(str)], ignore_index=True)
    source = tmp_path / f"in{suffix}"
    records.to_csv(source, index=False) if suffix == ".csv" else records.to_parquet(source)
    outputs = {}
    for engine in ("pandas", "duckdb"):
        target = tmp_path / f"{engine}{suffix}"
        done = cityhub(
            "resolve",
            "people",
            "--input",
            str(source),
            "--output",
            str(target),
            "--engine",
            engine,
            # a work folder not made yet: the engine makes it, as the output's folder
            *(
                ["--train-mentions", str(len(records)), "--work", str(tmp_path / "new" / "work")]
                if engine == "duckdb"
                else []
            ),
            home=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        outputs[engine] = pd.read_csv(target, dtype=str) if suffix == ".csv" else pd.read_parquet(target)
    pd.testing.assert_frame_equal(outputs["duckdb"], outputs["pandas"])
    assert outputs["duckdb"]["person_id"].nunique() < len(records)


def test_resolve_people_on_duckdb_names_a_duplicate_record_id_and_refuses_a_review_file_and_no_sample(
    tmp_path,
):
    source = tmp_path / "in.csv"
    source.write_text(
        "record_id,source,name,id_number,phone,birth_date,gender,address\na,hotline,张伟,,,,,\na,police,张伟,,,,,\n",
        encoding="utf-8",
    )
    target = str(tmp_path / "out.csv")
    done = cityhub(
        "resolve", "people", "--input", str(source), "--output", target, "--engine", "duckdb", home=tmp_path
    )
    assert done.returncode == 2 and "record_id 'a'" in done.stderr and "more than once" in done.stderr
    done = cityhub(
        "resolve", "people", "--input", str(source), "--output", target, "--engine", "duckdb",
        "--review", str(tmp_path / "review.csv"), home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2 and "--engine pandas" in done.stderr
    done = cityhub(
        "resolve", "people", "--input", str(source), "--output", target, "--engine", "duckdb",
        "--train-mentions", "0", home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2 and "--train-mentions" in done.stderr
