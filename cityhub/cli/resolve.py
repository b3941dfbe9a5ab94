"""`cityhub resolve people|places|events`: resolve a user's own record files, tables in, tables out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cityhub.cli.output import summary_table

if TYPE_CHECKING:
    from entity_resolution.people.scale.engines import EngineSettings

resolve_app = typer.Typer(
    help="Resolve your own record files: who is who, which place is which.", no_args_is_help=True
)

InputFile = Annotated[Path, typer.Option("--input", help="UTF-8 CSV or Parquet file.")]
OutputFile = Annotated[
    Path, typer.Option("--output", help="Where to write the result, in the input's format.")
]


ReviewFile = Annotated[
    Path | None,
    typer.Option(
        "--review",
        help="Also write the pairs a person should decide (both record ids, score, the reason in words,"
        " empty decision/who/at columns to fill in).",
    ),
]
DecisionsFile = Annotated[
    Path | None,
    typer.Option(
        "--decisions",
        help="A review file with decisions filled in (same | not_same): this run obeys them.",
    ),
]


Engine = Annotated[
    str,
    typer.Option(
        "--engine",
        help="pandas: all in memory (up to about a million records); duckdb: any size on this machine,"
        " spilling to disk; spark: on a Spark cluster (--spark-master). Same clusters on the same input.",
    ),
]
SparkMaster = Annotated[
    str, typer.Option("--spark-master", help="Spark master URL for --engine spark, e.g. spark://host:7077.")
]
MemoryLimit = Annotated[
    str,
    typer.Option("--memory-limit", help="DuckDB's memory for --engine duckdb; past it, it spills to disk."),
]
TrainMentions = Annotated[
    int | None,
    typer.Option(
        "--train-mentions",
        min=1,
        help="For --engine duckdb|spark: m and u are fitted on a random sample of this many mentions "
        "(all of a smaller input, so the clusters are the pandas engine's); 1,000,000 by default.",
    ),
]
WorkDir = Annotated[
    Path | None,
    typer.Option(
        "--work",
        help="Folder for the intermediate files of --engine duckdb|spark (default: beside the output).",
    ),
]


@resolve_app.command("people")
def resolve_people_command(
    input_file: InputFile,
    output_file: OutputFile,
    review_file: ReviewFile = None,
    decisions_file: DecisionsFile = None,
    engine: Engine = "pandas",
    spark_master: SparkMaster = "local[2]",
    memory_limit: MemoryLimit = "3GB",
    work: WorkDir = None,
    train_mentions: TrainMentions = None,
) -> None:
    """Read record_id, source, name, id_number, phone, birth_date, gender, address; write record_id,
    person_id.

    Any column but record_id may be empty; record ids must be unique. A birth date split into
    birth_year, birth_month and birth_day columns is read in place of birth_date.
    """
    from cityhub.resolve_files import resolve_people_file

    if engine != "pandas":
        from entity_resolution.people.scale.engines import EngineSettings

        settings = EngineSettings(memory_limit=memory_limit, master=spark_master)
        _resolve_at_scale(
            input_file, output_file, engine, settings, train_mentions, work, review_file or decisions_file
        )
        return
    summary_table(
        f"people written to {output_file}",
        resolve_people_file(input_file, output_file, review=review_file, decisions=decisions_file),
    )


def _resolve_at_scale(
    input_file: Path,
    output_file: Path,
    engine: str,
    settings: EngineSettings,
    train: int | None,
    work: Path | None,
    review: Path | None,
) -> None:
    """Resolve a people file on DuckDB or Spark (no review file, no decisions: the pandas engine has them)."""
    from cityhub.resolve_scale import resolve_people_file_at_scale
    from ontology.errors import BadInput

    if review is not None:
        raise BadInput("--review and --decisions need --engine pandas")
    summary_table(
        f"people written to {output_file} ({engine})",
        resolve_people_file_at_scale(
            input_file,
            output_file,
            engine,
            engine_settings=settings,
            work=work,
            train_mentions=train,
        ),
    )


@resolve_app.command("places")
def resolve_places_command(input_file: InputFile, output_file: OutputFile) -> None:
    """Read record_id, address; write record_id, place_id (empty where the address names no known place)."""
    from cityhub.resolve_files import resolve_places_file

    summary_table(f"places written to {output_file}", resolve_places_file(input_file, output_file))


CategoriesFile = Annotated[
    Path | None,
    typer.Option(
        "--categories",
        help="Optional mapping of your category labels to taxonomy codes: CSV (label,code) or YAML "
        "(label: code, or a list of codes).",
    ),
]


@resolve_app.command("events")
def resolve_events_command(
    input_file: InputFile, output_file: OutputFile, categories: CategoriesFile = None
) -> None:
    """Read record_id, source, category, description, occurred_at, address, person_name, person_phone;
    write record_id, case_id: records about one incident share a case (two tickets of one
    department about one leak too).

    A category is a taxonomy code (ontology/schema/taxonomy.yaml) or the department's own label
    (劳资纠纷/欠薪, 纠纷/邻里纠纷), read by names, common terms and --categories; a coarse or
    unknown label counts for less and never refuses the file. Times may be written in any form
    cityhub reads: 2026-07-04 09:00, 2026年07月04日 9时, 2026/7/4, 20260704 09:00, ISO with a zone.
    """
    from cityhub.resolve_files import resolve_events_file

    summary = resolve_events_file(input_file, output_file, categories=categories)
    summary_table(f"cases written to {output_file}", summary)


def register(app: typer.Typer) -> None:
    """Add the resolve group to the CLI."""
    app.add_typer(resolve_app, name="resolve")
