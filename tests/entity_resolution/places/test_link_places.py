"""Linking address mentions batch by batch gives every mention the place a run over all of them gives."""

import numpy as np
import pandas as pd

from entity_resolution.places import prepare_addresses, resolve_places
from entity_resolution.places.link import link_places, place_state
from entity_resolution.places.resolve import resolve_parts
from proving.scores import load_simulated_places


def _parts(mentions: pd.DataFrame) -> pd.DataFrame:
    grid = mentions["grid_code"].fillna("").astype(str).to_numpy()
    return prepare_addresses(mentions).assign(grid_code=grid)


def test_batches_linked_one_after_another_match_one_run_over_every_mention(small_city):
    mentions = load_simulated_places(small_city).mentions
    order = np.random.default_rng(3).permutation(len(mentions))
    shuffled = mentions.iloc[order].reset_index(drop=True)
    batches = [shuffled.iloc[part] for part in np.array_split(np.arange(len(shuffled)), 4)]
    first = _parts(batches[0])
    resolved = resolve_parts(first)
    state = place_state(first, resolved.assignments, resolved.places)
    for batch in batches[1:]:
        state = link_places(_parts(batch), state).state
    whole = resolve_places(mentions)

    linked = state.assignments.set_index("record_id").sort_index()
    reference = whole.assignments.set_index("record_id").sort_index()
    assert len(linked) == len(reference) == len(mentions)
    assert linked["place_id"].fillna("").equals(reference["place_id"].fillna(""))
    assert linked["place_path"].map(tuple).equals(reference["place_path"].map(tuple))
    columns = ["place_id", "level", "name", "full_address", "parent_id", "grid_id"]
    assert (
        state.places[columns]
        .fillna("")
        .reset_index(drop=True)
        .equals(whole.places[columns].fillna("").reset_index(drop=True))
    )
    grids = whole.grids.sort_values("grid_id", ignore_index=True)
    assert state.grids.sort_values("grid_id", ignore_index=True)[grids.columns].equals(grids)


def test_a_new_version_replaces_the_mention_and_a_deleted_one_leaves(small_city):
    mentions = load_simulated_places(small_city).mentions.head(400)
    parts = _parts(mentions)
    resolved = resolve_parts(parts)
    state = place_state(parts, resolved.assignments, resolved.places)
    moved = mentions.iloc[[0]].assign(
        address=mentions["address"].iloc[1], grid_code=mentions["grid_code"].iloc[1]
    )
    gone = pd.Series([mentions["record_id"].iloc[2]])
    linked = link_places(_parts(moved), state, gone)
    after = linked.state.assignments.set_index("record_id")["place_id"]
    whole = resolve_places(pd.concat([moved, mentions.iloc[[1, *range(3, 400)]]], ignore_index=True))
    assert mentions["record_id"].iloc[2] not in after.index
    expected = whole.assignments.set_index("record_id")["place_id"]
    assert after.sort_index().fillna("").equals(expected.sort_index().fillna(""))
