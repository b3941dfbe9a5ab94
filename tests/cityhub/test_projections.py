"""The projections open the search index in the settings' city: queries and documents read addresses there."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cityhub.config import Settings
from cityhub.projections import open_search_index, search_documents


def test_the_search_index_reads_queries_in_the_settings_city(tmp_path: Path) -> None:
    with open_search_index(Settings(home=tmp_path, city_code="330200")) as index:
        assert index.city_code == "330200"


def test_documents_read_addresses_in_the_city_they_are_given() -> None:
    # 江北 is a district of Chongqing (500100) and of Ningbo (330200); 观音桥 is a street only in Chongqing's
    places = pd.DataFrame({"place_id": ["PL1"], "name": ["江北观音桥"], "full_address": ["江北观音桥"]})
    empty = pd.DataFrame(columns=["person_id", "event_id", "source", "category", "case_id"])
    tables = {
        "people": pd.DataFrame(columns=["person_id"]),
        "person_mentions": empty,
        "events": pd.DataFrame(
            columns=["event_id", "source", "category", "occurred_at", "place_id", "case_id"]
        ),
        "event_people": empty,
        "places": places,
        "cases": pd.DataFrame(columns=["case_id"]),
    }
    (chongqing,) = search_documents(tables, "500100")["place"]
    (ningbo,) = search_documents(tables, "330200")["place"]
    assert "as:观音桥街道" in chongqing.tokens
    assert "as:观音桥街道" not in ningbo.tokens
