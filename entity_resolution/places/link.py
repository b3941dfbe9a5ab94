"""Linking a batch of address mentions into an earlier place resolution, by estate name.

The registry (`registry.fill_divisions`) only ever compares mentions of one estate name (site), and
a place below the community is keyed by its site, so re-resolving the batch together with the earlier
mentions of the sites it names gives every one of those mentions, and every place of those sites,
what a run over all mentions gives them; the other sites cannot change.

Most of a day's addresses are written as the estate's addresses were written before (a case's
update, a resident calling again). The registry reads the distinct ways a site is written, not how
often, so a site whose set of written forms a batch leaves as it was (and whose buildings keep the
grid most of their grid mentions name) is not re-resolved: its new mentions take the place an
earlier mention written the same way has. A new way of writing a site (a new room, a formal
address, a grid report) mostly teaches the registry nothing: the registry runs over one earlier
form per way the site is written and the new forms, and if no earlier form is placed otherwise, the
new ones keep what it gives them. Only a site that learns something from the batch (or whose last
mention of a form it removes, or whose building a grid vote may move) is resolved again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from entity_resolution.places.registry import fill_divisions, sites_reading_numbers
from entity_resolution.places.resolve import (
    KEY_COLUMNS,
    PLACE_COLUMNS,
    place_chains,
    place_changes,
    preferred_rows,
    resolve_parts,
)

__all__ = ["PlaceState", "link_places", "place_state"]

_BELOW_COMMUNITY = ("estate", "building", "unit", "room")
_IN_BUILDING = ("building", "unit", "room")  # a grid mention votes for the grid of its building
_FORM = "form"  # hash of every part the registry and the place chain read: one written form
_NOT_FORM = ("record_id", "address", _FORM)


@dataclass(frozen=True, slots=True)
class PlaceState:
    """What linking needs of an earlier resolution.

    parts        every address mention parsed (`prepare_addresses` columns, grid_code and form)
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
    """A batch linked in: the new state, the mentions whose place was computed (`changed`: the batch's
    and those whose place moved; record_id, place_id, level, place_path), the run's id changes and
    the places whose row may have changed (`touched`)."""

    state: PlaceState
    changed: pd.DataFrame
    id_changes: pd.DataFrame
    touched: set[str]


def _with_forms(parts: pd.DataFrame) -> pd.DataFrame:
    """Return the parts with `form`: a hash of the parts of the address as written (not its text)."""
    columns = sorted(c for c in parts.columns if c not in _NOT_FORM)
    forms = pd.util.hash_pandas_object(parts[columns], index=False).to_numpy()
    return parts.assign(**{_FORM: forms})


def place_state(
    parts: pd.DataFrame, resolution_assignments: pd.DataFrame, places: pd.DataFrame
) -> PlaceState:
    """Return the linking state of a whole resolution: its parsed parts, assignments and places."""
    return PlaceState(
        _with_forms(parts.reset_index(drop=True)),
        resolution_assignments[["record_id", "place_id", "level", "place_path"]].reset_index(drop=True),
        places[list(PLACE_COLUMNS)].reset_index(drop=True),
        _grids(places),
    )


def _grids(places: pd.DataFrame) -> pd.DataFrame:
    """Return the grids: per grid the buildings placed in it (a building's grid is its own)."""
    buildings = places[(places["level"] == "building") & places["grid_id"].notna()]
    if buildings.empty:  # no grid mention placed anywhere yet
        return pd.DataFrame({"grid_id": [], "community_id": [], "buildings": []}, dtype=object)
    grids = buildings.groupby("grid_id").size().rename("buildings").reset_index()
    grids.insert(1, "community_id", grids["grid_id"].str[:12])
    return grids


def _written_forms(old: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Return per form of `old` its site, grid code and the assignment (place_id, level, place_path)
    of one of its mentions."""
    first = old.drop_duplicates(_FORM)
    placed = assignments[assignments["record_id"].isin(set(first["record_id"]))]
    return first.merge(placed, on="record_id").drop(columns="record_id").set_index(_FORM)


# what the registry reads of a mention, and what it fills in
_REGISTRY_READS = (
    "site",
    "district",
    "region",
    "street",
    "community",
    "hint_community",
    "building",
    "unit",
    "room",
)
_DIVISION_READS = _REGISTRY_READS[:6]
_FILLED = ["district", "street", "community", "estate_scope"]


def _derived(
    new_forms: pd.DataFrame, forms: pd.DataFrame, places: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the assignments (indexed by form) of the new forms that teach the registry nothing, and
    the places they add.

    The registry reads the distinct ways a site is written (`_REGISTRY_READS`), so one earlier form
    per way stands for all; for a site whose divisions do not hang on building, unit and room
    (`sites_reading_numbers`), one per way its divisions are written does. If adding the batch's new
    forms to those leaves each placed as before, the site learns nothing and the new forms get what
    the registry gives them beside those few.
    """
    reads = list(_REGISTRY_READS)
    fresh = new_forms[new_forms["site"].isin(set(forms["site"])).to_numpy()]
    forms = forms[forms["site"].isin(set(fresh["site"])).to_numpy()]  # only sites written anew
    by_divisions = forms.drop_duplicates(list(_DIVISION_READS))
    numbered = sites_reading_numbers(fill_divisions(by_divisions[reads].reset_index(drop=True)))
    context = pd.concat(
        [
            by_divisions[~by_divisions["site"].isin(numbered).to_numpy()],
            forms[forms["site"].isin(numbered).to_numpy()].drop_duplicates(reads),
        ]
    )
    before = fill_divisions(context[reads].reset_index(drop=True))
    after = fill_divisions(pd.concat([context[reads], fresh[[*reads, "level"]]], ignore_index=True))
    known = len(context)
    moved = (before[_FILLED].to_numpy() != after[_FILLED].to_numpy()[:known]).any(axis=1)
    # a site that starts to read numbers is not stood for by one form per way of its divisions
    learning = set(context.loc[moved, "site"]) | (sites_reading_numbers(after) - numbered)
    placed = after.iloc[known:].set_axis(pd.Index(fresh[_FORM].to_numpy(), name=_FORM))
    placed = placed[~placed["site"].isin(learning).to_numpy()]
    chains, rows = place_chains(placed)
    paths = [
        [link[0] for link in chains.get(key, [])]
        for key in zip(*(placed[c] for c in KEY_COLUMNS), strict=True)
    ]
    assignments = pd.DataFrame(
        {
            "place_id": [path[-1] if path else None for path in paths],
            "level": placed["level"].where(placed["level"] != "", None).to_numpy(),
            "place_path": paths,
        },
        index=placed.index,
    )
    added = preferred_rows(rows, places)
    grids = pd.Series(_inherited_grids(added, chains, places), index=added.index, dtype=object)
    return assignments, added.assign(grid_id=grids)[list(PLACE_COLUMNS)]


def _inherited_grids(
    added: pd.DataFrame, chains: dict[tuple[str, ...], list[tuple[str, str, str, str]]], places: pd.DataFrame
) -> list[str | None]:
    """Return the grid of each added place: a unit or room is in its building's grid; a new building
    has none until a grid mention names it (which resolves its site again)."""
    gridded = places[places["grid_id"].notna()]
    grid_of = dict(zip(gridded["place_id"], gridded["grid_id"], strict=True))
    building_of: dict[str, str] = {}
    for chain in chains.values():
        building = next((pid for pid, level, _, _ in chain if level == "building"), None)
        for pid, level, _, _ in chain:
            if building is not None and level in _IN_BUILDING:
                building_of[pid] = building
    return [grid_of.get(building_of.get(pid, "")) for pid in added["place_id"]]


def _grid_of(places: pd.DataFrame, added: pd.DataFrame) -> pd.Series:
    """Return place_id -> grid_id of the places and those added (an added row replaces a held one)."""
    held = places[~places["place_id"].isin(set(added["place_id"])).to_numpy()]
    both = places if added.empty else pd.concat([held, added], ignore_index=True)
    return both.set_index("place_id")["grid_id"]


def _unsettled_sites(
    added: pd.DataFrame,
    removed: pd.DataFrame,
    old: pd.DataFrame,
    forms: pd.DataFrame,
    place_of: pd.Series,
    grid_of: pd.Series,
) -> set[str]:
    """Return the sites whose set of written forms, or whose buildings' grid votes, the batch changes.

    `old` is every earlier mention of the batch's sites (`removed`, the replaced and deleted ones,
    among them), `added` the batch's mentions with a site, `forms` what `_written_forms` gives;
    `place_of` (form -> place_id) also has the new forms `_derived` placed: those teach the
    registry nothing and change no site.
    """
    before = old[_FORM].value_counts()
    delta = added[_FORM].value_counts().sub(removed[_FORM].value_counts(), fill_value=0)
    appears = before.reindex(delta.index, fill_value=0) == 0
    vanishes = before.reindex(delta.index, fill_value=0) + delta <= 0
    # delta > 0 on a form never written: a new form; delta < 0 down to none: a form gone
    new_form = ((delta > 0) & appears & ~delta.index.isin(place_of.index)) | ((delta < 0) & vanishes)
    written = ["site", "grid_code", "level"]
    site_of = pd.concat([forms[written], added.drop_duplicates(_FORM).set_index(_FORM)[written]])
    site_of = site_of[~site_of.index.duplicated()]
    unsettled = set(site_of.loc[delta.index[new_form.to_numpy()], "site"])
    # a building's grid is the one most of its grid mentions name: a vote for that grid cannot
    # change it, any other vote (or one taken away) can; a mention above the building votes for none
    voting = site_of.loc[delta.index[(delta != 0).to_numpy()]]
    voting = voting[(voting["grid_code"] != "") & voting["level"].isin(_IN_BUILDING).to_numpy()]
    grid = place_of.reindex(voting.index).map(grid_of).to_numpy()
    lost = delta.reindex(voting.index).to_numpy() < 0
    unsettled |= set(voting.loc[lost | (grid != voting["grid_code"].to_numpy()), "site"])
    return unsettled


def _places_after(
    state: PlaceState, stale_paths: pd.Series, resolved: pd.DataFrame, added: pd.DataFrame
) -> tuple[pd.DataFrame, set[str]]:
    """Return the places with those below the community on `stale_paths` replaced by `resolved` and
    the new places `added`, and the IDs of the places whose row changed."""
    old_ids = {p for path in stale_paths for p in path}
    stale = (
        state.places["place_id"].isin(old_ids).to_numpy()
        & state.places["level"].isin(_BELOW_COMMUNITY).to_numpy()
    )
    kept = state.places[~stale]
    fresh = preferred_rows(resolved, kept)
    refreshed = resolved.set_index("place_id")["grid_id"]
    kept = kept.assign(
        grid_id=kept["place_id"].map(refreshed).where(kept["place_id"].isin(refreshed.index), kept["grid_id"])
    )
    kept = kept[~kept["place_id"].isin(fresh["place_id"])]
    added = preferred_rows(added[~added["place_id"].isin(fresh["place_id"])], kept)
    kept = kept[~kept["place_id"].isin(added["place_id"])]
    places = pd.concat([kept, fresh, added], ignore_index=True).sort_values("place_id", ignore_index=True)
    candidates = set(state.places.loc[stale, "place_id"]) | set(resolved["place_id"]) | set(added["place_id"])
    return places, _rows_changed(state.places, places, candidates)


def _with_derived(forms: pd.DataFrame, derived: pd.DataFrame) -> pd.DataFrame:
    """Return the assignments by form of the earlier forms and the derived ones."""
    known = forms[["place_id", "level", "place_path"]]
    return known if derived.empty else pd.concat([known, derived])


def _paths_of(assignments: pd.DataFrame, mentions: pd.DataFrame) -> list[str]:
    """Return the place ids on the paths of the forms the mentions are written in."""
    used = assignments[assignments.index.isin(mentions[_FORM])]
    return [p for path in used["place_path"] for p in path]


def _rows_changed(old: pd.DataFrame, new: pd.DataFrame, ids: set[str]) -> set[str]:
    """Return the ids among `ids` whose place row is new, gone, or not as it was."""
    before = old[old["place_id"].isin(ids)].set_index("place_id")
    after = new[new["place_id"].isin(ids)].set_index("place_id")
    joined = before.join(after, how="outer", lsuffix="_old").fillna("")
    differs = np.zeros(len(joined), dtype=bool)
    for column in PLACE_COLUMNS[1:]:
        differs |= joined[column].to_numpy() != joined[f"{column}_old"].to_numpy()
    differs |= ~joined.index.isin(before.index) | ~joined.index.isin(after.index)
    return set(joined.index[differs])


def _resolve_forms(written: pd.DataFrame, at: dt.datetime | str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return per form of `written` (mentions) its assignment (indexed by form), and the places:
    each form resolved once, standing for its mentions."""
    votes = written[_FORM].value_counts()
    distinct = written.drop_duplicates(_FORM, ignore_index=True)
    distinct = distinct.assign(
        record_id=distinct[_FORM].to_numpy(), mentions=votes.reindex(distinct[_FORM]).to_numpy()
    )
    resolved = resolve_parts(distinct.drop(columns=_FORM), None, at)
    return resolved.assignments.set_index("record_id"), resolved.places


def _assigned(mentions: pd.DataFrame, by_form: pd.DataFrame) -> pd.DataFrame:
    """Return the assignments of mentions (record_id, form) from their form's."""
    placed = by_form.reindex(mentions[_FORM].to_numpy())
    return pd.DataFrame(
        {
            "record_id": mentions["record_id"].to_numpy(),
            "place_id": placed["place_id"].to_numpy(),
            "level": placed["level"].to_numpy(),
            "place_path": placed["place_path"].to_numpy(),
        }
    )


def _moved_forms(by_form: pd.DataFrame, forms: pd.DataFrame) -> pd.Index:
    """Return the earlier forms whose place (or its path) is not the one they had."""
    both = by_form.index.intersection(forms.index)
    new, old = by_form.loc[both], forms.loc[both]
    same_place = new["place_id"].fillna("").to_numpy() == old["place_id"].fillna("").to_numpy()
    same_path = [tuple(a) == tuple(b) for a, b in zip(new["place_path"], old["place_path"], strict=True)]
    moved: pd.Index = both[~(same_place & np.asarray(same_path, dtype=bool))]
    return moved


def link_places(
    new_parts: pd.DataFrame,
    state: PlaceState,
    gone: pd.Series | None = None,
    at: dt.datetime | str | None = None,
) -> LinkedPlaces:
    """Return the state with a batch of parsed address mentions linked in (a record_id seen before is
    replaced by its new version); `gone` are record ids to drop (deleted records)."""
    new_parts = _with_forms(new_parts.drop(columns=_FORM, errors="ignore"))
    parts = state.parts if _FORM in state.parts else _with_forms(state.parts)
    dropped = set(new_parts["record_id"]) | (set(gone) if gone is not None else set())
    earlier = parts["record_id"].isin(dropped).to_numpy()
    sites = set(new_parts["site"]) | set(parts.loc[earlier, "site"])
    sites.discard("")
    of_sites = parts["site"].isin(sites).to_numpy()
    old = parts.loc[of_sites, ["record_id", *_REGISTRY_READS, "grid_code", _FORM]]
    forms = _written_forms(old, state.assignments)
    # new forms that teach the registry nothing are placed without resolving their site again
    fresh = new_parts[~new_parts[_FORM].isin(forms.index).to_numpy()].drop_duplicates(_FORM)
    derived, derived_places = _derived(fresh, forms, state.places)
    unsettled = _unsettled_sites(
        new_parts[new_parts["site"] != ""],
        parts.loc[earlier & of_sites, [_FORM]],
        old,
        forms,
        pd.concat([forms["place_id"], derived["place_id"]]),
        _grid_of(state.places, derived_places),
    )
    settled = new_parts["site"].isin(sites - unsettled).to_numpy()
    derived_places = derived_places[
        derived_places["place_id"].isin(set(_paths_of(derived, new_parts[settled])))
    ]
    again = of_sites & parts["site"].isin(unsettled).to_numpy() & ~earlier
    by_form, resolved_places = _resolve_forms(
        pd.concat([parts[again], new_parts[~settled]], ignore_index=True), at
    )
    moved = _moved_forms(by_form, forms)
    # mentions whose place is computed: the batch's, and the earlier ones of a form that moved
    earlier_moved = parts.loc[again, ["record_id", _FORM]]
    earlier_moved = earlier_moved[earlier_moved[_FORM].isin(moved)]
    changed = pd.concat(
        [
            _assigned(new_parts[~settled], by_form),
            _assigned(new_parts[settled], _with_derived(forms, derived)),
            _assigned(earlier_moved, by_form),
        ],
        ignore_index=True,
    )
    before = state.assignments["record_id"].isin(set(changed["record_id"]) | dropped).to_numpy()
    stale_paths = forms.loc[forms["site"].isin(unsettled).to_numpy(), "place_path"]
    places, touched = _places_after(state, stale_paths, resolved_places, derived_places)
    # an old place is kept by the mentions not recomputed, and by the forms of the sites resolved again
    alive = (
        set(by_form["place_id"].dropna())
        | set(derived["place_id"].dropna())
        | set(forms.loc[~forms["site"].isin(unsettled).to_numpy(), "place_id"].dropna())
    )
    stamp = pd.Timestamp(at) if at is not None else pd.Timestamp.now().floor("s")
    id_changes = place_changes(changed, state.assignments[before], stamp, alive)
    new_state = PlaceState(
        pd.concat([parts[~earlier], new_parts], ignore_index=True),
        pd.concat([state.assignments[~before], changed], ignore_index=True),
        places,
        _grids(places),
    )
    return LinkedPlaces(new_state, changed, id_changes, touched)
