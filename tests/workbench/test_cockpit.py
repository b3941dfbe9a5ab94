"""The cockpit in headless Chromium for a district centre and a leader: its charts are drawn, the
latest alerts listed, every panel says when its numbers are as of, empty rates read "暂无数据"
(never NaN), people hot spots only once a purpose is stated; no console errors, nothing off the hub."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cityhub.warehouse import Warehouse
from proving.browser import sign_in, state_purpose, watched_page
from tests.workbench.test_workbench import shoot

pytestmark = pytest.mark.timeout(300)
CHARTS = ("chart-intake", "chart-departments", "chart-trend")


def busiest_day(warehouse: Warehouse) -> str:
    """Return the day with the most 12345 and grid events (both roles below read them)."""
    events = warehouse.read_table("resolved_events")
    events = events[events["source"].isin(["hotline", "grid"])]
    return str(events["occurred_at"].astype(str).str[:10].value_counts().idxmax())


def drawn(page: Any, chart: str) -> bool:
    """Whether the chart's canvas has a size and something painted on it."""
    return bool(
        page.evaluate(
            """name => {
              const canvas = document.querySelector(`[data-test=${name}] canvas`);
              if (!canvas || !canvas.width || !canvas.height) return false;
              const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
              return false;
            }""",
            chart,
        )
    )


def open_cockpit(page: Any, origin: str, day: str) -> None:
    page.click(".nav >> text=指挥驾驶舱")
    page.wait_for_selector(".cockpit-page[data-ready]")
    page.goto(f"{origin}/#/cockpit?day={day}")
    page.wait_for_selector(f".cockpit-page[data-day='{day}']")


def check_panels(page: Any, charts: tuple[str, ...]) -> None:
    for chart in charts:
        page.wait_for_function(f"document.querySelector('[data-test={chart}] canvas')?.width > 0")
        assert drawn(page, chart), chart
    stamps = page.locator("[data-test=as-of]").all_inner_texts()
    assert len(stamps) == 6 and all("数据截至 20" in s for s in stamps), stamps
    text = page.inner_text(".cockpit-page")
    assert "NaN" not in text and "undefined" not in text
    rates = page.locator("[data-test=rates]").inner_text()
    if page.locator("[data-test=no-handling]").count():  # no handling columns yet: no rate is a number
        assert "%" not in rates and "暂无数据" in rates, rates
    assert "办结率" in rates and ("%" in rates or "暂无数据" in rates)
    assert page.locator("[data-test=alerts] .el-table__row").count() > 0
    kinds = page.locator("[data-test=alerts] .el-tag").all_inner_texts()
    assert kinds and all(not k.isascii() for k in kinds), kinds  # every kind in Chinese
    titles = page.inner_text("[data-test=alerts]")
    assert not re.search(r"[a-z_]+\.[a-z_]+", titles), titles  # no category code left in a title


def test_the_cockpit_for_a_district_centre_and_a_leader(browser, origin, workbench_hub, screenshots):
    day = busiest_day(Warehouse(workbench_hub.resolved_warehouse_url()))
    page, watch = watched_page(browser, origin)
    try:
        sign_in(page, origin, "zhaoli")
        open_cockpit(page, origin, day)
        check_panels(page, ("chart-departments", "chart-trend"))
        assert page.locator("[data-test=people-need-purpose]").count() == 1  # no purpose stated yet
        assert page.locator("[data-test=hot-people]").count() == 0
        page.click("[data-test=sign-out]")
        page.wait_for_selector("[data-test=username]")

        sign_in(page, origin, "wangqiang")
        state_purpose(page, "督查督办")
        open_cockpit(page, origin, day)
        check_panels(page, CHARTS)
        assert page.locator("[data-test=people-need-purpose]").count() == 0
        page.wait_for_selector("[data-test=hot-people] .el-table__row, [data-test=panel-hotspots] .el-empty")
        sources = page.inner_text("[data-test=intake-sources]")
        assert "12345热线" in sources or "网格化管理平台" in sources
        shoot(page, screenshots, "12-cockpit")
    except Exception:
        page.screenshot(path=str(screenshots / "failed-cockpit.png"), full_page=True)
        raise
    assert watch.foreign == [], watch.foreign
    assert watch.errors == [], watch.errors


def test_the_auditor_sees_plain_notes_not_errors(browser, origin, workbench_hub):
    page, watch = watched_page(browser, origin)
    sign_in(page, origin, "sunhui")
    page.goto(f"{origin}/#/cockpit")
    page.wait_for_selector(".cockpit-page[data-ready]")
    notes = page.locator("[data-test=not-for-role]").all_inner_texts()
    assert len(notes) == 7 and all("审计员" in n and "无权查看" in n for n in notes), notes
    assert page.locator(".panel-note.failed").count() == 0
    assert watch.foreign == []
    assert [e for e in watch.errors if "403" not in e] == [], watch.errors
