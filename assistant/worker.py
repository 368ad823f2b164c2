"""Drafting workers: claim pending messages, draft them, never twice. Used by ``inbox draft-all`` and ``worker``."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from sqlalchemy.exc import DBAPIError, OperationalError
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from assistant.inbox import claim, mark_error, release_dead_claims

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


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10000}"


def drain(pipeline, *, concurrency: int = 1, on_done: Callable[[str, bool], None] | None = None,
          stop: threading.Event | None = None, idle_exit: bool = True, poll_s: float = 1.0) -> int:
    """Draft claimed messages until none are pending (or ``stop`` is set). Returns how many were drafted."""
    done = 0
    lock = threading.Lock()

    def one(message_id: str) -> None:
        nonlocal done
        try:
            pipeline.draft_message(message_id)
            ok = True
        except Exception as exc:  # noqa: BLE001 - recorded on the message, retried up to 3 times
            log.warning("drafting %s failed: %s", message_id, exc)
            # the failure may be the database itself: wait for it, then put the message back in the queue
            _db_retry(mark_error, pipeline.db, message_id, f"{type(exc).__name__}: {exc}")
            ok = False
        with lock:
            done += ok
        if on_done:
            on_done(message_id, ok)

    name = worker_name()
    _db_retry(release_dead_claims, pipeline.db)
    inflight: set = set()
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        while not (stop and stop.is_set()):
            free = max(1, concurrency) - len(inflight)
            ids = _db_retry(claim, pipeline.db, name, limit=max(free, 1 if not inflight else 0)) if free > 0 else []
            inflight |= {pool.submit(one, i) for i in ids}
            if not inflight:
                if idle_exit:
                    break
                time.sleep(poll_s)
                continue
            # keep the pool full: claim more as soon as one draft finishes
            _done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
    return done
