"""The HTTP API: sign-in, search, person 360, address dossier, case timeline, graph, match, audit.

    cityhub api --home DIR         (or `uvicorn api.app:app`) — OpenAPI at /docs, /redoc, /openapi.json

Every call but /health, /purposes and /auth/login needs a bearer token (`POST /auth/login`) or an
`X-API-Key`; what it returns is what the caller's role may read under the policy
(`cityhub/access/policy.yaml`), and it is written to the hash-chained audit log, allowed or not.
Errors are JSON `{"error": message}` (401, 403, 404, 413, 422, 429, 500, 503). The endpoints and
shapes a client builds on are listed in api/WORKBENCH_CONTRACT.md.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api import auth, routes_admin, routes_graph, routes_ops, routes_read
from api.context import Caller, Hub
from api.errors import error_response, install_error_handlers
from api.workbench import mount_workbench
from cityhub.config import Settings, get_settings

__all__ = ["MAX_BODY", "MAX_QUERY_STRING", "REQUEST_SECONDS", "app", "create_app"]  # noqa: F822

MAX_BODY = 16 * 1024  # bytes of a request body (a person record for /match is a few hundred)
MAX_QUERY_STRING = 2048  # characters of the URL's query part
REQUEST_SECONDS = 10.0  # a request still running then is answered 503 (its work is bounded besides)
OVERRUN = 0.5  # seconds a request may take before the rest is charged to its user's server time
HEAVY_COST = 1.0  # a cost hint this high marks a costly request (wide walks, dossiers, deep pages)
HEAVY_AT_ONCE = 1  # costly requests run one at a time, whoever sends them
# Handlers run in threads: one busy with a costly request holds the interpreter until asked to let go,
# and a short request waits that long each time it wants it back (after every database read). Asking
# sooner than Python's 5 ms keeps short requests short beside a costly one.
SWITCH_SECONDS = 0.001
PER_USER_AT_ONCE = 6  # a user's requests running at once (a page sends up to five); the rest wait
# Documentation and the workbench's own files carry no records; every other path is audited.
_UNAUDITED = ("/docs", "/redoc", "/openapi.json", "/static-docs", "/health", "/workbench/")


def _docs_assets() -> str:
    from pathlib import Path

    import fastapi_offline

    return str(Path(fastapi_offline.__file__).parent / "static")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the API over the stores `settings` name (default: the environment's)."""
    hub = Hub(settings or get_settings())
    hub.warm()
    sys.setswitchinterval(SWITCH_SECONDS)
    # what start-up loaded (the address gazetteer, the visibility facts) lives as long as the process:
    # leave it out of the collector's full passes, which otherwise walk it all, every request waiting
    gc.freeze()
    api = FastAPI(title="cityhub", version="2", description=__doc__, docs_url=None, redoc_url=None)
    api.state.hub = hub
    api.state.slow_lane = asyncio.Semaphore(1)
    api.state.heavy_lane = asyncio.Semaphore(HEAVY_AT_ONCE)
    api.state.user_lanes = defaultdict(lambda: asyncio.Semaphore(PER_USER_AT_ONCE))
    api.state.settings = hub.settings
    install_error_handlers(api)
    api.middleware("http")(_guarded)
    api.include_router(auth.router)
    for module in (routes_read, routes_graph, routes_admin, routes_ops):
        api.include_router(module.router)
    _serve_docs(api)
    mount_workbench(api)
    return api


def _serve_docs(api: FastAPI) -> None:
    """Swagger UI and ReDoc from assets served by the hub itself (no CDN)."""
    api.mount("/static-docs", StaticFiles(directory=_docs_assets()), name="static-docs")

    @api.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="cityhub API",
            swagger_js_url="/static-docs/swagger-ui-bundle.js",
            swagger_css_url="/static-docs/swagger-ui.css",
            swagger_favicon_url="/static-docs/favicon.png",
        )

    @api.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title="cityhub API",
            redoc_js_url="/static-docs/redoc.standalone.js",
            redoc_favicon_url="/static-docs/favicon.png",
            with_google_fonts=False,
        )


def cost_hint(request: Request) -> float:
    """Return the server seconds a request is charged before it runs.

    Wide walks, dossiers, deep pages and long queries are known to be costly, so a user sending
    them is slow-laned at once rather than after a burst of them.
    """
    path, query = request.url.path, request.query_params
    offset = query.get("offset", "0")
    deep = not offset.isdigit() or int(offset) > 100
    if path.startswith("/graph/") and path.endswith("/neighbours") and query.get("depth", "1") != "1":
        return 1.0
    if path == "/graph/path" or (path.startswith("/places/") and path.count("/") == 3):
        return 1.0
    if path == "/search" and (deep or len(query.get("q", "")) > 40):
        return 1.0
    return 0.3 if path == "/match" or deep else 0.01


def _refusal(request: Request) -> Response | None:
    """Return the answer to a request too big to look at, or None."""
    if len(request.url.query) > MAX_QUERY_STRING:
        return error_response(414, f"the query string is over {MAX_QUERY_STRING} characters")
    if request.method in ("POST", "PUT", "PATCH"):
        length = request.headers.get("content-length")
        if length is None:
            return error_response(411, "send a Content-Length header")
        if not length.isdigit() or int(length) > MAX_BODY:
            return error_response(413, f"the body is over {MAX_BODY} bytes")
    return None


async def _guarded(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Bound the request, run it in its lanes with a time limit, map anything unexpected, and audit it."""
    hub: Hub = request.app.state.hub
    response = _refusal(request)
    if response is None:
        caller = _caller_of(request, hub)
        who = caller.user.username if caller else f"addr:{request.client.host if request.client else '-'}"
        hint = cost_hint(request)
        hub.server_time.charge(who, hint)
        started = time.perf_counter()
        try:
            async with _lanes(request, who, hint >= HEAVY_COST, hub.server_time.over_budget(who)):
                started = time.perf_counter()  # the wait in a lane is not work done for the user
                response = await asyncio.wait_for(call_next(request), timeout=REQUEST_SECONDS)
        except TimeoutError:
            response = error_response(503, f"the request took over {REQUEST_SECONDS:.0f} s and was stopped")
        except Exception:  # noqa: BLE001 - the one place the unexpected becomes a 500, audited
            response = error_response(500, "internal error; the request was logged")
        # beyond its hint, a request is charged only for the time past OVERRUN: on a loaded machine
        # every request takes longer, and an official's short searches must not add up to a heavy user
        hub.server_time.charge(who, max(0.0, time.perf_counter() - started - OVERRUN))
    if request.url.path != "/" and not request.url.path.startswith(_UNAUDITED):
        _audit(request, response.status_code)
    return response


@asynccontextmanager
async def _lanes(request: Request, who: str, costly: bool, over_budget: bool) -> AsyncIterator[None]:
    """Hold the lanes a request runs in: its user's (a few at once), then the one slow lane for a
    user over their server-time budget, then the one lane of costly requests.

    Costly requests take turns whoever sends them, so however many users send them, at most one
    runs beside the ordinary requests (which wait in no shared lane); the order is fixed, so no
    request holds one lane while another holder waits for it.
    """
    state = request.app.state
    async with AsyncExitStack() as lanes:
        await lanes.enter_async_context(state.user_lanes[who])
        if over_budget:
            await lanes.enter_async_context(state.slow_lane)
        if costly:
            await lanes.enter_async_context(state.heavy_lane)
        yield


def _caller_of(request: Request, hub: Hub) -> Caller | None:
    """Return who sent a request that never reached its handler (unknown route, refused early)."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is not None:
        return caller
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    session = hub.sessions.get(token) if token and len(token) <= 256 else None
    user = hub.users.get(session.username) if session else None
    key = request.headers.get("x-api-key")
    if user is None and key and len(key) <= 256:
        user = hub.users.by_api_key(key)
    return hub.caller(user, "unchecked") if user else None


def _audit(request: Request, status: int) -> None:
    hub: Hub = request.app.state.hub
    caller = _caller_of(request, hub)
    route = request.scope.get("route")
    params: dict[str, Any] = dict(request.path_params)
    query = {k: (v if k != "q" else f"{len(v)} characters") for k, v in request.query_params.items()}
    hub.audit.record(
        status=status,
        method=request.method,
        route=getattr(route, "path", None) or "(no route)",
        params=params or None,
        query=query or None,
        user=caller.user.username if caller else None,
        role=caller.scope.role.code if caller else None,
        via=caller.via if caller else None,
        purpose=getattr(request.state, "purpose", None),
        client=request.client.host if request.client else None,
        entities=getattr(request.state, "entities", None),
    )


def __getattr__(name: str) -> Any:
    # `uvicorn api.app:app` builds the app on first use, so importing this module reads no settings
    if name == "app":
        return create_app()
    raise AttributeError(name)
