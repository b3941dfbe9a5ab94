"""The fused hub's people against a simulated city's truth, and the same-case pairs it misses.

    tables = resolved_city(city, home)                  # what the pipeline wrote (proving.evaluation)
    truth = fused_truth(city, tables)                   # each fused person mention's true person
    people_scores(tables, truth)                        # pairwise precision / recall / F1
    same_case_pairs(tables, truth)                      # mention pairs one case holds, same name sound
    joined_pairs(plain_people(mentions), tables, truth) # the pairs the cases joined, and how many right

A fused mention is `source:mention_id` as the connectors number it; the simulator's truth numbers a
grid record's people with the grid worker among them, the connector numbers the parties alone, so a
grid party's truth is the k-th non-worker person of its record (as `proving.scores` reads them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from normalize.names import clean_name, phonetic_key
from proving.scores import pairwise_scores

__all__ = ["fused_truth", "joined_pairs", "people_scores", "plain_people", "same_case_pairs"]


def fused_truth(city: Path | str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return (record_id, cluster): the true person of each fused person mention that has one."""
    truth = pd.read_parquet(Path(city) / "truth" / "mentions.parquet")
    truth = truth[truth["role"] != "grid_worker"].copy()
    grid = truth["source"] == "grid"
    slot = truth.loc[grid, "mention_id"].str.rsplit("#", n=1).str[1].astype(int)
    order = truth[grid].assign(_slot=slot.to_numpy()).sort_values(["record_id", "_slot"])
    order["mention_id"] = order["record_id"] + "#" + order.groupby("record_id").cumcount().astype(str)
    truth = pd.concat([truth[~grid], order.drop(columns="_slot")], ignore_index=True)
    known = pd.DataFrame(
        {"record_id": truth["source"] + ":" + truth["mention_id"], "cluster": truth["person_id"]}
    )
    mentions = tables["person_mentions"]
    fused = set(mentions["source"] + ":" + mentions["mention_id"])
    return known[known["record_id"].isin(fused)].reset_index(drop=True)


def _hub_people(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    mentions = tables["person_mentions"].dropna(subset=["person_id"])
    return pd.DataFrame(
        {"record_id": mentions["source"] + ":" + mentions["mention_id"], "cluster": mentions["person_id"]}
    )


def people_scores(tables: dict[str, pd.DataFrame], truth: pd.DataFrame) -> dict[str, float]:
    """Return pairwise precision, recall and F1 of the hub's people against the truth."""
    hub = _hub_people(tables)
    hub = hub[hub["record_id"].isin(set(truth["record_id"]))]
    return {**pairwise_scores(hub, truth).as_dict(), "mentions": float(len(hub))}


def same_case_pairs(tables: dict[str, pd.DataFrame], truth: pd.DataFrame) -> dict[str, float]:
    """Return the mention pairs in one case, of different records, whose names sound the same and
    that the hub keeps as two people: how many, how many are one true person, and the share of all
    true same-person pairs the hub misses that they are."""
    mentions = tables["person_mentions"].dropna(subset=["person_id", "name"])
    frame = pd.DataFrame(
        {
            "record_id": (mentions["source"] + ":" + mentions["mention_id"]).to_numpy(),
            "event_id": (mentions["source"] + ":" + mentions["record_id"]).to_numpy(),
            "person_id": mentions["person_id"].to_numpy(),
            "sound": [phonetic_key(clean_name(n)) for n in mentions["name"]],
        }
    )
    frame = frame[frame["sound"] != ""]
    frame["case_id"] = frame["event_id"].map(tables["events"].set_index("event_id")["case_id"])
    pairs = frame.merge(frame, on=["case_id", "sound"], suffixes=("_a", "_b"))
    pairs = pairs[
        (pairs["record_id_a"] < pairs["record_id_b"])
        & (pairs["event_id_a"] != pairs["event_id_b"])
        & (pairs["person_id_a"] != pairs["person_id_b"])
    ]
    true_of = truth.set_index("record_id")["cluster"]
    a, b = pairs["record_id_a"].map(true_of), pairs["record_id_b"].map(true_of)
    both = a.notna() & b.notna()
    same = int((a[both] == b[both]).sum())
    missed = _missed_pairs(tables, truth)
    return {
        "pairs": float(int(both.sum())),
        "same person": float(same),
        "precision": same / int(both.sum()) if int(both.sum()) else 1.0,
        "missed same-person pairs": float(missed),
        "share of missed": same / missed if missed else 0.0,
    }


def _pair_count(sizes: np.ndarray) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def _missed_pairs(tables: dict[str, pd.DataFrame], truth: pd.DataFrame) -> int:
    """Return the true same-person mention pairs the hub keeps as two people."""
    joined = _hub_people(tables).merge(truth, on="record_id", suffixes=("_hub", "_true"))
    together = _pair_count(joined.groupby(["cluster_hub", "cluster_true"]).size().to_numpy())
    return _pair_count(joined.groupby("cluster_true").size().to_numpy()) - together


def plain_people(person_mentions: pd.DataFrame) -> pd.DataFrame:
    """Return (record_id, cluster): the people resolution alone of the fused snapshot's person
    mentions, before any case is known (what the hub made of them without case co-reference)."""
    from cityhub.pipeline.resolve_tables import STAFF_ROLES
    from cityhub.resolve_files import people_options
    from entity_resolution.people import resolve_people

    mentions = person_mentions[~person_mentions["role"].isin(STAFF_ROLES)]
    columns = ["record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address"]
    frame = mentions.assign(record_id=mentions["source"] + ":" + mentions["mention_id"])[columns]
    people = resolve_people(frame, options=people_options()).assignments
    return people.rename(columns={"person_id": "cluster"})[["record_id", "cluster"]]


def joined_pairs(
    before: pd.DataFrame, after: dict[str, pd.DataFrame], truth: pd.DataFrame
) -> dict[str, float]:
    """Return the mention pairs one person in `after` (resolved tables) that were two in `before`
    (record_id, cluster), and how many of them are one true person."""
    old, new = before, _hub_people(after)
    joined = new.merge(old, on="record_id", suffixes=("_new", "_old")).merge(truth, on="record_id")
    pairs = joined.merge(joined, on="cluster_new", suffixes=("_a", "_b"))
    pairs = pairs[
        (pairs["record_id_a"] < pairs["record_id_b"]) & (pairs["cluster_old_a"] != pairs["cluster_old_b"])
    ]
    right = int((pairs["cluster_a"] == pairs["cluster_b"]).sum())
    return {"pairs joined": float(len(pairs)), "right": float(right)}
