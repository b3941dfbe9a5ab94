"""The demo's example requests as lines a reader can paste into a shell."""

from __future__ import annotations

#: An example request: method, path, query, JSON body (None: no body).
Request = tuple[str, str, dict[str, str], dict[str, object] | None]


def curl_line(base: str, request: Request, key: str) -> str:
    """Return a curl command for `request` that works pasted into a shell (query values URL-encoded)."""
    import json
    import shlex

    method, path, query, body = request
    parts = ["curl", "-s"]
    if method == "GET":
        parts.append("-G")
        for name, value in query.items():
            parts += ["--data-urlencode", shlex.quote(f"{name}={value}")]
    else:
        parts += ["-X", method]
    parts += ["-H", shlex.quote(f"X-API-Key: {key}")]
    url = base + path
    if body is not None:
        parts += [
            "-H",
            "'Content-Type: application/json'",
            "-d",
            shlex.quote(json.dumps(body, ensure_ascii=False)),
        ]
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query)
    return " ".join([*parts, shlex.quote(url)])
