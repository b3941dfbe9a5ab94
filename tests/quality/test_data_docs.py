"""Data Docs as a static site, built by real GX from the gate's results."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from quality.data_docs import build_data_docs
from quality.gate import GateResult, check_batch

NOW = dt.datetime(2026, 11, 20, 12, 0)
BAD_ID = "51010319900307123"
POLICE_RULES = {"id_number": "valid", "phone": "valid_if_present"}


@pytest.fixture(scope="module")
def results(person_row, event_row) -> list[GateResult]:
    people = pd.DataFrame([person_row(1), person_row(2, id_number=BAD_ID, phone="13812345")])
    events = pd.DataFrame([event_row(1), event_row(2, category="noise")])
    return [
        check_batch("police", "PersonMention", people, POLICE_RULES, NOW),
        check_batch("hotline", "EventRecord", events, {}, NOW),
    ]


@pytest.fixture(scope="module")
def index(results, tmp_path_factory) -> Path:
    return build_data_docs(results, tmp_path_factory.mktemp("docs") / "site")


def test_the_site_has_an_index_that_lists_every_suite(index):
    assert index.name == "index.html"
    assert index.parent.name == "site"
    html = index.read_text("utf-8")
    assert "police.PersonMention" in html
    assert "hotline.EventRecord" in html


def test_each_batch_has_a_validation_page_and_each_suite_an_expectation_page(index):
    site = index.parent
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert {"expectations/police/PersonMention.html", "expectations/hotline/EventRecord.html"} <= pages
    validations = sorted(p for p in pages if p.startswith("validations/"))
    assert len(validations) == 2
    assert validations[1].startswith("validations/police/PersonMention/police-20261120-01/")
    person_page = (site / validations[1]).read_text("utf-8")
    assert "PersonMention.id_number, when present, is a valid id number" in person_page


def test_no_id_number_or_phone_reaches_the_site_in_clear(index):
    text = "".join(p.read_text("utf-8") for p in index.parent.rglob("*.html"))
    assert "id_number__valid" in text
    assert BAD_ID not in text
    assert "13812345" not in text


def test_building_the_site_leaves_the_gate_results_whole(results, index):
    id_check = next(
        r
        for r in results[0].report.validation.results
        if r.expectation_config.kwargs["column"] == "id_number__valid"
    )
    assert id_check.result["unexpected_count"] == 1
    assert not id_check.success


def test_a_relative_site_directory_is_resolved(results, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert build_data_docs(results[1:], "docs") == tmp_path / "docs" / "index.html"
