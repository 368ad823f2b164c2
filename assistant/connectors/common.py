"""What every posting connector needs: the ``Retry-After`` header read, and a connector's per-message state kept in
the message's ``raw`` JSON (what was posted per idempotency key, what is being sent), changed under a row lock."""

from __future__ import annotations

import copy
import email.utils
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from replydesk.db import Database


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class MessageState:
    """One connector's state of a message, under ``raw[prefix]``: a dict with (at least) the ``keys`` as dicts."""

    def __init__(self, prefix: str, keys: Iterable[str], error: Callable[[str], Exception]) -> None:
        self.prefix, self.keys, self.error = prefix, tuple(keys), error

    def of(self, raw: dict | None) -> dict:
        # a deep copy: changing the loaded JSON in place would make the new value equal the old one (no UPDATE)
        st = copy.deepcopy((raw or {}).get(self.prefix) or {})
        for k in self.keys:
            st.setdefault(k, {})
        return st

    def update(self, db: Database, message_id: str, fn: Callable[[dict], object]) -> dict:
        """Change the state of one message in one transaction (row-locked on PostgreSQL)."""
        from assistant.orm import Message

        with db.transaction() as s:
            msg = s.get(Message, message_id, with_for_update=db.is_postgres)
            if msg is None:
                raise self.error(f"no message {message_id!r}")
            st = self.of(msg.raw)
            fn(st)
            msg.raw = {**(msg.raw or {}), self.prefix: st}  # a new dict: the JSON column sees the change
            return st

    def read(self, db: Database, message_id: str) -> dict:
        from assistant.orm import Message

        with db.session() as s:
            msg = s.get(Message, message_id)
            return self.of(msg.raw if msg else {})
