"""Small vectorised helpers on grouped numpy arrays, shared by the table builders."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]


def ranks_in_runs(groups: Ints) -> Ints:
    """Return each element's position within its run of equal consecutive values.

    >>> ranks_in_runs(np.array([4, 4, 7, 7, 7, 9])).tolist()
    [0, 1, 0, 1, 2, 0]
    """
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    lengths = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, lengths)


def group_index(keys: Ints, size: int) -> tuple[Ints, Ints, Ints]:
    """Return (order, start, count): `order` lists element indices grouped by key 0..size-1.

    Elements of key k are `order[start[k] : start[k] + count[k]]`, in their original order.
    """
    order = np.argsort(keys, kind="stable")
    count = np.bincount(keys, minlength=size).astype(np.int64)
    start = np.r_[0, np.cumsum(count)[:-1]].astype(np.int64)
    return order, start, count


def pick_in_groups(rng: np.random.Generator, groups: tuple[Ints, Ints, Ints], keys: Ints) -> Ints:
    """Return one random element of group `keys[i]` for each i (-1 where the group is empty)."""
    order, start, count = groups
    n = count[keys]
    slot = start[keys] + np.floor(rng.random(len(keys)) * np.maximum(n, 1)).astype(np.int64)
    picked = order[np.minimum(slot, len(order) - 1)] if len(order) else np.full(len(keys), -1)
    return np.where(n > 0, picked, -1)
