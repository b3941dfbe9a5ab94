"""Benchmark case co-reference: a simulated city ingested and fused end to end, the hub's people
scored against the simulator's truth (pairwise precision, recall, F1), with and without the merges
of mentions of one case whose names sound the same.

"Without" is the people resolution alone of the same fused snapshot (what the hub made of the
mentions before the cases were known); "with" is what the hub wrote. Also counted: the mention pairs
the cases joined and how many are one true person (target: precision >= 0.99), and the pairs of one
case, of different records, of one name sound, the hub still keeps as two people.

Run alone: `python -m benchmarks.bench_case_people --people 20000 --seed 7`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.report import peak_rss_mb, print_rows, write_result

PRECISION_TARGET = 0.99


def main(argv: list[str] | None = None) -> None:
    from proving.case_people import fused_truth, joined_pairs, people_scores, plain_people, same_case_pairs
    from proving.evaluation import resolved_city
    from proving.scores import pairwise_scores
    from simulators.city import simulate_city

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path(".cityhub/bench-case-people"))
    parser.add_argument("--out-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    city = args.work / f"city-{args.people}-{args.seed}"
    if not (city / "manifest.json").is_file():
        simulate_city(people=args.people, seed=args.seed, out=city)
    home = args.work / f"home-{args.people}-{args.seed}"
    tables = resolved_city(city, home)
    truth = fused_truth(city, tables)
    plain = plain_people(pd.read_parquet(home / "fusion" / "snapshot" / "person_mentions.parquet"))
    without = pairwise_scores(plain[plain["record_id"].isin(set(truth["record_id"]))], truth)
    with_cases = people_scores(tables, truth)
    joined = joined_pairs(plain, tables, truth)
    left = same_case_pairs(tables, truth)
    precision = joined["right"] / joined["pairs joined"] if joined["pairs joined"] else 1.0
    rows: list[dict[str, Any]] = [
        {"what": f"people pairwise {name}, {side}", "value": value, "target": None}
        for side, scores in (("without cases", without.as_dict()), ("with cases", with_cases))
        for name, value in scores.items()
        if name in ("precision", "recall", "f1")
    ]
    rows += [
        {"what": "mention pairs the cases joined", "value": joined["pairs joined"], "target": None},
        {"what": "of them one true person", "value": joined["right"], "target": None},
        {"what": "precision of the joined pairs", "value": precision, "target": PRECISION_TARGET},
        {"what": "same-case same-sound pairs still two people", "value": left["pairs"], "target": None},
        {
            "what": "true same-person pairs still missed",
            "value": left["missed same-person pairs"],
            "target": None,
        },
        {
            "what": "people merged into another",
            "value": float(plain["cluster"].nunique() - len(tables["people"])),
            "target": None,
        },
        {"what": "mentions scored", "value": with_cases["mentions"], "target": None},
        {"what": "peak memory MB", "value": peak_rss_mb(), "target": None},
    ]
    for row in rows:
        row.setdefault("target", None)
        if row["target"] is not None:
            row["holds"] = "yes" if row["value"] >= row["target"] else "no"
    print_rows(f"case co-reference: {args.people:,} residents, seed {args.seed}", rows)
    write_result(
        f"case_people_{args.people}_seed{args.seed}",
        rows,
        {**vars(args), "work": str(args.work), "out_dir": None},
        out_dir=args.out_dir,
    )


if __name__ == "__main__":
    main()
