"""Users and roles. Local users file with argon2-hashed passwords (when Streamlit OIDC is not configured)."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, Field

Role = Literal["agent", "approver", "trainer", "qa", "admin"]
ROLES: tuple[str, ...] = ("agent", "approver", "trainer", "qa", "admin")
_hasher = PasswordHasher()
_lock = threading.Lock()


class User(BaseModel):
    username: str = Field(pattern=r"^[a-z0-9_.@+-]{2,80}$")  # e-mail addresses allowed (OIDC)
    display_name: str
    roles: list[Role]
    password_hash: str = ""

    def public(self) -> dict:
        return {"username": self.username, "display_name": self.display_name, "roles": list(self.roles)}

    def has(self, *roles: str) -> bool:
        return "admin" in self.roles or any(r in self.roles for r in roles)


def require(user: User | dict | None, *roles: str) -> None:
    """Raise PermissionError unless the user has one of the roles (admins have all)."""
    if user is None:
        raise PermissionError("not signed in")
    have = user.roles if isinstance(user, User) else user.get("roles", [])
    if "admin" not in have and not any(r in have for r in roles):
        name = user.username if isinstance(user, User) else user.get("username")
        raise PermissionError(f"{name} needs the role {' or '.join(roles)} for this (has: {', '.join(have) or 'none'})")


class UserStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def from_settings(cls, settings=None) -> UserStore:
        from replydesk.settings import get_settings

        settings = settings or get_settings()
        return cls(settings.users_file or settings.data_dir / "users.json")

    def _load(self) -> dict[str, User]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return {u["username"]: User.model_validate(u) for u in data.get("users", [])}

    def _save(self, users: dict[str, User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".users-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"users": [u.model_dump() for u in users.values()]}, fh, indent=1)
        os.replace(tmp, self.path)  # atomic: the file is never half written
        os.chmod(self.path, 0o600)

    def list(self) -> list[User]:
        return list(self._load().values())

    def get(self, username: str) -> User | None:
        return self._load().get(username)

    def upsert(self, username: str, display_name: str, roles: list[str], password: str | None = None,
               actor: User | dict | None = None) -> User:
        if actor is not None:
            require(actor, "admin")
        with _lock:
            users = self._load()
            old = users.get(username)
            pw_hash = _hasher.hash(password) if password else (old.password_hash if old else "")
            user = User(username=username, display_name=display_name, roles=roles, password_hash=pw_hash)
            users[username] = user
            self._save(users)
            return user

    def authenticate(self, username: str, password: str) -> User | None:
        user = self._load().get(username.strip().lower())
        if user is None or not user.password_hash:
            _hasher.hash(password)  # same work either way: no timing hint whether the user exists
            return None
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return user
