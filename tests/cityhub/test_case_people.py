"""Case co-reference in the pipeline, on the small simulated city: a full run merges the people of one
case whose names sound the same; an increment that brings the second record of such a case merges
them too, logs the merge and agrees with the full run; re-resolving the blocks (as reconciliation
does) and merging the cases again keeps them merged, with nothing to log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from cityhub.pipeline.case_changes import corefer_changes, corefer_increment
from cityhub.pipeline.link_tables import input_hashes, link_batch
from cityhub.pipeline.resolve_tables import STAFF_ROLES, CanonicalSnapshot, Previous, resolve_with_state
from cityhub.pipeline.resolved_write import changed_tables
from cityhub.resolve_files import people_options, place_options
from cityhub.warehouse import Warehouse
from entity_resolution.identity import changes_between
from entity_resolution.people import resolve_people
from entity_resolution.people.reconcile import reresolve_blocks
from normalize.names import clean_name, phonetic_key
from proving.scores import pairwise_scores

AT = dt.datetime(2026, 11, 21, 8)
LATER = dt.datetime(2026, 11, 21, 9)
TABLES = {"events": "EventRecord", "person_mentions": "PersonMention", "place_mentions": "PlaceMention"}


@pytest.fixture(scope="module")
def snapshot(ingested_city_home: Path) -> CanonicalSnapshot:
    warehouse = Warehouse(f"sqlite:///{ingested_city_home / 'warehouse.sqlite'}")
    frames = {n: warehouse.read_table(t) for n, t in TABLES.items()}
    live = {n: f[~f["deleted"].astype(bool)].reset_index(drop=True) for n, f in frames.items()}
    return CanonicalSnapshot(**live, status_history=warehouse.read_table("record_status_history"))


def _run(snapshot: CanonicalSnapshot) -> tuple[dict[str, pd.DataFrame], object]:
    return resolve_with_state(snapshot, Previous(), people_options(), place_options(), AT)


@pytest.fixture(scope="module")
def full(snapshot: CanonicalSnapshot) -> tuple[dict[str, pd.DataFrame], object]:
    return _run(snapshot)


def _mentions(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    mentions = tables["person_mentions"]
    return mentions.assign(
        key=mentions["source"] + ":" + mentions["mention_id"],
        event_id=mentions["source"] + ":" + mentions["record_id"],
    )


@pytest.fixture(scope="module")
def case_pairs(snapshot: CanonicalSnapshot, full: tuple[dict[str, pd.DataFrame], object]) -> pd.DataFrame:
    """The mention pairs of one case and one name sound, in different records, that the full run
    made one person and the pair scores alone keep apart."""
    tables, _ = full
    mentions = _mentions(tables)
    mentions["case_id"] = mentions["event_id"].map(tables["events"].set_index("event_id")["case_id"])
    mentions["sound"] = [phonetic_key(clean_name(n)) if isinstance(n, str) else "" for n in mentions["name"]]
    mentions = mentions[mentions["sound"] != ""]
    pairs = mentions.merge(mentions, on=["case_id", "sound", "person_id"], suffixes=("_a", "_b"))
    pairs = pairs[(pairs["key_a"] < pairs["key_b"]) & (pairs["event_id_a"] != pairs["event_id_b"])]
    people = snapshot.person_mentions[~snapshot.person_mentions["role"].isin(STAFF_ROLES)]
    plain = resolve_people(
        people.assign(record_id=people["source"] + ":" + people["mention_id"])[
            ["record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address"]
        ],
        options=people_options(),
    ).assignments.set_index("record_id")["person_id"]
    return pairs[pairs["key_a"].map(plain) != pairs["key_b"].map(plain)].reset_index(drop=True)


def test_a_full_run_makes_the_people_of_one_case_with_one_name_sound_one(
    full: tuple[dict[str, pd.DataFrame], object], case_pairs: pd.DataFrame
) -> None:
    tables, state = full
    assert len(case_pairs) >= 3  # the pair scores alone left them apart; the case joined them
    event_people = tables["event_people"]
    pair = case_pairs.iloc[0]
    for event in (pair["event_id_a"], pair["event_id_b"]):
        assert pair["person_id"] in set(event_people.loc[event_people["event_id"] == event, "person_id"])
    assert set(tables["people"]["person_id"]) == set(tables["person_mentions"]["person_id"])
    assert set(state.people.assignments["person_id"]) == set(tables["people"]["person_id"])


def _without(
    snapshot: CanonicalSnapshot, source: str, record: str
) -> tuple[CanonicalSnapshot, CanonicalSnapshot]:
    """Return the snapshot without one event record (and its mentions), and that record alone."""
    parts: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for name in ("events", "person_mentions", "place_mentions", "status_history"):
        frame = getattr(snapshot, name)
        mine = ((frame["source"] == source) & (frame["record_id"] == record)).to_numpy()
        parts[name] = (frame[~mine].reset_index(drop=True), frame[mine].reset_index(drop=True))
    return (
        CanonicalSnapshot(**{n: p[0] for n, p in parts.items()}),
        CanonicalSnapshot(**{n: p[1] for n, p in parts.items()}),
    )


def test_an_increment_merges_them_logs_the_merge_and_agrees_with_the_full_run(
    snapshot: CanonicalSnapshot, full: tuple[dict[str, pd.DataFrame], object], case_pairs: pd.DataFrame
) -> None:
    pair = case_pairs.iloc[0]
    source, record = pair["event_id_b"].split(":", 1)
    earlier, batch = _without(snapshot, source, record)
    tables, state = _run(earlier)
    tables = {n: t.assign(changed_at=AT) for n, t in tables.items()}  # as written
    mentions = earlier.person_mentions[~earlier.person_mentions["role"].isin(STAFF_ROLES)]
    options = people_options()
    increment = link_batch(batch, state, tables, input_hashes(mentions), options, place_options(), LATER)
    increment = corefer_increment(increment, tables, None, options, LATER)
    after = changed_tables(tables, increment.changes, LATER)
    person = _mentions(after).set_index("key")["person_id"]
    assert person[pair["key_a"]] == person[pair["key_b"]]
    merges = increment.id_changes[(increment.id_changes["entity"] == "person")]
    assert "merge" in set(merges["kind"])
    assert set(after["people"]["person_id"]) == set(after["person_mentions"]["person_id"])
    linked = after["event_people"]
    assert set(linked.loc[linked["event_id"] == pair["event_id_b"], "person_id"]) <= set(
        after["people"]["person_id"]
    )
    ours = _mentions(after)[["key", "person_id"]].set_axis(["record_id", "cluster"], axis=1)
    reference = _mentions(full[0])[["key", "person_id"]].set_axis(["record_id", "cluster"], axis=1)
    assert pairwise_scores(ours, reference).f1 >= 0.999


def test_re_resolving_the_blocks_and_merging_the_cases_again_keeps_them_one(
    full: tuple[dict[str, pd.DataFrame], object], case_pairs: pd.DataFrame
) -> None:
    tables, state = full
    options = people_options()
    seeds = list(case_pairs["key_a"]) + list(case_pairs["key_b"])
    people = reresolve_blocks(state.people, seeds, None, options)
    split = people.assignments.set_index("record_id")["person_id"]
    assert (case_pairs["key_a"].map(split) != case_pairs["key_b"].map(split)).all()  # the scores alone
    resolutions = type(state)(people, state.places, state.events)
    cases = set(tables["events"].set_index("event_id").loc[list(case_pairs["event_id_a"]), "case_id"])
    before = state.people.prepared[["record_id", "person_id"]]
    found = corefer_changes(resolutions, tables, {}, cases, None, options, LATER, before)
    again = found.resolutions.people.assignments.set_index("record_id")["person_id"]
    assert (case_pairs["key_a"].map(again) == case_pairs["key_b"].map(again)).all()
    ids = ["record_id", "person_id"]
    net = changes_between(
        state.people.prepared[ids].set_axis(["record_id", "entity_id"], axis=1),
        found.resolutions.people.prepared[ids].set_axis(["record_id", "entity_id"], axis=1),
    )
    assert net.empty  # split by the scores, merged back by the case: nothing happened
