"""Fixtures of the people tests: a small town of residents and the mentions departments make of them.

`background` gives a background of ordinary residents (so the model has something to learn
from); tests add their own hard cases on top and look at what happens to them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from normalize.id_number import make_id_number

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志文斌"
ESTATES = ("锦绣花园", "聚龙城", "江南丽景", "学府府", "新店子小区", "香榭新城")
COLUMNS = ["record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address"]


def _people(rng: np.random.Generator, n: int) -> pd.DataFrame:
    rows = []
    for i in range(n):
        surname = SURNAMES[rng.integers(len(SURNAMES))]
        given = "".join(GIVEN[rng.integers(len(GIVEN))] for _ in range(rng.integers(1, 3)))
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.integers(0, 25_000)))
        sex = "M" if rng.random() < 0.5 else "F"
        sequence = int(rng.integers(0, 499)) * 2 + (1 if sex == "M" else 0)
        estate = ESTATES[rng.integers(len(ESTATES))]
        floor = f"{rng.integers(1, 30)}0{rng.integers(1, 5)}"
        room = f"{estate}{rng.integers(1, 12)}栋{rng.integers(1, 4)}单元{floor}"
        rows.append(
            {
                "person": f"T{i:05d}",
                "name": surname + given,
                "birth": birth,
                "sex": sex,
                "id": make_id_number("500106", birth, sequence, sex),
                "mobile": f"13{rng.integers(100_000_000, 999_999_999)}",
                "home": f"023-6{rng.integers(1_000_000, 9_999_999)}",
                "room": room,
            }
        )
    return pd.DataFrame(rows)


def _mentions(people: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for p in people.itertuples(index=False):
        for k in range(int(rng.integers(1, 4))):
            source = ("police", "hotline", "grid")[int(rng.integers(0, 3))]
            police = source == "police"
            rows.append(
                {
                    "record_id": f"{source}:{p.person}-{k}",
                    "source": source,
                    "name": p.name,
                    "id_number": p.id if police or (source == "grid" and rng.random() < 0.5) else None,
                    "phone": p.mobile if rng.random() < 0.9 else p.home,
                    "birth_date": p.birth.strftime("%Y%m%d") if police else None,
                    "gender": ("1" if p.sex == "M" else "2") if police else None,
                    "address": ("重庆市沙坪坝区" if police else "沙坪坝") + p.room,
                    "person": p.person,
                }
            )
    return pd.DataFrame(rows)


def town(n: int = 400, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (mentions, truth) of a town of n residents with one to three mentions each."""
    rng = np.random.default_rng(seed)
    frame = _mentions(_people(rng, n), rng)
    truth = frame[["record_id", "person"]].rename(columns={"person": "cluster"})
    return frame[COLUMNS], truth


@pytest.fixture(scope="session")
def background() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The default town: (mentions, truth)."""
    return town()


@pytest.fixture(scope="session")
def make_town() -> object:
    """The town builder, for tests that need another town: make_town(n=, seed=)."""
    return town
