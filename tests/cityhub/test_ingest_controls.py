"""The engineer's controls around ingest, run as a user would through the `cityhub` command against
the running department systems: `ingest --all` past a failing source, progress lines in a log,
`status`, and `quarantine list|show|replay` after a mapping fix, with no clear ID number readable
from the quarantine table."""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
import sqlalchemy as sa
import yaml

from cityhub.lake import Lake
from cityhub.pipeline.run import ingest_every_source
from cityhub.warehouse import Warehouse
from connectors.spec import load_sources
from simulators.services.runner import DepartmentSystems

SOURCES = "connectors/sources"
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture()
def hub(small_city, tmp_path):
    """Yield (systems, environment for the CLI, its sources folder, its home)."""
    systems = DepartmentSystems(small_city, tmp_path / "systems")
    systems.__enter__()
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    env = {**os.environ, **systems.environment()}
    for name in ("CITYHUB_WAREHOUSE_URL", "CITYHUB_LAKE_DIR"):
        env.pop(name, None)
    env.update({"CITYHUB_HOME": str(tmp_path / "home"), "CITYHUB_SOURCES_DIR": str(sources)})
    yield systems, env, sources, tmp_path / "home"
    systems.__exit__(None, None, None)


def cityhub(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "cityhub.cli", *args], capture_output=True, text=True, timeout=600, env=env
    )


def warehouse_of(home):
    return Warehouse(f"sqlite:///{home / 'warehouse.sqlite'}", quarantine_key=home / "quarantine.key")


def test_ingest_all_goes_past_a_failing_source_prints_the_table_and_exits_non_zero(hub):
    systems, env, _, home = hub
    newest = sorted(systems.petitions_dir.glob("信访登记_*.csv"))[-1]
    newest.write_bytes(newest.read_bytes().decode("gbk").encode("utf-8"))

    done = cityhub(env, "ingest", "--all")

    assert done.returncode == 3, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith(
        f"error: petitions/registrations {newest.name}: is not gbk text; it reads as utf-8"
    )
    for source, stream in (("hotline", "tickets"), ("grid", "events"), ("police", "incidents")):
        assert re.search(rf"{source}\s+[│|]\s+{stream}\s+[│|]\s+[\d,]+", done.stderr), done.stderr
    assert re.search(r"petitions\s+[│|]\s+registrations\s+[│|]\s+-", done.stderr)
    # piped: one progress line per stream as it ends, with records, rate and quarantined
    for key in ("hotline", "grid", "police.incidents"):
        assert re.search(
            rf"ingest {re.escape(key)}: done, [\d,]+ records, [\d,]+ accepted, [\d,]+ quarantined, "
            r"[\d,]+ records/s",
            done.stderr,
        ), key
    assert "ingest petitions: failed" in done.stderr
    warehouse = warehouse_of(home)
    events = warehouse.read_table("EventRecord")
    assert set(events["source"]) == {"hotline", "grid", "police"}
    assert warehouse.watermark("petitions") is None and warehouse.watermark("hotline")

    status = cityhub(env, "status", "--json")
    assert status.returncode == 0, status.stderr
    rows = {row["stream"]: row for row in map(json.loads, status.stdout.splitlines())}
    assert rows["petitions"]["age"] == "never" and rows["petitions"]["records"] == 0
    assert newest.name in rows["petitions"]["last error"] and "not gbk" in rows["petitions"]["last error"]
    hotline = rows["hotline"]
    assert hotline["records"] == int((events["source"] == "hotline").sum()) > 0
    assert hotline["last error"] == "-" and hotline["watermark"] == warehouse.watermark("hotline")
    assert (
        hotline["last batch"]
        == warehouse.read_table("batches").query("source == 'hotline'")["batch_id"].iloc[-1]
    )
    table = cityhub(env, "status")
    assert table.returncode == 0 and "police.incidents" in table.stdout and "never" in table.stdout


def test_progress_reaches_a_log_one_line_per_stream_every_n_pages(small_city, tmp_path, capsys):
    from cityhub.cli.ingest import LogLines

    warehouse = Warehouse(f"sqlite:///{tmp_path}/w.sqlite", quarantine_key=tmp_path / "q.key")
    warehouse.create_all()
    spec = load_sources()["hotline"]
    (stream,) = spec.streams
    paging = stream.fetch.paging.model_copy(update={"page_size": 50})
    stream = stream.model_copy(update={"fetch": stream.fetch.model_copy(update={"paging": paging})})
    with DepartmentSystems(small_city, tmp_path / "systems") as systems:
        run = ingest_every_source(
            [spec.model_copy(update={"streams": [stream]})],
            warehouse,
            Lake(tmp_path / "lake"),
            variables=systems.environment(),
            progress=LogLines(every_pages=2, every_seconds=3600),
        )
    lines = [line for line in capsys.readouterr().err.splitlines() if "ingest hotline" in line]
    pulled = [
        int(m.group(2).replace(",", ""))
        for m in map(re.compile(r"(\d+) pages, ([\d,]+) records pulled").search, lines)
        if m
    ]
    pages = [int(m.group(1)) for m in map(re.compile(r"(\d+) pages, ").search, lines) if m]
    (result,) = run.results
    assert len(pages) >= 5 and pages == list(range(2, 2 * len(pages) + 1, 2)), lines
    assert pulled == sorted(pulled) and pulled[-1] <= result.extracted
    assert lines[-1].endswith("records/s") and f"{result.quarantined:,} quarantined" in lines[-1]


def break_the_gender_table(sources):
    """Drop 男 from the petitions' gender code table: every male petitioner's row is quarantined."""
    path = sources / "petitions.yaml"
    spec = yaml.safe_load(path.read_text("utf-8"))
    original = path.read_text("utf-8")
    del spec["tables"]["genders"]["男"]
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), "utf-8")
    return original


def quarantine_cells(home):
    with sqlite3.connect(home / "warehouse.sqlite") as connection:
        return [str(v) for row in connection.execute("SELECT * FROM quarantine") for v in row]


def test_replay_after_a_mapping_fix_and_no_clear_id_number_in_the_quarantine(hub):
    systems, env, sources, home = hub
    original = break_the_gender_table(sources)
    done = cityhub(env, "ingest", "petitions")
    assert done.returncode == 0, done.stderr
    warehouse = warehouse_of(home)
    quarantined = warehouse.read_table("quarantine")
    assert len(quarantined) > 20 and quarantined["reasons"].str.contains("not in table genders").all()

    # the quarantined petitioners' ID numbers and phones are kept sealed, never readable in the table
    clear = warehouse.unsealed_quarantine(sa.true())["row"]
    ids = {row["身份证号码"] for row in clear if row.get("身份证号码")}
    phones = {row["联系电话"] for row in clear if row.get("联系电话")}
    assert len(ids) > 10 and len(phones) > 10
    cells = " ".join(quarantine_cells(home))
    assert not ID_NUMBER.search(cells) and not MOBILE.search(cells)
    assert not any(value in cells for value in ids | phones)

    listed = cityhub(env, "quarantine", "list", "--source", "petitions")
    assert listed.returncode == 0 and "not in table genders" in listed.stdout
    first = quarantined.iloc[0]
    shown = cityhub(env, "quarantine", "show", "petitions", first["batch_id"], str(first["row_number"]))
    entry = json.loads(shown.stdout)
    assert entry["record_id"] == first["record_id"] and entry["raw"]["信访件编号"] == first["record_id"]
    assert entry["raw"]["身份证号码"] in ("", None) or entry["raw"]["身份证号码"].count("*") >= 12
    assert not ID_NUMBER.search(shown.stdout)

    (sources / "petitions.yaml").write_text(original, "utf-8")  # the mapping fixed
    replayed = cityhub(env, "quarantine", "replay")
    assert replayed.returncode == 0, replayed.stderr
    assert warehouse.count("quarantine") == 0
    (batch,) = warehouse.read_table("batches").to_dict("records")
    assert batch["quarantined"] == 0 and batch["accepted"] == batch["extracted"]
    events = warehouse.read_table("EventRecord")
    assert set(quarantined["record_id"]) <= set(events["record_id"])
    men = warehouse.read_table("PersonMention").query("gender == 'M'")
    assert set(quarantined["record_id"]) <= set(men["record_id"])
    assert warehouse.read_table("watermarks")["watermark"].tolist() == [batch["watermark_to"]]


def test_replay_keeps_what_the_fix_does_not_cure_and_counts_still_reconcile(hub):
    systems, env, sources, home = hub
    break_the_gender_table(sources)
    assert cityhub(env, "ingest", "petitions").returncode == 0
    replayed = cityhub(env, "quarantine", "replay")  # no fix: every row is checked and stays
    assert replayed.returncode == 0, replayed.stderr
    warehouse = warehouse_of(home)
    (batch,) = warehouse.read_table("batches").to_dict("records")
    assert batch["quarantined"] == warehouse.count("quarantine") > 0
    assert batch["extracted"] == batch["accepted"] + batch["quarantined"]
