"""The read-only HTTP API: search, person 360, address dossier, case timeline, graph neighbours, match.

    uvicorn api.app:app            (or `cityhub api`)  — OpenAPI at /docs and /openapi.json

Every call needs an `X-API-Key` header (keys in CITYHUB_API_KEYS) and is audited. Errors are JSON
`{"error": message}` with the status their type carries (NotFound 404, BadInput 400, Forbidden 403).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cityhub.config import Settings, get_settings
from cityhub.read import Reader, audit, caller_of
from ontology.errors import CityhubError

__all__ = ["app", "create_app"]  # noqa: F822  (`app` is built on first use, by __getattr__)


class PersonRecord(BaseModel):
    """A person as a department wrote them; any field may be empty."""

    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    address: str | None = None


def _caller(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> str:
    return caller_of(x_api_key, request.app.state.settings)


Caller = Annotated[str, Depends(_caller)]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the API over the stores `settings` name (default: the environment's)."""
    settings = settings or get_settings()
    reader = Reader(settings)
    api = FastAPI(title="cityhub", version="1", description=__doc__)
    api.state.settings = settings

    @api.exception_handler(CityhubError)
    async def _cityhub_error(_request: Request, error: CityhubError) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=error.http_status)

    @api.get("/search", summary="Search people, places and cases")
    def search(
        who: Caller,
        q: Annotated[str, Query(min_length=1)],
        kind: Annotated[list[str] | None, Query()] = None,
        size: int = 10,
        source: str | None = None,
        district: str | None = None,
        category: str | None = None,
    ) -> Any:
        audit(settings, who, "search", f"{len(q)} characters")
        filters = {k: v for k, v in (("source", source), ("district", district), ("category", category)) if v}
        return reader.search(q, kind, min(size, 100), filters)

    @api.get("/people/{person_id}", summary="Person 360: everything about a person across departments")
    def person(who: Caller, person_id: str) -> Any:
        audit(settings, who, "person", person_id)
        return reader.person(person_id)

    @api.get("/people/{person_id}/co-involved", summary="People who appear in the same cases")
    def co_involved(who: Caller, person_id: str) -> Any:
        audit(settings, who, "co-involved", person_id)
        return reader.co_involved(person_id)

    @api.get("/places/{place_id}", summary="Address dossier: everything at a place and below it")
    def place(who: Caller, place_id: str) -> Any:
        audit(settings, who, "place", place_id)
        return reader.dossier(place_id)

    @api.get("/cases/{case_id}", summary="Case timeline: the case's events by time, department and status")
    def case(who: Caller, case_id: str) -> Any:
        audit(settings, who, "case", case_id)
        return reader.case_timeline(case_id)

    @api.get("/graph/{label}/{key}/neighbours", summary="Nodes within `depth` relations of a node")
    def neighbours(who: Caller, label: str, key: str, depth: Annotated[int, Query(ge=1, le=3)] = 1) -> Any:
        audit(settings, who, "neighbours", f"{label}:{key}")
        return reader.neighbours(label, key, depth)

    @api.post("/match", summary="Candidate people for a person record, with scores and explanations")
    def match(who: Caller, record: PersonRecord, limit: Annotated[int, Query(ge=1, le=50)] = 10) -> Any:
        audit(settings, who, "match", "record")
        return {"candidates": reader.match(record.model_dump(), limit)}

    return api


def __getattr__(name: str) -> Any:
    # `uvicorn api.app:app` builds the app on first use, so importing this module reads no settings
    if name == "app":
        return create_app()
    raise AttributeError(name)
