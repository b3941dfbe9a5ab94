"""The committed builds of api/workbench/build are what the hub serves: the app's script was built
from the app's current sources, and the page loads only files that exist (no module scripts, no CDN)."""

from __future__ import annotations

import hashlib
import re

from api.workbench import STATIC, index_page

REBUILD = "cd api/workbench/build && npm ci && npm run build"


def app_source_digest() -> str:
    """Return the digest build.mjs records: every .js file of static/app but early.js, by path."""
    app = STATIC / "app"
    digest = hashlib.sha256()
    files = sorted(p.relative_to(app).as_posix() for p in app.rglob("*.js") if p.name != "early.js")
    for name in files:
        digest.update(name.encode())
        digest.update((app / name).read_bytes())
    return digest.hexdigest()[:16]


def test_the_app_script_is_built_from_the_current_sources() -> None:
    first_line = (STATIC / "bundle" / "app.js").read_text("utf-8").splitlines()[0]
    built_from = first_line.rsplit(" ", 1)[-1]
    assert built_from == app_source_digest(), f"static/app changed since app.js was built: {REBUILD}"


def test_the_app_script_carries_no_template_to_compile_in_the_browser() -> None:
    script = (STATIC / "bundle" / "app.js").read_text("utf-8")
    assert "render:" in script
    assert not re.search(r"\btemplate:", script)


def test_the_page_loads_the_bundles_from_the_hub() -> None:
    page = index_page("/workbench/app-x", "/workbench/bundle-y").decode("utf-8")
    sources = re.findall(r'(?:src|href)="(/workbench/[^"]+)"', page)
    assert sources == [
        "/workbench/vendor/workbench-libs.css",
        "/workbench/app-x/style.css",
        "/workbench/vendor/workbench-libs.js",
        "/workbench/bundle-y/app.js",
    ]
    assert 'type="module"' not in page
    for source in sources:
        relative = re.sub(r"^/workbench/(app|bundle)-[a-z]+/", r"/workbench/\1/", source)
        assert (STATIC / relative.removeprefix("/workbench/")).is_file(), source
