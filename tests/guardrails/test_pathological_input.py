"""Pathological drafts (issue 12 item 19): every rule is linear in the input, so 1 MB costs about what 1 KB does
(the engine checks at most MAX_CHECKED_CHARS and blocks the rest). Timed as a RATIO, never an absolute time."""

from __future__ import annotations

import json
import signal
import time

import pytest
from typer.testing import CliRunner

from guardrails.engine import MAX_CHECKED_CHARS
from replydesk.cli import app

runner = CliRunner()
MAX_RATIO = 60  # linear would be ~1000 for 1 MB vs 1 KB without the cap; the quadratic rules were ~10^5+

PATTERNS = {
    "digit runs": lambda n, i: (f"{i}" + "1234567890" * n)[:n],
    "letter runs with dashes": lambda n, i: (f"{'ab'[i % 2]}-" * n)[:n],
    "a.a.a pasted into the editor": lambda n, i: (f"{'ab'[i % 2]}." * n)[:n],
    "apology sentences": lambda n, i: (f"Es tut uns leid {i}. We are so sorry. " * n)[:n],
}


def _check(text: str) -> float:
    start = time.perf_counter()
    result = runner.invoke(app, ["check", "--channel", "twitter", "--visibility", "public", "--lang", "de",
                                 "--json"], input=text)
    elapsed = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert all(0 <= f["start"] <= f["end"] <= len(text) for f in data["findings"])
    if len(text) > MAX_CHECKED_CHARS:
        assert data["passed"] is False  # never posted unchecked
    return elapsed


class _TooSlow(Exception):
    pass


@pytest.mark.parametrize("name", list(PATTERNS))
def test_check_time_grows_linearly_1mb_vs_1kb(name):
    make = PATTERNS[name]
    _check(make(1_000, 99))  # warm caches and models once
    small = min(_check(make(1_000, i)) for i in range(3))
    # the bound as a deadline, so a quadratic rule fails the test instead of hanging it
    budget = max(small * MAX_RATIO, 0.5)

    def _alarm(*_):
        raise _TooSlow(f"{name}: 1 MB took more than {MAX_RATIO}x the 1 KB time ({small:.4f}s)")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        big = _check(make(1_000_000, 7))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert big / small < MAX_RATIO, (name, small, big)
