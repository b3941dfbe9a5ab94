"""Relevance of a search index on judged queries: recall@10 and MRR, and the judged set of a simulated city.

A judged query carries the document it was made from (`expected`) and every document the query
cannot tell apart from it (`relevant`: namesakes for a name, the household for a shared phone,
the same room written without its district ...). A query counts as found when a relevant
document is in the top k; its reciprocal rank is 1 / the rank of the first one (0 past k).

The judged set comes from the ground truth of a city written by `cityhub simulate` (layout in
simulators/README.md), using what the departments really wrote where there is such a thing:

    full_name       a resident's name
    name_district   name and home district (沙坪坝, without 区, as people say it)
    homophone       a hotline caller's name typed by ear (陈子冬 for 陈子东), same pinyin
    id_fragment     region and birth date (the first 14 digits), or name and the last 6 digits
    phone           a mobile number, or name and the phone's last 4 digits
    address         a hotline caller's words for the room where it happened
    shorthand       a grid worker's 聚龙城3-2-501

Two judged sets:

    resolved_judged_queries  the documents are what the pipeline produced (ingest and fusion):
                             the queries come from the truth of people the departments mentioned
                             (ID and phone queries only where a department wrote that number), and
                             a hit is relevant when it is the resolved entity holding most of the
                             truth person's mentions (for a room: most of its events). `cityhub eval
                             search` uses this one.
    judged_queries           documents built from the truth itself (`city_tables`): every resident,
                             no resolution in between. `cityhub bench search` uses it, because it
                             scales to a million residents without running the pipeline.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd

from normalize.names import clean_name, fuzzy_phonetic_key
from normalize.phone import clean_phone
from proving.judged import Evaluation, JudgedQuery, evaluate
from search.analysis import address_parts, structured_address_tokens

__all__ = [
    "CATEGORIES",
    "Evaluation",
    "JudgedQuery",
    "city_tables",
    "evaluate",
    "judged_queries",
    "resolved_judged_queries",
]

CATEGORIES = ("full_name", "name_district", "homophone", "id_fragment", "phone", "address", "shorthand")


# --- the simulated city -----------------------------------------------------------------------


def city_tables(city: Path) -> dict[str, pd.DataFrame]:
    """Return resolved-like tables (people, person_mentions, places, events, event_people, cases).

    Built from the city's truth; records the simulator made malformed on purpose are left out.
    """
    people = pd.read_parquet(city / "city" / "people.parquet")
    households = pd.read_parquet(city / "city" / "households.parquet")
    places = pd.read_parquet(city / "city" / "places.parquet")
    homes = _current_homes(city, places)
    people = people.merge(households[["household_id", "home_phone"]], on="household_id", how="left")
    people = people.merge(homes, on="person_id", how="left")
    resolved_people = pd.DataFrame(
        {
            "person_id": people["person_id"],
            "name": people["name"],
            "id_number": people["id_number"],
            "gender": people["gender"],
            "birth_date": people["birth_date"],
            "phones": [
                [p for p in pair if isinstance(p, str) and p]
                for pair in zip(people["mobile"], people["home_phone"], strict=True)
            ],
            "addresses": [[a] if isinstance(a, str) else [] for a in people["full_address"]],
        }
    )
    records = pd.read_parquet(city / "truth" / "records.parquet")
    records = records[~records["malformed"]]
    mentions = pd.read_parquet(city / "truth" / "mentions.parquet")
    incidents = pd.read_parquet(city / "city" / "incidents.parquet")
    incident_columns = ["incident_id", "category", "occurred_at", "description"]
    events = records.merge(incidents[incident_columns], on="incident_id")
    events = events.merge(places[["place_id", "full_address"]], on="place_id", how="left")
    events = pd.DataFrame(
        {
            "event_id": events["source"] + ":" + events["record_id"],
            "source": events["source"],
            "record_id": events["record_id"],
            "category": events["category"],
            "occurred_at": events["occurred_at"],
            "description": events["description"],
            "address": events["full_address"],
            "place_id": events["place_id"],
            "case_id": events["incident_id"],
        }
    )
    event_people = pd.DataFrame(
        {
            "event_id": mentions["source"] + ":" + mentions["record_id"],
            "person_id": mentions["person_id"],
            "role": mentions["role"],
        }
    )
    event_people = event_people[event_people["event_id"].isin(events["event_id"])].drop_duplicates()
    cases = events.groupby("case_id").agg(
        category=("category", "first"),
        opened_at=("occurred_at", "min"),
        last_activity_at=("occurred_at", "max"),
        sources=("source", lambda s: list(dict.fromkeys(s))),
    )
    cases = cases.reset_index()
    cases["escalating"] = cases["sources"].map(len) > 1
    last_seen = event_people.merge(events[["event_id", "occurred_at"]], on="event_id").groupby("person_id")
    resolved_people["last_seen"] = resolved_people["person_id"].map(last_seen["occurred_at"].max())
    return {
        "people": resolved_people,
        "person_mentions": mentions,
        "places": places,
        "events": events,
        "event_people": event_people,
        "cases": cases,
    }


def _current_homes(city: Path, places: pd.DataFrame) -> pd.DataFrame:
    """Return person_id, place_id, full_address and district of each resident's current home."""
    residences = pd.read_parquet(city / "city" / "residences.parquet")
    current = residences[residences["moved_out"].isna()].drop_duplicates("person_id", keep="last")
    homes = current[["person_id", "place_id"]].merge(places[["place_id", "full_address"]], on="place_id")
    districts = places[places["level"] == "district"].set_index("place_id")["name"]
    homes["district"] = homes["place_id"].str[:6].map(districts)
    return homes


def judged_queries(
    city: Path, per_category: int = 100, seed: int = 0, populations: Mapping[str, set[str]] | None = None
) -> list[JudgedQuery]:
    """Return the judged query set of a simulated city, up to `per_category` queries of each category.

    `populations` limits whom the queries are drawn for: "name", "id" and "phone" each map to the
    person_ids to draw from (default: every resident). Who counts as relevant is never limited.
    """
    draw = random.Random(seed)
    places = pd.read_parquet(city / "city" / "places.parquet")
    people = pd.read_parquet(city / "city" / "people.parquet").merge(
        _current_homes(city, places), on="person_id", how="left"
    )
    households = pd.read_parquet(city / "city" / "households.parquet")
    people = people.merge(households[["household_id", "home_phone"]], on="household_id", how="left")
    people["clean"] = people["name"].map(clean_name)

    def sample(group: str) -> pd.DataFrame:
        allowed = people if populations is None else people[people["person_id"].isin(populations[group])]
        return allowed.sample(n=min(per_category, len(allowed)), random_state=seed)

    queries: list[JudgedQuery] = []
    queries += _name_queries(people, sample("name"))
    queries += _homophone_queries(city, people, per_category, draw)
    queries += _id_queries(people, sample("id"))
    queries += _phone_queries(people, sample("phone"))
    queries += _address_queries(city, places, per_category, draw)
    return queries


def resolved_judged_queries(
    city: Path, resolved: Mapping[str, pd.DataFrame], per_category: int = 100, seed: int = 0
) -> list[JudgedQuery]:
    """Return judged queries for an index built from the pipeline's resolved tables of `city`.

    Queries are drawn from the truth of people some department mentioned; ID and phone queries only
    for people whose number a department wrote. Truth ids are replaced by the resolved entity that
    holds most of the person's mentions (a room: most of its events); a query whose person or room
    has no resolved entity is dropped.
    """
    mentions = pd.read_parquet(city / "truth" / "mentions.parquet").merge(
        resolved["person_mentions"], on=["source", "mention_id"], suffixes=("", "_resolved")
    )
    people_map = _majority(mentions, "person_id", "person_id_resolved")
    records = pd.read_parquet(city / "truth" / "records.parquet").merge(
        resolved["events"][["source", "record_id", "place_id"]],
        on=["source", "record_id"],
        suffixes=("", "_resolved"),
    )
    placed = records.dropna(subset=["place_id", "place_id_resolved"])
    place_map = _majority(placed, "place_id", "place_id_resolved")
    truth = judged_queries(city, per_category, seed, populations=_written(city, mentions, set(people_map)))
    mapped = (_resolved_query(q, place_map if q.kinds == ("place",) else people_map) for q in truth)
    return [q for q in mapped if q is not None]


def _majority(frame: pd.DataFrame, truth: str, resolved: str) -> dict[str, str]:
    """Return truth id -> the resolved id most of its rows went to (ties: the smaller id)."""
    counts = frame.groupby([truth, resolved]).size().rename("rows").reset_index()
    counts = counts.sort_values([truth, "rows", resolved], ascending=[True, False, True])
    first = counts.drop_duplicates(truth)
    return dict(zip(first[truth].astype(str), first[resolved].astype(str), strict=True))


def _written(city: Path, mentions: pd.DataFrame, mentioned: set[str]) -> dict[str, set[str]]:
    """Return whom each query group may be drawn for: mentioned people, and those whose ID number
    or phone (the one the phone queries use) a department wrote in one of their mentions."""
    people = pd.read_parquet(city / "city" / "people.parquet")
    households = pd.read_parquet(city / "city" / "households.parquet")
    people = people.merge(households[["household_id", "home_phone"]], on="household_id", how="left")
    ids = set(zip(mentions["person_id"], mentions["id_number"].fillna(""), strict=True))
    phones = set(zip(mentions["person_id"], mentions["phone"].fillna(""), strict=True))
    queried_phone = [
        m if isinstance(m, str) else h for m, h in zip(people["mobile"], people["home_phone"], strict=True)
    ]
    return {
        "name": mentioned,
        "id": {p for p, n in zip(people["person_id"], people["id_number"], strict=True) if (p, n) in ids},
        "phone": {
            p
            for p, phone in zip(people["person_id"], queried_phone, strict=True)
            if isinstance(phone, str) and (p, clean_phone(phone) or "") in phones
        },
    }


def _resolved_query(query: JudgedQuery, mapping: Mapping[str, str]) -> JudgedQuery | None:
    if query.expected not in mapping:
        return None
    relevant = frozenset(mapping[t] for t in query.relevant if t in mapping)
    return JudgedQuery(query.category, query.text, mapping[query.expected], relevant, query.kinds)


def _groups(frame: pd.DataFrame, columns: list[str]) -> dict[tuple[str, ...], frozenset[str]]:
    found: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for row in zip(*(frame[c] for c in columns), frame["person_id"], strict=True):
        found[tuple(str(v) for v in row[:-1])].add(str(row[-1]))
    return {key: frozenset(ids) for key, ids in found.items()}


def _name_queries(people: pd.DataFrame, sample: pd.DataFrame) -> Iterator[JudgedQuery]:
    by_name = _groups(people, ["clean"])
    by_district = _groups(people, ["clean", "district"])
    for row in sample.itertuples(index=False):
        yield JudgedQuery("full_name", row.name, row.person_id, by_name[(row.clean,)])
        if isinstance(row.district, str):
            spoken = row.district.removesuffix("区").removesuffix("县") or row.district
            yield JudgedQuery(
                "name_district", f"{row.name} {spoken}", row.person_id, by_district[(row.clean, row.district)]
            )


def _homophone_queries(
    city: Path, people: pd.DataFrame, limit: int, draw: random.Random
) -> list[JudgedQuery]:
    hotline = pd.read_parquet(city / "channels" / "hotline.parquet").drop_duplicates("ticket_id", keep="last")
    mentions = pd.read_parquet(city / "truth" / "mentions.parquet")
    typed = hotline[["ticket_id", "caller_name"]].merge(
        mentions[mentions["source"] == "hotline"], left_on="ticket_id", right_on="record_id"
    )
    typed = typed.merge(people[["person_id", "clean"]], on="person_id")
    typed = typed[typed["caller_name"].notna()]
    typed = typed[typed["caller_name"].map(clean_name) != typed["clean"]]
    same_sound = typed["caller_name"].map(fuzzy_phonetic_key) == typed["clean"].map(fuzzy_phonetic_key)
    typed = typed[same_sound].drop_duplicates("person_id")
    by_name = _groups(people, ["clean"])
    rows = list(typed.itertuples(index=False))
    return [
        JudgedQuery("homophone", r.caller_name, r.person_id, by_name[(r.clean,)])
        for r in draw.sample(rows, min(limit, len(rows)))
    ]


def _id_queries(people: pd.DataFrame, sample: pd.DataFrame) -> Iterator[JudgedQuery]:
    people = people.assign(head=people["id_number"].str[:14], tail=people["id_number"].str[-6:])
    by_head = _groups(people, ["head"])
    by_name_tail = _groups(people, ["clean", "tail"])
    for i, row in enumerate(sample.itertuples(index=False)):
        number = str(row.id_number)
        if i % 2:
            yield JudgedQuery("id_fragment", number[:14], row.person_id, by_head[(number[:14],)])
        else:
            yield JudgedQuery(
                "id_fragment",
                f"{row.name} {number[-6:]}",
                row.person_id,
                by_name_tail[(row.clean, number[-6:])],
            )


def _phone_queries(people: pd.DataFrame, sample: pd.DataFrame) -> Iterator[JudgedQuery]:
    phones = pd.concat(
        [
            people[["person_id", "clean", "mobile"]].rename(columns={"mobile": "phone"}),
            people[["person_id", "clean", "home_phone"]].rename(columns={"home_phone": "phone"}),
        ]
    )
    phones = phones[phones["phone"].notna()]
    phones = phones.assign(last4=phones["phone"].str[-4:])
    by_phone = _groups(phones, ["phone"])
    by_name_last4 = _groups(phones, ["clean", "last4"])
    for i, row in enumerate(sample.itertuples(index=False)):
        phone = row.mobile if isinstance(row.mobile, str) else row.home_phone
        if not isinstance(phone, str):
            continue
        if i % 2:
            yield JudgedQuery("phone", phone, row.person_id, by_phone[(phone,)])
        else:
            yield JudgedQuery(
                "phone", f"{row.name} {phone[-4:]}", row.person_id, by_name_last4[(row.clean, phone[-4:])]
            )


def _address_queries(city: Path, places: pd.DataFrame, limit: int, draw: random.Random) -> list[JudgedQuery]:
    """Queries from the addresses the hotline and grid workers wrote for incidents in rooms."""
    records = pd.read_parquet(city / "truth" / "records.parquet")
    rooms = places[places["level"] == "room"]
    room_keys: dict[str, set[str]] = defaultdict(set)
    for place_id, address in zip(rooms["place_id"], rooms["full_address"], strict=True):
        for key in _room_keys(address):
            room_keys[key].add(place_id)
    written = {
        "address": pd.read_parquet(city / "channels" / "hotline.parquet")[
            ["ticket_id", "event_address"]
        ].set_axis(["record_id", "address"], axis=1),
        "shorthand": pd.read_parquet(city / "channels" / "grid.parquet")[["event_no", "address"]].set_axis(
            ["record_id", "address"], axis=1
        ),
    }
    queries: list[JudgedQuery] = []
    for category, frame in written.items():
        frame = frame.drop_duplicates("record_id", keep="last").merge(records, on="record_id")
        frame = frame[frame["place_id"].isin(rooms["place_id"]) & frame["address"].notna()]
        if category == "shorthand":
            frame = frame[frame["address"].str.contains(r"\d+-\d+-\d+$", regex=True)]
        rows = [r for r in frame.drop_duplicates("place_id").itertuples(index=False) if _room_keys(r.address)]
        for row in draw.sample(rows, min(limit, len(rows))):
            relevant = frozenset(room_keys.get(_room_keys(row.address)[0], set()) | {row.place_id})
            queries.append(JudgedQuery(category, row.address, row.place_id, relevant, kinds=("place",)))
    return queries


def _room_keys(address: str) -> list[str]:
    """Return the room tokens an address names: with its district when it has one, and without."""
    parts = address_parts(address)
    rooms = [t for t in structured_address_tokens(parts) if t.startswith("ar:")]
    if not rooms:
        return []
    return [f"{parts.district}|{rooms[0]}", f"|{rooms[0]}"] if parts.district else [f"|{rooms[0]}"]
