"""Place IDs, the place hierarchy and grids, from prepared address mentions.

A place's ID follows from what identifies it, so the same room gets the same ID in every run
and in every incremental batch without a lookup: districts, streets and communities keep their
gazetteer codes; an estate is `district|estate name`, and a building, unit or room extends its
parent's key (an estate sharing its name with another in the district is keyed by its
community instead); those keys are hashed into `PL-<16 hex>`. When a later run learns the district of
an estate that shorthand named without one, its records move to the full ID and the move is
reported in `id_changes` (a merge when the old ID is left empty, a split otherwise). A place
written in several ways is written out with the fullest address its mentions give (ties by text), so
its row does not hang on the order a run reads them in; a community sits under its own street.

    >>> mentions = pd.DataFrame({"record_id": ["a", "b", "c"],
    ...     "address": ["重庆市沙坪坝区锦绣花园3幢2单元501号", "锦绣花园3-2-501", "锦绣花园3栋"]})
    >>> result = resolve_places(mentions)
    >>> result.assignments["place_id"].nunique(), result.assignments["level"].tolist()
    (2, ['room', 'room', 'building'])
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from entity_resolution.places.prepare import PlaceOptions, prepare_addresses
from entity_resolution.places.registry import fill_divisions
from ontology.gazetteer import load_gazetteer

__all__ = [
    "KEY_COLUMNS",
    "PLACE_COLUMNS",
    "PlaceResolution",
    "place_chain",
    "place_chains",
    "place_changes",
    "preferred_rows",
    "place_id",
    "resolve_parts",
    "resolve_places",
]

PLACE_COLUMNS = ("place_id", "level", "name", "full_address", "parent_id", "grid_id")
KEY_COLUMNS = (
    "district",
    "region",
    "street",
    "community",
    "site",
    "building",
    "unit",
    "room",
    "level",
    "estate_scope",
)
_BELOW_ESTATE = (("building", "栋"), ("unit", "单元"), ("room", ""))


@dataclass(frozen=True, slots=True)
class PlaceResolution:
    """The outcome of resolving address mentions, as tables.

    assignments  record_id, place_id, level, place_path (IDs from the district down to the place)
    places       every place mentioned and its ancestors: PLACE_COLUMNS
    grids        grid_id, community_id, buildings (how many buildings the grid was seen at)
    id_changes   old_id, new_id, kind (merge | split), records, at
    """

    assignments: pd.DataFrame
    places: pd.DataFrame
    grids: pd.DataFrame
    id_changes: pd.DataFrame


def place_id(key: str) -> str:
    """Return the ID of a place below the community from its key (`district|estate|building|unit|room`).

    >>> place_id("500106|锦绣花园|3|2|501")
    'PL-59340d9ca0530fee'
    """
    return "PL-" + hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def _division_name(code: str) -> str:
    division = load_gazetteer().divisions.get(code)
    return division.name if division is not None else code


def place_chain(row: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    """Return (place_id, level, name, full_address) from the district down to the mention's level."""
    district, region, street, community, site, building, unit, room, level, scope = row
    street = community[:9] if community else street  # a community is in its own street, whatever was written
    chain: list[tuple[str, str, str, str]] = []
    address = ""
    for code, division_level in ((district, "district"), (street, "street"), (community, "community")):
        if code:
            name = _division_name(code)
            address += name
            chain.append((code, division_level, name, address))
    if not site or level in ("district", "street", "community"):
        return chain
    key = f"{scope or district or region}|{site}"
    address += site
    chain.append((place_id(key), "estate", site, address))
    for (part_level, suffix), value in zip(_BELOW_ESTATE, (building, unit, room), strict=True):
        key += f"|{value}"
        if not value:
            continue
        address += value + suffix
        chain.append((place_id(key), part_level, value + suffix, address))
    return chain


def place_chains(
    parts: pd.DataFrame,
) -> tuple[dict[tuple[str, ...], list[tuple[str, str, str, str]]], pd.DataFrame]:
    """Return each distinct KEY_COLUMNS tuple's chain, and the place rows with their parents, of
    parts whose divisions the registry has filled."""
    columns = [*KEY_COLUMNS]
    distinct = parts.loc[parts["level"] != "", columns].drop_duplicates()
    chains = {row: place_chain(row) for row in distinct.itertuples(index=False, name=None)}
    rows: dict[str, tuple[str, str, str, str, str | None]] = {}
    for chain in chains.values():
        parent: str | None = None
        for pid, level, name, address in chain:
            row = (pid, level, name, address, parent)
            held = rows.get(pid)
            if held is None or _rank(row) < _rank(held):
                rows[pid] = row
            parent = pid
    places = pd.DataFrame(list(rows.values()), columns=list(PLACE_COLUMNS[:-1]))
    return chains, places


def _rank(row: tuple[str, str, str, str, object]) -> tuple[int, str, str]:
    """Order the ways one place is written: the fullest address first, then by text, so the row a
    run keeps does not hang on the order it reads its mentions in."""
    address, parent = row[3], row[4]
    return -len(address), address, parent if isinstance(parent, str) else ""


def preferred_rows(candidates: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """Return the candidate place rows of places not in `held`, and those that a run reading both
    would keep over the held row of the same place."""
    known = held[held["place_id"].isin(set(candidates["place_id"]))]
    address = dict(zip(known["place_id"], known["full_address"], strict=True))
    parent = dict(zip(known["place_id"], known["parent_id"], strict=True))
    keep = [
        pid not in address or _rank((pid, "", "", text, up)) < _rank((pid, "", "", address[pid], parent[pid]))
        for pid, text, up in zip(
            candidates["place_id"], candidates["full_address"], candidates["parent_id"], strict=True
        )
    ]
    return candidates[np.asarray(keep, dtype=bool)]


def _grids(assigned: pd.DataFrame, places: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Return place_id -> grid_id and the grids table, from mentions that carry a grid code.

    A building belongs to the grid its grid-platform mentions name most often (a row stands for
    `mentions` of them); its units and rooms are in the same grid. Estates, communities and larger
    places span grids and get none.
    """
    with_grid = assigned[(assigned["grid_code"] != "") & assigned["building_id"].notna()]
    if with_grid.empty:
        empty = pd.DataFrame(columns=["grid_id", "community_id", "buildings"])
        return pd.Series(dtype=object), empty
    counts = with_grid.groupby(["building_id", "grid_code"])["mentions"].sum().reset_index(name="n")
    best = counts.sort_values(["n", "grid_code"], ascending=[False, True]).drop_duplicates("building_id")
    building_grid = best.set_index("building_id")["grid_code"]
    parent = dict(zip(places["place_id"], places["parent_id"], strict=True))
    level = dict(zip(places["place_id"], places["level"], strict=True))
    building_grid_of = building_grid.to_dict()
    grid_of: dict[str, str] = {}
    for pid in places["place_id"]:
        current: str | None = pid
        while current is not None and level.get(current) in ("room", "unit"):
            current = parent.get(current)
        if current is not None and current in building_grid_of and level.get(current) == "building":
            grid_of[pid] = building_grid_of[current]
    grids = (
        best.groupby("grid_code")
        .size()
        .rename("buildings")
        .reset_index()
        .rename(columns={"grid_code": "grid_id"})
    )
    grids.insert(1, "community_id", grids["grid_id"].str[:12])
    return pd.Series(grid_of, dtype=object), grids


def place_changes(
    assignments: pd.DataFrame,
    previous: pd.DataFrame | None,
    at: pd.Timestamp,
    alive: set[str] | None = None,
) -> pd.DataFrame:
    """Return the moves of records from their `previous` place to another (old_id, new_id, kind,
    records, at): a split when the old place keeps a record (`alive`: the places still assigned;
    by default those of `assignments`), a merge when it is left empty."""
    columns = ["old_id", "new_id", "kind", "records", "at"]
    if previous is None or previous.empty:
        return pd.DataFrame(columns=columns)
    joined = (
        previous[["record_id", "place_id"]]
        .rename(columns={"place_id": "old_id"})
        .merge(assignments[["record_id", "place_id"]], on="record_id")
    )
    moved = joined[
        joined["old_id"].notna() & joined["place_id"].notna() & (joined["old_id"] != joined["place_id"])
    ]
    flows = moved.groupby(["old_id", "place_id"]).size().reset_index(name="records")
    alive = set(assignments["place_id"].dropna()) if alive is None else alive
    flows["kind"] = ["split" if old in alive else "merge" for old in flows["old_id"]]
    return flows.rename(columns={"place_id": "new_id"}).assign(at=at)[columns]


def resolve_places(
    mentions: pd.DataFrame,
    options: PlaceOptions | None = None,
    previous: pd.DataFrame | None = None,
    at: dt.datetime | str | None = None,
) -> PlaceResolution:
    """Resolve address mentions (record_id, address[, grid_code]) to places.

    `previous` (record_id, place_id) is an earlier run's assignments: the registry learns from the
    whole input, so pass every mention to re-resolve; the changes since `previous` are reported.
    Mentions whose address names nothing recognisable get no place (place_id is null).
    """
    parts = prepare_addresses(mentions, options)
    grid_codes = mentions["grid_code"] if "grid_code" in mentions else pd.Series("", index=mentions.index)
    return resolve_parts(parts.assign(grid_code=grid_codes.fillna("").astype(str).to_numpy()), previous, at)


def resolve_parts(
    raw_parts: pd.DataFrame, previous: pd.DataFrame | None = None, at: dt.datetime | str | None = None
) -> PlaceResolution:
    """Resolve address mentions already parsed by `prepare_addresses` (with their `grid_code`) to places.

    The registry reads only mentions of the same estate name (site) together, so a batch's mentions
    resolved with the earlier mentions of their sites get what a run over every mention gives them.
    It reads which ways a site is written, not how often, so one row may stand for all the mentions
    written alike: an optional `mentions` column says how many (for the grids' votes).
    """
    parts = fill_divisions(raw_parts)
    chains, places = place_chains(parts)
    keys = list(zip(*(parts[c] for c in KEY_COLUMNS), strict=True))
    levels = dict(zip(places["place_id"], places["level"], strict=True))
    # one path per distinct address, shared by its mentions (paths are only read after this)
    path_of = {key: [link[0] for link in chain] for key, chain in chains.items()}
    building_of = {
        key: next((p for p in path if levels[p] == "building"), None) for key, path in path_of.items()
    }
    no_path: list[str] = []
    paths = [path_of.get(k, no_path) for k in keys]
    assigned = pd.DataFrame(
        {
            "record_id": parts["record_id"].to_numpy(),
            "place_id": [path[-1] if path else None for path in paths],
            "level": parts["level"].where(parts["level"] != "", None).to_numpy(),
            "place_path": paths,
        }
    )
    assigned["building_id"] = [building_of.get(k) for k in keys]
    assigned["grid_code"] = parts["grid_code"].to_numpy()
    assigned["mentions"] = parts["mentions"].to_numpy() if "mentions" in parts else 1
    grid_of, grids = _grids(assigned, places)
    places["grid_id"] = places["place_id"].map(grid_of)
    stamp = pd.Timestamp(at) if at is not None else pd.Timestamp.now().floor("s")
    assignments = assigned[["record_id", "place_id", "level", "place_path"]]
    return PlaceResolution(
        assignments,
        places[list(PLACE_COLUMNS)].sort_values("place_id", ignore_index=True),
        grids,
        place_changes(assignments, previous, stamp),
    )
