"""Reading: search, people, places, cases, escalations and matching, each cut to the caller's role."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, field_validator

from api.auth import CallerDep
from api.context import hub_of
from api.errors import ERROR_RESPONSES
from api.models import (
    MAX_OFFSET,
    Candidate,
    CaseView,
    CoInvolved,
    Explanation,
    Involvement,
    Limit,
    Offset,
    Page,
    Person360,
    SearchPage,
    page,
    returned,
)
from ontology.errors import BadInput, Forbidden

__all__ = ["router"]

router = APIRouter(responses=ERROR_RESPONSES)
Text = Annotated[str, Query(min_length=1, max_length=200, description="What to look for")]
Short = Annotated[str | None, Query(max_length=40)]


def stated_purpose(
    request: Request,
    purpose: Annotated[
        str | None,
        Query(max_length=60, description="Why: a code from GET /purposes, or case:<case_id>"),
    ] = None,
) -> str:
    """Return the purpose a person lookup states; refuse one without a purpose from the list."""
    hub = hub_of(request)
    if not purpose:
        raise BadInput("looking up a person needs a purpose: a code from GET /purposes or case:<case_id>")
    if purpose.startswith("case:"):
        case_id = purpose.removeprefix("case:")
        if not case_id or not case_id.replace("-", "").isalnum():
            raise BadInput("purpose case:<case_id> needs a case id")
    elif hub.policy.purpose_label(purpose) is None:
        raise BadInput(f"purpose {purpose!r} is not on the list (GET /purposes) and is not case:<case_id>")
    request.state.purpose = purpose
    return purpose


Purpose = Annotated[str, Depends(stated_purpose)]
OptionalPurpose = Annotated[
    str | None,
    Query(
        max_length=60,
        description="A code from GET /purposes or case:<case_id>; with it, person hits or nodes carry "
        "what tells people apart (birth year, masked ID number; a node's name)",
    ),
]


def optional_purpose(request: Request, purpose: str | None) -> bool:
    """Return whether a purpose was stated (checked, and recorded for the audit, like a required one)."""
    if purpose is None:
        return False
    stated_purpose(request, purpose)
    return True


@router.get("/search", summary="Search people, places and cases", tags=["read"])
def search(
    request: Request,
    caller: CallerDep,
    q: Text,
    kind: Annotated[list[str] | None, Query(max_length=3)] = None,
    source: Short = None,
    district: Short = None,
    category: Short = None,
    time_from: Short = None,
    time_to: Short = None,
    limit: Limit = 20,
    offset: Offset = 0,
    purpose: OptionalPurpose = None,
) -> SearchPage:
    """Return a page of the people, places and cases matching the text that the caller's role and area may
    see, masked for the role, with facet counts and a notice when identifiers in the query were not used;
    person hits carry their districts and departments, and for a stated purpose their birth year and ID
    number as the role may see it."""
    hub = hub_of(request)
    personal = optional_purpose(request, purpose)
    asked = {
        "source": source,
        "district": district,
        "category": category,
        "time_from": time_from,
        "time_to": time_to,
    }
    found = hub.reader.search(
        q,
        kind,
        offset + limit,
        {k: v for k, v in asked.items() if v},
        scope=caller.scope,
        on_identifier=lambda: hub.limits.hit("identifier_searches", caller.user.username),
        offset=offset,
        personal=personal,
    )
    hits = found["hits"][:limit]
    returned(request, [h["id"] for h in hits])
    answer = page(hits, limit, offset, total=found["total"])
    return SearchPage(**answer, facets=found["facets"], notice=found["notice"])


def _person(request: Request, caller: CallerDep, person_id: str) -> dict[str, Any]:
    view = hub_of(request).reader.person(person_id, scope=caller.scope)
    returned(request, [view["person"].get("person_id", person_id)])
    return view


@router.get(
    "/people/{person_id}", summary="Person 360: who, where, which departments know them", tags=["people"]
)
def person(request: Request, caller: CallerDep, person_id: str, purpose: Purpose) -> Person360:
    """Return the person (after any merge) as the caller's role and area may see them, with their addresses
    and the departments that know them, for a stated purpose."""
    view = _person(request, caller, person_id)
    return Person360(
        **{k: view[k] for k in ("person", "addresses", "departments", "merged_into", "asked_for")}
    )


@router.get(
    "/people/{person_id}/timeline", summary="The person's events across departments, by time", tags=["people"]
)
def person_timeline(
    request: Request,
    caller: CallerDep,
    person_id: str,
    purpose: Purpose,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[Involvement]:
    """Return a page of the person's events across departments, by time, that the caller's role and area may
    see, for a stated purpose."""
    items = _person(request, caller, person_id)["involvements"]
    returned(request, [i["event"].get("event_id") for i in items[offset : offset + limit]])
    return Page[Involvement](**page(items, limit, offset))


@router.get("/people/{person_id}/cases", summary="The cases the person is in", tags=["people"])
def person_cases(
    request: Request,
    caller: CallerDep,
    person_id: str,
    purpose: Purpose,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[dict[str, Any]]:
    """Return a page of the person's cases that the caller's role and area may see, for a stated purpose."""
    items = _person(request, caller, person_id)["cases"]
    returned(request, [str(c["case_id"]) for c in items[offset : offset + limit]])
    return Page[dict[str, Any]](**page(items, limit, offset))


@router.get("/people/{person_id}/co-involved", summary="People who appear in the same cases", tags=["people"])
def co_involved(
    request: Request,
    caller: CallerDep,
    person_id: str,
    purpose: Purpose,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[CoInvolved]:
    """Return a page of the people in the person's cases that the caller's role and area may see, for a stated
    purpose."""
    items = _person(request, caller, person_id)["co_involved"]
    returned(request, [str(p["person_id"]) for p in items[offset : offset + limit]])
    return Page[CoInvolved](**page(items, limit, offset))


@router.get(
    "/people/{person_id}/explanations",
    summary="Each source record of the person and why it is theirs",
    tags=["people"],
)
def explanations(
    request: Request,
    caller: CallerDep,
    person_id: str,
    purpose: Purpose,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[Explanation]:
    """Return a page of the person's records from the sources the caller's role reads, each with why it is
    theirs, for a stated purpose."""
    items = _person(request, caller, person_id)["reasons"]
    returned(request, [f"{r['source']}:{r['record_id']}" for r in items[offset : offset + limit]])
    return Page[Explanation](**page(items, limit, offset))


PLACE_LISTS = ("events", "residents", "cases", "places")


@router.get("/places/{place_id}", summary="The place and the places above it", tags=["places"])
def place(request: Request, caller: CallerDep, place_id: str) -> dict[str, Any]:
    """Return the place, the places above it and counts of what is at and below it, as far as the caller's
    role and area may see."""
    view = hub_of(request).reader.dossier(place_id, scope=caller.scope)
    returned(request, [place_id])
    counts = {name: len(view[name]) for name in PLACE_LISTS}
    return {"place": view["place"], "ancestors": view["ancestors"], "counts": counts}


@router.get(
    "/places/{place_id}/{part}",
    summary="Events, residents, cases or places at and below a place",
    tags=["places"],
)
def place_list(
    request: Request, caller: CallerDep, place_id: str, part: str, limit: Limit = 20, offset: Offset = 0
) -> Page[dict[str, Any]]:
    """Return a page of the events, residents, cases or places at and below a place that the caller's role and
    area may see, masked for the role."""
    if part not in PLACE_LISTS:
        raise BadInput(f"a place lists {', '.join(PLACE_LISTS)}, not {part[:20]!r}")
    items = hub_of(request).reader.dossier(place_id, scope=caller.scope)[part]
    return Page[dict[str, Any]](**page(items, limit, offset))


@router.get("/grids/{grid_id}", summary="The grid and its workload", tags=["places"])
def grid(request: Request, caller: CallerDep, grid_id: str) -> dict[str, Any]:
    """Return the grid, its places and its workload (cases opened, open, overdue and closed) as far as the
    caller's role and area may see them."""
    view = hub_of(request).reader.grid(grid_id, scope=caller.scope)
    returned(request, [grid_id, *[str(c["case_id"]) for c in view["cases"]]])
    return view


@router.get("/cases/{case_id}", summary="The case, its handling and why it escalates", tags=["cases"])
def case(request: Request, caller: CallerDep, case_id: str) -> CaseView:
    """Return the case, its handling (responsible department, due and closed times, overdue, satisfaction),
    why it escalates and its status timeline across departments, if the caller's role and area may see it."""
    view = hub_of(request).reader.case(case_id, scope=caller.scope)
    returned(request, [case_id])
    return CaseView(
        case=view["case"],
        escalation_reason=view["case"].get("escalation_reason"),
        status_timeline=view["status_timeline"],
    )


@router.get(
    "/cases/{case_id}/timeline", summary="The case's events by time, department and status", tags=["cases"]
)
def case_timeline(
    request: Request, caller: CallerDep, case_id: str, limit: Limit = 20, offset: Offset = 0
) -> Page[dict[str, Any]]:
    """Return a page of the case's events by time, with department and status, if the caller's role and area
    may see the case."""
    view = hub_of(request).reader.case(case_id, scope=caller.scope)
    return Page[dict[str, Any]](**page(view["timeline"], limit, offset))


@router.get("/escalations", summary="Escalating cases, newest activity first", tags=["cases"])
def escalations(
    request: Request,
    caller: CallerDep,
    district: Short = None,
    category: Short = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[dict[str, Any]]:
    """Return a page of the escalating cases the caller's role and area may see, newest activity first, by
    district or category if asked."""
    items = hub_of(request).reader.escalations(district, category, scope=caller.scope)
    returned(request, [c["case_id"] for c in items[offset : offset + limit]])
    return Page[dict[str, Any]](**page(items, limit, offset))


class PersonRecord(BaseModel):
    """A person as a department wrote them; any field may be empty."""

    name: str | None = Field(None, max_length=40)
    id_number: str | None = Field(None, max_length=24)
    phone: str | None = Field(None, max_length=24)
    birth_date: str | None = Field(None, max_length=20)
    gender: str | None = Field(None, max_length=8)
    address: str | None = Field(None, max_length=120)

    @field_validator("*")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("not a number")
        if isinstance(value, str) and any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            raise ValueError("holds a lone surrogate")
        return value


@router.post(
    "/match", summary="Candidate people for a person record, with scores and explanations", tags=["people"]
)
def match(
    request: Request,
    caller: CallerDep,
    record: PersonRecord,
    purpose: Purpose,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Page[Candidate]:
    """Return scored candidate people for a person record among those the caller's role and area may see, for
    a stated purpose; an ID number or phone only from roles that see them in clear."""
    hub = hub_of(request)
    if record.id_number or record.phone:
        # a match scores partial agreement of numbers, so it would tell a masked role more than
        # a whole-number search does: only roles that see identifiers in clear may send them
        if caller.scope.field_form("id_number") != "clear" or not caller.scope.role.identifier_search:
            raise Forbidden(f"role {caller.scope.role.label} may not match by ID number or phone")
        hub.limits.hit("identifier_searches", caller.user.username)
    found = hub.reader.match(record.model_dump(), min(limit, MAX_OFFSET), scope=caller.scope)
    returned(request, [c["person_id"] for c in found])
    return Page[Candidate](**page(found, limit, 0))
