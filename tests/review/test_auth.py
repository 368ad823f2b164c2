"""Issue 12 item 16: login rate limit per user name; OIDC users get roles only from the users file."""

from __future__ import annotations

import pytest

from assistant.review.auth import (
    LOCKOUT_SECONDS,
    MAX_LOGIN_FAILURES,
    LoginLocked,
    UserStore,
    oidc_session_user,
)


def test_five_failed_logins_lock_the_name_for_five_minutes(tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.upsert("anna", "Anna", ["agent"], "right-pw-1")
    t0 = 1_000_000.0
    assert store.login("anna", "right-pw-1", now=t0) is not None
    for i in range(MAX_LOGIN_FAILURES):
        assert store.login("Anna", f"wrong-{i}", now=t0 + i) is None
    with pytest.raises(LoginLocked) as locked:
        store.login("anna", "right-pw-1", now=t0 + 10)  # even the right password, while locked
    assert 0 < locked.value.retry_after <= LOCKOUT_SECONDS
    assert store.login("ben", "x", now=t0 + 10) is None  # another name is not locked
    later = t0 + MAX_LOGIN_FAILURES + LOCKOUT_SECONDS + 1
    assert store.login("anna", "right-pw-1", now=later) is not None
    # a success clears the count: four more failures do not lock
    for i in range(MAX_LOGIN_FAILURES - 1):
        assert store.login("anna", "wrong", now=later + i) is None
    assert store.login("anna", "right-pw-1", now=later + 10) is not None
    # unknown names are limited too (no hint whether a name exists)
    for _ in range(MAX_LOGIN_FAILURES):
        store.login("nobody", "x", now=later)
    with pytest.raises(LoginLocked):
        store.login("nobody", "x", now=later + 1)


def test_unknown_oidc_users_get_no_roles_and_unverified_e_mails_are_refused(tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.upsert("ben@example.org", "Ben", ["agent", "approver"])
    assert oidc_session_user({"email": "stranger@example.org", "email_verified": True}, store)["roles"] == []
    assert oidc_session_user({"email": "Ben@Example.org", "name": "Ben"}, store)["roles"] == ["agent", "approver"]
    with pytest.raises(PermissionError, match="not verified"):
        oidc_session_user({"email": "ben@example.org", "email_verified": False}, store)
    with pytest.raises(PermissionError, match="not verified"):
        oidc_session_user({"email": "ben@example.org", "email_verified": "false"}, store)
    with pytest.raises(PermissionError):
        oidc_session_user({"email": ""}, store)
