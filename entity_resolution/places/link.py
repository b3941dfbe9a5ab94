"""Linking a batch of address mentions into an earlier place resolution, by estate name.

The registry (`registry.fill_divisions`) only ever compares mentions of one estate name (site), and
a place below the community is keyed by its site, so re-resolving the batch together with the earlier
mentions of the sites it names gives every one of those mentions, and every place of those sites,
what a run over all mentions gives them; the other sites cannot change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from entity_resolution.places.resolve import PLACE_COLUMNS, resolve_parts

__all__ = ["PlaceState", "link_places", "place_state"]

_BELOW_COMMUNITY = ("estate", "building", "unit", "room")


@dataclass(frozen=True, slots=True)
class PlaceState:
    """What linking needs of an earlier resolution.

    parts        every address mention parsed (`prepare_addresses` columns and grid_code)
    assignments  record_id, place_id, level, place_path of every address mention
    places       PLACE_COLUMNS of every place mentioned and its ancestors
    grids        grid_id, community_id, buildings
    """

    parts: pd.DataFrame
    assignments: pd.DataFrame
    places: pd.DataFrame
    grids: pd.DataFrame


@dataclass(frozen=True, slots=True)
class LinkedPlaces:
    """A batch linked in: the new state, and the mentions whose place was (re)computed with their
    old and new place (`changed`: record_id, place_id, place_path), and the run's id changes."""

    state: PlaceState
    changed: pd.DataFrame
    id_changes: pd.DataFrame


def place_state(
    parts: pd.DataFrame, resolution_assignments: pd.DataFrame, places: pd.DataFrame
) -> PlaceState:
    """Return the linking state of a whole resolution: its parsed parts, assignments and places."""
    return PlaceState(
        parts.reset_index(drop=True),
        resolution_assignments[["record_id", "place_id", "level", "place_path"]].reset_index(drop=True),
        places[list(PLACE_COLUMNS)].reset_index(drop=True),
        _grids(places),
    )


def _grids(places: pd.DataFrame) -> pd.DataFrame:
    """Return the grids: per grid the buildings placed in it (a building's grid is its own)."""
    buildings = places[(places["level"] == "building") & places["grid_id"].notna()]
    grids = buildings.groupby("grid_id").size().rename("buildings").reset_index()
    grids.insert(1, "community_id", grids["grid_id"].str[:12])
    return grids


def link_places(
    new_parts: pd.DataFrame,
    state: PlaceState,
    gone: pd.Series | None = None,
    at: dt.datetime | str | None = None,
) -> LinkedPlaces:
    """Return the state with a batch of parsed address mentions linked in (a record_id seen before is
    replaced by its new version); `gone` are record ids to drop (deleted records)."""
    dropped = set(new_parts["record_id"]) | (set(gone) if gone is not None else set())
    earlier = state.parts["record_id"].isin(dropped).to_numpy()
    sites = set(new_parts["site"]) | set(state.parts.loc[earlier, "site"])
    sites.discard("")
    local_old = state.parts["site"].isin(sites).to_numpy() & ~earlier
    local = pd.concat([state.parts[local_old], new_parts], ignore_index=True)
    before = state.assignments["record_id"].isin(set(local["record_id"]) | dropped).to_numpy()
    resolved = resolve_parts(local, state.assignments[before][["record_id", "place_id"]], at)
    old_ids = {p for path in state.assignments.loc[before, "place_path"] for p in path}
    stale = (
        state.places["place_id"].isin(old_ids).to_numpy()
        & state.places["level"].isin(_BELOW_COMMUNITY).to_numpy()
    )
    kept = state.places[~stale]
    fresh = resolved.places[~resolved.places["place_id"].isin(kept["place_id"])]
    refreshed = resolved.places.set_index("place_id")["grid_id"]
    kept = kept.assign(
        grid_id=kept["place_id"].map(refreshed).where(kept["place_id"].isin(refreshed.index), kept["grid_id"])
    )
    places = pd.concat([kept, fresh], ignore_index=True).sort_values("place_id", ignore_index=True)
    assignments = pd.concat([state.assignments[~before], resolved.assignments], ignore_index=True)
    parts = pd.concat([state.parts[~earlier], new_parts], ignore_index=True)
    new_state = PlaceState(parts, assignments, places, _grids(places))
    return LinkedPlaces(new_state, resolved.assignments, resolved.id_changes)
