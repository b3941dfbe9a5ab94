"""Held-out evaluation through the documented CLI: a simulated city's records written as the input
files of `cityhub resolve people|places|events`, the CLI run as a whole process, its output scored.

    counts = export_city(city, folder)       # people.csv, places.csv, events.csv and *_truth.csv
    rows = score_city(folder)                # one row per kind: seconds, pairwise and B-cubed scores

The files hold what the departments last wrote (the last version of each record that is not
deleted): names, ID numbers, phones, dates and addresses as written, and for events the
department's own category label (12345 `category_name`, the grid's `type_name`, the police's
`jqlbmc`, the petitions office's `问题分类`) and the time as the department wrote it. The truth
files give each record's true person, place or incident (`record_id, cluster`). Nothing in the
files comes from the resolvers, so a resolver tuned on one city can fail on another.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cityhub.resolve_files import EVENT_COLUMNS, PEOPLE_COLUMNS, PLACE_COLUMNS
from proving.event_scores import _code_tables, _times
from proving.scores import load_simulated_city, load_simulated_places, score_clusters

__all__ = ["KINDS", "ResolveRun", "event_records", "export_city", "run_resolve", "score_city", "score_kind"]

KINDS = ("people", "places", "events", "events_mapped")
COLUMNS = {
    "people": PEOPLE_COLUMNS,
    "places": PLACE_COLUMNS,
    "events": EVENT_COLUMNS,
    "events_mapped": EVENT_COLUMNS,
}
RESULT_COLUMN = {"people": "person_id", "places": "place_id", "events": "case_id", "events_mapped": "case_id"}

# source, channel table, record id, the department's label, time as written, description, address, code
_EVENT_CHANNELS = (
    (
        "hotline",
        "hotline",
        "ticket_id",
        "category_name",
        "created_at",
        "content",
        "event_address",
        "category_code",
    ),
    ("grid", "grid", "event_no", "type_name", "report_time", "description", "address", "type_code"),
    ("police", "police_incidents", "jjdbh", "jqlbmc", "bjsj", "jyaq", "fadz", "jqlbdm"),
    ("petitions", "petitions", "信访件编号", "问题分类", "登记日期", "诉求内容", "问题发生地", "问题分类"),
)


def _latest(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Return the last version of each record that is not deleted."""
    latest = table.sort_values([key, "version"]).groupby(key, sort=False).tail(1)
    return latest[~latest["deleted"].astype(bool)]


def _first_people(root: Path) -> pd.DataFrame:
    """Return each record's first named person (record_id as source:id, person_name, person_phone)."""
    hotline = _latest(pd.read_parquet(root / "channels/hotline.parquet"), "ticket_id")
    petitions = _latest(pd.read_parquet(root / "channels/petitions.parquet"), "信访件编号")
    grid = _latest(pd.read_parquet(root / "channels/grid.parquet"), "event_no")
    persons = _latest(pd.read_parquet(root / "channels/police_persons.parquet"), "rybh")
    first = persons.sort_values("rybh").groupby("jjdbh", sort=False).head(1)
    parties = [list(p) if p is not None else [] for p in grid["parties"]]
    frames = [
        pd.DataFrame(
            {
                "record_id": "hotline:" + hotline["ticket_id"],
                "name": hotline["caller_name"],
                "phone": hotline["caller_phone"],
            }
        ),
        pd.DataFrame(
            {
                "record_id": "grid:" + grid["event_no"],
                "name": [p[0]["name"] if p else None for p in parties],
                "phone": [p[0]["phone"] if p else None for p in parties],
            }
        ),
        pd.DataFrame({"record_id": "police:" + first["jjdbh"], "name": first["xm"], "phone": first["lxdh"]}),
        pd.DataFrame(
            {
                "record_id": "petitions:" + petitions["信访件编号"],
                "name": petitions["信访人"],
                "phone": petitions["联系电话"],
            }
        ),
    ]
    people = pd.concat(frames, ignore_index=True)
    return people.rename(columns={"name": "person_name", "phone": "person_phone"})


def event_records(root: Path, mapped: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a city's records in the columns of `cityhub resolve events` and their true incidents.

    `mapped` writes what the hub's ingest would hold instead of what the departments wrote: the
    category code mapped to the taxonomy through the hub's code tables, the time in ISO form.
    """
    parts = []
    for source, table, key, label, when, text, address, code in _EVENT_CHANNELS:
        latest = _latest(pd.read_parquet(root / "channels" / f"{table}.parquet"), key)
        category, occurred = latest[label], latest[when]
        if mapped:
            category = (
                latest[code].astype(str).map(_code_tables(source)["categories"]).fillna("other.unclassified")
            )
            occurred = _times(occurred).dt.strftime("%Y-%m-%d %H:%M:%S")
        parts.append(
            pd.DataFrame(
                {
                    "record_id": source + ":" + latest[key].astype(str),
                    "source": source,
                    "category": category,
                    "description": latest[text],
                    "occurred_at": occurred,
                    "address": latest[address],
                }
            )
        )
    events = pd.concat(parts, ignore_index=True).merge(_first_people(root), on="record_id", how="left")
    truth = pd.read_parquet(root / "truth/records.parquet")
    truth = truth[~truth["malformed"]]
    truth = pd.DataFrame(
        {"record_id": truth["source"] + ":" + truth["record_id"], "cluster": truth["incident_id"]}
    )
    events = events[events["record_id"].isin(truth["record_id"])]
    truth = truth[truth["record_id"].isin(events["record_id"])]
    return events.sort_values("record_id", ignore_index=True)[list(EVENT_COLUMNS)], truth


def _write(frame: pd.DataFrame, path: Path) -> int:
    frame.replace({"": None}).to_csv(path, index=False, encoding="utf-8")
    return len(frame)


def export_city(city: Path, out: Path) -> dict[str, int]:
    """Write a simulated city's records as `cityhub resolve` input files and truth files under `out`.

    people.csv, places.csv, events.csv hold exactly the documented columns; <kind>_truth.csv holds
    record_id, cluster for every exported record. events_mapped.csv is the events file as the hub's
    ingest would hold it (taxonomy codes from the departments' codes, ISO times): it measures event
    resolution apart from reading labels and dates. Returns the rows written per file.
    """
    out.mkdir(parents=True, exist_ok=True)
    people = load_simulated_city(city)
    places = load_simulated_places(city)
    events, event_truth = event_records(city)
    mapped, _ = event_records(city, mapped=True)
    return {
        "people.csv": _write(people.mentions[list(PEOPLE_COLUMNS)], out / "people.csv"),
        "people_truth.csv": _write(people.truth, out / "people_truth.csv"),
        "places.csv": _write(places.mentions[list(PLACE_COLUMNS)], out / "places.csv"),
        "places_truth.csv": _write(places.truth, out / "places_truth.csv"),
        "events.csv": _write(events, out / "events.csv"),
        "events_truth.csv": _write(event_truth, out / "events_truth.csv"),
        "events_mapped.csv": _write(mapped, out / "events_mapped.csv"),
        "events_mapped_truth.csv": _write(event_truth, out / "events_mapped_truth.csv"),
    }


@dataclass(frozen=True, slots=True)
class ResolveRun:
    """One `cityhub resolve` process: its exit code, wall seconds and the last lines it wrote."""

    kind: str
    returncode: int
    seconds: float
    output: Path
    message: str


def run_resolve(kind: str, folder: Path, python: str = sys.executable) -> ResolveRun:
    """Run `python -m cityhub.cli resolve KIND --input folder/KIND.csv --output folder/KIND_resolved.csv`."""
    output = folder / f"{kind}_resolved.csv"
    output.unlink(missing_ok=True)
    command = [
        python,
        "-m",
        "cityhub.cli",
        "resolve",
        kind.split("_")[0],
        "--input",
        str(folder / f"{kind}.csv"),
    ]
    start = time.perf_counter()
    done = subprocess.run([*command, "--output", str(output)], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    lines = (done.stderr or done.stdout).strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")] or lines[-1:]
    return ResolveRun(kind, done.returncode, seconds, output, errors[-1][:300] if errors else "")


def _predicted(kind: str, output: Path) -> pd.DataFrame:
    """Return (record_id, cluster) from a resolve output; a record left unplaced is a cluster of its own."""
    frame = pd.read_csv(output, dtype=str, keep_default_na=False)
    cluster = frame[RESULT_COLUMN[kind]].where(
        frame[RESULT_COLUMN[kind]] != "", "unplaced:" + frame["record_id"]
    )
    return pd.DataFrame({"record_id": frame["record_id"], "cluster": cluster})


def score_kind(kind: str, folder: Path, python: str = sys.executable) -> dict[str, object]:
    """Run the CLI on folder/KIND.csv and return its time and scores against folder/KIND_truth.csv.

    A refused file scores nothing: the row says so, with the CLI's message.
    """
    truth = pd.read_csv(folder / f"{kind}_truth.csv", dtype=str, keep_default_na=False)
    run = run_resolve(kind, folder, python)
    row: dict[str, object] = {"what": kind, "records": len(truth), "seconds": round(run.seconds, 2)}
    if run.returncode != 0:
        return {**row, "f1": 0.0, "refused": run.message}
    predicted = _predicted(kind, run.output)
    scores = score_clusters(predicted, truth)
    row.update({k: round(v, 4) for k, v in scores.items() if k != "records"})
    if kind == "places":
        row["unplaced"] = int(predicted["cluster"].str.startswith("unplaced:").sum())
    return row


def score_city(
    folder: Path, kinds: tuple[str, ...] = KINDS, python: str = sys.executable
) -> list[dict[str, object]]:
    """Return one row of scores per kind for an exported city folder (see `export_city`)."""
    return [score_kind(kind, folder, python) for kind in kinds]
