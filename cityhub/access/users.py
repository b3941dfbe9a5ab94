"""Users of the hub: who they are, their role, department and area, and how they prove it.

Users live in one YAML file (`CITYHUB_USERS_FILE`, default `<home>/users.yaml`); passwords are
stored only as Argon2id hashes (argon2-cffi), API keys of machine clients only as SHA-256 digests
(a key is 32 random bytes, so a fast digest is enough). Each API key belongs to a user, whose role
and area it reads with.

    users:
      - username: wangfang
        name: 王芳
        role: street_staff
        department: 覃家岗街道办事处
        area: 沙坪坝区
        password_hash: $argon2id$v=19$...
        api_key_sha256: [3f1c...]
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cityhub.access.policy import Policy
from ontology.errors import BadInput

__all__ = ["User", "UserStore", "key_digest", "users_file"]

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a password")  # verified against when the user is unknown, to take as long
_WRITE_LOCK = threading.Lock()


def users_file(home: Path) -> Path:
    """Return the users file: CITYHUB_USERS_FILE, or users.yaml in the hub's home."""
    named = os.environ.get("CITYHUB_USERS_FILE")
    return Path(named) if named else home / "users.yaml"


def key_digest(key: str) -> str:
    """Return the stored form of an API key."""
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in: username, display name, role, department and (for some roles) area."""

    username: str
    name: str
    role: str
    department: str = ""
    area: str = ""
    password_hash: str = ""
    api_key_sha256: list[str] = field(default_factory=list)

    def public(self, role_label: str) -> dict[str, str]:
        """Return what a client may know of the user (never the hashes)."""
        return {
            "username": self.username,
            "name": self.name,
            "role": self.role,
            "role_label": role_label,
            "department": self.department,
            "area": self.area,
        }


class UserStore:
    """The users file, read on each lookup that finds it changed."""

    def __init__(self, path: Path, policy: Policy) -> None:
        self.path = path
        self.policy = policy
        self._stamp: tuple[int, int] | None = None
        self._users: dict[str, User] = {}

    def all(self) -> list[User]:
        """Return every user, by username."""
        self._refresh()
        return sorted(self._users.values(), key=lambda user: user.username)

    def get(self, username: str) -> User | None:
        """Return the user called `username`, or None."""
        self._refresh()
        return self._users.get(username)

    def authenticate(self, username: str, password: str) -> User | None:
        """Return the user when the password is theirs, else None (in about the same time either way)."""
        user = self.get(username)
        try:
            _HASHER.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        return user if user and user.password_hash else None

    def by_api_key(self, key: str) -> User | None:
        """Return the user an API key belongs to, or None."""
        digest = key_digest(key)
        for user in self.all():
            if any(hmac.compare_digest(digest, known) for known in user.api_key_sha256):
                return user
        return None

    def add(
        self, username: str, name: str, role: str, password: str, department: str = "", area: str = ""
    ) -> User:
        """Add or replace a user with a new password; return the user."""
        policy = self.policy.role(role)
        if not username or not username.isascii() or any(ch.isspace() for ch in username):
            raise BadInput(f"username {username!r}: use ASCII letters, digits and dots, no spaces")
        if len(password) < 8:
            raise BadInput("a password has at least 8 characters")
        if policy.area_limited and not area:
            raise BadInput(f"role {role} reads only its area: give --area (a district, e.g. 沙坪坝区)")
        old = self.get(username)
        user = User(username, name, role, department, area, _HASHER.hash(password))
        if old:
            user = replace(user, api_key_sha256=old.api_key_sha256)
        self._save({**self._users, username: user})
        return user

    def new_api_key(self, username: str) -> str:
        """Give a user a new API key (kept beside their others); return the key, shown only now."""
        return self.add_api_key(username, secrets.token_urlsafe(32))

    def add_api_key(self, username: str, key: str) -> str:
        """Give a user the API key `key` (a demo's fixed key; otherwise use `new_api_key`); return it."""
        user = self.get(username)
        if user is None:
            raise BadInput(f"no user {username!r}")
        if key_digest(key) in user.api_key_sha256:
            return key
        self._save(
            {**self._users, username: replace(user, api_key_sha256=[*user.api_key_sha256, key_digest(key)])}
        )
        return key

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._users, self._stamp = {}, None
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._users = _read(self.path)
            self._stamp = stamp

    def _save(self, users: dict[str, User]) -> None:
        rows = [asdict(users[name]) for name in sorted(users)]
        text = yaml.safe_dump({"users": rows}, allow_unicode=True, sort_keys=False)
        with _WRITE_LOCK:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(text, "utf-8")
            os.chmod(temporary, 0o600)
            temporary.replace(self.path)
        self._users, self._stamp = dict(users), None


def _read(path: Path) -> dict[str, User]:
    try:
        raw: Any = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise BadInput(f"users file {path}: {error}") from None
    users = {}
    for row in raw.get("users") or []:
        keys = row.get("api_key_sha256") or []
        user = User(
            username=str(row["username"]),
            name=str(row.get("name") or row["username"]),
            role=str(row["role"]),
            department=str(row.get("department") or ""),
            area=str(row.get("area") or ""),
            password_hash=str(row.get("password_hash") or ""),
            api_key_sha256=[str(k) for k in ([keys] if isinstance(keys, str) else keys)],
        )
        users[user.username] = user
    return users
