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
found, not to the square of a block. They are made a few million at a time and each part kept as
distinct pair codes (8 bytes a pair), so memory follows the distinct pairs, not every pair
found from both of its sides.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from entity_resolution.events.prepare import Encoded

__all__ = ["RULE_NAMES", "BlockOptions", "block_events", "window_pair_parts", "window_pairs"]

Ints = npt.NDArray[np.int64]
PLACE, PEOPLE = 1, 2
RULE_NAMES = {PLACE: "place", PEOPLE: "people"}
DAY = 86_400
_SPAN = np.int64(1) << np.int64(40)  # seconds of one key's time range: 34,000 years
_PART_PAIRS = 2_000_000  # pairs made at a time before they are reduced to distinct ones


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
    parts = list(window_pair_parts(key_a, t_a, key_b, t_b, window))
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate([i for i, _ in parts]), np.concatenate([j for _, j in parts])


def window_pair_parts(
    key_a: Ints, t_a: Ints, key_b: Ints, t_b: Ints, window: int, size: int = _PART_PAIRS
) -> Iterator[tuple[Ints, Ints]]:
    """Yield `window_pairs`' (i, j) in parts of about `size` pairs (rows of a in order), so a caller
    can reduce each part before the next is made."""
    keep_b = np.flatnonzero(key_b >= 0)
    if not len(keep_b) or not len(t_a):
        return
    t0 = min(int(t_a.min()), int(t_b.min())) - window - 1
    composite_b = key_b[keep_b] * _SPAN + (t_b[keep_b] - t0)
    order = np.argsort(composite_b, kind="stable")
    sorted_b = composite_b[order]
    rows_a = np.flatnonzero(key_a >= 0)
    base = key_a[rows_a] * _SPAN + (t_a[rows_a] - t0)
    lo = np.searchsorted(sorted_b, base - window, side="left")
    hi = np.searchsorted(sorted_b, base + window, side="right")
    counts = hi - lo
    ends = np.cumsum(counts)
    first = 0
    while first < len(rows_a):
        last = max(int(np.searchsorted(ends, ends[first] - counts[first] + size, side="right")), first + 1)
        part = slice(first, last)
        n = counts[part]
        i = np.repeat(rows_a[part], n)
        offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        j = keep_b[order[np.repeat(lo[part], n) + offsets]]
        yield i.astype(np.int64), j.astype(np.int64)
        first = last


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


def _place_pairs(enc: Encoded, options: BlockOptions, across: int | None) -> Iterator[tuple[Ints, Ints]]:
    """Yield, in parts, pairs at one site: same major category, or either naming no single major."""
    rows, t, window = np.arange(len(enc), dtype=np.int64), enc.t, options.window
    has_site = enc.site != 0
    site_major = np.where(has_site, _codes(enc.site, enc.major), -1)
    site = np.where(has_site, _codes(enc.site), -1)
    loose = np.where(enc.major < 0, site, -1)
    look_from, look_in = _sides(site_major, rows, across)
    yield from window_pair_parts(look_from, t, look_in, t, window)
    if across is None:  # a loose record looks among every record at its site
        yield from window_pair_parts(loose, t, site, t, window)
    else:  # a later loose record among the earlier ones at its site, and the other way round
        late_site, early_site = _sides(site, rows, across)
        late_loose, early_loose = _sides(loose, rows, across)
        yield from window_pair_parts(late_loose, t, early_site, t, window)
        yield from window_pair_parts(early_loose, t, late_site, t, window)


def _people_pairs(enc: Encoded, options: BlockOptions, across: int | None) -> Iterator[tuple[Ints, Ints]]:
    """Yield, in parts, pairs of records naming one person, within the window."""
    counts = np.diff(enc.person_start)
    rows = np.repeat(np.arange(len(enc), dtype=np.int64), counts)
    times = enc.t[rows]
    look_from, look_in = _sides(enc.person_code, rows, across)
    for i, j in window_pair_parts(look_from, times, look_in, times, options.window):
        yield rows[i], rows[j]


def _pair_codes(enc: Encoded, parts: Iterator[tuple[Ints, Ints]]) -> Ints:
    """Return the distinct pairs of `parts` that may be one incident (two rows, majors that can
    agree) as sorted codes left * len(enc) + right, left < right; each part is reduced to its
    distinct codes before the next is made."""
    size = np.int64(len(enc))
    found = [np.zeros(0, np.int64)]
    for i, j in parts:
        left, right = np.minimum(i, j), np.maximum(i, j)
        keep = left != right
        keep &= (enc.major[left] == enc.major[right]) | (enc.major[left] < 0) | (enc.major[right] < 0)
        found.append(_distinct(left[keep] * size + right[keep]))
    return _distinct(np.concatenate(found))


def _distinct(codes: Ints) -> Ints:
    """Return the distinct codes, sorted (by sorting in place: numpy's hashing `unique` took seconds
    for a few million)."""
    codes.sort()
    if not len(codes):
        return codes
    first = np.empty(len(codes), dtype=bool)
    first[0] = True
    np.not_equal(codes[1:], codes[:-1], out=first[1:])
    return codes[first]


def block_events(
    enc: Encoded, options: BlockOptions | None = None, across: int | None = None
) -> pd.DataFrame:
    """Return candidate pairs (left < right, row positions) and the rules that found them (bitmask);
    with `across`, only the pairs of a row before `across` and one from it on (a batch against what
    is near it), without finding the pairs among the earlier rows."""
    options = options or BlockOptions()
    found = [(_pair_codes(enc, _place_pairs(enc, options, across)), PLACE)]
    if options.by_people and len(enc.person_code):
        found.append((_pair_codes(enc, _people_pairs(enc, options, across)), PEOPLE))
    # each rule's pairs are distinct and rules are bits, so their sum over a pair is their union;
    # codes sort as (left, right) do
    codes = np.concatenate([c for c, _ in found])
    rules = np.concatenate([np.full(len(c), rule, dtype=np.int8) for c, rule in found])
    order = np.argsort(codes, kind="stable")
    codes, rules = codes[order], rules[order]
    del order
    distinct, starts = np.unique(codes, return_index=True)
    del codes
    summed = np.add.reduceat(rules, starts).astype(np.int8) if len(starts) else rules[:0]
    size = np.int64(max(len(enc), 1))
    return pd.DataFrame({"left": distinct // size, "right": distinct % size, "rules": summed})
