"""Handling through the API: the case view's handling and status timeline, labels, a grid's workload."""

from __future__ import annotations

from tests.api.test_permissions import READS


def _case_with_history(warehouse, sources=("hotline", "grid")):
    events = warehouse.read_table("resolved_events")
    cases = warehouse.read_table("resolved_cases")
    per_case = events.groupby("case_id")["source"].agg(set)
    allowed = per_case[per_case.map(lambda s: s <= set(sources))].index
    closed = cases[cases["case_id"].isin(allowed) & (cases["status"] == "closed")]
    return closed.sort_values("case_id").iloc[0], events[events["case_id"] == closed["case_id"].iloc[0]]


def test_the_case_view_shows_handling_with_chinese_labels_and_the_status_timeline(client, headers, warehouse):
    case, events = _case_with_history(warehouse)
    view = client.get(f"/cases/{case['case_id']}", headers=headers["street_staff"]).json()
    shown = view["case"]
    assert shown["status"] == "closed" and shown["status_label"] == "已办结"
    assert shown["responsible_department"] == case["responsible_department"]
    assert shown["responsible_department_label"].endswith(("局", "委员会", "）"))
    assert (
        shown["due_at"] == case["due_at"].isoformat() and shown["closed_at"] == case["closed_at"].isoformat()
    )
    assert isinstance(shown["on_time"], bool) and shown["overdue"] is (not shown["on_time"])
    history = warehouse.read_table("record_status_history")
    mine = history.merge(events[["source", "record_id"]], on=["source", "record_id"])
    timeline = view["status_timeline"]
    assert len(timeline) == len(mine) >= 1
    assert [t["at"] for t in timeline] == sorted(t["at"] for t in timeline)
    assert {t["source"] for t in timeline} == set(events["source"])
    assert all(t["status_label"] for t in timeline)
    rows = client.get(f"/cases/{case['case_id']}/timeline", headers=headers["street_staff"]).json()["items"]
    assert all("handling_hours" in r and "closed_at" in r for r in rows)


def test_labels_name_departments_statuses_and_satisfaction(client):
    labels = client.get("/labels").json()
    assert labels["departments"]["justice"] == "司法局（人民调解）"
    assert labels["statuses"]["in_progress"] == "办理中"
    assert labels["satisfaction"] == {
        "satisfied": "满意",
        "basically_satisfied": "基本满意",
        "unsatisfied": "不满意",
    }


def test_a_grid_shows_its_workload_and_only_the_cases_each_role_may_read(client, headers, warehouse):
    grids = warehouse.read_table("resolved_grids")
    assert len(grids), "the small city has grid codes"
    grid_id = grids["grid_id"].iloc[0]
    events = warehouse.read_table("resolved_events")
    per_case = events.groupby("case_id")["source"].agg(set)
    for role, readable in READS.items():
        answer = client.get(f"/grids/{grid_id}", headers=headers[role])
        if role == "auditor":
            assert answer.status_code == 403
            continue
        view = answer.json()
        work = view["workload"]
        assert view["grid"]["grid_id"] == grid_id and view["places"] > 0
        assert work["cases_opened"] == len(view["cases"]) == work["cases_open"] + work["cases_closed"]
        assert work["cases_overdue"] == sum(bool(c["overdue"]) for c in view["cases"])
        assert all(per_case[c["case_id"]] <= readable for c in view["cases"])
    leader = client.get(f"/grids/{grid_id}", headers=headers["leader"]).json()["workload"]
    assert leader["cases_opened"] > 0
    assert client.get("/grids/500106999999-G01", headers=headers["leader"]).status_code == 404
