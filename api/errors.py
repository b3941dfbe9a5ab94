"""One error shape for every failure: `{"error": message}` with the status the failure carries.

Validation errors (422) name the field and what was wrong without echoing the value sent back,
which may be huge or hold an identifier; anything unexpected is a 500 with a fixed message, its
details only in the server log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from ontology.errors import CityhubError

__all__ = ["ERROR_RESPONSES", "ErrorBody", "Unauthorised", "error_response", "install_error_handlers"]

log = logging.getLogger("cityhub.api")


class ErrorBody(BaseModel):
    """Every error the API answers: one line saying what went wrong."""

    error: str


class Unauthorised(CityhubError):
    """No credentials, or credentials the hub does not know."""

    http_status = 401


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "not signed in"),
        (403, "not allowed for this role"),
        (404, "not known"),
        (422, "bad input"),
        (429, "too many requests"),
    )
}


def error_response(status: int, message: str) -> JSONResponse:
    """Return the JSON error answer."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {str(item.get('msg', 'invalid'))[:120]}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to `{"error": ...}`: cityhub errors, HTTP errors, validation, the unexpected."""

    @app.exception_handler(CityhubError)
    async def _cityhub(_request: Request, error: CityhubError) -> JSONResponse:
        status = 422 if error.http_status == 400 else error.http_status
        return error_response(status, str(error)[:500])

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, error: HTTPException) -> JSONResponse:
        return error_response(error.status_code, str(error.detail)[:500])

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(422, _validation_message(error))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s: %s", request.method, request.url.path, type(error).__name__)
        return error_response(500, "internal error; the request was logged")
