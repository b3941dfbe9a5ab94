"""What a department system should show, computed straight from the channel tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq


def expected_at(city: Path, channel: str, id_column: str, clock: dt.datetime) -> pd.DataFrame:
    """Return each record's last version with updated_at <= clock, indexed by record id."""
    frame = pq.read_table(city / "channels" / f"{channel}.parquet").to_pandas()
    frame = frame[pd.to_datetime(frame["updated_at"]) <= pd.Timestamp(clock)]
    frame = frame.sort_values([id_column, "version"]).drop_duplicates(id_column, keep="last")
    return frame.set_index(id_column)
