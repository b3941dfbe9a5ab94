"""Weekly spikes: a community whose count of new cases of one subcategory jumps beyond its baseline.

For each community and subcategory the cases opened each week (Monday to Sunday) are counted. A
week's baseline rate looks back BASELINE_WEEKS weeks (at least MIN_BASELINE_WEEKS):

- the series' own rate: its cases per full week of data, the week with the most left out (so one
  earlier spike does not hide the next);
- the expected rate: the community's cases of every subcategory per week times the subcategory's
  share of the city's cases, over the same weeks;
- the baseline is their mix, the expected rate weighing as much as `prior_weeks` weeks of the
  series' own history, floored at MIN_RATE. A sparse series (a few cases in a few weeks) says
  little about its rate: alone, a quiet spell reads as a rate near zero and the next ordinary
  week of five cases as a spike. The weight is fitted on the data of each run: the value of
  PRIOR_WEEKS under which each week's count is most likely given the weeks before it (Poisson).

A week is a spike when it has at least MIN_SPIKE cases and, under a Poisson count at the baseline
rate, a count as high has probability below SPIKE_P. The first week of the data and the week now
under way count only the days they cover.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import poisson

__all__ = ["SPIKE_COLUMNS", "fit_prior_weeks", "weekly_counts", "weekly_spikes"]

Floats = npt.NDArray[np.float64]
BASELINE_WEEKS = 26
MIN_BASELINE_WEEKS = 1
PRIOR_WEEKS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
MIN_RATE = 0.25
MIN_SPIKE = 5
SPIKE_P = 1e-4
SPIKE_COLUMNS = ["community_id", "category", "week_start", "count", "baseline", "p_value", "history"]


def weekly_counts(cases: pd.DataFrame) -> tuple[pd.DataFrame, Floats]:
    """Return the cases opened per (community_id, category) and week (columns: the Mondays, every
    week from the first to the last), and per week the share of its days the data covers.

    >>> cases = pd.DataFrame({"community_id": ["C"] * 3, "category": ["a.b"] * 3,
    ...     "day": pd.to_datetime(["2026-03-06", "2026-03-09", "2026-03-10"]).date})
    >>> counts, covered = weekly_counts(cases)
    >>> counts.to_numpy().tolist(), covered.round(3).tolist()
    ([[1, 2]], [0.429, 0.286])
    """
    days = pd.to_datetime(cases["day"])
    weeks = (days - pd.to_timedelta(days.dt.weekday, unit="D")).dt.normalize()
    counts = pd.crosstab([cases["community_id"], cases["category"]], weeks.to_numpy())
    mondays = pd.date_range(weeks.min(), weeks.max(), freq="7D")
    counts = counts.reindex(columns=mondays, fill_value=0)
    start = mondays.to_numpy().clip(min=days.min().to_datetime64())
    end = (
        (mondays + pd.Timedelta(days=7))
        .to_numpy()
        .clip(max=(days.max() + pd.Timedelta(days=1)).to_datetime64())
    )
    covered = ((end - start) / np.timedelta64(7, "D")).astype(np.float64)
    return counts, covered


def _baselines(counts: pd.DataFrame, covered: Floats, prior_weeks: float) -> Floats:
    """Return per series and week the baseline rate from the weeks before (NaN: too few weeks)."""
    matrix = counts.to_numpy(dtype=np.float64)
    communities = pd.factorize(counts.index.get_level_values(0))[0]
    categories = pd.factorize(counts.index.get_level_values(1))[0]
    rates = np.full(matrix.shape, np.nan)
    for w in range(MIN_BASELINE_WEEKS, matrix.shape[1]):
        window, weeks = matrix[:, max(0, w - BASELINE_WEEKS) : w], covered[max(0, w - BASELINE_WEEKS) : w]
        totals = window.sum(axis=1)
        community_rate = np.bincount(communities, weights=totals) / weeks.sum()
        share = np.bincount(categories, weights=totals) / max(totals.sum(), 1.0)
        expected = community_rate[communities] * share[categories]
        if window.shape[1] > 1:  # leave the series' busiest week out
            busiest = window.argmax(axis=1)
            own, own_weeks = totals - window.max(axis=1), weeks.sum() - weeks[busiest]
        else:
            own, own_weeks = totals, np.full(len(totals), weeks.sum())
        rates[:, w] = (own + prior_weeks * expected) / (own_weeks + prior_weeks)
    return rates


def fit_prior_weeks(counts: pd.DataFrame, covered: Floats) -> float:
    """Return the weight of PRIOR_WEEKS under which each week's counts are the most likely (mean
    Poisson log-likelihood) given the baselines of the weeks before it."""
    observed = counts.to_numpy(dtype=np.float64)
    best, best_score = PRIOR_WEEKS[0], -np.inf
    for weight in PRIOR_WEEKS:
        expected = _baselines(counts, covered, weight) * covered[None, :]
        known = ~np.isnan(expected)
        score = float(poisson.logpmf(observed[known], np.maximum(expected[known], 1e-6)).mean())
        if score > best_score:
            best, best_score = weight, score
    return best


def weekly_spikes(cases: pd.DataFrame) -> pd.DataFrame:
    """Return the spike weeks (SPIKE_COLUMNS; history: the counts of the weeks looked back on).

    `cases` needs community_id, category and day (the day a case was opened).
    """
    cases = cases[(cases["community_id"] != "") & (cases["category"] != "") & cases["day"].notna()]
    if cases.empty:
        return pd.DataFrame(columns=SPIKE_COLUMNS)
    counts, covered = weekly_counts(cases)
    rates = np.maximum(_baselines(counts, covered, fit_prior_weeks(counts, covered)), MIN_RATE)
    observed = counts.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        p = poisson.sf(observed - 1, rates)
    mondays = pd.DatetimeIndex(counts.columns)
    found = []
    for row, w in zip(*np.nonzero((observed >= MIN_SPIKE) & (p < SPIKE_P)), strict=True):
        community, category = counts.index[int(row)]
        found.append(
            {
                "community_id": community,
                "category": category,
                "week_start": mondays[int(w)].date().isoformat(),
                "count": int(observed[row, w]),
                "baseline": round(float(rates[row, w]), 3),
                "p_value": float(f"{p[row, w]:.3g}"),
                "history": [int(x) for x in observed[row, max(0, w - BASELINE_WEEKS) : w]],
            }
        )
    return pd.DataFrame(found, columns=SPIKE_COLUMNS)
