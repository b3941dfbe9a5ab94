"""The audit log: every request recorded (allowed or refused), bounded, no identifiers, tamper-evident."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from cityhub.access.audit import AuditLog, verify_log
from cityhub.cli import app as cli


def _lines(hub) -> list[dict]:
    return [json.loads(line) for line in (hub.home / "audit.jsonl").read_text("utf-8").splitlines()]


def test_refused_and_unknown_requests_are_recorded_with_status_user_and_client(client, headers, hub):
    before = len(_lines(hub))
    client.get("/search", params={"q": "张"})  # 401
    client.get("/audit", headers=headers["leader"])  # 403
    client.get("/people/P-x", headers=headers["police"])  # 422: no purpose
    client.get("/no/such/route", headers=headers["police"])  # 404
    client.get("/search", params={"q": "张伟"}, headers=headers["police"])  # 200
    new = _lines(hub)[before:]
    assert [line["status"] for line in new] == [401, 403, 422, 404, 200]
    assert new[1]["user"] == "leader" and new[1]["role"] == "leader" and new[1]["client"]
    assert new[-1]["entities"] or new[-1]["status"] == 200


def test_purpose_and_returned_entities_are_recorded(client, headers, hub, warehouse):
    person_id = warehouse.read_table("resolved_people")["person_id"].iloc[0]
    client.get(f"/people/{person_id}", params={"purpose": "dispute_mediation"}, headers=headers["police"])
    line = _lines(hub)[-1]
    assert line["purpose"] == "dispute_mediation" and person_id in line["entities"]


def test_identifiers_never_reach_the_log_and_lines_are_bounded(client, headers, hub):
    secret_id, secret_phone = "500106198503070016", "13812345678"
    client.get(f"/people/{secret_id}", params={"purpose": "case_handling"}, headers=headers["police"])
    client.get("/search", params={"q": f"{secret_id} {secret_phone}"}, headers=headers["police"])
    client.get("/" + "a" * 3000 + secret_phone, headers=headers["police"])
    client.post(
        "/match",
        params={"purpose": "case_handling"},
        json={"name": "x", "phone": secret_phone},
        headers=headers["police"],
    )
    text = (hub.home / "audit.jsonl").read_text("utf-8")
    assert secret_id not in text and secret_phone not in text
    assert max(len(line.encode()) for line in text.splitlines()) <= 4096


@pytest.mark.parametrize("tamper", ["alter", "remove", "insert", "truncate", "swap"])
def test_tampering_with_any_one_line_is_detected(tmp_path, tamper):
    log = AuditLog(tmp_path / "audit.jsonl")
    for n in range(20):
        log.record(status=200, user=f"u{n}", route="/search")
    assert verify_log(log.path) == (20, None)
    for index in range(20):
        copy = tmp_path / f"copy-{index}" / "audit.jsonl"
        copy.parent.mkdir()
        shutil.copy(log.path, copy)
        shutil.copy(log.head, copy.with_name("audit.jsonl.head"))
        lines = copy.read_text("utf-8").splitlines()
        if tamper == "alter":
            lines[index] = lines[index].replace(f'"u{index}"', '"someone-else"')
        elif tamper == "remove":
            del lines[index]
        elif tamper == "insert":
            lines.insert(index, lines[index])
        elif tamper == "truncate":
            lines = lines[:index]
        else:
            other = (index + 1) % 20
            lines[index], lines[other] = lines[other], lines[index]
        copy.write_text("".join(line + "\n" for line in lines), "utf-8")
        assert verify_log(copy)[1] is not None, (tamper, index)


def test_cityhub_audit_verify_exits_non_zero_on_a_changed_line(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    for n in range(3):
        log.record(status=200, user=f"u{n}")
    runner = CliRunner()
    assert runner.invoke(cli, ["audit", "verify", "--home", str(tmp_path)]).exit_code == 0
    text = log.path.read_text("utf-8").replace('"u1"', '"u9"')
    log.path.write_text(text, "utf-8")
    result = runner.invoke(cli, ["audit", "verify", "--home", str(tmp_path)])
    assert result.exit_code == 1 and "line 2" in result.output
