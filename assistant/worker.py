"""Drafting workers: claim pending messages, draft them, never twice. Used by ``inbox draft-all`` and ``worker``."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from assistant.inbox import mark_error, release_dead_claims
from assistant.orm import Message
from replydesk.db import Database, utcnow

log = logging.getLogger("replydesk.worker")
DB_OUTAGE_S = 120  # how long a worker waits for its database to come back before giving up


def _db_retry(fn, *args, **kwargs):
    """Run a database call, waiting out an outage (restart, failover) with exponential backoff."""
    for attempt in Retrying(retry=retry_if_exception_type((OperationalError, DBAPIError)),
                            stop=stop_after_delay(DB_OUTAGE_S), wait=wait_exponential(multiplier=0.2, max=5),
                            reraise=True,
                            before_sleep=lambda s: log.warning("database unavailable, retrying: %s",
                                                               s.outcome.exception())):
        with attempt:
            return fn(*args, **kwargs)
    return None


class LeaseLost(RuntimeError):
    """The worker's lease on a message expired and another worker took it: this draft must not be committed."""


LEASE_MARGIN_S = 120  # database round trips, retrieval, guardrails and backoff waits on top of the LLM calls


def lease_seconds(settings=None, max_revisions: int = 2) -> int:
    """A worker's lease outlives a worst-case LLM draft: timeout × attempts × (revisions + 1) + margin (30 s × 5 ×
    3 + 120 = 570 s with the defaults); it is also renewed while the draft runs."""
    if settings is None:
        from replydesk.settings import Settings

        settings = Settings()
    attempts = settings.llm_max_retries + 1
    return int(settings.llm_timeout_s * attempts * (max_revisions + 1) + LEASE_MARGIN_S)


def claim(db: Database, worker: str, limit: int = 10, lease_s: int = 600) -> list[str]:
    """Atomically lease pending messages (and ones whose lease expired, e.g. after a crash) — never one an agent
    has locked (messages.locked_by: the agent's lock is separate from the worker's lease)."""
    now = utcnow()
    until = now + timedelta(seconds=lease_s)
    claimable = (or_(Message.status == "pending", (Message.status == "drafting") & (Message.claimed_until < now))
                 & or_(Message.locked_by.is_(None), Message.locked_until.is_(None), Message.locked_until < now))
    with db.transaction() as s:
        q = select(Message.id).where(claimable).order_by(Message.received_at).limit(limit)
        ids = list(s.scalars(q.with_for_update(skip_locked=True) if db.is_postgres else q))
        if not ids:
            return []
        res = s.execute(update(Message).where(Message.id.in_(ids), claimable)
                        .values(status="drafting", claimed_by=worker, claimed_until=until,
                                attempts=Message.attempts + 1)
                        .returning(Message.id))
        return [r[0] for r in res]


def renew(db: Database, worker: str, ids: list[str], lease_s: int) -> int:
    """Extend this worker's lease on the messages it is still drafting."""
    if not ids:
        return 0
    with db.transaction() as s:
        return s.execute(update(Message).where(Message.id.in_(ids), Message.status == "drafting",
                                               Message.claimed_by == worker)
                         .values(claimed_until=utcnow() + timedelta(seconds=lease_s))).rowcount


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10000}"


def drain(pipeline, *, concurrency: int = 1, on_done: Callable[[str, bool], None] | None = None,
          stop: threading.Event | None = None, idle_exit: bool = True, poll_s: float = 1.0,
          outbox=None, sweep_s: float = 5.0) -> int:
    """Draft claimed messages until none are pending (or ``stop`` is set). Returns how many were drafted.

    With ``outbox`` (an :class:`assistant.review.outbox.Outbox`) the approvals outbox is swept beside the drafting
    loop every ``sweep_s`` seconds (and once more before an ``idle_exit``)."""
    done = 0
    lock = threading.Lock()

    name = worker_name()
    policy = getattr(pipeline, "policy", None)
    lease_s = lease_seconds(getattr(pipeline, "settings", None), getattr(policy, "max_revisions", 2))
    active: set[str] = set()

    def one(message_id: str) -> None:
        nonlocal done
        with lock:
            active.add(message_id)
        try:
            pipeline.draft_message(message_id, lease_holder=name)
            ok = True
        except LeaseLost as exc:  # another worker holds it now: nothing to undo, nothing to retry
            log.warning("%s", exc)
            ok = False
        except Exception as exc:  # noqa: BLE001 - recorded on the message, retried up to 3 times
            log.warning("drafting %s failed: %s", message_id, exc)
            # the failure may be the database itself: wait for it, then put the message back in the queue
            _db_retry(mark_error, pipeline.db, message_id, f"{type(exc).__name__}: {exc}")
            ok = False
        with lock:
            done += ok
            active.discard(message_id)
        if on_done:
            on_done(message_id, ok)

    _db_retry(release_dead_claims, pipeline.db)
    halt = threading.Event()

    def heartbeat() -> None:  # renew the leases of drafts in flight every third of the lease
        while not halt.wait(max(1.0, lease_s / 3)):
            with lock:
                ids = list(active)
            try:
                renew(pipeline.db, name, ids, lease_s)
            except (OperationalError, DBAPIError) as exc:
                log.warning("lease renewal failed: %s", exc)

    threading.Thread(target=heartbeat, daemon=True, name="lease-renewal").start()
    sweeper = None
    if outbox is not None:
        sweeper = threading.Thread(target=outbox.run, args=(halt, sweep_s), daemon=True, name="outbox-sweeper")
        sweeper.start()
    try:
        drafted = _loop(pipeline, name, lease_s, concurrency, one, stop, idle_exit, poll_s, lambda: done)
    finally:
        halt.set()
        if sweeper is not None:
            sweeper.join()  # a post in progress finishes (or fails) before the worker exits
    if outbox is not None and idle_exit:
        _db_retry(outbox.sweep)
    return drafted


def _loop(pipeline, name, lease_s, concurrency, one, stop, idle_exit, poll_s, done) -> int:
    inflight: set = set()
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        while not (stop and stop.is_set()):
            free = max(1, concurrency) - len(inflight)
            ids = (_db_retry(claim, pipeline.db, name, limit=max(free, 1 if not inflight else 0), lease_s=lease_s)
                   if free > 0 else [])
            inflight |= {pool.submit(one, i) for i in ids}
            if not inflight:
                if idle_exit:
                    break
                time.sleep(poll_s)
                continue
            # keep the pool full: claim more as soon as one draft finishes
            _done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
    return done()
