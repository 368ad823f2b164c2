"""Users and roles. Local users file with argon2-hashed passwords (when Streamlit OIDC is not configured)."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
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


MAX_LOGIN_FAILURES = 5  # failed logins in a row (per user name) ...
LOCKOUT_SECONDS = 300  # ... lock the name for 5 minutes
DEMO_MARKER = ".replydesk-demo"  # in the data dir: this installation is the demo (demo passwords may be shown)


class LoginLocked(PermissionError):
    def __init__(self, username: str, retry_after: float) -> None:
        super().__init__(f"too many failed logins for {username}; try again in {int(retry_after) + 1} s")
        self.retry_after = retry_after


def is_demo_installation(settings=None) -> bool:
    """True only when the data dir carries the demo marker (written for ``replydesk demo``)."""
    from replydesk.settings import get_settings

    settings = settings or get_settings()
    return (Path(settings.data_dir) / DEMO_MARKER).exists()


def mark_demo_installation(settings=None) -> Path:
    from replydesk.settings import get_settings

    settings = settings or get_settings()
    marker = Path(settings.data_dir) / DEMO_MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("demo\n", encoding="utf-8")
    return marker


def oidc_session_user(claims: dict, store: UserStore) -> dict:
    """The session user for an OIDC login. Roles only from the users file (by e-mail as user name): an unknown user
    gets none until an admin grants them. A present ``email_verified`` claim must be true."""
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise PermissionError("the identity provider sent no e-mail address")
    verified = claims.get("email_verified")
    if verified is not None and verified is not True and str(verified).lower() != "true":
        raise PermissionError(f"the e-mail address {email} is not verified by the identity provider")
    known = store.get(email)
    return {"username": email, "display_name": str(claims.get("name") or email),
            "roles": list(known.roles) if known else []}


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

    # ---- login rate limit (per user name, in a file next to the users file) -------------------------------
    @property
    def _failures_path(self) -> Path:
        return self.path.with_name(self.path.name + ".login-failures")

    def _load_failures(self) -> dict[str, dict]:
        try:
            return json.loads(self._failures_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save_failures(self, data: dict[str, dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".login-failures-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self._failures_path)

    def locked_for(self, username: str, now: float | None = None) -> float:
        """Seconds the user name is still locked (0 when it is not)."""
        now = time.time() if now is None else now
        entry = self._load_failures().get(username.strip().lower(), {})
        return max(0.0, float(entry.get("locked_until", 0)) - now)

    def login(self, username: str, password: str, now: float | None = None) -> User | None:
        """:meth:`authenticate` with a rate limit: after ``MAX_LOGIN_FAILURES`` failures in a row the user name is
        locked for ``LOCKOUT_SECONDS`` (:class:`LoginLocked`, the password is not even checked); a success clears
        the count. Unknown user names are counted the same way (no hint whether a name exists)."""
        now = time.time() if now is None else now
        name = username.strip().lower()
        wait = self.locked_for(name, now)
        if wait > 0:
            raise LoginLocked(name, wait)
        user = self.authenticate(name, password)
        with _lock:
            data = self._load_failures()
            if user is not None:
                if name in data:
                    data.pop(name)
                    self._save_failures(data)
                return user
            entry = data.get(name, {})
            if float(entry.get("locked_until", 0)) <= now and entry.get("locked_until"):
                entry = {}  # an expired lock starts a fresh count
            failures = int(entry.get("failures", 0)) + 1
            entry = {"failures": failures}
            if failures >= MAX_LOGIN_FAILURES:
                entry["locked_until"] = now + LOCKOUT_SECONDS
            data[name] = entry
            self._save_failures(data)
        return None

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
