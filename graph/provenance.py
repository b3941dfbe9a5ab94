"""Provenance of graph rows, and the places that addresses name: the projection's table helpers.

A record's key is "source:record_id" (an event's ID is its record's key). A record saw what it
names from its `occurred_at` (its `updated_at` for a person mention) to its `updated_at`; a node or
relation named by several records carries their keys, the earliest start and the latest end.

    >>> times = pd.DataFrame({"start": pd.to_datetime(["2026-01-02", "2026-03-04"]),
    ...                       "end": pd.to_datetime(["2026-01-05", "2026-03-04"])},
    ...                      index=pd.Index(["hotline:9", "grid:4"], name="key"))
    >>> found = provenance(pd.DataFrame({"id": ["P1", "P1"], "key": ["hotline:9", "grid:4"]}), times)
    >>> person = found.loc["P1"]
    >>> person["sources"], str(person["first_seen"].date()), str(person["last_seen"].date())
    (['grid:4', 'hotline:9'], '2026-01-02', '2026-03-04')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "address_index",
    "finest_places",
    "mention_places",
    "provenance",
    "record_keys",
    "record_times",
    "resolve_addresses",
    "single_record",
    "with_provenance",
]

_PAIRS = ["id", "key"]


def record_keys(records: pd.DataFrame) -> pd.Series:
    """Return "source:record_id" for every row of a table with source and record_id."""
    return records["source"].astype(str) + ":" + records["record_id"].astype(str)


def _times(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column]) if column in frame else pd.Series(pd.NaT, index=frame.index)


def record_times(events: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """Return, indexed by record key, when each record first and last saw what it names (start, end)."""
    parts = []
    if len(events):
        updated = _times(events, "updated_at").fillna(_times(events, "occurred_at"))
        parts.append(
            pd.DataFrame(
                {
                    "key": events["event_id"].astype(str),
                    "start": _times(events, "occurred_at"),
                    "end": updated,
                }
            )
        )
    if len(mentions):
        updated = _times(mentions, "updated_at")
        parts.append(pd.DataFrame({"key": record_keys(mentions), "start": updated, "end": updated}))
    if not parts:
        empty = pd.Series(dtype="datetime64[ns]")
        return pd.DataFrame({"start": empty, "end": empty}, index=pd.Index([], name="key"))
    return pd.concat(parts, ignore_index=True).groupby("key").agg(start=("start", "min"), end=("end", "max"))


def provenance(pairs: pd.DataFrame, times: pd.DataFrame) -> pd.DataFrame:
    """Return sources, first_seen and last_seen per `id` from (id, key) pairs: which record names what."""
    pairs = pairs[_PAIRS].dropna().astype(str).drop_duplicates().sort_values(_PAIRS, ignore_index=True)
    ids, keys = pairs["id"].to_numpy(), pairs["key"].tolist()
    # lists cut from the sorted keys at each new id: groupby(...).agg(list) costs 50x more
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.array([], dtype=int)
    bounds = [*starts.tolist(), len(keys)]
    sources = [keys[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    spans = (
        pairs.join(times, on="key")
        .groupby("id", sort=False)
        .agg(first_seen=("start", "min"), last_seen=("end", "max"))
    )
    index = pd.Index(ids[starts], name="id")
    return spans.reindex(index).assign(sources=pd.Series(sources, index=index, dtype=object))


def no_pairs() -> pd.DataFrame:
    """Return an empty table of (id, key) pairs."""
    return pd.DataFrame(columns=_PAIRS)


def with_provenance(frame: pd.DataFrame, on: str | list[str], found: pd.DataFrame) -> pd.DataFrame:
    """Join provenance onto rows by the column(s) `on`; times the rows already have win."""
    joined = frame.join(found.add_suffix("_p"), on=on)
    for column in ("first_seen", "last_seen"):
        own = pd.to_datetime(frame[column]) if column in frame else pd.Series(pd.NaT, index=frame.index)
        joined[column] = own.fillna(joined.pop(f"{column}_p"))
    joined["sources"] = [s if isinstance(s, list) else [] for s in joined.pop("sources_p")]
    return joined


def single_record(frame: pd.DataFrame, keys: pd.Series, times: pd.DataFrame) -> pd.DataFrame:
    """Return rows each named by one record with that provenance: [key] and the record's times."""
    found = times.reindex(keys.astype(str).to_numpy())
    frame = frame.copy()
    frame["sources"] = [[key] for key in keys.astype(str)]
    frame["first_seen"] = found["start"].to_numpy()
    frame["last_seen"] = found["end"].to_numpy()
    return frame


def address_index(places: pd.DataFrame) -> dict[str, str]:
    """Return place lookups: every place_id to itself, every normalised full address to its place."""
    from normalize.address import normalize_address_text

    index: dict[str, str] = {}
    if places.empty:
        return index
    ordered = places.sort_values("place_id")
    if "full_address" in ordered:
        for address, place in zip(ordered["full_address"], ordered["place_id"], strict=True):
            if isinstance(address, str) and address:
                index.setdefault(normalize_address_text(address), str(place))
    index.update({str(place): str(place) for place in ordered["place_id"]})
    return index


def resolve_addresses(values: pd.Series, index: dict[str, str]) -> pd.Series:
    """Return the place_id each value names (a place_id, or a place's full address), else None.

    Addresses are compared after `normalize_address_text` (width, traditional characters,
    punctuation); shorthand such as 3-2-501 needs place resolution and is not guessed here.
    """
    from normalize.address import normalize_address_text

    def lookup(value: object) -> str | None:
        if not isinstance(value, str) or not value:
            return None
        return index.get(value) or index.get(normalize_address_text(value))

    found = {value: lookup(value) for value in pd.unique(values.dropna())}
    return values.map(found)


def mention_places(mentions: pd.DataFrame, index: dict[str, str]) -> pd.DataFrame:
    """Return person_id, place_id and record key of the person mentions that name a place.

    The place is the one place resolution gave the mention (`place_id`, down to the room where the
    address names one); a mention without it names the place its address spells out in full.
    """
    if mentions.empty or not {"address", "place_id"} & set(mentions):
        return pd.DataFrame(columns=["person_id", "place_id", "key"])
    resolved = mentions["place_id"] if "place_id" in mentions else pd.Series(None, index=mentions.index)
    if "address" in mentions:
        spelled = resolve_addresses(mentions["address"], index).to_numpy(dtype=object)
        resolved = pd.Series(
            np.where(resolved.notna(), resolved.to_numpy(dtype=object), spelled),
            index=mentions.index,
            dtype=object,
        )
    found = pd.DataFrame(
        {"person_id": mentions["person_id"], "key": record_keys(mentions), "place_id": resolved}
    )
    return found.dropna().astype(str)


def finest_places(pairs: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Return the (person_id, place_id) pairs whose place is not above another place of that person.

    A person named at their building by one record and at its room 501 by another lives in 501.
    """
    if pairs.empty or "parent_id" not in places:
        return pairs
    parent = places.dropna(subset=["parent_id"]).set_index("place_id")["parent_id"].astype(str)
    above = pairs[["person_id", "place_id"]].drop_duplicates()
    ancestors = []
    for _ in range(32):  # deeper than any address; a cycle in bad data must not loop forever
        if above.empty:
            break
        above = above.assign(place_id=above["place_id"].map(parent)).dropna()
        ancestors.append(above)
    if not ancestors:
        return pairs
    covered = pd.concat(ancestors).drop_duplicates().assign(covered=True)
    marked = pairs.merge(covered, on=["person_id", "place_id"], how="left")
    return pairs[marked["covered"].isna().to_numpy()]
