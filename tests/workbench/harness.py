"""Driving the workbench in a real browser: the hub served in a thread, Debian's Chromium through
Playwright, every request checked to stay on the hub, console errors collected.

Shared by the end-to-end tests and `cityhub bench ui`.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from cityhub.access.policy import load_policy
from cityhub.access.users import UserStore
from cityhub.config import Settings
from simulators.services.runner import free_port

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1366, "height": 900}
#: One user per role the flows use: username -> (name, role, department, area). Password: password-<username>.
USERS = {
    "zhangming": ("张明", "police", "沙坪坝区公安分局", ""),
    "lina": ("李娜", "street_staff", "中梁镇街道办事处", "沙坪坝区"),
    "wangqiang": ("王强", "leader", "区委政法委", ""),
}


def password_of(username: str) -> str:
    return f"password-{username}"


def add_users(settings: Settings) -> None:
    """Give the hub home one user of each role in USERS (their passwords: `password_of`)."""
    store = UserStore(settings.home / "users.yaml", load_policy())
    for username, (name, role, department, area) in USERS.items():
        store.add(username, name, role, password_of(username), department, area)


def browser_available() -> bool:
    return shutil.which(CHROMIUM) is not None


@contextmanager
def served_hub(settings: Settings) -> Iterator[str]:
    """Serve the hub's app (API and workbench, one process) on a free port; yield its origin."""
    from api.app import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the hub on port {port} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """Yield a headless Chromium (Debian's, never a downloaded one) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    """What a page did that it must not: requests off the hub, console errors, uncaught exceptions."""

    origin: str
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0


def watched_page(browser: Any, origin: str) -> tuple[Any, Watch]:
    """Return a new page whose every request is checked against the hub's host (others are aborted)."""
    watch = Watch(origin)
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    hub = urlsplit(origin).netloc

    def route(intercepted: Any) -> None:
        watch.requests += 1
        url = intercepted.request.url
        if urlsplit(url).netloc == hub or url.startswith(("data:", "blob:")):
            intercepted.continue_()
        else:
            watch.foreign.append(url)
            intercepted.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda message: watch.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: watch.errors.append(f"uncaught: {error}"))
    return page, watch


def sign_in(page: Any, origin: str, username: str) -> None:
    """Open the workbench and sign in as `username`; returns once the search page shows."""
    page.goto(origin + "/")
    page.fill("[data-test=username]", username)
    page.fill("[data-test=password]", password_of(username))
    page.click("[data-test=sign-in]")
    page.wait_for_selector("[data-test=search-box]")


def state_purpose(page: Any, label: str = "办理案件") -> None:
    """Choose the purpose of look-ups in the header."""
    page.click(".purpose .el-select")
    page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()
