"""Driving the workbench in a real browser: the hub served in a thread, Debian's Chromium through
Playwright, every request checked to stay on the hub, console errors collected.

Shared by the end-to-end tests (tests/workbench) and `cityhub bench ui`; the proving ground never
imports the tests.
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
    "zhaoli": ("赵丽", "district_centre", "沙坪坝区城市运行管理指挥中心", "沙坪坝区"),
    "sunhui": ("孙慧", "auditor", "区审计局", ""),
}


def password_of(username: str) -> str:
    """Return the password the proving ground gives `username`."""
    return f"password-{username}"


def add_users(settings: Settings) -> None:
    """Give the hub home one user of each role in USERS (their passwords: `password_of`)."""
    store = UserStore(settings.home / "users.yaml", load_policy())
    for username, (name, role, department, area) in USERS.items():
        store.add(username, name, role, password_of(username), department, area)


def browser_available() -> bool:
    """Tell whether Debian's Chromium is installed."""
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


def warm_search(origin: str, username: str = "zhangming", seconds: float = 120.0) -> None:
    """Search once and wait until searches answer: the hub's first Han-character search loads the
    national gazetteer (about 12 s here), longer than the API lets one request run."""
    import httpx

    token = httpx.post(
        f"{origin}/auth/login", json={"username": username, "password": password_of(username)}, timeout=30
    ).json()["token"]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = httpx.get(
            f"{origin}/search",
            params={"q": "沙坪坝"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        if answer.status_code == 200:
            return
        time.sleep(1)
    raise RuntimeError(f"search at {origin} did not answer within {seconds:.0f} s")


@contextmanager
def chromium() -> Iterator[Any]:
    """Yield a headless Chromium (Debian's, never a downloaded one) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Software rendering only: a headless renderer that tries the GPU path on a machine without
        # one has crashed now and then under load.
        flags = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
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


def watched_page(browser: Any, origin: str, intercept: bool = True) -> tuple[Any, Watch]:
    """Return a new page whose every request is checked against the hub's host.

    Intercepting aborts the others before they leave, but turns the browser's HTTP cache off;
    `intercept=False` only records them (for timing pages as a returning user loads them).
    """
    watch = Watch(origin)
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    hub = urlsplit(origin).netloc

    def on_hub(url: str) -> bool:
        return urlsplit(url).netloc == hub or url.startswith(("data:", "blob:", "about:"))

    def route(intercepted: Any) -> None:
        url = intercepted.request.url
        if on_hub(url):
            intercepted.continue_()
        else:
            intercepted.abort()

    def seen(request: Any) -> None:
        watch.requests += 1
        if not on_hub(request.url):
            watch.foreign.append(request.url)

    if intercept:
        context.route("**/*", route)
    context.on("request", seen)
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
