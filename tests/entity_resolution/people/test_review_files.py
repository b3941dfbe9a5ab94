"""The review queue where people work it: `cityhub resolve people --review/--decisions` files, and the
warehouse's review_queue table and append-only review_decisions log, which fusion obeys."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cityhub.config import Settings
from cityhub.pipeline import fusion
from cityhub.warehouse import Warehouse
from cityhub.warehouse.review import append_decisions, read_decisions, read_review_queue

# Pairs the model cannot settle alone: one name and nothing else, a typo and a mobile one slip apart.
UNSURE = pd.DataFrame(
    [
        {"record_id": "u:1", "source": "hotline", "name": "邝秀英", "address": "沙坪坝锦绣花园"},
        {"record_id": "u:2", "source": "grid", "name": "邝秀英", "address": "锦绣花园"},
        {"record_id": "u:3", "source": "hotline", "name": "邝玉兰", "phone": "13911112222"},
        {"record_id": "u:4", "source": "grid", "name": "邝玉生", "phone": "13911112223"},
        {"record_id": "u:5", "source": "hotline", "name": "冉冬"},
        {"record_id": "u:6", "source": "police", "name": "冉冬"},
        {"record_id": "u:7", "source": "hotline", "name": "邝秀英"},
    ]
)
QUEUE_COLUMNS = [
    "left_record_id",
    "right_record_id",
    "score",
    "probability",
    "reason",
    "decision",
    "who",
    "at",
]


def cityhub(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CITYHUB_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "cityhub.cli", *args], capture_output=True, text=True, timeout=300, env=env
    )


def test_a_reviewer_fills_in_the_review_file_and_the_next_run_obeys_it(
    tmp_path: Path, background: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    source, target, review = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "review.csv"
    pd.concat([background[0], UNSURE], ignore_index=True).to_csv(source, index=False)
    done = cityhub(
        "resolve",
        "people",
        "--input",
        str(source),
        "--output",
        str(target),
        "--review",
        str(review),
        home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    queue = pd.read_csv(review, dtype=str, keep_default_na=False)
    assert list(queue.columns) == QUEUE_COLUMNS and len(queue) > 0
    assert all(reason.split(": ", 1)[1] for reason in queue["reason"])  # the evidence, in words
    person = pd.read_csv(target, dtype=str).set_index("record_id")["person_id"]
    left, right = queue.loc[0, "left_record_id"], queue.loc[0, "right_record_id"]
    verdict = "not_same" if person[left] == person[right] else "same"
    queue.loc[0, ["decision", "who"]] = [verdict, "wang"]
    queue.to_csv(review, index=False)
    done = cityhub(
        "resolve",
        "people",
        "--input",
        str(source),
        "--output",
        str(target),
        "--decisions",
        str(review),
        "--review",
        str(tmp_path / "next.csv"),
        home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    after = pd.read_csv(target, dtype=str).set_index("record_id")["person_id"]
    assert (after[left] == after[right]) == (verdict == "same")
    pending = pd.read_csv(tmp_path / "next.csv", dtype=str)
    assert not ((pending["left_record_id"] == left) & (pending["right_record_id"] == right)).any()


def test_a_decision_that_is_neither_same_nor_not_same_is_named(
    tmp_path: Path, background: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    source, decisions = tmp_path / "in.csv", tmp_path / "decisions.csv"
    background[0].head(50).to_csv(source, index=False)
    pd.DataFrame([["a", "b", 1.0, 0.5, "x", "maybe", "wang", ""]], columns=QUEUE_COLUMNS).to_csv(
        decisions, index=False
    )
    done = cityhub(
        "resolve",
        "people",
        "--input",
        str(source),
        "--output",
        str(tmp_path / "o.csv"),
        "--decisions",
        str(decisions),
        home=tmp_path,
    )
    assert done.returncode != 0 and "maybe" in done.stderr + done.stdout


@pytest.fixture(scope="module")
def fused(ingested_city_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("review-fusion")
    with (
        sqlite3.connect(ingested_city_home / "warehouse.sqlite") as source,
        sqlite3.connect(home / "warehouse.sqlite") as copy,
    ):
        source.backup(copy)
    settings = Settings(home=home)
    fusion.standardise(settings)
    fusion.resolve(settings)
    return settings


def _person_of(warehouse: Warehouse) -> pd.Series:
    mentions = warehouse.read_table("resolved_person_mentions")
    return pd.Series(
        mentions["person_id"].to_numpy(), index=(mentions["source"] + ":" + mentions["mention_id"]).to_numpy()
    )


def test_fusion_obeys_the_decision_log_and_the_latest_decision_wins(fused: Settings) -> None:
    warehouse = Warehouse(fused.resolved_warehouse_url())
    queue = read_review_queue(warehouse.engine)
    assert len(queue) > 0 and queue["reason"].str.len().min() > 0
    left, right = queue.loc[0, "left_id"], queue.loc[0, "right_id"]
    apart = _person_of(warehouse)[left] != _person_of(warehouse)[right]
    first, second = ("same", "not_same") if apart else ("not_same", "same")
    append_decisions(
        warehouse.engine,
        "person",
        pd.DataFrame(
            {
                "left": [left],
                "right": [right],
                "decision": [first],
                "who": ["wang"],
                "at": [dt.datetime(2026, 12, 1, 9)],
            }
        ),
    )
    fusion.resolve(fused)
    person = _person_of(warehouse)
    assert (person[left] == person[right]) == (first == "same")
    waiting = read_review_queue(warehouse.engine)
    assert not ((waiting["left_id"] == left) & (waiting["right_id"] == right)).any()
    append_decisions(  # she changes her mind: a new row, the old one stays
        warehouse.engine,
        "person",
        pd.DataFrame(
            {
                "left": [right],
                "right": [left],
                "decision": [second],
                "who": ["li"],
                "at": [dt.datetime(2026, 12, 2, 9)],
            }
        ),
    )
    fusion.resolve(fused)
    person = _person_of(warehouse)
    assert (person[left] == person[right]) == (second == "same")
    log = read_decisions(warehouse.engine)
    assert log["decision"].tolist() == [first, second] and log["who"].tolist() == ["wang", "li"]
