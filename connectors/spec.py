"""A department source, declared as data: where to fetch, how to page, which field becomes which
ontology property. One YAML file per department under `connectors/sources/` (or the folder the
settings name); adding a department of a known kind is adding a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from ontology.errors import BadInput


class Paging(BaseModel):
    """How an HTTP API pages: by page number or by an opaque cursor."""

    style: Literal["page_number", "cursor"]
    page_size: int = 1000
    page_param: str = "page"
    size_param: str = "page_size"
    cursor_param: str = "cursor"
    items_path: str = "data"  # dotted path to the list of records in a response
    next_cursor_path: str = ""  # dotted path to the next cursor (cursor style)
    has_more_path: str = ""


class HttpFetch(BaseModel):
    """An HTTP JSON API with incremental pulls."""

    kind: Literal["http_api"] = "http_api"
    base_url: str
    path: str
    method: Literal["GET", "POST"] = "GET"
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer"  # "" sends the credential bare (API-key headers)
    credential: str = ""  # `${NAME}` is read from the variables the reader is given
    since_param: str
    paging: Paging
    timeout_seconds: float = 10.0
    max_attempts: int = 6
    max_backoff_seconds: float = 30.0


class DatabaseFetch(BaseModel):
    """A relational extract through SQLAlchemy, incremental by an updated-at column."""

    kind: Literal["database"] = "database"
    url: str
    table: str
    updated_column: str = "updated_at"
    chunk_rows: int = 20_000


class FileDropFetch(BaseModel):
    """Daily files dropped in a folder (CSV in a given encoding, or XLSX)."""

    kind: Literal["file_drop"] = "file_drop"
    folder: str
    pattern: str  # glob, e.g. 信访登记_*.*
    date_regex: str  # first group is YYYYMMDD, e.g. 信访登记_(\d{8})
    encoding: str = "gbk"


class Stream(BaseModel):
    """One extractable table of a source (a source may have several, e.g. incidents and persons)."""

    name: str
    fetch: HttpFetch | DatabaseFetch | FileDropFetch = Field(discriminator="kind")
    record_id: str
    updated_at: str
    deleted: str = ""  # field holding the delete flag
    deleted_values: list[Any] = [True, 1, "1", "true"]
    columns: list[str]  # expected raw columns: a missing one is schema drift
    lookback_seconds: int = 3600  # re-read this far behind the watermark to catch late updates
    max_age_hours: float | None = None  # warn when the newest record of a batch is older than this


class FieldMap(BaseModel):
    """Where a canonical value comes from: a raw field, optionally through a code table."""

    field: str = ""
    table: str = ""  # name of a code table in `tables`
    value: Any = None  # a constant instead of a field
    parse: Literal["", "date", "datetime"] = ""


class PlaceMap(FieldMap):
    """An address field that becomes a place mention, and the grid code that goes with it."""

    grid_code: FieldMap = FieldMap()


class PersonMap(BaseModel):
    """How person mentions come out of a record: fixed fields, or one per element of a list."""

    stream: str
    each: str = ""  # list field: one mention per element (fields are then read from the element)
    record_id: str = ""  # defaults to the stream's record id
    mention_id: str = ""  # field giving a stable mention id; default record_id#n
    role: FieldMap
    name: FieldMap = FieldMap()
    id_number: FieldMap = FieldMap()
    phone: FieldMap = FieldMap()
    birth_date: FieldMap = FieldMap()
    gender: FieldMap = FieldMap()
    address: FieldMap = FieldMap()


class EventMap(BaseModel):
    stream: str
    category: FieldMap
    source_category_code: FieldMap
    occurred_at: FieldMap
    reported_at: FieldMap = FieldMap()
    status: FieldMap
    description: FieldMap = FieldMap()
    address: FieldMap = FieldMap()
    handling_department: FieldMap = FieldMap()
    satisfaction: FieldMap = FieldMap()  # through a code table: satisfied, basically_satisfied, unsatisfied


class SourceSpec(BaseModel):
    """A department: its streams, how they map to canonical records, and its code tables."""

    source: str
    department: str
    streams: list[Stream]
    events: EventMap
    persons: list[PersonMap]
    places: list[PlaceMap] = []  # address fields that become place mentions
    quality: dict[str, Any] = {}
    tables: dict[str, dict[str, str]] = {}

    def stream(self, name: str) -> Stream:
        """Return the stream called `name`; BadInput when the source has none."""
        for stream in self.streams:
            if stream.name == name:
                return stream
        raise BadInput(f"source {self.source}: no stream named {name!r}")


_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


def expand_variables(text: str, variables: Mapping[str, str]) -> str:
    """Return text with `${NAME}` / `${NAME:-default}` replaced from `variables`.

    The caller passes the variables (the hub's edge passes its environment), so a source definition
    never reads the process environment behind the caller's back.

    >>> expand_variables("${CITYHUB_GRID_URL}/api", {"CITYHUB_GRID_URL": "http://grid"})
    'http://grid/api'
    >>> expand_variables("${CITYHUB_TIMEOUT:-10}", {})
    '10'
    """

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = variables.get(name, default)
        if value is None:
            raise BadInput(f"variable {name} is not set (needed by a source definition)")
        return value

    return _VARIABLE.sub(replace, text)


def load_source(path: Path) -> SourceSpec:
    """Return the source declared in a YAML file; `${NAME}` references are read when connecting."""
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
        return SourceSpec.model_validate(data)
    except (OSError, yaml.YAMLError, ValueError) as error:
        raise BadInput(f"source definition {path}: {error}") from error


def builtin_sources_dir() -> Path:
    """Return the folder of the source definitions shipped with the connectors."""
    return Path(str(resources.files("connectors").joinpath("sources")))


@lru_cache(maxsize=8)
def _source_files(folder: str) -> tuple[Path, ...]:
    return tuple(sorted(Path(folder).glob("*.yaml")))


def load_sources(folder: Path | None = None) -> dict[str, SourceSpec]:
    """Return every source defined in the folder (default: the built-in definitions)."""
    files = _source_files(str(folder or builtin_sources_dir()))
    specs = [load_source(path) for path in files]
    return {spec.source: spec for spec in specs}
