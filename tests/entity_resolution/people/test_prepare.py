"""Preparing mentions gives the same table whether addresses are parsed here or in a second process."""

from __future__ import annotations

import pandas as pd
import pytest

from entity_resolution.people import prepare
from entity_resolution.people.prepare import prepare_mentions


def test_addresses_parsed_in_a_second_process_give_the_same_table(
    background, monkeypatch: pytest.MonkeyPatch
):
    mentions = background[0]
    here = prepare_mentions(mentions)
    assert here["address_key"].notna().sum() > 0
    monkeypatch.setattr(prepare, "PARALLEL_ADDRESSES", 1)
    spread = prepare_mentions(mentions)
    pd.testing.assert_frame_equal(here, spread)
