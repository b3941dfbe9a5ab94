"""The graph: a node, its neighbourhood (paged) and shortest paths, over what the caller may see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.auth import CallerDep
from api.context import hub_of
from api.errors import ERROR_RESPONSES
from api.models import Limit, NeighbourOut, Offset, Page, PathOut, page, returned
from api.routes_read import OptionalPurpose, optional_purpose, stated_purpose
from graph.model import NodeRef
from ontology.errors import NotFound

__all__ = ["router"]

router = APIRouter(prefix="/graph", tags=["graph"], responses=ERROR_RESPONSES)
Label = Annotated[str, Query(max_length=20)]
Key = Annotated[str, Query(max_length=80)]


@router.get("/path", summary="One shortest path between two nodes (at most 4 hops, over visible nodes)")
def path(
    request: Request, caller: CallerDep, from_label: Label, from_key: Key, to_label: Label, to_key: Key
) -> PathOut:
    """Return one shortest path of at most 4 hops between two nodes, over only the nodes the caller's role and
    area may see."""
    found = hub_of(request).reader.path(
        NodeRef(from_label, from_key), NodeRef(to_label, to_key), scope=caller.scope
    )
    if found is None:
        raise NotFound("no path of at most 4 hops between these nodes")
    returned(request, [n["key"] for n in found["nodes"]])
    return PathOut(**found)


@router.get("/{label}/{key}", summary="One node's properties (a Person's only for a stated purpose)")
def node(
    request: Request,
    caller: CallerDep,
    label: str,
    key: str,
    purpose: Annotated[
        str | None,
        Query(max_length=60, description="For a Person: a code from GET /purposes, or case:<case_id>"),
    ] = None,
) -> dict[str, Any]:
    """Return one node's properties if the caller's role and area may see it, shaped for the role (a Person
    only for a stated purpose)."""
    if label == "Person":  # a person's properties are a person lookup, as /people/{id} is
        stated_purpose(request, purpose)
    props = hub_of(request).reader.node(label, key, scope=caller.scope)
    returned(request, [key])
    return props


@router.get("/{label}/{key}/neighbours", summary="Nodes within `depth` relations of a node, nearest first")
def neighbours(
    request: Request,
    caller: CallerDep,
    label: str,
    key: str,
    depth: Annotated[int, Query(ge=1, le=2)] = 1,
    limit: Limit = 50,
    offset: Offset = 0,
    purpose: OptionalPurpose = None,
) -> Page[NeighbourOut]:
    """Return a page of the nodes within `depth` relations of a node, nearest first, over only the nodes the
    caller's role and area may see, each with its title (a person's name only for a stated purpose)."""
    named = optional_purpose(request, purpose)
    reader = hub_of(request).reader
    items = reader.neighbours(label, key, depth, scope=caller.scope)
    shown = reader.titled(items[offset : offset + limit], caller.scope, people_named=named)
    returned(request, [n["key"] for n in shown])
    return Page[NeighbourOut](**page(shown, limit, offset, total=len(items)))
