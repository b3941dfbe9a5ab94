"""Second reports within one department: a caller rings 12345 again days later about the same
incident (a third of the time another person in it calls, the neighbour rather than the first
caller); a grid worker reports it again on the next patrol. Each is a record of its own."""

from __future__ import annotations

import numpy as np

from simulators.city.incidents import Incidents
from simulators.city.noise.profiles import NoiseProfile
from simulators.city.profiles import ROLES
from simulators.city.reports import GRID, HOTLINE, Reports
from simulators.city.timeline import DAY, HOUR, History

OTHER_CALLER_P = 1 / 3
CALLER_ROLES = [ROLES.index(r) for r in ("caller", "party", "victim", "witness")]  # never a suspect
# (source, delay range after the first report in seconds)
REPEAT_DELAYS = {HOTLINE: (1 * DAY, 7 * DAY), GRID: (20 * HOUR, 4 * DAY)}


def with_repeats(
    rng: np.random.Generator, reports: Reports, profile: NoiseProfile, history: History, incidents: Incidents
) -> Reports:
    """Return the reports with second reports added (flagged `repeat`), in the order of `build_reports`."""
    rates = {HOTLINE: profile.repeat_hotline, GRID: profile.repeat_grid}
    chosen, times = [], []
    for channel, rate in rates.items():
        rows = np.flatnonzero(reports.source == channel)
        hit = rows[rng.random(len(rows)) < rate]
        low, high = REPEAT_DELAYS[channel]
        at = reports.reported_at[hit] + rng.integers(low, high, len(hit))
        keep = at <= history.end_s
        chosen.append(hit[keep])
        times.append(at[keep])
    extra = np.concatenate(chosen).astype(np.int64)
    people = reports.people[extra].copy()
    other = incidents.people[reports.incident[extra], 1]
    may_call = np.isin(incidents.roles[reports.incident[extra], 1], CALLER_ROLES)
    draws = rng.random(len(extra))
    switch = (reports.source[extra] == HOTLINE) & (other >= 0) & may_call & (draws < OTHER_CALLER_P)
    people[switch, 0] = other[switch]
    source = np.concatenate([reports.source, reports.source[extra]])
    incident = np.concatenate([reports.incident, reports.incident[extra]])
    reported = np.concatenate([reports.reported_at, np.concatenate(times).astype(np.int64)])
    repeat = np.concatenate([np.zeros(len(reports), dtype=bool), np.ones(len(extra), dtype=bool)])
    order = np.lexsort((repeat, incident, reported, source))
    return Reports(
        source=source[order],
        incident=incident[order],
        reported_at=reported[order],
        people=np.concatenate([reports.people, people])[order],
        roles=np.concatenate([reports.roles, reports.roles[extra]])[order],
        repeat=repeat[order],
    )
