"""The workbench's files: served from memory, gzipped for a browser that accepts it, kept a week."""

from __future__ import annotations

from api.workbench import STATIC


def test_a_vendored_file_comes_gzipped_and_whole_and_is_kept_a_week(client):
    path = "/workbench/vendor/echarts-charts.js"
    answer = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["content-encoding"] == "gzip"
    assert answer.content == (STATIC / "vendor" / "echarts-charts.js").read_bytes()  # decoded by the client
    assert int(answer.headers["content-length"]) < len(answer.content) // 2
    assert "immutable" in answer.headers["cache-control"] and answer.headers["vary"] == "Accept-Encoding"
    assert answer.headers["content-type"].startswith("text/javascript")
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == answer.content
    again = client.get(path, headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    head = client.head(path, headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(plain.content)


def test_a_file_not_there_is_404_and_only_reading_is_allowed(client):
    assert client.get("/workbench/vendor/nothing.js").status_code == 404
    assert client.get("/workbench/vendor/../../app.py").status_code == 404
    assert client.post("/workbench/vendor/echarts-charts.js", content=b"").status_code == 405
