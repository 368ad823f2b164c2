"""Inbound messages: import (JSONL/JSON/CSV, idempotent by external id), claiming for drafting."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, update

from assistant.customers import CustomerService
from assistant.orm import Message
from guardrails.models import ChannelName, known_channels
from replydesk.db import Database, utcnow

MAX_TEXT = 20_000


class InboundIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = Field(min_length=1, max_length=200)
    channel: ChannelName  # a built-in channel or one the policy declares (e.g. whatsapp)
    visibility: Literal["public", "private"]
    author: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    received_at: datetime | None = None
    thread_id: str | None = None
    parent_id: str | None = None


class InboxImportError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("inbox import rejected, nothing was changed:\n  " + "\n  ".join(problems[:20]))


def _rows(path: Path) -> list[tuple[str, Any]]:
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InboxImportError([f"{path}:1: cannot read as UTF-8 text: {exc}"]) from None
    if "\x00" in raw:
        raise InboxImportError([f"{path}:1: binary file (NUL bytes)"])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(raw))
        try:
            return [(f"{path}:{reader.line_num}", {k: v for k, v in row.items() if k and v != ""}) for row in reader]
        except csv.Error as exc:
            raise InboxImportError([f"{path}:{reader.line_num}: not valid CSV: {exc}"]) from None
    if suffix == ".jsonl":
        out = []
        for n, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                try:
                    out.append((f"{path}:{n}", json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise InboxImportError([f"{path}:{n}: invalid JSON: {exc.msg}"]) from None
                except RecursionError:
                    raise InboxImportError([f"{path}:{n}: JSON nested too deeply"]) from None
        return out
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InboxImportError([f"{path}:{exc.lineno}: invalid JSON: {exc.msg}"]) from None
    except RecursionError:
        raise InboxImportError([f"{path}:1: JSON nested too deeply"]) from None
    if not isinstance(data, list):
        raise InboxImportError([f"{path}:1: expected a list of messages"])
    return [(f"{path}[{i}]", item) for i, item in enumerate(data)]


def _declare_policy_channels(rows: list[tuple[str, Any]]) -> None:
    """Load the installation's policy when a message names a channel that is not known yet (loading a policy
    declares its channels, e.g. whatsapp). A broken policy is reported where it is used (drafting); here the
    message is then rejected as an unknown channel."""
    known = known_channels()
    if any(isinstance(item, dict) and isinstance(item.get("channel"), str) and item["channel"] not in known
           for _, item in rows):
        from guardrails.policy import PolicyError, load_policy

        with contextlib.suppress(PolicyError):
            load_policy()


def read_inbox(path: Path) -> list[InboundIn]:
    path = Path(path)
    out, problems, seen = [], [], set()
    rows = _rows(path)
    _declare_policy_channels(rows)
    for where, item in rows:
        if not isinstance(item, dict):
            problems.append(f"{where}: expected an object")
            continue
        try:
            msg = InboundIn.model_validate(item)
        except ValidationError as err:
            problems += [f"{where}: field '{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in err.errors()]
            continue
        if msg.id in seen:
            problems.append(f"{where}: field 'id': duplicate message id {msg.id!r}")
        seen.add(msg.id)
        out.append(msg)
    if problems:
        raise InboxImportError(problems)
    return out


def import_messages(db: Database, messages: list[InboundIn]) -> tuple[int, int]:
    """(new, already there). Idempotent: the external id is unique."""
    customers = CustomerService(db)
    new = 0
    with db.transaction() as s:
        existing = set(s.scalars(select(Message.external_id).where(
            Message.external_id.in_([m.id for m in messages])))) if messages else set()
        for m in messages:
            if m.id in existing:
                continue
            s.add(Message(
                id=uuid.uuid4().hex, external_id=m.id, channel=m.channel, visibility=m.visibility,
                author_handle=m.author, customer_id=customers.find_id(m.channel, m.author), text=m.text,
                thread_id=m.thread_id, parent_id=m.parent_id, received_at=m.received_at or utcnow(),
                raw=m.model_dump(mode="json"), status="pending", triage={}, risk=0.0, attempts=0,
            ))
            new += 1
    return new, len(messages) - new


def import_path(db: Database, path: Path) -> tuple[int, int]:
    return import_messages(db, read_inbox(path))


def release_dead_claims(db: Database) -> int:
    """Claims held by processes on this machine that no longer run (kill -9) go back to the queue at once;
    claims of other machines expire with their lease."""
    import os
    import socket

    host = socket.gethostname()
    freed = 0
    with db.transaction() as s:
        rows = s.execute(select(Message.id, Message.claimed_by).where(
            Message.status == "drafting", Message.claimed_by.like(f"{host}:%"))).all()
        for mid, owner in rows:
            try:
                pid = int(owner.split(":")[1])
                os.kill(pid, 0)
                continue  # still alive
            except (ValueError, IndexError, ProcessLookupError):
                pass
            except PermissionError:
                continue
            s.execute(update(Message).where(Message.id == mid, Message.claimed_by == owner)
                      .values(status="pending", claimed_by=None, claimed_until=None))
            freed += 1
    return freed


def mark_error(db: Database, message_id: str, error: str, max_attempts: int = 3) -> None:
    """After a failure: back to pending for another try, or 'error' once attempts are used up."""
    with db.transaction() as s:
        msg = s.get(Message, message_id)
        if msg is None or msg.status != "drafting":
            return  # e.g. the draft did commit before the connection broke: nothing to undo
        msg.status = "error" if msg.attempts >= max_attempts else "pending"
        msg.error = error[:2000]
        msg.claimed_by = None
        msg.claimed_until = None
