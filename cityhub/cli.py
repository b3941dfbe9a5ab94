"""The `cityhub` command line: each command says what it reads and writes in its --help."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ontology.errors import BadInput, CityhubError

app = typer.Typer(
    help="cityhub: department silos into one knowledge graph and one search.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)


def summary_table(title: str, rows: Mapping[str, object]) -> None:
    """Print a two-column summary table to stderr."""
    table = Table(title=title)
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in rows.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Directory to write the city, its channels and ground truth to.")],
    people: Annotated[int, typer.Option(help="Number of residents.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical files.")] = 7,
    days: Annotated[int, typer.Option(help="Days of history to simulate.")] = 365,
    end: Annotated[str, typer.Option(help="Last day of the history (YYYY-MM-DD).")] = "2026-11-20",
) -> None:
    """Write a synthetic city (places, people, incidents) and its department records to OUT."""
    from simulators.city import simulate_city

    result = simulate_city(people=people, seed=seed, out=out, days=days, end=date.fromisoformat(end))
    summary_table(f"city written to {out}", result)


@app.command()
def ingest(
    source: Annotated[str | None, typer.Argument(help="Source to ingest (a file name in the sources folder).")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Ingest every configured source.")] = False,
) -> None:
    """Pull each source's increment into the lake, check it, and load the warehouse.

    Reads: the source definitions (CITYHUB_SOURCES_DIR, default: the built-in ones) and the
    department systems they point at. Writes: Parquet batches under the lake, canonical records,
    quarantine and watermarks in the warehouse (CITYHUB_WAREHOUSE_URL).
    """
    from rich.progress import Progress

    from cityhub.config import get_settings
    from cityhub.pipeline.run import build_quality_docs, ingest_sources, open_stores, select_sources

    specs = select_sources(source, all_sources)
    warehouse, lake = open_stores()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("ingesting", total=sum(len(s.streams) for s in specs))
        results = ingest_sources(specs, warehouse, lake, on_stream=lambda _r: progress.advance(task))
    table = Table(title="ingest")
    for column in ("source", "stream", "extracted", "accepted", "quarantined", "watermark"):
        table.add_column(column, justify="left" if column in ("source", "stream", "watermark") else "right")
    for r in results:
        table.add_row(r.source, r.stream, f"{r.extracted:,}", f"{r.accepted:,}", f"{r.quarantined:,}", r.watermark)
    console.print(table)
    for warning in (w for r in results for w in r.warnings):
        console.print(f"[yellow]warning:[/yellow] {warning}")
    docs = build_quality_docs(results, get_settings().home / "data_docs")
    if docs:
        console.print(f"data quality report: {docs}")


@app.command()
def serve(
    city: Annotated[Path, typer.Option(help="A city written by `cityhub simulate`.")],
    workdir: Annotated[Path, typer.Option(help="Folder for the police database and the petition drops.")],
    as_of: Annotated[str | None, typer.Option(help="Clock (YYYY-MM-DDTHH:MM:SS); default: end of history.")] = None,
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
    home: Annotated[Path, typer.Option(help="Folder for the demo's city, lake, warehouse and Airflow home.")] = Path(
        ".cityhub/demo"),
    people: Annotated[int, typer.Option(help="Residents of the demo city.")] = 5_000,
    seed: Annotated[int, typer.Option(help="Random seed of the demo city.")] = 7,
    serve: Annotated[bool, typer.Option(help="Keep serving the API after the example requests.")] = False,
    port: Annotated[int, typer.Option(help="Port of the read API.")] = 8000,
) -> None:
    """Run the main job on the embedded default: simulate a city, serve its four department systems,
    run each department's ingest DAG through Airflow (in this process) at the day before, advance a
    day and run them again for the increment, run the fusion DAG (resolve, project the graph and the
    search index), then start the read API and show example requests and their answers.

    Writes the city, the lake (Parquet), the warehouse (SQLite), the graph, the index and Airflow's
    home and metadata database (HOME/airflow) under HOME.
    """
    import time

    from cityhub.demo import DEMO_KEY, fusion_counts, run_demo, totals

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
    console.print(f"where to look: warehouse {settings.resolved_warehouse_url()}, "
                  f"lake {settings.resolved_lake_dir()}, city and ground truth {home / 'city'}, "
                  f"Airflow {home / 'airflow'}")
    console.print(f"pipeline done in {time.perf_counter() - started:.0f} s")
    _serve_api(settings, port, DEMO_KEY, serve)


def _serve_api(settings: object, port: int, key: str, keep: bool) -> None:
    """Start the read API, run the example requests against it, and stop unless `keep`."""
    import json
    import threading
    import time

    import httpx
    import uvicorn

    from api.app import create_app
    from cityhub.demo import example_requests

    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    console.print(f"read API at {base} (OpenAPI: {base}/docs); every call needs the header X-API-Key: {key}")
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30) as client:
        for method, path, body in example_requests(settings):  # type: ignore[arg-type]
            data = f" -H 'Content-Type: application/json' -d '{json.dumps(body, ensure_ascii=False)}'" if body else ""
            console.print(f"\n$ curl -s -X {method} -H 'X-API-Key: {key}' '{base}{path}'{data}", soft_wrap=True,
                          markup=False)
            answer = client.request(method, path, json=body)
            text = json.dumps(answer.json(), ensure_ascii=False)
            console.print(f"{answer.status_code} {text[:400]}{' ...' if len(text) > 400 else ''}", soft_wrap=True,
                          markup=False)
    if keep:
        console.print("serving; Ctrl-C to stop")
        try:
            thread.join()
        except KeyboardInterrupt:
            pass
    server.should_exit = True
    thread.join(timeout=10)


resolve_app = typer.Typer(help="Resolve your own record files: who is who, which place is which.",
                          no_args_is_help=True)
app.add_typer(resolve_app, name="resolve")
eval_app = typer.Typer(help="Score resolution against ground truth and public benchmarks.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

InputFile = Annotated[Path, typer.Option("--input", help="UTF-8 CSV or Parquet file.")]
OutputFile = Annotated[Path, typer.Option("--output", help="Where to write the result, in the input's format.")]
CityOption = Annotated[Path | None, typer.Option(help="A city written by `cityhub simulate` (default: simulate one).")]


@resolve_app.command("people")
def resolve_people_command(input_file: InputFile, output_file: OutputFile) -> None:
    """Read record_id, source, name, id_number, phone, birth_date, gender, address; write record_id, person_id.

    Any column but record_id may be empty; record ids must be unique.
    """
    from cityhub.resolve_files import resolve_people_file

    summary_table(f"people written to {output_file}", resolve_people_file(input_file, output_file))


@resolve_app.command("places")
def resolve_places_command(input_file: InputFile, output_file: OutputFile) -> None:
    """Read record_id, address; write record_id, place_id (empty where the address names no known place)."""
    from cityhub.resolve_files import resolve_places_file

    summary_table(f"places written to {output_file}", resolve_places_file(input_file, output_file))


@resolve_app.command("events")
def resolve_events_command(input_file: InputFile, output_file: OutputFile) -> None:
    """Read record_id, source, category, description, occurred_at, address, person_name, person_phone;
    write record_id, case_id: records about one incident share a case.

    Categories are taxonomy codes (ontology/schema/taxonomy.yaml); times are any common format.
    """
    from cityhub.resolve_files import resolve_events_file

    summary_table(f"cases written to {output_file}", resolve_events_file(input_file, output_file))


def _print_rows(title: str, rows: list[dict[str, object]]) -> None:
    table = Table(title=title)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    for column in columns:
        table.add_column(column, justify="left" if column in ("dataset", "what") else "right")
    for row in rows:
        table.add_row(*(str(row.get(column, "")) for column in columns))
    Console(width=max(160, Console().width)).print(table)


@eval_app.command("people")
def eval_people(
    dataset: Annotated[list[str] | None, typer.Option(help="city, febrl1-4, rldata500, rldata10000 (repeatable).")] = None,
    city: CityOption = None,
    people: Annotated[int, typer.Option(help="Residents of the city simulated when --city is not given.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the simulated city.")] = 7,
) -> None:
    """Pairwise and B-cubed precision, recall and F1 of people resolution."""
    from cityhub.evaluation import evaluate_people, simulated_city

    chosen = dataset or ["city", "febrl4"]
    folder = simulated_city(city, people, seed) if "city" in chosen else Path(".")
    _print_rows("people resolution", evaluate_people(chosen, folder))


@eval_app.command("places")
def eval_places(
    city: CityOption = None,
    people: Annotated[int, typer.Option(help="Residents of the city simulated when --city is not given.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the simulated city.")] = 7,
) -> None:
    """Pairwise and B-cubed precision, recall and F1 of place resolution on a simulated city."""
    from cityhub.evaluation import evaluate_places, simulated_city

    _print_rows("place resolution", evaluate_places(simulated_city(city, people, seed)))


@eval_app.command("events")
def eval_events(
    city: CityOption = None,
    people: Annotated[int, typer.Option(help="Residents of the city simulated when --city is not given.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the simulated city.")] = 7,
) -> None:
    """Cases against the simulator's incidents (pairwise, B-cubed) and the escalation signal's precision/recall."""
    from cityhub.evaluation import evaluate_events, simulated_city

    _print_rows("event resolution", evaluate_events(simulated_city(city, people, seed)))


@eval_app.command("search")
def eval_search(
    city: CityOption = None,
    people: Annotated[int, typer.Option(help="Residents of the city simulated when --city is not given.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the simulated city.")] = 7,
    search_url: Annotated[str, typer.Option(help="'embedded' or an Elasticsearch URL.")] = "embedded",
) -> None:
    """Recall@10 and MRR of judged queries from the city's ground truth, on an index built from what
    ingest and fusion produced from the city (kept under <home>/eval)."""
    from cityhub.evaluation import evaluate_search, simulated_city

    rows = evaluate_search(simulated_city(city, people, seed), search_url=search_url)
    _print_rows("search relevance", rows)


@app.command()
def fuse() -> None:
    """Run the fusion steps on the warehouse: standardise, check, resolve, then project the graph and
    the search index incrementally (what the fusion DAG runs)."""
    from cityhub.pipeline import fusion

    for step in (fusion.standardise, fusion.check_quality, fusion.resolve, fusion.project_graph,
                 fusion.project_search):
        summary_table(step.__name__, step())


@app.command()
def project(
    target: Annotated[str, typer.Argument(help="graph or search")],
    full: Annotated[bool, typer.Option("--full", help="Rebuild from scratch instead of the increment.")] = False,
) -> None:
    """Project the resolved tables into the graph or the search index: only what changed since the
    last projection, or everything with --full (the search index swaps in a new version)."""
    from cityhub.pipeline import fusion

    steps = {"graph": fusion.project_graph, "search": fusion.project_search}
    if target not in steps:
        raise BadInput(f"project {target!r}: choose graph or search")
    summary_table(f"project {target}", steps[target](full=full))


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


def main() -> None:
    """Run the CLI, turning cityhub errors into one line on stderr and a non-zero exit."""
    try:
        app(standalone_mode=False)
    except typer.Abort:
        console.print("aborted")
        sys.exit(130)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.TyperException as error:  # usage errors: bad option, missing argument
        show = getattr(error, "show", None)
        if show is None:
            raise
        show()
        sys.exit(getattr(error, "exit_code", 2))
    except CityhubError as error:
        typer.echo(f"error: {error}", err=True)  # one line, never wrapped: scripts read it
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
