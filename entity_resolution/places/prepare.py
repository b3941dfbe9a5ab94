"""Address mentions parsed into the parts that identify a place.

    >>> addresses = ["沙坪坝锦绣花园三栋二单元501室", "锦绣花园3-2-501"]
    >>> frame = pd.DataFrame({"record_id": ["a", "b"], "address": addresses})
    >>> prepare_addresses(frame)[["district", "site", "building", "unit", "room", "level"]].values.tolist()
    [['500106', '锦绣花园', '3', '2', '501', 'room'], ['', '锦绣花园', '3', '2', '501', 'room']]

A grid code, when a mention has one, names its community: grid codes are the 12-digit statistical
code of the community followed by the grid's number (500106006010-G03), so shorthand written by a
grid worker is placed even when its estate name exists in several districts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from normalize.address import AddressParts, parse_address

__all__ = ["PART_COLUMNS", "PlaceOptions", "prepare_addresses"]

PART_COLUMNS = (
    "district",
    "region",
    "street",
    "community",
    "local_community",
    "site",
    "building",
    "unit",
    "room",
    "level",
)


@dataclass(frozen=True, slots=True)
class PlaceOptions:
    """Which city the addresses are expected in (its 6-digit code; None searches the country), and
    how a grid code names its community (the pattern's first group: the 12-digit community code)."""

    city_code: str | None = "500100"
    grid_code_pattern: str = r"^(\d{12})"


def _level(parts: AddressParts, site: str) -> str:
    for level, value in (("room", parts.room), ("unit", parts.unit), ("building", parts.building)):
        if value:
            return level
    if site:
        return "estate"
    return {12: "community", 9: "street"}.get(len(parts.division_code), "district")


def _row(address: str, city_code: str | None) -> tuple[str, ...]:
    parts = parse_address(address, city_code)
    code = parts.division_code
    site = (parts.estate or parts.road).replace("·", "")
    level = _level(parts, site)
    if not code and not site:
        level = ""  # nothing the gazetteer or the parser recognised
    # 重庆市天成熙园9-5-3004 names a city, not a district: the registry may still find the estate's
    # district, inside that city (`region`).
    district, region = (code[:6], "") if parts.district or not site else ("", code[:6])
    return (
        district,
        region,
        code[:9] if len(code) >= 9 else "",
        code if len(code) == 12 else "",
        "" if len(code) == 12 else parts.community,  # a community the gazetteer does not know
        site,
        parts.building,
        parts.unit,
        parts.room,
        level,
    )


def _grid_community(value: object, pattern: re.Pattern[str]) -> str:
    match = pattern.match(value) if isinstance(value, str) else None
    return match.group(1) if match and match.groups() else ""


def prepare_addresses(mentions: pd.DataFrame, options: PlaceOptions | None = None) -> pd.DataFrame:
    """Return record_id, address, hint_community and the parts of each address (PART_COLUMNS).

    Each distinct address is parsed once; `level` is the finest level the address gives, empty
    when nothing in it was recognised.
    """
    options = options or PlaceOptions()
    frame = mentions[["record_id", "address"]].copy()
    frame["address"] = frame["address"].fillna("").astype(str)
    distinct = frame["address"].drop_duplicates()
    parsed = pd.DataFrame(
        [_row(a, options.city_code) for a in distinct], columns=list(PART_COLUMNS), index=distinct.to_numpy()
    )
    frame = frame.join(parsed, on="address")
    grids = mentions["grid_code"] if "grid_code" in mentions else pd.Series("", index=mentions.index)
    pattern = re.compile(options.grid_code_pattern)
    frame["hint_community"] = pd.Series(
        [_grid_community(g, pattern) for g in grids], index=frame.index, dtype=object
    )
    return frame.reset_index(drop=True)
