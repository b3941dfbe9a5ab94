"""Which district and community each estate is in, learnt from the addresses that say so.

Callers say 沙坪坝锦绣花园三栋..., police write the formal address with street and community, and
grid workers write 锦绣花园3-2-501. The registry counts, for every estate name, the districts and
communities it was written with; shorthand then takes the district when the name is known in
exactly one district of the city, or the community of its grid code when it has one. A name known
in several districts and written without any context is left without a district rather than
guessed: a wrong room is worse than a coarser one.

    >>> parts = pd.DataFrame({"district": ["500106", ""], "region": ["", "500100"],
    ...     "street": ["500106006", ""], "community": ["500106006010", ""],
    ...     "site": ["锦绣花园", "锦绣花园"], "building": ["3", "3"], "unit": ["2", "2"],
    ...     "room": ["501", "501"], "hint_community": ["", ""]})
    >>> fill_divisions(parts)[["district", "community"]].values.tolist()
    [['500106', '500106006010'], ['500106', '500106006010']]
"""

from __future__ import annotations

import pandas as pd

__all__ = ["fill_divisions", "sites_reading_numbers"]

_NUMBERS = ["building", "unit", "room"]


def _unique_district_by_site(parts: pd.DataFrame) -> pd.Series:
    """Return site -> district for sites written with exactly one district."""
    known = parts.loc[
        (parts["district"] != "") & (parts["site"] != ""), ["site", "district"]
    ].drop_duplicates()
    counts = known["site"].value_counts()
    unique = known[known["site"].isin(counts.index[counts == 1])]
    return unique.set_index("site")["district"]


def _unique_by_estate(parts: pd.DataFrame, column: str) -> pd.Series:
    """Return (district, site) -> the one value of `column` ever written with that estate."""
    known = parts.loc[
        (parts["district"] != "") & (parts["site"] != "") & (parts[column] != ""),
        ["district", "site", column],
    ].drop_duplicates()
    counts = known.groupby(["district", "site"])[column].transform("size")
    return known[counts == 1].set_index(["district", "site"])[column]


def _shared_names(parts: pd.DataFrame) -> pd.Index:
    """Return the (district, site) pairs written with more than one gazetteer community: two estates,
    one name. A community the gazetteer does not know tells nothing here: it may be the new name of
    the listed one (gazetteers lag renamings and mergers)."""
    known = parts.loc[
        (parts["district"] != "") & (parts["site"] != "") & (parts["community"] != ""),
        ["district", "site", "community"],
    ].drop_duplicates()
    counts = known.groupby(["district", "site"]).size()
    return counts.index[counts > 1]


def _one_value_by(parts: pd.DataFrame, todo: pd.Series, column: str, by: list[str]) -> pd.Series:
    """Return, for the rows in `todo`, the one value of `column` that the rows knowing it were
    written with for the same `by` fields ('' where none or several)."""
    known = parts.loc[parts[column] != "", [*by, column]].drop_duplicates()
    counts = known.groupby(by)[column].transform("size")
    unique = known[counts == 1].set_index(by)[column]
    if todo.sum() == 0 or unique.empty:
        return pd.Series("", index=parts.index[todo], dtype=object)
    keys = pd.MultiIndex.from_frame(parts.loc[todo, by])
    return pd.Series(unique.reindex(keys).fillna("").to_numpy(), index=parts.index[todo], dtype=object)


def _fill_where_empty(parts: pd.DataFrame, todo: pd.Series, column: str, by: list[str]) -> None:
    values = _one_value_by(parts, todo, column, by)
    parts.loc[values.index, column] = values


def fill_divisions(parts: pd.DataFrame) -> pd.DataFrame:
    """Return the parts with district, street and community filled where the registry knows them,
    and `estate_scope`: the community that tells apart estates sharing a name in one district.

    A name written in several districts (or, in one district, with several communities) is placed
    for a mention without them only by what that mention itself says: the one district (community)
    its building, unit and room were written with, or the one community of its street.
    """
    parts = parts.copy()
    hinted = (parts["hint_community"] != "") & (parts["site"] != "")
    hint_fits = hinted & ((parts["district"] == "") | (parts["district"] == parts["hint_community"].str[:6]))
    parts.loc[hint_fits, "community"] = parts.loc[hint_fits, "hint_community"]
    parts.loc[hint_fits, "street"] = parts.loc[hint_fits, "hint_community"].str[:9]
    parts.loc[hint_fits, "district"] = parts.loc[hint_fits, "hint_community"].str[:6]

    by_site = _unique_district_by_site(parts)
    missing = (parts["district"] == "") & (parts["site"] != "")
    found = parts.loc[missing, "site"].map(by_site).fillna("")
    missing_rooms = missing & (found.reindex(parts.index).fillna("x") == "") & (parts["building"] != "")
    found.update(_one_value_by(parts, missing_rooms, "district", ["site", *_NUMBERS]))
    regions = parts.loc[missing, "region"]
    inside = pd.Series(
        [d.startswith(r.rstrip("0")) for d, r in zip(found, regions, strict=True)], found.index
    )
    parts.loc[missing, "district"] = found.where(inside, "")

    shared = parts.set_index(["district", "site"]).index.isin(_shared_names(parts))
    for column in ("community", "street"):
        known = _unique_by_estate(parts, column)
        empty = (parts[column] == "") & (parts["district"] != "") & (parts["site"] != "") & ~shared
        if empty.any() and len(known):
            keys = pd.MultiIndex.from_frame(parts.loc[empty, ["district", "site"]])
            parts.loc[empty, column] = known.reindex(keys).fillna("").to_numpy()
    unplaced = pd.Series(shared, index=parts.index) & (parts["community"] == "")
    _fill_where_empty(parts, unplaced & (parts["street"] != ""), "community", ["district", "site", "street"])
    unplaced &= (parts["community"] == "") & (parts["building"] != "")
    _fill_where_empty(parts, unplaced, "community", ["district", "site", *_NUMBERS])
    no_street = (parts["street"] == "") & (parts["community"] != "")
    parts.loc[no_street, "street"] = parts.loc[no_street, "community"].str[:9]
    parts["estate_scope"] = parts["community"].where(shared, "")
    return parts


def sites_reading_numbers(filled: pd.DataFrame) -> set[str]:
    """Return the sites of `filled` (what `fill_divisions` gave) whose mentions' divisions may depend
    on their building, unit and room: written in several districts or, in one, with several
    communities. Every other site's mentions are placed by the ways its divisions are written alone.
    """
    named = filled[filled["site"] != ""]
    districts = named.loc[named["district"] != "", ["site", "district"]].drop_duplicates()["site"]
    several = set(districts[districts.duplicated()])
    return several | set(named.loc[named["estate_scope"] != "", "site"])
