"""What officials and applications read, cut to what the caller's role may see.

Search, person 360, address dossier, case timeline, escalations, graph nodes, neighbours and paths,
and person matching, over the warehouse and its projections. Every method takes the caller's
`Scope` (`cityhub.access.policy`): entities it may not see are left out before anything is counted
or paged, and what is returned is shaped (`cityhub.access.masking.shaped`) for its role.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

import sqlalchemy as sa

from cityhub.access.masking import shaped
from cityhub.access.policy import SOURCES, RolePolicy, Scope
from cityhub.access.search_scope import identifier_clauses, replace_query, run_scoped, scoped_filters
from cityhub.access.views import dossier_view, person_view, record_reasons
from cityhub.access.visibility import VisibilityIndex
from cityhub.config import Settings, get_settings
from cityhub.handling_views import case_labels, grid_workload, status_timeline
from cityhub.health import hub_health
from cityhub.projections import KeptSearchIndex, open_graph_store
from cityhub.read_cache import ViewCache
from cityhub.read_cards import person_cards, titled
from cityhub.resolve_files import people_options
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import RESOLVED_TABLES
from entity_resolution.people.match import match_person
from graph.model import PATH_RELATIONS, NodeRef
from graph.traversal import distances, shortest_path
from ontology.errors import BadInput, Forbidden, NotFound
from search.base import SearchQuery
from search.queries import IDENTIFIER_FIELDS, build_query

__all__ = ["MAX_QUERY_CHARS", "MAX_QUERY_PIECES", "SYSTEM", "Reader"]

MAX_QUERY_CHARS = 200  # an official types a name, an address, a number or a few of them
MAX_QUERY_PIECES = 12
MAX_WINDOW = 1000  # hits fetched to page through: offset + limit (deeper pages are cut)
MAX_NEIGHBOURS = 500  # nodes a neighbourhood walk may find before it stops
MAX_FRONTIER = 50  # nodes a walk expands on one level (a hub's children are listed, not walked on)
MAX_PATH = 4
MAX_DOSSIER_PLACES = 2000  # a dossier reads everything below its place: a district at most
_TABLES = {name: spec for name, spec in RESOLVED_TABLES.items()}


# In-process callers (the pipeline's own checks, the proving ground) read as the system: every
# source, every field. The API never passes it: its scopes come from signed-in users' roles.
SYSTEM = Scope(
    RolePolicy(
        code="system",
        label="系统",
        read=True,
        sources=SOURCES,
        area_limited=False,
        fields={"id_number": "clear", "phone": "clear", "birth_date": "clear"},
        identifier_search=True,
        review=False,
        audit=False,
    )
)


def _denied(scope: Scope) -> None:
    if not scope.role.read:
        raise Forbidden(f"role {scope.role.code} ({scope.role.label}) reads no records")


class Reader:
    """Read access to the hub; each method returns JSON-ready values shaped for the caller."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.warehouse = Warehouse(self.settings.resolved_warehouse_url())
        self.visibility = VisibilityIndex(self.warehouse)
        self.views = ViewCache(self.warehouse)
        self.search_index = KeptSearchIndex(self.settings)

    # --- search -----------------------------------------------------------------------------------

    def search(
        self,
        text: str,
        kinds: list[str] | None = None,
        size: int = 10,
        filters: dict[str, Any] | None = None,
        scope: Scope = SYSTEM,
        on_identifier: Callable[[], None] = lambda: None,
        offset: int = 0,
        personal: bool = False,
    ) -> dict[str, Any]:
        """Return the hits the scope may see from `offset` up to `size` (people with what tells
        namesakes apart: `read_cards`, birth year and ID only when `personal`), facet counts over all
        it may see, and a notice."""
        _denied(scope)
        if len(text) > MAX_QUERY_CHARS or len(text.split()) > MAX_QUERY_PIECES:
            raise BadInput(f"search: at most {MAX_QUERY_CHARS} characters in {MAX_QUERY_PIECES} pieces")
        query = build_query(
            text,
            kinds=kinds,
            filters=filters,
            facets=("source", "district", "category"),
            size=min(size, MAX_WINDOW),
            city_code=self.settings.city_code,
        )
        query, notice = self._identifier_rule(query, scope, on_identifier)
        scoped = scoped_filters(query.filters, scope)
        if scoped is None:
            return {"hits": [], "total": 0, "facets": {}, "notice": notice}
        with self.search_index.opened() as index:
            results = run_scoped(index, query, scoped, offset)
        page = shaped(results.hits[offset:], scope)  # earlier pages were only counted
        people = [str(h["id"]) for h in page if h["kind"] == "person"]
        cards = person_cards(self.warehouse, self.visibility.facts(), scope, people, personal)
        page = [{**h, **cards.get(str(h["id"]), {})} if h["kind"] == "person" else h for h in page]
        return {
            "hits": page,
            "total": results.total,
            "facets": results.facets,
            "notice": notice,
        }

    @staticmethod
    def _identifier_rule(
        query: SearchQuery, scope: Scope, on_identifier: Callable[[], None]
    ) -> tuple[SearchQuery, str | None]:
        """Drop ID-number and phone clauses for roles that may not search by them; count them otherwise."""
        asked = [c for c in query.clauses if c.field in IDENTIFIER_FIELDS]
        if not asked:
            return query, None
        allowed = identifier_clauses(scope)
        kept = tuple(c for c in query.clauses if c.field not in IDENTIFIER_FIELDS or c.field in allowed)
        if any(c.field in allowed for c in asked):
            on_identifier()
        if len(kept) == len(query.clauses):
            return query, None
        notice = (
            "parts of ID numbers or phones in the query were not used: "
            "this role searches by whole numbers only"
            if allowed
            else "ID numbers and phones in the query were not used: this role may not search by them"
        )
        return replace_query(query, clauses=kept), notice

    # --- people -----------------------------------------------------------------------------------

    def current_person_id(self, person_id: str) -> tuple[str, str | None]:
        """Return (the id to read, the id it was merged into or None), following merges."""
        table = _TABLES["id_changes"]
        current, merged = person_id, None
        for _ in range(10):
            rows = self.warehouse.read_table(
                table.name,
                sa.and_(table.c.old_id == current, table.c.entity == "person", table.c.kind == "merge"),
            )
            if rows.empty:
                break
            current = merged = str(rows.sort_values("at").iloc[-1]["new_id"])
        return current, merged

    def _mentions(self, person_id: str) -> Any:
        table = _TABLES["person_mentions"]
        return self.warehouse.read_table(table.name, table.c.person_id == person_id)

    def person(self, person_id: str, scope: Scope = SYSTEM) -> dict[str, Any]:
        """Return the person's 360 as the scope may see it (NotFound when it may see none of it)."""
        _denied(scope)
        current, merged = self.current_person_id(person_id)
        facts = self.visibility.facts()
        if not facts.visible(scope, "Person", current):
            raise NotFound(f"person {person_id!r} is not known")
        view = self.views.get(
            "person", current, scope, facts, lambda: self._person_view(current, scope, facts)
        )
        return {**view, **_as_json({"merged_into": merged, "asked_for": person_id}, scope)}

    def _person_view(self, current: str, scope: Scope, facts: Any) -> dict[str, Any]:
        with open_graph_store(self.settings) as store:
            found = store.person_360(current)
            view = person_view(facts, scope, found, self._mentions(current))
            view["co_involved"] = [
                c for c in store.co_involved(current) if facts.visible(scope, "Person", c.person_id)
            ]
        view["reasons"] = record_reasons(found.person, self._mentions(current), scope)
        return _as_json(view, scope)

    # --- places and cases ---------------------------------------------------------------------------

    def dossier(self, place_id: str, scope: Scope = SYSTEM) -> dict[str, Any]:
        """Return the place, its ancestors and everything visible at it and below it."""
        _denied(scope)
        facts = self.visibility.facts()
        if not facts.visible(scope, "Place", place_id):
            raise NotFound(f"place {place_id!r} is not known")
        if facts.places_below.get(place_id, 0) > MAX_DOSSIER_PLACES:
            raise BadInput(
                f"place {place_id!r} holds {facts.places_below[place_id]:,} places: "
                "open a street, community or estate below it"
            )
        return self.views.get(
            "place", place_id, scope, facts, lambda: self._dossier_view(place_id, scope, facts)
        )

    def _dossier_view(self, place_id: str, scope: Scope, facts: Any) -> dict[str, Any]:
        with open_graph_store(self.settings) as store:
            return _as_json(dossier_view(facts, scope, store.address_dossier(place_id)), scope)

    def case(self, case_id: str, scope: Scope = SYSTEM) -> dict[str, Any]:
        """Return the case (handling included), its escalation reason, its events in time order and
        the status timeline of its records across departments."""
        _denied(scope)
        facts = self.visibility.facts()
        if not facts.visible(scope, "Case", case_id):
            raise NotFound(f"case {case_id!r} is not known")
        return self.views.get("case", case_id, scope, facts, lambda: self._case_view(case_id, scope))

    def _case_view(self, case_id: str, scope: Scope) -> dict[str, Any]:
        cases, events = _TABLES["cases"], _TABLES["events"]
        case = self.warehouse.read_table(cases.name, cases.c.case_id == case_id)
        if case.empty:
            raise NotFound(f"case {case_id!r} is not known")
        timeline = self.warehouse.read_table(events.name, events.c.case_id == case_id)
        timeline = timeline.sort_values(["occurred_at", "event_id"])
        row = case.iloc[0].drop("changed_at").to_dict()
        row["sources"] = json.loads(row["sources"]) if isinstance(row["sources"], str) else []
        row.update(cast(dict[Any, Any], case_labels(row)))
        columns = ["event_id", "source", "occurred_at", "status", "category", "description", "place_id"]
        columns += ["handling_department", "satisfaction", "closed_at", "handling_hours"]
        entries = timeline[columns].astype(object).where(timeline[columns].notna(), None).to_dict("records")
        statuses = status_timeline(self.warehouse, timeline, scope)
        return _as_json({"case": row, "timeline": entries, "status_timeline": statuses}, scope)

    def grid(self, grid_id: str, scope: Scope = SYSTEM) -> dict[str, Any]:
        """Return the grid, how many places it holds and its workload: the visible cases at its places
        (opened, open, overdue, closed) and the cases themselves."""
        _denied(scope)
        facts = self.visibility.facts()
        if not facts.visible(scope, "Grid", grid_id):
            raise NotFound(f"grid {grid_id!r} is not known")
        return _as_json(grid_workload(self.warehouse, facts, grid_id, scope), scope)

    def escalations(
        self, district: str | None = None, category: str | None = None, scope: Scope = SYSTEM
    ) -> list[dict[str, Any]]:
        """Return the escalating cases the scope may see, newest activity first."""
        _denied(scope)
        table = _TABLES["cases"]
        cases = self.warehouse.read_table(table.name, table.c.escalating.is_(True))
        facts = self.visibility.facts()
        out = []
        for row in cases.sort_values(["last_activity_at", "case_id"], ascending=[False, True]).to_dict(
            "records"
        ):
            case_id = str(row["case_id"])
            if not facts.visible(scope, "Case", case_id):
                continue
            districts = sorted(d for d in facts.case_districts.get(case_id, set()) if d)
            if district and district not in districts:
                continue
            if category and not str(row.get("category") or "").startswith(category):
                continue
            row.pop("changed_at", None)
            row["sources"] = json.loads(row["sources"]) if isinstance(row["sources"], str) else []
            out.append({**row, "districts": districts})
        return _as_json_list(out, scope)

    # --- graph --------------------------------------------------------------------------------------

    def node(self, label: str, key: str, scope: Scope = SYSTEM) -> dict[str, Any]:
        """Return one node's properties, if the scope may see it."""
        _denied(scope)
        if not self.visibility.facts().visible(scope, label, key):
            raise NotFound(f"{label} {key!r} is not known")
        with open_graph_store(self.settings) as store:
            props = store.get_node(label, key)
        if "sources" in props:
            props["sources"] = [
                s for s in props["sources"] or [] if scope.allows_source(str(s).split(":")[0])
            ]
        return _as_json(props, scope)

    def _expand(
        self, store: Any, scope: Scope, relations: tuple[str, ...]
    ) -> Callable[[list[str]], list[tuple[str, str, str]]]:
        facts = self.visibility.facts()

        def expand(frontier: list[str]) -> list[tuple[str, str, str]]:
            edges = []
            for node in frontier[:MAX_FRONTIER]:
                label, key = node.split("|", 1)
                for rel in store.relations(label, key):
                    if rel.type not in relations:
                        continue
                    other = rel.end if (rel.start.label, rel.start.key) == (label, key) else rel.start
                    if facts.visible(scope, other.label, other.key):
                        edges.append((node, rel.type, f"{other.label}|{other.key}"))
            return edges

        return expand

    def neighbours(self, label: str, key: str, depth: int = 1, scope: Scope = SYSTEM) -> list[dict[str, Any]]:
        """Return the visible nodes within `depth` hops over visible nodes only, nearest first."""
        _denied(scope)
        if not self.visibility.facts().visible(scope, label, key):
            raise NotFound(f"{label} {key!r} is not known")
        with open_graph_store(self.settings) as store:
            found = distances(
                f"{label}|{key}", depth, self._expand(store, scope, PATH_RELATIONS), most=MAX_NEIGHBOURS
            )
        ordered = sorted((level, node) for node, level in found.items())
        return [{"label": n.split("|", 1)[0], "key": n.split("|", 1)[1], "distance": d} for d, n in ordered]

    def titled(self, items: list[dict[str, Any]], scope: Scope, people_named: bool) -> list[dict[str, Any]]:
        """Return neighbour items with their titles (a person's name only when `people_named`)."""
        with open_graph_store(self.settings) as store:
            return titled(items, store.get_node, scope, people_named)

    def path(self, start: NodeRef, end: NodeRef, scope: Scope = SYSTEM) -> dict[str, Any] | None:
        """Return one shortest path of at most MAX_PATH hops over visible nodes, or None."""
        _denied(scope)
        facts = self.visibility.facts()
        for node in (start, end):
            if not facts.visible(scope, node.label, node.key):
                raise NotFound(f"{node.label} {node.key!r} is not known")
        with open_graph_store(self.settings) as store:
            walk = shortest_path(
                f"{start.label}|{start.key}",
                f"{end.label}|{end.key}",
                self._expand(store, scope, PATH_RELATIONS),
                MAX_PATH,
            )
        if walk is None:
            return None
        nodes, types = walk
        return {
            "nodes": [dict(zip(("label", "key"), n.split("|", 1), strict=True)) for n in nodes],
            "relations": types,
        }

    # --- matching -----------------------------------------------------------------------------------

    def match(self, record: dict[str, Any], limit: int = 10, scope: Scope = SYSTEM) -> list[dict[str, Any]]:
        """Return visible candidate people for a person record, with scores and per-field weights."""
        _denied(scope)
        query = " ".join(str(record[f]) for f in ("name", "phone", "id_number") if record.get(f))
        if not query:
            return []
        facts = self.visibility.facts()
        with self.search_index.opened() as index:
            built = build_query(
                query[:MAX_QUERY_CHARS], kinds=["person"], size=30, city_code=self.settings.city_code
            )
            scoped = scoped_filters(built.filters, scope)
            hits = index.run(replace_query(built, filters=scoped)).hits if scoped is not None else []
        ids = [hit.id for hit in hits if facts.visible(scope, "Person", hit.id)]
        if not ids:
            return []
        table = _TABLES["person_mentions"]
        mentions = self.warehouse.read_table(table.name, table.c.person_id.in_(ids))
        mentions = mentions[[scope.allows_source(s) for s in mentions["source"]]]
        mentions = mentions.assign(birth_date=None, gender=None)
        ranked = match_person(record, mentions, people_options(self.settings).prepare, limit=limit)
        return [_explained({str(k): v for k, v in row.items()}) for row in ranked.to_dict("records")]

    def health(self) -> dict[str, str]:
        """Return whether the warehouse, the search index and the graph answer."""
        return hub_health(self.warehouse, self.settings)


def _as_json(value: Any, scope: Scope) -> dict[str, Any]:
    """Return a mapping shaped for `scope`."""
    return cast(dict[str, Any], shaped(value, scope))


def _as_json_list(value: Any, scope: Scope) -> list[dict[str, Any]]:
    """Return a list of mappings shaped for `scope`."""
    return cast(list[dict[str, Any]], shaped(value, scope))


def _explained(row: dict[str, Any]) -> dict[str, Any]:
    weights = {k.removeprefix("w_"): round(float(v), 2) for k, v in row.items() if k.startswith("w_")}
    return {
        "person_id": row["person_id"],
        "score": round(float(row["score"]), 2),
        "probability": round(float(row["probability"]), 4),
        "explanation": {k: v for k, v in weights.items() if v != 0.0},
    }
