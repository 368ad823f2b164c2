"""Drafting workers: claim pending messages, draft them, never twice. Used by ``inbox draft-all`` and ``worker``."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from assistant.inbox import claim, mark_error, release_dead_claims

log = logging.getLogger("replydesk.worker")


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
            mark_error(pipeline.db, message_id, f"{type(exc).__name__}: {exc}")
            ok = False
        with lock:
            done += ok
        if on_done:
            on_done(message_id, ok)

    name = worker_name()
    release_dead_claims(pipeline.db)
    inflight: set = set()
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        while not (stop and stop.is_set()):
            free = max(1, concurrency) - len(inflight)
            ids = claim(pipeline.db, name, limit=max(free, 1 if not inflight else 0)) if free > 0 else []
            inflight |= {pool.submit(one, i) for i in ids}
            if not inflight:
                if idle_exit:
                    break
                time.sleep(poll_s)
                continue
            # keep the pool full: claim more as soon as one draft finishes
            _done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
    return done
