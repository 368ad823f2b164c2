"""Sentence meaning for the guardrails: sentences and their multilingual embeddings, computed once.

The rules that judge by meaning (``unapproved-promise``, ``confidential-leak``, ``relevance``) compare sentences of
the draft with sentences of other texts (cited passages, internal notes, the system prompt, the customer's message)
by the cosine of their USE multilingual v3 embeddings (cross-lingual: a German note and its English translation
land close). An embedding costs ~1 ms per sentence on one core, so:

- every sentence is embedded at most once per process: one LRU cache keyed by the sentence text, shared by all
  rules — the draft's sentences embedded for one rule are a cache hit for the next, and the evidence, notes and
  system prompt are embedded once and then reused across drafts and re-checks of an edited draft;
- all missing sentences of one call are embedded in one batch;
- callers skip the model entirely when there is nothing to compare (no promise sentence, no confidential text, no
  cited article).

Without the encoder (package missing) ``vectors`` returns ``None`` and the rules fall back to their lexical
checks.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

from guardrails.text import HANDLE_RX, SIGNATURE_RX, URL_RX, blank, sentence_spans

CACHE_SIZE = 20_000  # sentences (512 float32 each: ~40 MB at most)
_WS = re.compile(r"\s+")
_GREETING = re.compile(r"^\s*(?:hallo|hi|hey|hello|guten (?:tag|morgen|abend)|liebe[rs]?|dear|moin|servus)\b[^,!.\n]{0,40}[,!]",
                       re.I)
MIN_WORDS = 3  # shorter fragments ("Danke!", "Hallo Anna,") carry no comparable meaning

_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_lock = threading.Lock()
_encoder = None


def _get_encoder():
    global _encoder
    if _encoder is None:
        try:
            from knowledge_base.embeddings import UseEmbedder

            enc = UseEmbedder(workers=1)
            enc.embed(["warm up"])
            _encoder = enc
        except Exception:  # noqa: BLE001 - no encoder: the meaning checks are skipped
            _encoder = False
    return _encoder


def available() -> bool:
    return _get_encoder() is not False


def vectors(texts: list[str]) -> np.ndarray | None:
    """L2-normalised embeddings of ``texts`` (rows in order); each distinct text embedded once per process."""
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    with _lock:
        missing = list(dict.fromkeys(t for t in texts if t not in _cache))
        for t in texts:
            if t in _cache:
                _cache.move_to_end(t)
    if missing:
        enc = _get_encoder()
        if enc is False:
            return None
        new = enc.embed(missing)
        with _lock:
            for t, v in zip(missing, new, strict=True):
                _cache[t] = v
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    with _lock:
        try:
            return np.vstack([_cache[t] for t in texts])
        except KeyError:  # evicted meanwhile by another thread's batch: embed what is gone
            pass
    return np.vstack([v if (v := _cache.get(t)) is not None else vectors([t])[0] for t in texts])


def _blank_link(m: re.Match[str]) -> str:
    """A link blanked, but not the sentence's own full stop after it ("… unter brand.example/mein. Bei Zahlung …")."""
    link = m.group(0).rstrip(".,;:!?")
    return " " * len(link) + m.group(0)[len(link):]


@lru_cache(maxsize=4096)
def sentences(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, clean text) for each sentence of ``text`` worth comparing: handles, links and sign-offs masked,
    a leading greeting ("Hallo Anna,") dropped, fragments under ``MIN_WORDS`` words skipped."""
    masked = blank(text, HANDLE_RX)
    masked = URL_RX.sub(_blank_link, masked)
    masked = SIGNATURE_RX.sub(lambda m: " " * len(m.group(0)), masked.rstrip()) + masked[len(masked.rstrip()):]
    if g := _GREETING.match(masked):
        masked = " " * g.end() + masked[g.end():]
    out = []
    for start, end in sentence_spans(masked):
        part = masked[start:end]
        seg = _WS.sub(" ", part).strip(" -–—:,")
        if len(seg.split()) < MIN_WORDS:
            continue
        out.append((start + len(part) - len(part.lstrip()), end, seg))
    return tuple(out)


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine matrix of two row-normalised matrices."""
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)), dtype=np.float32)
    return a @ b.T
