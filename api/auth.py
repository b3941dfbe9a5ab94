"""Sign-in: `POST /auth/login` gives a bearer token, `/auth/me` says who it is, `/auth/logout` ends it.

People sign in with a username and password and send `Authorization: Bearer <token>`; machine
clients send `X-API-Key: <key>`, each key belonging to a user. Both are declared in OpenAPI.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from api.context import Caller, Hub, hub_of
from api.errors import ERROR_RESPONSES, Unauthorised
from cityhub.access.limits import RateLimited

__all__ = ["CallerDep", "UserOut", "current_caller", "router"]

bearer = HTTPBearer(auto_error=False, description="A token from POST /auth/login")
api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="A machine client's key")
MAX_CREDENTIAL = 256


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserOut(BaseModel):
    """The signed-in user as clients see them."""

    username: str
    name: str
    role: str
    role_label: str
    department: str
    area: str


class LoginOut(BaseModel):
    token: str
    expires_at: float
    user: UserOut


class LogoutOut(BaseModel):
    signed_out: bool


def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    key: Annotated[str | None, Depends(api_key)],
) -> Caller:
    """Return the caller a bearer token or an API key names; raise Unauthorised otherwise."""
    hub = hub_of(request)
    caller = _from_token(hub, credentials.credentials) if credentials else None
    if caller is None and key and len(key) <= MAX_CREDENTIAL:
        user = hub.users.by_api_key(key)
        caller = hub.caller(user, "api_key") if user else None
    if caller is None:
        raise Unauthorised("sign in (POST /auth/login, then Authorization: Bearer <token>) or send X-API-Key")
    request.state.caller = caller
    hub.limits.hit("requests", caller.user.username)
    return caller


def _from_token(hub: Hub, token: str) -> Caller | None:
    session = hub.sessions.get(token) if len(token) <= MAX_CREDENTIAL else None
    user = hub.users.get(session.username) if session else None
    return hub.caller(user, "bearer") if user else None


CallerDep = Annotated[Caller, Depends(current_caller)]


def user_out(hub: Hub, caller: Caller) -> UserOut:
    """Return the public view of the caller's user."""
    return UserOut(**caller.user.public(caller.scope.role.label))


router = APIRouter(prefix="/auth", tags=["sign-in"], responses=ERROR_RESPONSES)


@router.post("/login", summary="Sign in with a username and password; returns a bearer token")
def login(request: Request, body: LoginBody) -> LoginOut:
    """Return a bearer token, its expiry and the user for a right username and password; failed sign-ins are
    counted per user and per address and refused past the limit."""
    hub = hub_of(request)
    client = request.client.host if request.client else "-"
    for who in (f"user:{body.username}", f"addr:{client}"):
        if hub.limits.spent("failed_logins", who):
            raise RateLimited("too many failed sign-ins; try again later")
    user = hub.users.authenticate(body.username, body.password)
    if user is None:
        for who in (f"user:{body.username}", f"addr:{client}"):
            hub.limits.note("failed_logins", who)
        raise Unauthorised("wrong username or password")
    token, session = hub.sessions.open(user.username)
    caller = hub.caller(user, "bearer")
    request.state.caller = caller
    return LoginOut(token=token, expires_at=session.expires_at, user=user_out(hub, caller))


@router.post("/logout", summary="End the session of the bearer token sent")
def logout(
    request: Request,
    caller: CallerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> LogoutOut:
    """End the session of the bearer token sent and return whether one was open."""
    closed = hub_of(request).sessions.close(credentials.credentials) if credentials else False
    return LogoutOut(signed_out=closed)


@router.get("/me", summary="Who the caller is: name, role (with its label), department, area")
def me(request: Request, caller: CallerDep) -> UserOut:
    """Return the signed-in caller's user: username, name, role and its label, department and area."""
    return user_out(hub_of(request), caller)
