"""Stage 2, block: the candidate pairs, records of two departments near in place and time.

Only records that could be about one incident are compared:

- `place`: the same site (estate, or road and door number) and the same major category, reported
  within `window_days` of each other (a petition within `slow_window_days`: people petition weeks
  or months after the hotline and the grid had the matter). Records filed under
  other.unclassified are paired with every category at their site.
- `people`: a shared resolved person within the same windows, whatever the place says; this finds
  records whose address was written too loosely to name a site.

Pairs of one department are never candidates: a department keeps one record per incident (a
repeated 12345 call is appended to the open ticket), so two records of one source are two
incidents. Pairs whose categories belong to different majors are dropped too.

Pairs are found by sorting: rows sorted by (key, time) and, for each row, the range of rows with
the same key within the window found by binary search, so the work is proportional to the pairs
found, not to the square of a block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from entity_resolution.events.prepare import Encoded

__all__ = ["RULE_NAMES", "BlockOptions", "block_events", "pair_windows", "slow_rows", "window_pairs"]

Ints = npt.NDArray[np.int64]
PLACE, PEOPLE = 1, 2
RULE_NAMES = {PLACE: "place", PEOPLE: "people"}
DAY = 86_400
_SPAN = np.int64(1) << np.int64(40)  # seconds of one key's time range: 34,000 years


@dataclass(frozen=True, slots=True)
class BlockOptions:
    """How far apart in time records of one incident can be."""

    window_days: float = 30.0  # hotline, grid, police: a staged escalation takes up to a month
    slow_window_days: float = 120.0  # a pair with a slow source (petitions)
    slow_sources: tuple[str, ...] = ("petitions",)
    by_people: bool = True


def window_pairs(key_a: Ints, t_a: Ints, key_b: Ints, t_b: Ints, window: int) -> tuple[Ints, Ints]:
    """Return (i, j): every row i of a and j of b with equal keys (>= 0) and times at most `window` apart."""
    keep_b = np.flatnonzero(key_b >= 0)
    if not len(keep_b) or not len(t_a):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    t0 = min(int(t_a.min()), int(t_b.min())) - window - 1
    composite_b = key_b[keep_b] * _SPAN + (t_b[keep_b] - t0)
    order = np.argsort(composite_b, kind="stable")
    sorted_b = composite_b[order]
    rows_a = np.flatnonzero(key_a >= 0)
    base = key_a[rows_a] * _SPAN + (t_a[rows_a] - t0)
    lo = np.searchsorted(sorted_b, base - window, side="left")
    hi = np.searchsorted(sorted_b, base + window, side="right")
    counts = hi - lo
    i = np.repeat(rows_a, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    j = keep_b[order[np.repeat(lo, counts) + offsets]]
    return i.astype(np.int64), j.astype(np.int64)


def _codes(*columns: npt.NDArray[np.generic]) -> Ints:
    """Return one dense integer code per distinct combination of the columns."""
    frame = pd.DataFrame({str(k): c for k, c in enumerate(columns)})
    return (
        pd.MultiIndex.from_frame(frame).factorize()[0].astype(np.int64)
        if len(frame)
        else np.zeros(0, np.int64)
    )


def slow_rows(sources: npt.NDArray[np.object_], options: BlockOptions) -> npt.NDArray[np.bool_]:
    """Return which rows come from a slow source (petitions)."""
    return np.isin(sources, np.array(options.slow_sources, dtype=object))


def pair_windows(slow: npt.NDArray[np.bool_], left: Ints, right: Ints, options: BlockOptions) -> Ints:
    """Return the time window of each pair in seconds: the slow window when either record is slow."""
    long = slow[left] | slow[right]
    return np.where(long, int(options.slow_window_days * DAY), int(options.window_days * DAY)).astype(
        np.int64
    )


def _place_pairs(enc: Encoded, slow: npt.NDArray[np.bool_], options: BlockOptions) -> tuple[Ints, Ints]:
    """Return pairs at one site: same major category, or either unclassified."""
    has_site = enc.site != 0
    site_major = np.where(has_site, _codes(enc.site, enc.major), -1)
    short, long = int(options.window_days * DAY), int(options.slow_window_days * DAY)
    parts = [window_pairs(site_major, enc.t, site_major, enc.t, short)]
    slow_key = np.where(slow, site_major, -1)
    parts.append(window_pairs(slow_key, enc.t, site_major, enc.t, long))
    site = np.where(has_site, _codes(enc.site), -1)
    unclassified = np.where(enc.major < 0, site, -1)
    parts.append(window_pairs(unclassified, enc.t, site, enc.t, long))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _people_pairs(enc: Encoded, options: BlockOptions) -> tuple[Ints, Ints]:
    """Return pairs of records naming one person, within the slow window (trimmed per pair later)."""
    counts = np.diff(enc.person_start)
    rows = np.repeat(np.arange(len(enc), dtype=np.int64), counts)
    times = enc.t[rows]
    i, j = window_pairs(enc.person_code, times, enc.person_code, times, int(options.slow_window_days * DAY))
    return rows[i], rows[j]


def block_events(
    enc: Encoded, sources: npt.NDArray[np.object_], options: BlockOptions | None = None
) -> pd.DataFrame:
    """Return candidate pairs (left < right, row positions) and the rules that found them (bitmask).

    `sources` are the source names of the rows (for the slow window).
    """
    options = options or BlockOptions()
    slow = slow_rows(sources, options)
    found = [(*_place_pairs(enc, slow, options), PLACE)]
    if options.by_people and len(enc.person_code):
        found.append((*_people_pairs(enc, options), PEOPLE))
    frames = []
    for i, j, rule in found:
        left, right = np.minimum(i, j), np.maximum(i, j)
        keep = (left != right) & (enc.source[left] != enc.source[right])
        keep &= (enc.major[left] == enc.major[right]) | (enc.major[left] < 0) | (enc.major[right] < 0)
        left, right = left[keep], right[keep]
        close = np.abs(enc.t[left] - enc.t[right]) <= pair_windows(slow, left, right, options)
        found_pairs = pd.DataFrame({"left": left[close], "right": right[close], "rules": rule})
        frames.append(found_pairs.drop_duplicates(["left", "right"]))
    pairs = pd.concat(frames, ignore_index=True)
    # each rule's pairs are distinct and rules are bits, so their sum is their union
    pairs = pairs.groupby(["left", "right"], sort=True)["rules"].sum().reset_index()
    return pairs.astype({"left": np.int64, "right": np.int64, "rules": np.int8})
