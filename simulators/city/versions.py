"""Record versions: each status change, correction and deletion of a source record is a new row.

A record moves through its department's statuses (each step a delay later); some records stop
early. About 2 % get a correction soon after they are created (a phone or ID number fixed: the
first version carries the wrong value), about 1 % are deleted (a last version flagged deleted).
Versions after the history's end are not written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators.city.arrays import ranks_in_runs
from simulators.city.timeline import DAY, HOUR, MINUTE

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
CORRECTION_P = 0.02
DELETION_P = 0.01
STATUS, CORRECTION, DELETION = 0, 1, 2


@dataclass(frozen=True, slots=True)
class StatusFlow:
    """A department's statuses in order, the delay range before each, and the chance of stopping early."""

    statuses: tuple[str, ...]
    delays: tuple[tuple[int, int], ...]  # (min, max) seconds before status 1.., one per later status
    resolved: int = -1  # the status that finishes handling (the hub reads it as resolved or closed)
    stop_early_p: float = 0.08


FLOWS: dict[str, StatusFlow] = {
    "hotline": StatusFlow(
        ("受理", "已派遣", "办理中", "已办结", "已回访"),
        ((10 * MINUTE, 4 * HOUR), (2 * HOUR, 2 * DAY), (1 * DAY, 10 * DAY), (1 * DAY, 3 * DAY)),
        resolved=3,
    ),
    "grid": StatusFlow(
        ("01", "02", "03", "04", "05"),
        ((5 * MINUTE, 2 * HOUR), (10 * MINUTE, 1 * DAY), (1 * HOUR, 3 * DAY), (1 * HOUR, 5 * DAY)),
        resolved=4,
    ),
    "police": StatusFlow(
        ("1", "2", "3", "4"), ((10 * MINUTE, 1 * HOUR), (1 * HOUR, 6 * HOUR), (1 * DAY, 30 * DAY)), resolved=3
    ),
    "petitions": StatusFlow(
        ("登记", "受理", "办理中", "已办结"),
        ((1 * DAY, 7 * DAY), (3 * DAY, 15 * DAY), (15 * DAY, 60 * DAY)),
        resolved=3,
    ),
    "police_persons": StatusFlow(("",), ()),
}


@dataclass(slots=True)
class Versions:
    """Version rows of one source table, ordered by record then time."""

    record: Ints
    version: Ints
    status: Ints  # index into the flow's statuses
    updated_at: Ints
    deleted: Bools
    pre_correction: Bools  # the row still carries the value a later correction fixes
    deleted_at: Ints  # per record: time of the deletion row, -1 if none


def _planted(delays: Ints, resolved: int, handled: Ints) -> Ints:
    """Return delays rescaled so the statuses up to `resolved` take `handled` seconds in all, in the
    drawn proportions; the statuses after it keep their drawn delays."""
    upto = delays[:, 1 : resolved + 1].astype(np.float64)
    share = upto / np.maximum(upto.sum(axis=1, keepdims=True), 1.0)
    steps = np.floor(np.cumsum(share, axis=1) * handled[:, None]).astype(np.int64)
    planted = delays.copy()
    planted[:, 1 : resolved + 1] = np.maximum(np.diff(steps, axis=1, prepend=0), 1)
    return planted


def _status_times(
    rng: np.random.Generator, flow: StatusFlow, created: Ints, reached: Bools | None, handled: Ints | None
) -> tuple[Ints, Bools]:
    n, steps = len(created), len(flow.statuses)
    delays = np.zeros((n, steps), dtype=np.int64)
    for j, (low, high) in enumerate(flow.delays, start=1):
        delays[:, j] = rng.integers(low, high, n)
    if handled is not None and flow.resolved > 0:
        delays = _planted(delays, flow.resolved, handled)
    times = created[:, None] + np.cumsum(delays, axis=1)
    last = np.where(rng.random(n) < flow.stop_early_p, rng.integers(0, steps, n), steps - 1)
    passes = np.arange(steps)[None, :] <= last[:, None]
    if reached is not None:
        passes &= reached
    passes[:, 0] = True
    return times, passes


def _correction_times(rng: np.random.Generator, created: Ints, times: Ints, passes: Bools) -> Ints:
    """Return when each record's slip is fixed (-1: never): before its second status, within 2 days."""
    later = np.where(passes[:, 1:], times[:, 1:], created[:, None] + 2 * DAY)
    after_first = later.min(axis=1) if later.shape[1] else created + 2 * DAY
    span = np.minimum(after_first - created, 2 * DAY)
    fix = created + np.maximum(1, (span * rng.uniform(0.2, 0.8, len(created))).astype(np.int64))
    return np.where(rng.random(len(created)) < CORRECTION_P, fix, -1)


def build_versions(
    rng: np.random.Generator,
    flow: StatusFlow,
    created: Ints,
    end_s: int,
    reached: Bools | None = None,
    deleted_at: Ints | None = None,
    handled: Ints | None = None,
) -> Versions:
    """Return the version rows of records created at `created`.

    `reached` (records, statuses) can rule statuses out (a grid worker closing an item on the spot);
    `deleted_at` imposes deletion times (-1: none) instead of drawing them; `handled` plants how
    many seconds each record takes to reach the flow's `resolved` status.
    """
    n = len(created)
    times, passes = _status_times(rng, flow, created, reached, handled)
    passes &= times <= end_s
    r, s = np.nonzero(passes)
    t = times[r, s]
    corrected_at = _correction_times(rng, created, times, passes)
    last_status = np.where(passes, np.arange(times.shape[1])[None, :], -1).max(axis=1)
    if deleted_at is None:
        last_time = times[np.arange(n), last_status]
        deleted_at = np.where(rng.random(n) < DELETION_P, last_time + rng.integers(HOUR, 5 * DAY, n), -1)
    before_deletion = (deleted_at < 0) | (corrected_at < deleted_at)
    extra_c = np.flatnonzero((corrected_at >= 0) & (corrected_at <= end_s) & before_deletion)
    extra_d = np.flatnonzero((deleted_at >= 0) & (deleted_at <= end_s))
    record = np.concatenate([r, extra_c, extra_d])
    status = np.concatenate([s, np.zeros(len(extra_c), dtype=np.int64), last_status[extra_d]])
    updated = np.concatenate([t, corrected_at[extra_c], deleted_at[extra_d]])
    kind = np.concatenate(
        [np.full(len(r), STATUS), np.full(len(extra_c), CORRECTION), np.full(len(extra_d), DELETION)]
    )
    order = np.lexsort((kind, updated, record))
    record, status, updated, kind = record[order], status[order], updated[order], kind[order]
    fixed = corrected_at[record]
    return Versions(
        record=record,
        version=ranks_in_runs(record) + 1,
        status=status,
        updated_at=updated,
        deleted=kind == DELETION,
        pre_correction=(fixed >= 0) & (updated < fixed),
        deleted_at=deleted_at,
    )
