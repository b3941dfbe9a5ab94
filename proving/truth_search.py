"""Search judged from the truth alone: queries made from the city's truth and what departments wrote,
relevance from the truth, so a resolver that merges two people (or two rooms) loses the hit.

A resolved entity is relevant to a true person when every mention it holds is that person's (a
*pure* entity); an entity that merged the person with someone else is relevant to neither. A query
that cannot tell people apart (a common name) is relevant to the pure entities of each of them.
Places the same way: a resolved place is relevant to a room when every record placed in it happened
in that room.

Queries (per category, drawn with a fixed seed from people some department mentioned):

    full_name, name_district, homophone, id_fragment, phone   as `search_relevance.judged_queries`
    name_typo      the true name with a look-alike or wrong character (王律国 for 王建国)
    name_dropped   a three-character name with one character left out
    phone_slip     the person's phone with one digit slipped or two swapped
    address        what a department wrote for the room of an incident, parsed or not
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from normalize.names import clean_name
from proving.search_relevance import JudgedQuery, _written, judged_queries
from simulators.city.noise.typos import name_typo, phone_slip

__all__ = ["TRUTH_CATEGORIES", "evaluate_truth_search", "pure_entities", "truth_judged_queries"]

TRUTH_CATEGORIES = (
    "full_name",
    "name_district",
    "homophone",
    "id_fragment",
    "phone",
    "name_typo",
    "name_dropped",
    "phone_slip",
    "address",
)
_ADDRESSES = (  # channel table, record id column, address column
    ("hotline", "ticket_id", "event_address"),
    ("grid", "event_no", "address"),
    ("police_incidents", "jjdbh", "fadz"),
    ("petitions", "信访件编号", "问题发生地"),
)


def pure_entities(frame: pd.DataFrame, truth: str, resolved: str) -> dict[str, set[str]]:
    """Return truth id -> the resolved ids all of whose rows belong to that truth id."""
    owners = frame.groupby(resolved)[truth].agg(lambda s: set(s.astype(str)))
    pure: dict[str, set[str]] = defaultdict(set)
    for entity, truths in owners.items():
        if len(truths) == 1:
            pure[next(iter(truths))].add(str(entity))
    return pure


def _judged(query: JudgedQuery, pure: Mapping[str, set[str]]) -> JudgedQuery:
    """Return the query with its truth ids replaced by the pure entities of each (possibly none)."""
    relevant = frozenset(e for t in query.relevant for e in pure.get(t, ()))
    expected = min(pure[query.expected]) if pure.get(query.expected) else ""
    return JudgedQuery(query.category, query.text, expected, relevant, query.kinds)


def _people(city: Path) -> pd.DataFrame:
    people = pd.read_parquet(city / "city/people.parquet")
    households = pd.read_parquet(city / "city/households.parquet")
    people = people.merge(households[["household_id", "home_phone"]], on="household_id", how="left")
    return people.assign(clean=people["name"].map(clean_name))


def _typo_queries(
    people: pd.DataFrame, mentioned: set[str], limit: int, draw: random.Random
) -> list[JudgedQuery]:
    """Return name_typo, name_dropped and phone_slip queries; relevance: whoever the text names."""
    by_name: dict[str, set[str]] = defaultdict(set)
    for person, clean in zip(people["person_id"], people["clean"], strict=True):
        by_name[clean].add(person)
    phones: dict[str, set[str]] = defaultdict(set)
    for person, mobile, home in zip(people["person_id"], people["mobile"], people["home_phone"], strict=True):
        for phone in (mobile, home):
            if isinstance(phone, str):
                phones[phone].add(person)
    pool = people[people["person_id"].isin(mentioned)]
    rows = list(pool.itertuples(index=False))
    draw.shuffle(rows)
    queries: dict[str, list[JudgedQuery]] = defaultdict(list)
    for row in rows:
        if len(queries["name_typo"]) < limit:
            typed = name_typo(row.name, draw.random(), draw.random() * 0.79)
            if clean_name(typed) != row.clean:
                who = frozenset(by_name[row.clean] | by_name.get(clean_name(typed), set()))
                queries["name_typo"].append(JudgedQuery("name_typo", typed, row.person_id, who))
        if len(queries["name_dropped"]) < limit and len(row.name) >= 3 and "·" not in row.name:
            typed = name_typo(row.name, draw.random(), 0.9)
            who = frozenset(by_name[row.clean] | by_name.get(clean_name(typed), set()))
            queries["name_dropped"].append(JudgedQuery("name_dropped", typed, row.person_id, who))
        phone = row.mobile if isinstance(row.mobile, str) else row.home_phone
        if len(queries["phone_slip"]) < limit and isinstance(phone, str):
            typed = phone_slip(phone, draw.random(), draw.random())
            who = frozenset(phones[phone] | phones.get(typed, set()))
            queries["phone_slip"].append(JudgedQuery("phone_slip", typed, row.person_id, who))
    return [q for group in queries.values() for q in group]


def _address_queries(city: Path, limit: int, draw: random.Random) -> list[JudgedQuery]:
    """Return what departments wrote for incidents in rooms (last versions), relevant: the true room."""
    records = pd.read_parquet(city / "truth/records.parquet")
    records = records[~records["malformed"] & records["place_id"].str.contains("-R", regex=False)]
    written = []
    for table, key, column in _ADDRESSES:
        frame = pd.read_parquet(city / "channels" / f"{table}.parquet", columns=[key, column, "version"])
        frame = frame.sort_values([key, "version"]).drop_duplicates(key, keep="last")
        written.append(frame[[key, column]].set_axis(["record_id", "address"], axis=1))
    frame = pd.concat(written).merge(records[["record_id", "place_id"]], on="record_id")
    frame = frame[frame["address"].notna() & (frame["address"] != "")].drop_duplicates("place_id")
    rows = list(frame.itertuples(index=False))
    return [
        JudgedQuery("address", r.address, r.place_id, frozenset({r.place_id}), kinds=("place",))
        for r in draw.sample(rows, min(limit, len(rows)))
    ]


def truth_judged_queries(
    city: Path, resolved: Mapping[str, pd.DataFrame], per_category: int = 100, seed: int = 0
) -> list[JudgedQuery]:
    """Return queries judged from the truth for an index built from `resolved` (the pipeline's tables).

    Every query is kept, found or not: one whose person has no pure entity cannot be found.
    """
    draw = random.Random(seed)
    mentions = pd.read_parquet(city / "truth/mentions.parquet").merge(
        resolved["person_mentions"], on=["source", "mention_id"], suffixes=("", "_resolved")
    )
    pure_people = pure_entities(mentions, "person_id", "person_id_resolved")
    mentioned = set(mentions["person_id"].astype(str))
    records = pd.read_parquet(city / "truth/records.parquet").merge(
        resolved["events"][["source", "record_id", "place_id"]],
        on=["source", "record_id"],
        suffixes=("", "_resolved"),
    )
    placed = records.dropna(subset=["place_id_resolved"])
    pure_places = pure_entities(placed, "place_id", "place_id_resolved")
    base = judged_queries(city, per_category, seed, populations=_written(city, mentions, mentioned))
    people_queries = [q for q in base if q.kinds != ("place",)]
    people_queries += _typo_queries(_people(city), mentioned, per_category, draw)
    judged = [_judged(q, pure_people) for q in people_queries]
    judged += [_judged(q, pure_places) for q in _address_queries(city, per_category, draw)]
    return judged


def evaluate_truth_search(
    city: Path, per_category: int = 100, *, home: Path | None = None, search_url: str = "embedded"
) -> list[dict[str, object]]:
    """Return recall@10 and MRR of truth-judged queries on the index the pipeline builds for `city`."""
    from proving.evaluation import search_rows

    return search_rows(city, truth_judged_queries, "truth-judged", per_category, home, search_url)
