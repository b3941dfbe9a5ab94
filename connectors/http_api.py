"""Incremental pulls from an HTTP JSON API: page-number or cursor paging, timeouts, and retries
with exponential backoff that honour Retry-After (tenacity does the retrying).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import httpx
import orjson
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from connectors.mapping import dig
from connectors.spec import HttpFetch, expand_variables
from ontology.errors import SourceError

_RETRY_STATUSES = {429, 500, 502, 503, 504}


class RetryableResponse(Exception):
    """A response worth retrying (429/5xx), with the wait the server asked for, if any."""

    def __init__(self, status: int, retry_after: float | None, url: str) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status
        self.retry_after = retry_after


@cache
def _tls_context() -> ssl.SSLContext:
    """Return the TLS context every reader's client shares: loading the CA bundle costs more than
    a small day's pull, so it happens once per process."""
    return httpx.create_ssl_context()


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: treat as a short wait rather than parse calendars
        return 1.0


class HttpApiReader:
    """Reads every record changed since a watermark from one HTTP endpoint."""

    def __init__(
        self,
        source: str,
        fetch: HttpFetch,
        variables: Mapping[str, str],
        client: httpx.Client | None = None,
    ) -> None:
        self.source = source
        self.fetch = fetch
        headers = {}
        credential = expand_variables(fetch.credential, variables)
        if credential:
            value = f"{fetch.auth_scheme} {credential}".strip()
            headers[fetch.auth_header] = value
        self.client = client or httpx.Client(
            base_url=expand_variables(fetch.base_url, variables),
            headers=headers,
            timeout=fetch.timeout_seconds,
            verify=_tls_context(),
        )
        backoff = wait_exponential_jitter(multiplier=0.2, max=fetch.max_backoff_seconds, jitter=0.2)

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            asked = error.retry_after if isinstance(error, RetryableResponse) else None
            return asked if asked is not None else backoff(state)

        self._request = retry(
            retry=retry_if_exception_type((RetryableResponse, httpx.TransportError)),
            wait=wait,
            stop=stop_after_attempt(fetch.max_attempts),
            reraise=True,
        )(self._request_once)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def _request_once(self, params: dict[str, Any]) -> Any:
        fetch = self.fetch
        if fetch.method == "GET":
            response = self.client.get(fetch.path, params=params)
        else:
            response = self.client.post(
                fetch.path, content=orjson.dumps(params), headers={"Content-Type": "application/json"}
            )
        if response.status_code in _RETRY_STATUSES:
            raise RetryableResponse(response.status_code, _retry_after_seconds(response), fetch.path)
        if response.status_code >= 400:
            raise SourceError(
                f"{self.source}: {fetch.method} {fetch.path} answered {response.status_code}: "
                f"{response.text[:200]}"
            )
        return orjson.loads(response.content)

    def request(self, params: dict[str, Any]) -> Any:
        """Return one decoded page, retrying transient failures; SourceError when they persist."""
        try:
            return self._request(params)
        except (RetryableResponse, httpx.TransportError) as error:
            raise SourceError(
                f"{self.source}: {self.fetch.path} still failing after "
                f"{self.fetch.max_attempts} attempts: {error}"
            ) from error

    def pages(self, since: str) -> Iterator[list[dict[str, Any]]]:
        """Yield the records changed after `since`, one page at a time."""
        paging = self.fetch.paging
        params: dict[str, Any] = {self.fetch.since_param: since, paging.size_param: paging.page_size}
        if paging.style == "page_number":
            page = 1
            while True:
                items = dig(self.request({**params, paging.page_param: page}), paging.items_path) or []
                if items:
                    yield items
                if len(items) < paging.page_size:
                    return
                page += 1
        else:
            cursor: str | None = None
            while True:
                query = {**params, paging.cursor_param: cursor} if cursor else params
                document = self.request(query)
                items = dig(document, paging.items_path) or []
                if items:
                    yield items
                cursor = dig(document, paging.next_cursor_path)
                has_more = dig(document, paging.has_more_path) if paging.has_more_path else bool(cursor)
                if not has_more or not cursor:
                    return
