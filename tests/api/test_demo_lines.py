"""Every curl line the demo prints works pasted into a shell, against a real server."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time

import pytest
import uvicorn

from api.app import create_app
from proving.demo import create_demo_users, example_requests, sign_in_line
from proving.demo_lines import curl_line


@pytest.fixture(scope="module")
def base(hub):
    create_demo_users(hub)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(hub), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_every_printed_curl_line_answers_200_json_in_a_shell(base, hub):
    from proving.demo import DEMO_KEY

    lines = [sign_in_line(base)] + [curl_line(base, r, DEMO_KEY) for r in example_requests(hub)]
    for line in lines:
        done = subprocess.run(
            ["bash", "-c", line + " -w '\\n%{http_code}'"], capture_output=True, text=True, timeout=60
        )
        body, _, status = done.stdout.rpartition("\n")
        assert status == "200", (line, done.stdout[:300])
        json.loads(body)
    assert "--data-urlencode" in lines[1]
