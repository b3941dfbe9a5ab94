"""Person mentions at any size for `cityhub bench people --scale N`, written in chunks to Parquet.

Up to a million mentions come from one simulated city (`simulators.city`, about 1.03 residents
per mention over two years, sampled down to N). Past that the city is tiled: copy k of it is a
city of other people, with the same names (a bigger city has more namesakes) but shifted birth
dates (ID numbers rebuilt around them with a valid check digit), other phone numbers and other
house numbers. Tiles are written one at a time, so ten million mentions are never in memory.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from normalize.id_number import id_check_digit

BASE_MAX = 1_000_000
COLUMNS = ("record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address")
_ID = re.compile(r"^\d{17}[\dXx]$")
_NUMBER = re.compile(r"\d+")
_DIGITS = re.compile(r"\d")
_SHIFT_DAYS = 397  # a year, a month and a day: every part of the date moves


def base_city(work: Path, mentions: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (mentions, truth) of a simulated city cut to `mentions` (kept in `work`)."""
    from proving.scores import load_simulated_city
    from simulators.city import simulate_city

    people = int(mentions * 1.03)
    root = work / f"city-{people}-{seed}"
    if not (root / "truth" / "mentions.parquet").exists():
        simulate_city(people=people, seed=seed, out=root, days=730)
    city = load_simulated_city(root)
    frame = city.mentions.sample(n=min(mentions, len(city.mentions)), random_state=0)
    frame = frame.sort_values("record_id", ignore_index=True)[list(COLUMNS)]
    truth = city.truth[city.truth["record_id"].isin(frame["record_id"])]
    return frame, truth


def _shifted_ids(ids: pd.Series, days: int) -> pd.Series:
    """Return valid 18-digit ID numbers with their birth date moved and the check digit rebuilt."""
    text = ids.where(ids.str.match(_ID.pattern, na=False))
    born = pd.to_datetime(text.str[6:14], format="%Y%m%d", errors="coerce")
    moved = text.str[:6] + (born + pd.Timedelta(days=days)).dt.strftime("%Y%m%d") + text.str[14:17]
    known = moved.notna()
    checked = [first17 + id_check_digit(first17) for first17 in moved[known]]
    return ids.where(~known, pd.Series(checked, index=moved.index[known], dtype=object))


def _shifted_births(births: pd.Series, parsed: pd.Series, days: int) -> pd.Series:
    """Return birth dates moved by `days` (ISO), those that are no date as written."""
    moved = (parsed + pd.Timedelta(days=days)).dt.strftime("%Y-%m-%d")
    return births.where(parsed.isna(), moved)


def _shift_digits(text: object, tile: int) -> object:
    """Return a phone number with its middle four digits moved: another subscriber."""
    if not isinstance(text, str):
        return text
    digits = [m.start() for m in _DIGITS.finditer(text)]
    if len(digits) < 8:
        return text
    chars = list(text)
    for n, position in enumerate(digits[-8:-4]):
        chars[position] = str((int(chars[position]) + tile * (n + 3)) % 10)
    return "".join(chars)


def _shift_house(text: object, tile: int) -> object:
    if not isinstance(text, str):
        return text
    return _NUMBER.sub(lambda m: str(int(m.group()) + 100 * tile), text, count=1)


def tile(
    frame: pd.DataFrame, truth: pd.DataFrame, births: pd.Series, k: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return copy k of the city: other people with the same names (copy 0 is the city itself).

    `births` are the city's birth dates parsed once (NaT where none or unreadable).
    """
    if k == 0:
        return frame, truth
    days = _SHIFT_DAYS * k
    out = frame.assign(
        record_id=frame["record_id"] + f"~{k}",
        id_number=_shifted_ids(frame["id_number"], days),
        birth_date=_shifted_births(frame["birth_date"], births, days),
        phone=[_shift_digits(v, k) for v in frame["phone"]],
        address=[_shift_house(v, k) for v in frame["address"]],
    )
    return out, truth.assign(record_id=truth["record_id"] + f"~{k}", cluster=truth["cluster"] + f"~{k}")


def copy_of(record_ids: pd.Series) -> np.ndarray:
    """Return the copy each mention belongs to: k for a `~k` suffix, 0 for the simulated city itself."""
    suffix = record_ids.str.extract(r"~(\d+)$", expand=False)
    return suffix.fillna("0").astype(np.int16).to_numpy()


def copy_scores(predicted: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Return, for tiled mentions (record_id, cluster each), pairwise F1 of copy 0 alone (the
    simulated city as it is), P/R/F1 with every predicted person cut at copy borders (what the
    tiling does to one city's people), and how many predicted people and mentions span copies."""
    from proving.scores import pairwise_scores

    joined = predicted.merge(truth, on="record_id", suffixes=("", "_true"))
    copy = copy_of(joined["record_id"])
    person = pd.factorize(joined["cluster"])[0]
    first = copy == 0
    own = pairwise_scores(
        pd.DataFrame({"record_id": joined["record_id"][first], "cluster": person[first]}),
        joined.loc[first, ["record_id", "cluster_true"]].rename(columns={"cluster_true": "cluster"}),
    )
    cut = pairwise_scores(
        pd.DataFrame({"record_id": joined["record_id"], "cluster": person.astype(np.int64) * 1024 + copy}),
        joined[["record_id", "cluster_true"]].rename(columns={"cluster_true": "cluster"}),
    )
    copies = pd.Series(copy).groupby(person).nunique()
    spanning = copies.to_numpy() > 1
    return {
        "copy0_f1": own.f1,
        "in_copy_precision": cut.precision,
        "in_copy_recall": cut.recall,
        "in_copy_f1": cut.f1,
        "people_across_copies": float(spanning.sum()),
        "mentions_in_them": float(np.isin(person, copies.index[spanning]).sum()),
    }


def write_scaled(work: Path, mentions: int, seed: int) -> tuple[Path, Path]:
    """Write people.parquet and people_truth.parquet of `mentions` mentions under work/scale-N."""
    out = work / f"scale-{mentions}-{seed}"
    people, truth_path = out / "people.parquet", out / "people_truth.parquet"
    if people.is_file() and truth_path.is_file():
        return people, truth_path
    out.mkdir(parents=True, exist_ok=True)
    base, truth = base_city(work, min(mentions, BASE_MAX), seed)
    schema = pa.schema([(c, pa.string()) for c in COLUMNS])
    truth_schema = pa.schema([("record_id", pa.string()), ("cluster", pa.string())])
    births = pd.to_datetime(base["birth_date"], errors="coerce", format="mixed")
    written = 0
    with pq.ParquetWriter(people, schema) as writer, pq.ParquetWriter(truth_path, truth_schema) as truths:
        for k in range(int(np.ceil(mentions / len(base)))):
            rows, rows_truth = tile(base, truth, births, k)
            rows = rows.iloc[: mentions - written]
            rows_truth = rows_truth[rows_truth["record_id"].isin(rows["record_id"])]
            writer.write_table(pa.Table.from_pandas(rows.astype(object), schema=schema, preserve_index=False))
            truths.write_table(
                pa.Table.from_pandas(
                    rows_truth[["record_id", "cluster"]].astype(str),
                    schema=truth_schema,
                    preserve_index=False,
                )
            )
            written += len(rows)
    return people, truth_path
