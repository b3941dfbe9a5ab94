"""The officials' workbench: a Chinese web UI served by the hub itself, at `/`.

Everything it loads comes from the hub: the page, its scripts and the vendored Vue 3, Vue Router,
Element Plus, ECharts and Cytoscape.js (their prebuilt npm dist files, under `static/vendor`, so no
build step and no CDN). The UI reads only the public API, signed in like any other client; the one
thing it gets beside the API is `codes.json`, the Chinese labels of the ontology's codes (categories,
departments, statuses, levels, roles), built from ontology/schema at start.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["STATIC", "WORKBENCH_PREFIX", "code_labels", "mount_workbench"]

STATIC = Path(__file__).with_name("static")
WORKBENCH_PREFIX = "/workbench"
SCHEMA = Path(__file__).resolve().parents[2] / "ontology" / "schema"
#: Vendored files never change under the same name; the app's own files are revalidated each load.
_VENDOR_CACHE = "public, max-age=604800, immutable"

#: Chinese for the codes the schema lists without a label (statuses, roles in an event, place levels).
STATUSES = {
    "received": "已受理",
    "dispatched": "已派单",
    "in_progress": "处理中",
    "resolved": "已办结",
    "closed": "已关闭",
    "withdrawn": "已撤回",
}
SOURCES = {"hotline": "12345热线", "grid": "网格平台", "police": "公安警情", "petitions": "信访"}
EVENT_ROLES = {
    "caller": "来电人",
    "party": "当事人",
    "victim": "受害人",
    "suspect": "嫌疑人",
    "petitioner": "信访人",
    "grid_worker": "网格员",
    "witness": "证人",
}
LEVELS = {
    "province": "省",
    "city": "市",
    "district": "区",
    "street": "街道",
    "community": "社区",
    "estate": "小区",
    "building": "楼栋",
    "unit": "单元",
    "room": "房间",
}
GENDERS = {"M": "男", "F": "女"}


class _Static(StaticFiles):
    """Static files whose vendored part is cached by the browser for a week."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if path.startswith("vendor/") and response.status_code == 200:
            response.headers["Cache-Control"] = _VENDOR_CACHE
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


@cache
def code_labels() -> dict[str, Any]:
    """Return the Chinese label of every code the workbench shows, from the ontology's schema."""
    taxonomy = yaml.safe_load((SCHEMA / "taxonomy.yaml").read_text("utf-8"))
    categories: dict[str, str] = {}
    for code, major in taxonomy["categories"].items():
        categories[code] = major["name"]
        for sub, label in major.get("subcategories", {}).items():
            categories[f"{code}.{sub}"] = f"{major['name']} / {label}"
    entities = yaml.safe_load((SCHEMA / "entities.yaml").read_text("utf-8"))
    return {
        "categories": categories,
        "departments": taxonomy.get("departments", {}),
        "sources": SOURCES,
        "statuses": STATUSES,
        "event_roles": EVENT_ROLES,
        "levels": LEVELS,
        "genders": GENDERS,
        "entities": {name: spec.get("label", name) for name, spec in entities.items()},
    }


def mount_workbench(app: FastAPI) -> None:
    """Serve the workbench at `/` and its files under /workbench, beside the API's own routes."""
    index = STATIC / "index.html"
    codes = json.dumps(code_labels(), ensure_ascii=False).encode("utf-8")

    @app.get("/", include_in_schema=False)
    def workbench() -> FileResponse:
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    @app.get(f"{WORKBENCH_PREFIX}/codes.json", include_in_schema=False)
    def labels() -> Response:
        return Response(codes, media_type="application/json", headers={"Cache-Control": "no-cache"})

    app.mount(WORKBENCH_PREFIX, _Static(directory=STATIC), name="workbench")
