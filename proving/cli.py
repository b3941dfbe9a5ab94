"""Commands of the proving ground, added to `cityhub` when it is installed: simulate a city, serve its
department systems, run the demo, score resolution against ground truth, run benchmarks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cityhub.cli.output import console, print_rows, summary_table
from ontology.errors import BadInput

app = typer.Typer()
eval_app = typer.Typer(
    help="Score resolution against ground truth and public benchmarks.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")

NoiseOption = Annotated[
    str,
    typer.Option(
        help="Noise profile of the city simulated when --city is not given: clean, realistic, hard."
    ),
]
PeopleOption = Annotated[int, typer.Option(help="Residents of the city simulated when --city is not given.")]
SeedOption = Annotated[int, typer.Option(help="Seed of the simulated city.")]
CityOption = Annotated[
    Path | None, typer.Option(help="A city written by `cityhub simulate` (default: simulate one).")
]


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Directory to write the city, its channels and ground truth to.")],
    people: Annotated[int, typer.Option(help="Number of residents.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical files.")] = 7,
    days: Annotated[int, typer.Option(help="Days of history to simulate.")] = 365,
    end: Annotated[str, typer.Option(help="Last day of the history (YYYY-MM-DD).")] = "2026-11-20",
    noise: Annotated[
        str,
        typer.Option(
            help="clean (the departments' own noise only), realistic (typos, mixed formats, unknown "
            "communities, own labels, second reports) or hard (more and stronger of each)."
        ),
    ] = "realistic",
) -> None:
    """Write a synthetic city (places, people, incidents) and its department records to OUT."""
    from simulators.city import simulate_city

    result = simulate_city(
        people=people, seed=seed, out=out, days=days, end=date.fromisoformat(end), noise=noise
    )
    summary_table(f"city written to {out}", result)


@app.command()
def serve(
    city: Annotated[Path, typer.Option(help="A city written by `cityhub simulate`.")],
    workdir: Annotated[Path, typer.Option(help="Folder for the police database and the petition drops.")],
    as_of: Annotated[
        str | None, typer.Option(help="Clock (YYYY-MM-DDTHH:MM:SS); default: end of history.")
    ] = None,
) -> None:
    """Serve a simulated city's four department systems until interrupted.

    Prints the CITYHUB_* variables that point `cityhub ingest` at them.
    """
    import datetime as dt
    import time

    from simulators.services.runner import DepartmentSystems

    clock = dt.datetime.fromisoformat(as_of) if as_of else None
    with DepartmentSystems(city, workdir, clock=clock) as systems:
        for name, value in systems.environment().items():
            typer.echo(f"export {name}={value}")
        console.print(f"serving {city} at {systems.clock}; Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("stopped")


@app.command()
def demo(
    home: Annotated[
        Path, typer.Option(help="Folder for the demo's city, lake, warehouse and Airflow home.")
    ] = Path(".cityhub/demo"),
    people: Annotated[int, typer.Option(help="Residents of the demo city.")] = 5_000,
    seed: Annotated[int, typer.Option(help="Random seed of the demo city.")] = 7,
    serve: Annotated[bool, typer.Option(help="Keep serving the API after the example requests.")] = False,
    port: Annotated[int, typer.Option(help="Port of the read API.")] = 8000,
    airflow_port: Annotated[
        int, typer.Option(help="Port of Airflow's own web UI, started with --serve.")
    ] = 8080,
) -> None:
    """Run the main job on the embedded default: simulate a city, serve its four department systems,
    run each department's ingest DAG through Airflow (in this process) at the day before, advance a
    day and run them again for the increment, run the fusion DAG (resolve, project the graph and the
    search index), then start the read API and show example requests and their answers.

    Writes the city, the lake (Parquet), the warehouse (SQLite), the graph, the index and Airflow's
    home and metadata database (HOME/airflow) under HOME.
    """
    import time

    from proving.demo import DEMO_KEY, fusion_counts, run_demo, totals

    started = time.perf_counter()
    result = run_demo(home, people, seed, lambda line: console.print(line))
    table = Table(title="ingest DAGs: the day before, then the increment")
    for column in ("run", "extracted", "accepted", "quarantined"):
        table.add_column(column, justify="left" if column == "run" else "right")
    for run, outcomes in (("first", result.first), ("increment", result.increment)):
        counts = totals(outcomes)
        table.add_row(run, *(f"{counts[k]:,}" for k in ("extracted", "accepted", "quarantined")))
    console.print(table)
    summary_table("warehouse", result.counts)
    if result.fusion is not None:  # resolved tables, graph nodes and relations, search documents
        fused = fusion_counts(result.fusion)
        summary_table("fusion DAG", {k: v for k, v in fused.items() if "changed" not in k})
    settings = result.settings
    console.print(
        f"where to look: warehouse {settings.resolved_warehouse_url()}, "
        f"lake {settings.resolved_lake_dir()}, city and ground truth {home / 'city'}, "
        f"Airflow {home / 'airflow'}"
    )
    console.print(f"pipeline done in {time.perf_counter() - started:.0f} s")
    if not serve:
        _serve_api(settings, port, DEMO_KEY, serve)
        return
    with _airflow_ui(home, airflow_port):
        _serve_api(settings, port, DEMO_KEY, serve)


@app.command("airflow-ui")
def airflow_ui(
    home: Annotated[
        Path, typer.Option(help="A hub home made by `cityhub demo` (its Airflow is HOME/airflow).")
    ] = Path(".cityhub/demo"),
    port: Annotated[int, typer.Option(help="Port of Airflow's web UI.")] = 8080,
) -> None:
    """Serve Airflow's own web UI over a home's Airflow (DAGs, runs, task logs, Assets) until interrupted."""
    import time

    with _airflow_ui(home, port):
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("stopped")


@contextmanager
def _airflow_ui(home: Path, port: int) -> Iterator[None]:
    """Run Airflow's API server and web UI over HOME/airflow for the duration of the block."""
    from proving.airflow_ui import airflow_home, start_airflow_ui, stop

    folder = airflow_home(home)
    console.print(f"starting Airflow's web UI over {folder} ...")
    server = start_airflow_ui(folder, port)
    console.print(
        f"Airflow UI at http://127.0.0.1:{port}/ (DAGs, runs, task logs, Assets; this machine only)"
    )
    try:
        yield
    finally:
        stop(server)


def _serve_api(settings: object, port: int, key: str, keep: bool) -> None:
    """Start the read API and workbench, show the example requests, and stop unless `keep`."""
    from proving.demo import serve_and_show

    serve_and_show(settings, port, keep, lambda line: console.print(line, soft_wrap=True, markup=False))  # type: ignore[arg-type]


@eval_app.command("people")
def eval_people(
    dataset: Annotated[
        list[str] | None, typer.Option(help="city, febrl1-4, rldata500, rldata10000 (repeatable).")
    ] = None,
    city: CityOption = None,
    people: PeopleOption = 20_000,
    seed: SeedOption = 7,
    noise: NoiseOption = "realistic",
) -> None:
    """Pairwise and B-cubed precision, recall and F1 of people resolution."""
    from proving.evaluation import evaluate_people, simulated_city

    chosen = dataset or ["city", "febrl4"]
    folder = simulated_city(city, people, seed, noise=noise) if "city" in chosen else Path(".")
    print_rows("people resolution", evaluate_people(chosen, folder))


@eval_app.command("places")
def eval_places(
    city: CityOption = None,
    people: PeopleOption = 20_000,
    seed: SeedOption = 7,
    noise: NoiseOption = "realistic",
) -> None:
    """Pairwise and B-cubed precision, recall and F1 of place resolution on a simulated city."""
    from proving.evaluation import evaluate_places, simulated_city

    print_rows("place resolution", evaluate_places(simulated_city(city, people, seed, noise=noise)))


@eval_app.command("events")
def eval_events(
    city: CityOption = None,
    people: PeopleOption = 20_000,
    seed: SeedOption = 7,
    noise: NoiseOption = "realistic",
) -> None:
    """Cases against the simulator's incidents (pairwise, B-cubed) and the escalation signal's precision
    and recall."""
    from proving.evaluation import evaluate_events, simulated_city

    print_rows("event resolution", evaluate_events(simulated_city(city, people, seed, noise=noise)))


@eval_app.command("alerts")
def eval_alerts(
    city: CityOption = None,
    people: PeopleOption = 20_000,
    seed: SeedOption = 7,
    noise: NoiseOption = "realistic",
) -> None:
    """Alerts of the city ingested and fused under <home>/eval: planted spikes found (precision, recall,
    when the simulator's truth has a spikes table) and escalation alerts against the escalating cases."""
    from cityhub.config import get_settings
    from cityhub.warehouse import Warehouse
    from proving.alert_scores import score_alerts
    from proving.evaluation import resolved_city, simulated_city

    folder = simulated_city(city, people, seed, noise=noise)
    home = get_settings().home / "eval" / f"alerts-{folder.name}"
    resolved_city(folder, home)
    warehouse = Warehouse(f"sqlite:///{(home / 'warehouse.sqlite').resolve()}")
    print_rows("alerts against the truth", score_alerts(folder, warehouse))


@eval_app.command("handling")
def eval_handling(
    people: PeopleOption = 20_000,
    seed: SeedOption = 7,
    noise: NoiseOption = "realistic",
    days: Annotated[int, typer.Option(help="Days of history simulated, ingested a day at a time.")] = 120,
) -> None:
    """Completion, on-time and satisfaction rates of the hub's cases and tickets against the simulator's
    truth, the city ingested a day at a time (then how many, and the seconds ingest and fusion took), and
    which cases part from the truth: one-to-one, merged or split against the true incidents."""
    from proving.handling_breakdown import evaluate_breakdown
    from proving.handling_eval import evaluate_handling

    print_rows("handling rates (%)", evaluate_handling(people, seed, noise, days))
    print_rows("cases against the incidents they stand for", evaluate_breakdown(people, seed, noise, days))


@eval_app.command("search")
def eval_search(
    city: CityOption = None,
    people: PeopleOption = 20_000,
    seed: SeedOption = 7,
    noise: NoiseOption = "realistic",
    search_url: Annotated[str, typer.Option(help="'embedded' or an Elasticsearch URL.")] = "embedded",
    judged: Annotated[
        str,
        typer.Option(
            help="truth: relevance from the truth alone (an entity that merged two people is relevant "
            "to neither; typo queries included); resolved: the entity holding most of a person's mentions."
        ),
    ] = "truth",
) -> None:
    """Recall@10 and MRR of judged queries from the city's ground truth, on an index built from what
    ingest and fusion produced from the city (kept under <home>/eval)."""
    from proving.evaluation import evaluate_search, simulated_city
    from proving.truth_search import evaluate_truth_search

    if judged not in ("truth", "resolved"):
        raise BadInput(f"--judged {judged!r}: choose truth or resolved")
    evaluate = evaluate_truth_search if judged == "truth" else evaluate_search
    rows = evaluate(simulated_city(city, people, seed, noise=noise), search_url=search_url)
    print_rows("search relevance", rows)


@eval_app.command("export")
def eval_export(
    city: Annotated[Path, typer.Option(help="A city written by `cityhub simulate`.")],
    out: Annotated[Path, typer.Option(help="Folder for the input and truth files.")],
) -> None:
    """Write a simulated city's last record versions as the input files of `cityhub resolve
    people|places|events` (people.csv, places.csv, events.csv, in their documented columns, values
    as the departments wrote them) and the truth files (<kind>_truth.csv: record_id, cluster)."""
    from proving.evaluation import simulated_city
    from proving.heldout import export_city

    summary_table(f"files written to {out}", export_city(simulated_city(city, 0, 0), out))


@eval_app.command("cli")
def eval_cli(
    folder: Annotated[Path, typer.Option(help="A folder written by `cityhub eval export`.")],
    kind: Annotated[
        list[str] | None,
        typer.Option(help="people, places, events, events_mapped (repeatable; default all)."),
    ] = None,
) -> None:
    """Run `cityhub resolve KIND` as a whole process on each exported file, timed, and score its output
    against the truth (pairwise and B-cubed); a file the CLI refuses scores F1 0 with its message."""
    from proving.heldout import KINDS, score_city

    chosen = tuple(kind or KINDS)
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise BadInput(f"--kind {unknown[0]!r}: choose from {', '.join(KINDS)}")
    print_rows(f"cityhub resolve on {folder}", score_city(folder, chosen))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Benchmark to run: simulate, ingest, people ...")],
) -> None:
    """Run a benchmark from benchmarks/: prints a table and writes benchmarks/results/NAME.json.

    Extra options go to the benchmark (e.g. `cityhub bench simulate --people 1000000`).
    """
    import importlib

    try:
        module = importlib.import_module(f"benchmarks.bench_{name}")
    except ModuleNotFoundError as error:
        raise BadInput(f"no benchmark named {name!r} (looked for benchmarks/bench_{name}.py)") from error
    module.main(list(ctx.args))


def register(cli: typer.Typer) -> None:
    """Add the proving ground's commands to the product CLI."""
    for command in app.registered_commands:
        cli.registered_commands.append(command)
    for group in app.registered_groups:
        cli.registered_groups.append(group)
