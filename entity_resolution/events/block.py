"""Stage 2, block: the candidate pairs, records near in place and time.

Only records that could be about one incident are compared:

- `place`: the same site (estate, or road and door number) and a category that can agree (the
  same major category; a record whose label names no single major pairs with every category at
  its site), reported within `window_days` of each other.
- `people`: a shared resolved person within the same window, whatever the place says; this finds
  records whose address was written too loosely to name a site.

Two records of one department are candidates like any other: residents call 12345 again when
nothing happens and a grid worker files a second report on the next patrol. What a gap in time
means for a pair of departments is learnt from the data (`estimate`), so blocking holds one
window only, as wide as a case stays open: a matter followed through every stage of the
petitions regulations (60 days to handle, 30 to review, 30 to review again) after weeks at
the lower rungs. Pairs whose categories belong to different majors are dropped.

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

__all__ = ["RULE_NAMES", "BlockOptions", "block_events", "window_pairs"]

Ints = npt.NDArray[np.int64]
PLACE, PEOPLE = 1, 2
RULE_NAMES = {PLACE: "place", PEOPLE: "people"}
DAY = 86_400
_SPAN = np.int64(1) << np.int64(40)  # seconds of one key's time range: 34,000 years


@dataclass(frozen=True, slots=True)
class BlockOptions:
    """How far apart in time records of one incident can be, and whether shared people pair them."""

    window_days: float = 180.0
    by_people: bool = True

    @property
    def window(self) -> int:
        """Return the window in seconds."""
        return int(self.window_days * DAY)


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


def _sides(key: Ints, rows: Ints, across: int | None) -> tuple[Ints, Ints]:
    """Return the keys to look from and the keys to look in: all of them, or (with `across`) those
    of rows from `across` on and those of rows before it, so only pairs across the two are found."""
    if across is None:
        return key, key
    later = rows >= across
    return np.where(later, key, -1), np.where(later, -1, key)


def _place_pairs(enc: Encoded, options: BlockOptions, across: int | None) -> tuple[Ints, Ints]:
    """Return pairs at one site: same major category, or either naming no single major."""
    rows, t, window = np.arange(len(enc), dtype=np.int64), enc.t, options.window
    has_site = enc.site != 0
    site_major = np.where(has_site, _codes(enc.site, enc.major), -1)
    site = np.where(has_site, _codes(enc.site), -1)
    loose = np.where(enc.major < 0, site, -1)
    look_from, look_in = _sides(site_major, rows, across)
    parts = [window_pairs(look_from, t, look_in, t, window)]
    if across is None:  # a loose record looks among every record at its site
        parts.append(window_pairs(loose, t, site, t, window))
    else:  # a later loose record among the earlier ones at its site, and the other way round
        late_site, early_site = _sides(site, rows, across)
        late_loose, early_loose = _sides(loose, rows, across)
        parts.append(window_pairs(late_loose, t, early_site, t, window))
        parts.append(window_pairs(early_loose, t, late_site, t, window))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _people_pairs(enc: Encoded, options: BlockOptions, across: int | None) -> tuple[Ints, Ints]:
    """Return pairs of records naming one person, within the window."""
    counts = np.diff(enc.person_start)
    rows = np.repeat(np.arange(len(enc), dtype=np.int64), counts)
    times = enc.t[rows]
    look_from, look_in = _sides(enc.person_code, rows, across)
    i, j = window_pairs(look_from, times, look_in, times, options.window)
    return rows[i], rows[j]


def block_events(
    enc: Encoded, options: BlockOptions | None = None, across: int | None = None
) -> pd.DataFrame:
    """Return candidate pairs (left < right, row positions) and the rules that found them (bitmask);
    with `across`, only the pairs of a row before `across` and one from it on (a batch against what
    is near it), without finding the pairs among the earlier rows."""
    options = options or BlockOptions()
    found = [(*_place_pairs(enc, options, across), PLACE)]
    if options.by_people and len(enc.person_code):
        found.append((*_people_pairs(enc, options, across), PEOPLE))
    frames = []
    for i, j, rule in found:
        left, right = np.minimum(i, j), np.maximum(i, j)
        keep = left != right
        keep &= (enc.major[left] == enc.major[right]) | (enc.major[left] < 0) | (enc.major[right] < 0)
        left, right = left[keep], right[keep]
        found_pairs = pd.DataFrame({"left": left, "right": right, "rules": rule})
        frames.append(found_pairs.drop_duplicates(["left", "right"]))
    pairs = pd.concat(frames, ignore_index=True)
    # each rule's pairs are distinct and rules are bits, so their sum is their union
    pairs = pairs.groupby(["left", "right"], sort=True)["rules"].sum().reset_index()
    return pairs.astype({"left": np.int64, "right": np.int64, "rules": np.int8})
