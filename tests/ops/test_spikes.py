"""Weekly spikes: the baseline of a sparse series leans on what its community and category lead one to
expect, in the weight the data bears out, and a spike in the second week of data is judged too."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from cityhub.alerts.spikes import PRIOR_WEEKS, fit_prior_weeks, weekly_counts, weekly_spikes

MONDAY = dt.date(2026, 1, 5)
COMMUNITIES = [f"C{i}" for i in range(6)]
CATEGORIES = ["neighbour_dispute.noise", "neighbour_dispute.pets", "public_order.theft"]


def _cases(rates, weeks, rng, extra=None):
    """Return cases (community_id, category, day) with Poisson weekly counts at `rates[(c, k)]` and
    `extra[(c, k, week)]` more."""
    rows = []
    for (community, category), rate in rates.items():
        for week in range(weeks):
            n = rng.poisson(rate) + (extra or {}).get((community, category, week), 0)
            days = rng.integers(0, 7, n)
            rows += [(community, category, MONDAY + dt.timedelta(weeks=week, days=int(d))) for d in days]
    return pd.DataFrame(rows, columns=["community_id", "category", "day"])


def test_a_quiet_spell_of_a_common_category_does_not_make_an_ordinary_week_a_spike():
    rng = np.random.default_rng(5)
    rates = {(c, k): 0.6 for c in COMMUNITIES for k in CATEGORIES}
    cases = _cases(rates, 30, rng)
    # weeks 20-27 of one series fall quiet, then a week of five: busy, but not rare at the city's rate
    series = (cases["community_id"] == "C0") & (cases["category"] == CATEGORIES[0])
    weeks = np.array([(d - MONDAY).days // 7 for d in cases["day"]])
    cases = cases[~(series & (weeks >= 20) & (weeks <= 28))]
    busy = [("C0", CATEGORIES[0], MONDAY + dt.timedelta(weeks=28, days=d)) for d in range(5)]
    cases = pd.concat([cases, pd.DataFrame(busy, columns=cases.columns)], ignore_index=True)
    found = weekly_spikes(cases)
    assert not ((found["community_id"] == "C0") & (found["week_start"] == "2026-07-20")).any(), found


def test_a_planted_spike_in_the_second_week_of_data_is_found_and_nothing_else():
    rng = np.random.default_rng(7)
    rates = {(c, k): 0.5 + 0.5 * i for c in COMMUNITIES for i, k in enumerate(CATEGORIES)}
    cases = _cases(rates, 12, rng, extra={("C3", CATEGORIES[2], 1): 10, ("C1", CATEGORIES[0], 8): 9})
    found = weekly_spikes(cases)
    assert sorted(zip(found["community_id"], found["week_start"], strict=True)) == [
        ("C1", "2026-03-02"),
        ("C3", "2026-01-12"),
    ]


def test_the_weight_of_the_expected_rate_follows_how_alike_the_series_are():
    rng = np.random.default_rng(3)
    alike = {(c, k): 1.0 for c in COMMUNITIES for k in CATEGORIES}
    # each community has a category of its own that it reports ten times as often as the others
    unlike = {
        (c, k): (3.0 if i % 3 == j else 0.3)
        for i, c in enumerate(COMMUNITIES)
        for j, k in enumerate(CATEGORIES)
    }
    weights = [fit_prior_weeks(*weekly_counts(_cases(r, 30, rng))) for r in (alike, unlike)]
    assert weights[0] == PRIOR_WEEKS[-1] and weights[1] < 4.0, weights


def test_a_first_week_partly_covered_counts_only_its_days():
    cases = pd.DataFrame(
        {
            "community_id": ["C0"] * 2,
            "category": [CATEGORIES[0]] * 2,
            "day": [MONDAY + dt.timedelta(days=5), MONDAY + dt.timedelta(days=8)],
        }
    )
    counts, covered = weekly_counts(cases)
    assert counts.to_numpy().tolist() == [[1, 1]] and covered.tolist() == [2 / 7, 2 / 7]
