"""Open endpoints (health, purposes, labels, roles), the auditor's view and review decisions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.auth import CallerDep
from api.context import hub_of
from api.errors import ERROR_RESPONSES
from api.models import Health, Limit, Offset, Page, page, returned
from cityhub.access.reviews import record_review
from ontology.errors import Forbidden

__all__ = ["router"]

router = APIRouter(responses=ERROR_RESPONSES)
# The policy and the labels are read when the hub starts and are the same for everyone: a browser
# keeps them for five minutes instead of asking on every page it loads.
POLICY_KEPT = "public, max-age=300"
SOURCE_LABELS = {"hotline": "12345热线", "grid": "网格化管理平台", "police": "公安警情", "petitions": "信访"}


@router.get("/health", summary="Whether the warehouse, search index and graph answer", tags=["open"])
def health(request: Request) -> Health:
    """Return, to anyone without signing in, whether the warehouse, the search index and the graph answer."""
    state = hub_of(request).reader.health()
    return Health(status="ok" if all(v == "ok" for v in state.values()) else "degraded", **state)


@router.get("/purposes", summary="Reasons a person lookup may state (or case:<case_id>)", tags=["open"])
def purposes(request: Request, response: Response) -> dict[str, list[dict[str, str]]]:
    """Return, to anyone without signing in, the purposes a person lookup may state, as codes and labels."""
    response.headers["Cache-Control"] = POLICY_KEPT
    return {"items": [{"code": p.code, "label": p.label} for p in hub_of(request).policy.purposes]}


@router.get(
    "/labels", summary="Chinese labels of source, role, category, department and status codes", tags=["open"]
)
def labels(request: Request, response: Response) -> dict[str, dict[str, str]]:
    """Return, to anyone without signing in, the Chinese labels of the source, role, category, department,
    status and satisfaction codes."""
    from cityhub.handling_views import CASE_STATUS_LABELS, SATISFACTION_LABELS, STATUS_LABELS
    from ontology.model import load_ontology

    response.headers["Cache-Control"] = POLICY_KEPT

    taxonomy = load_ontology().taxonomy.categories
    categories = {code: f"{c.major_name}/{c.name}" for code, c in taxonomy.items()}
    for code, c in taxonomy.items():
        categories.setdefault(code.split(".", 1)[0], c.major_name)
    roles = {code: r.label for code, r in hub_of(request).policy.roles.items()}
    return {
        "sources": SOURCE_LABELS,
        "roles": roles,
        "categories": categories,
        "departments": dict(load_ontology().taxonomy.departments),
        "statuses": STATUS_LABELS,
        "case_statuses": CASE_STATUS_LABELS,
        "satisfaction": SATISFACTION_LABELS,
    }


@router.get("/roles", summary="The roles and what each may read and do", tags=["open"])
def roles(request: Request, response: Response) -> dict[str, list[dict[str, Any]]]:
    """Return, to anyone without signing in, each role with the sources and fields it reads, whether its area
    limits it, and whether it may search by identifiers, review and read the audit."""
    response.headers["Cache-Control"] = POLICY_KEPT
    items = [
        {
            "code": r.code,
            "label": r.label,
            "sources": list(r.sources),
            "area_limited": r.area_limited,
            "fields": r.fields,
            "identifier_search": r.identifier_search,
            "review": r.review,
            "audit": r.audit,
        }
        for r in hub_of(request).policy.roles.values()
    ]
    return {"items": items}


@router.get("/audit", summary="The audit log, newest first (auditors only)", tags=["audit"])
def audit(request: Request, caller: CallerDep, limit: Limit = 50, offset: Offset = 0) -> Page[dict[str, Any]]:
    """Return a page of the audit log, newest first, to roles that may read it (Forbidden to the rest)."""
    if not caller.scope.role.audit:
        raise Forbidden(f"role {caller.scope.role.label} may not read the audit log")
    lines, total = hub_of(request).audit.read(limit, offset)
    return Page[dict[str, Any]](**page(lines, limit, offset, total=total))


class ReviewBody(BaseModel):
    person_id: str = Field(max_length=80)
    record: str = Field(max_length=120, description='"<source>:<record_id>" of one of the person\'s records')
    decision: Literal["same", "not_same"]
    note: Annotated[str | None, Field(max_length=200)] = None


@router.post("/reviews", summary="Record that a source record is (not) this person", tags=["people"])
def review(request: Request, caller: CallerDep, body: ReviewBody) -> dict[str, Any]:
    """Record that a source record is (or is not) this person and return the decision, for roles that review
    and may see the person and read the record's source."""
    if not caller.scope.role.review:
        raise Forbidden(f"role {caller.scope.role.label} may not record review decisions")
    hub = hub_of(request)
    hub.reader.person(body.person_id, scope=caller.scope)  # NotFound unless the caller may see the person
    source = body.record.partition(":")[0]
    if not caller.scope.allows_source(source):
        raise Forbidden(f"role {caller.scope.role.label} may not read {source} records")
    returned(request, [body.person_id])
    return record_review(
        hub.reader.warehouse, body.person_id, body.record, body.decision, caller.user.username, body.note
    )
