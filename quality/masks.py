"""Which rows fail each expectation of a suite, found with vectorised masks over the batch.

GX validates the whole batch and says, per expectation, whether it held and how many rows broke
it; asking it for the failing rows' positions (result format COMPLETE) costs more than the checks
themselves. The gate locates those rows here instead, one column operation per expectation, and
checks that every count agrees with GX's: a mask and GX that disagree stop the batch.

Each mask follows GX's own reading of the expectation: missing values fail only "not null", and
"in set" and "between" look at present values alone (GX's `mostly` denominator excludes nulls).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
from pandas.api.types import is_datetime64_any_dtype

from ontology.errors import QualityError

__all__ = ["failing_mask"]


def failing_mask(config: ExpectationConfiguration, table: pd.DataFrame, now: dt.datetime) -> np.ndarray:
    """Return a boolean array: which rows of the validation frame break the expectation.

    `now` stands for the suite parameter the range checks' upper bound names.
    """
    kwargs = config.kwargs
    values = table[str(kwargs["column"])]
    missing = values.isna().to_numpy()
    kind = config.type
    if kind == "expect_column_values_to_not_be_null":
        return missing
    if kind == "expect_column_values_to_be_in_set":
        allowed = values.isin(list(kwargs["value_set"])).to_numpy()
        return ~missing & ~allowed
    if kind == "expect_column_values_to_be_between":
        low, high = _bound(kwargs.get("min_value"), now), _bound(kwargs.get("max_value"), now)
        # already datetime64 (the derived moments): to_datetime would still walk them
        moments = values if is_datetime64_any_dtype(values) else pd.to_datetime(values, errors="coerce")
        outside = np.zeros(len(values), dtype=bool)
        if low is not None:
            outside |= (moments < low).to_numpy()
        if high is not None:
            outside |= (moments > high).to_numpy()
        return ~missing & outside
    raise QualityError(f"the gate cannot locate the rows failing {kind} on {kwargs['column']}")


def _bound(value: Any, now: dt.datetime) -> pd.Timestamp | None:
    """Return a bound of a range check, the suite parameter (`{"$PARAMETER": ...}`) read as now."""
    if value is None:
        return None
    if isinstance(value, dict):
        return pd.Timestamp(now)
    return pd.Timestamp(value)
