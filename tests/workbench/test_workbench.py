"""The workbench end to end in headless Chromium: sign in, search a name with namesakes, open the
right person, follow a case, open its room, open the graph view, page through a dossier, sign out;
no console errors and no request leaving the hub. A screenshot of each page is saved."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from cityhub.access.reviews import DECISIONS_TABLE
from cityhub.warehouse import Warehouse
from proving.browser import USERS, sign_in, state_purpose, watched_page

pytestmark = pytest.mark.timeout(300)


def namesakes(warehouse: Warehouse) -> tuple[str, pd.DataFrame]:
    """Return a name two or more resolved people share, with birth years that differ, and those
    people (first those with a case at a room, then most events) — all in records the police role
    reads. `room_case` is one case of the person's at a room, `room` that room."""
    people = warehouse.read_table("resolved_people").dropna(subset=["birth_date"])
    mentions = warehouse.read_table("resolved_person_mentions")
    readable = set(mentions.loc[mentions["source"] != "petitions", "person_id"])
    people = people[people["person_id"].isin(readable)]
    people = people.assign(year=people["birth_date"].astype(str).str[:4])
    involved = warehouse.read_table("resolved_event_people")
    events = involved.groupby("person_id").size().rename("events")
    people = (
        people.join(events, on="person_id")
        .fillna({"events": 0})
        .join(_room_cases(warehouse, involved), on="person_id")
    )
    for name, group in people.groupby("name"):
        if group["year"].nunique() >= 2:
            ranked = group.assign(at_room=group["room_case"].notna())
            return str(name), ranked.sort_values(["at_room", "events"], ascending=False)
    pytest.skip("the small city has no namesakes with different birth years")


def _room_cases(warehouse: Warehouse, involved: pd.DataFrame) -> pd.DataFrame:
    """Return, per person, one case of theirs reported at a room (`room_case`) and that room (`room`)."""
    rooms = warehouse.read_table("resolved_places").query("level == 'room'")["place_id"]
    events = warehouse.read_table("resolved_events").dropna(subset=["case_id"])
    at_rooms = events[events["place_id"].isin(set(rooms))][["event_id", "case_id", "place_id"]]
    cases = involved.merge(at_rooms, on="event_id").groupby("person_id").first()
    return cases.rename(columns={"case_id": "room_case", "place_id": "room"})[["room_case", "room"]]


def _decisions(warehouse: Warehouse) -> int:
    """Return how many review decisions the signed-in police user has recorded."""
    if not sa.inspect(warehouse.engine).has_table(DECISIONS_TABLE.name):
        return 0  # created by the first decision
    query = sa.select(sa.func.count()).where(DECISIONS_TABLE.c.who == "zhangming")
    with warehouse.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def shoot(page: Any, folder: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.el-loading-mask')].every(mask => mask.offsetParent === null)"
    )
    if page.locator(".el-message").count():  # a passing notice would cover the menu
        page.locator(".el-message").last.wait_for(state="detached", timeout=10_000)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_the_officials_flow_stays_on_the_hub(browser, origin, workbench_hub, screenshots):
    page, watch = watched_page(browser, origin)
    try:
        _officials_flow(page, origin, Warehouse(workbench_hub.resolved_warehouse_url()), screenshots)
    except Exception:
        with contextlib.suppress(Exception):  # the page as it failed, if the browser still answers
            page.screenshot(path=str(screenshots / "failed.png"), full_page=True)
        raise
    assert watch.foreign == [], watch.foreign
    assert watch.errors == [], watch.errors
    assert watch.requests > 20


def _follow_a_case_to_its_room(page: Any, screenshots: Path, case_id: str, room: str) -> None:
    """From the person's timeline open the case reported at a room, and from the case that room."""
    page.locator(f"[data-test=case-link][href$='/cases/{case_id}']").first.click()
    page.wait_for_selector("[data-test=case-timeline] .el-timeline-item")
    page.wait_for_selector(f"[data-test=room-link][href$='/places/{room}']")
    shoot(page, screenshots, "04-case")
    page.locator(f"[data-test=room-link][href$='/places/{room}']").first.click()
    page.wait_for_selector("[data-test=breadcrumb]")
    assert "层级：房间" in page.inner_text("[data-test=place-head]")


def _officials_flow(page: Any, origin: str, warehouse: Warehouse, screenshots: Path) -> None:
    name, group = namesakes(warehouse)
    target = group.iloc[0]

    page.goto(origin + "/")
    page.wait_for_selector("[data-test=username]")
    shoot(page, screenshots, "01-sign-in")
    sign_in(page, origin, "zhangming")
    who = page.inner_text("[data-test=who]")
    assert USERS["zhangming"][0] in who and "公安民警" in who

    state_purpose(page)
    page.fill("[data-test=search-box]", name)
    page.click(".kind-tabs .el-tabs__item >> text=人员")
    titled = page.locator(".hit-title").get_by_text(name, exact=True)
    cards = page.locator("[data-test=hit][data-kind=person]").filter(has=titled)
    cards.nth(1).wait_for()
    page.wait_for_selector(f"[data-id='{target['person_id']}'] [data-test=birth-year]")
    years = {cards.nth(i).locator("[data-test=birth-year]").inner_text() for i in range(cards.count())}
    assert f"{target['year']}年生" in years and len(years) >= 2  # namesakes told apart
    assert page.locator("[data-test=no-exact]").count() == 0  # the name is matched exactly
    shoot(page, screenshots, "02-search")

    page.click(f"[data-id='{target['person_id']}'] [data-test=hit-link]")
    page.wait_for_selector("[data-test=person-name]")
    assert page.inner_text("[data-test=person-name]") == name
    page.wait_for_selector("[data-test=identities] .el-table__row")
    page.wait_for_selector(f"[data-test=case-link][href$='/cases/{target['room_case']}']")
    shoot(page, screenshots, "03-person")

    _follow_a_case_to_its_room(page, screenshots, str(target["room_case"]), str(target["room"]))
    crumbs = page.inner_text("[data-test=breadcrumb]")
    assert "区" in crumbs and "小区" in crumbs
    shoot(page, screenshots, "05-address")

    page.click("[data-test=open-graph]")
    canvas = page.locator("[data-test=graph-canvas]")
    page.wait_for_selector(".graph-page[data-ready]")
    page.wait_for_function("document.querySelector('[data-test=graph-canvas]').cy?.nodes().length > 1")
    before = canvas.evaluate("box => box.cy.nodes().length")
    canvas.evaluate(
        "box => box.cy.nodes().filter(n => !n.data('root') && n.data('label') === 'Event')[0].emit('tap')"
    )
    page.click("[data-test=graph-expand]")
    page.wait_for_function(f"document.querySelector('[data-test=graph-canvas]').cy.nodes().length > {before}")
    shoot(page, screenshots, "06-graph")
    drawn_kinds = canvas.evaluate("box => [...new Set(box.cy.nodes().map(n => n.data('label')))]")
    legend = page.locator("[data-test=graph-legend-item]").all_inner_texts()
    assert {"人员", "地点", "案件", "事件", "网格"} <= {text.strip() for text in legend}
    assert len(legend) >= len(drawn_kinds)  # every kind drawn has its colour explained
    canvas.evaluate("box => box.cy.nodes().filter(n => n.data('root'))[0].emit('tap')")
    page.click("[data-test=graph-open]")  # click through to the root's page: the room again
    page.wait_for_selector("[data-test=breadcrumb]")

    estate = page.locator("[data-test=breadcrumb] a", has_text="小区")
    if estate.count():  # the root is a room (or a building): up to its estate
        estate.click()
    page.wait_for_selector("[data-test=residents] .el-table__row")
    first_page = page.locator("[data-test=residents] .el-table__row").first.inner_text()
    page.click("[data-test=pager-residents] .btn-next")
    page.wait_for_function(
        "first => document.querySelector('[data-test=residents] .el-table__row')?.innerText !== first",
        arg=first_page,
    )
    assert "2" in page.locator("[data-test=pager-residents] .number.is-active").inner_text()
    shoot(page, screenshots, "07-address-paged")

    page.click(".nav >> text=升级案件")
    page.wait_for_selector("[data-test=escalations] .el-table__row")
    page.wait_for_function("document.querySelector('[data-test=esc-chart] canvas')?.width > 0")
    shoot(page, screenshots, "08-escalating")

    page.click("[data-test=sign-out]")
    page.wait_for_selector("[data-test=username]")


def test_police_decide_whether_a_record_is_the_person(browser, origin, workbench_hub, screenshots):
    warehouse = Warehouse(workbench_hub.resolved_warehouse_url())
    mentions = warehouse.read_table("resolved_person_mentions")
    readable = mentions.groupby("person_id")["source"].agg(lambda sources: "petitions" not in set(sources))
    records = mentions.groupby("person_id").size()[readable]
    several, alone = records[records >= 2].index[0], records[records == 1].index[0]
    page, watch = watched_page(browser, origin)
    sign_in(page, origin, "zhangming")
    state_purpose(page)

    page.goto(f"{origin}/#/people/{several}")
    page.wait_for_selector("[data-test=reason]")
    shoot(page, screenshots, "03b-person-decide")
    decided = _decisions(warehouse)
    page.locator("[data-test=decide-same]:visible").first.click()
    page.locator("[data-test=decide-confirm]:visible").click()
    page.wait_for_selector("[data-test=identities] >> text=已确认同一人")
    assert _decisions(warehouse) > decided  # written through the API, for the next fusion run

    page.goto(f"{origin}/#/people/{alone}")
    page.wait_for_selector("[data-test=decide-alone]")  # one record: nothing to be the same as
    assert page.locator("[data-test=decide-same]").count() == 0
    assert watch.foreign == [] and watch.errors == [], (watch.foreign, watch.errors)


def test_street_staff_see_their_role_masked_ids_and_no_decisions(browser, origin, workbench_hub, screenshots):
    warehouse = Warehouse(workbench_hub.resolved_warehouse_url())
    mentions = warehouse.read_table("resolved_person_mentions")
    people = warehouse.read_table("resolved_people").dropna(subset=["id_number"])
    grid_only = set(mentions.groupby("person_id")["source"].agg(set).loc[lambda s: s == {"grid"}].index)
    person = people[people["person_id"].isin(grid_only)].iloc[0]
    page, watch = watched_page(browser, origin)

    sign_in(page, origin, "lina")
    who = page.inner_text("[data-test=who]")
    assert USERS["lina"][0] in who and "街道网格员" in who
    page.fill("[data-test=search-box]", f"{person['name']}某某")
    page.wait_for_selector("[data-test=no-exact], [data-test=no-hits]")
    assert "没有完全匹配" in page.inner_text(".search-page")

    page.goto(f"{origin}/#/people/{person['person_id']}")
    page.click("[data-test=gate-purpose]")  # no purpose stated yet: the page asks for one
    page.locator(".el-select-dropdown__item:visible", has_text="网格巡查核实").click()
    page.click("[data-test=gate-go]")
    page.wait_for_selector("[data-test=reason]")
    head = page.inner_text("[data-test=person-head]")
    assert person["id_number"] not in head and "*" in head
    assert page.locator("[data-test=decide-same]").count() == 0  # street staff may not decide
    shoot(page, screenshots, "09-person-street-staff")
    assert watch.foreign == [] and watch.errors == [], (watch.foreign, watch.errors)
