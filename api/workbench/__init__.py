"""The officials' workbench: a Chinese web UI served by the hub itself, at `/`.

Everything it loads comes from the hub, never a CDN, and nothing is built at run time: the page, the
app's script and the vendored libraries under `static/vendor`. Vue 3's runtime, Vue Router and the
Element Plus components the app uses (with only their CSS) are one bundle, `workbench-libs.js/.css`;
the app's modules (`static/app`) are one script, `static/bundle/app.js`, their templates compiled to
render functions. Both are built at development time by `api/workbench/build` (esbuild, npm; see its
README) and committed; a test fails when `static/app` changed and `app.js` was not rebuilt. ECharts
and Cytoscape.js are their prebuilt npm dist files, loaded by the pages that need them.

The UI reads only the public API, signed in like any other client; the one thing it gets beside the
API is the Chinese labels of the ontology's codes (categories, departments, statuses, levels), built
from ontology/schema at start and written into the page.

The page's head carries one small script inlined (`static/app/early.js`): it sends the opened page's
first API requests while the libraries load, the very requests the page then makes (api.js takes
each answer once), so a page loaded afresh waits for the hub and for its scripts side by side.

The app's script and stylesheet are served under paths named by a digest of their contents
(`/workbench/bundle-<digest>/`, `/workbench/app-<digest>/`), so browsers keep them, and the vendored
files, for a week without asking again, and a new version of the workbench is a new path. All of them
are read into memory and gzipped once at start (`files.py`).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

from api.workbench.files import KeptFiles

__all__ = ["STATIC", "WORKBENCH_PREFIX", "app_digest", "code_labels", "index_page", "mount_workbench"]

STATIC = Path(__file__).with_name("static")
WORKBENCH_PREFIX = "/workbench"
#: The script inlined at the top of the page that sends the opened page's first requests (not a module).
EARLY = "early.js"

#: Chinese for the codes the schema lists without a label (statuses, roles in an event, place levels).
STATUSES = {
    "received": "已受理",
    "dispatched": "已派单",
    "in_progress": "处理中",
    "resolved": "已办结",
    "closed": "已关闭",
    "withdrawn": "已撤回",
}
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
#: Chinese for the kinds and states of the hub's alerts (`cityhub.alerts.detect`).
ALERT_KINDS = {
    "escalating": "升级案件",
    "overdue": "办理超期",
    "due_soon": "即将到期",
    "recurring_place": "地点反复发生",
    "recurring_person": "人员反复诉求",
    "spike": "事件激增",
}
ALERT_STATUSES = {"active": "生效中", "cleared": "已解除"}


def app_digest(folder: Path) -> str:
    """Return a short digest of every file under `folder` (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def index_page(app_path: str, bundle_path: str) -> bytes:
    """Return the workbench's page: its stylesheet at `app_path`, its script at `bundle_path`, the code
    labels inline."""
    app = STATIC / "app"
    early = (app / EARLY).read_text("utf-8").replace("</", "<\\/")
    codes = json.dumps(code_labels(), ensure_ascii=False).replace("</", "<\\/")
    html = (STATIC / "index.html").read_text("utf-8")
    html = html.replace("/workbench/app/", f"{app_path}/")
    html = html.replace("/workbench/bundle/", f"{bundle_path}/")
    html = html.replace("<!-- early -->", f"<script>{early}</script>")
    html = html.replace("<!-- codes -->", f"<script>window.cityhubCodes = {codes};</script>")
    return html.encode("utf-8")


@cache
def code_labels() -> dict[str, Any]:
    """Return the Chinese label of every code the workbench shows: the ontology's categories,
    departments and entity types, the API's source labels (as `GET /labels`), statuses and levels."""
    from api.routes_admin import SOURCE_LABELS
    from ontology.model import load_ontology

    ontology = load_ontology()
    categories: dict[str, str] = {}
    for code, category in ontology.taxonomy.categories.items():
        categories[code] = f"{category.major_name}/{category.name}"
        categories.setdefault(category.major_code, category.major_name)
    return {
        "categories": categories,
        "departments": ontology.taxonomy.departments,
        "sources": SOURCE_LABELS,
        "statuses": STATUSES,
        "event_roles": EVENT_ROLES,
        "levels": LEVELS,
        "genders": GENDERS,
        "alert_kinds": ALERT_KINDS,
        "alert_statuses": ALERT_STATUSES,
        "entities": {name: entity.label for name, entity in ontology.entities.items()},
    }


def mount_workbench(app: FastAPI) -> None:
    """Serve the workbench at `/` and its files under /workbench, beside the API's own routes."""
    app_path = f"{WORKBENCH_PREFIX}/app-{app_digest(STATIC / 'app')}"
    bundle_path = f"{WORKBENCH_PREFIX}/bundle-{app_digest(STATIC / 'bundle')}"
    page = index_page(app_path, bundle_path)

    @app.get("/", include_in_schema=False)
    def workbench() -> Response:
        return Response(page, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    app.mount(app_path, KeptFiles(STATIC / "app"), name="workbench-app")
    app.mount(bundle_path, KeptFiles(STATIC / "bundle"), name="workbench-bundle")
    app.mount(f"{WORKBENCH_PREFIX}/vendor", KeptFiles(STATIC / "vendor"), name="workbench-vendor")
