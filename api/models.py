"""Response models the OpenAPI document declares, and the paging every list shares."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, Field

__all__ = [
    "MAX_OFFSET",
    "Limit",
    "Offset",
    "Page",
    "page",
    "returned",
]

T = TypeVar("T")
MAX_LIMIT = 100
MAX_OFFSET = 1000  # deeper than this, narrow the query instead of paging through it

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")]


class Page(BaseModel, Generic[T]):
    """One page of a list: its items, how many there are in all, and where the next page starts."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None = None


def page(items: list[Any], limit: int, offset: int, total: int | None = None) -> dict[str, Any]:
    """Return one page of `items` (the whole list, unless `total` says it was already cut)."""
    count = len(items) if total is None else total
    chosen = items[offset : offset + limit] if total is None else items
    following = offset + limit
    return {
        "items": chosen,
        "total": count,
        "limit": limit,
        "offset": offset,
        "next_offset": following if following < count and following <= MAX_OFFSET else None,
    }


def returned(request: Request, ids: list[str]) -> None:
    """Note the entity ids a response carries, for the audit line."""
    request.state.entities = [*getattr(request.state, "entities", []), *[str(i) for i in ids]]


class Hit(BaseModel):
    id: str
    kind: str
    score: float
    title: str
    highlights: dict[str, str] = Field(default_factory=dict)
    districts: list[str] | None = Field(None, description="A person's districts the caller may see")
    sources: list[str] | None = Field(None, description="The departments a person is seen in (readable ones)")
    birth_year: str | None = Field(None, description="For a stated purpose, where the role sees it")
    id_number: str | None = Field(None, description="For a stated purpose, in the role's form (masked)")


class SearchPage(Page[Hit]):
    facets: dict[str, dict[str, int]] = Field(default_factory=dict)
    notice: str | None = None


class Involvement(BaseModel):
    role: str
    event: dict[str, Any]
    place_id: str | None = None
    case_id: str | None = None


class Person360(BaseModel):
    """A person as the caller may see them: who, where they live, which departments know them."""

    person: dict[str, Any]
    addresses: list[dict[str, Any]]
    departments: dict[str, int]
    merged_into: str | None = None
    asked_for: str


class CoInvolved(BaseModel):
    person_id: str
    name: str | None = None
    shared_cases: int
    case_ids: list[str]


class Explanation(BaseModel):
    source: str
    record_id: str
    name: str | None = None
    reasons: list[str]


class PlaceView(BaseModel):
    place: dict[str, Any]
    ancestors: list[dict[str, Any]]


class CaseView(BaseModel):
    case: dict[str, Any]
    escalation_reason: str | None = None
    status_timeline: list[dict[str, Any]] = []  # every status version of its records, by time


class NeighbourOut(BaseModel):
    label: str
    key: str
    distance: int
    title: str | None = None


class PathOut(BaseModel):
    nodes: list[dict[str, str]]
    relations: list[str]


class Candidate(BaseModel):
    person_id: str
    score: float
    probability: float
    explanation: dict[str, float]


class Health(BaseModel):
    status: str
    search: str
    graph: str
    warehouse: str
