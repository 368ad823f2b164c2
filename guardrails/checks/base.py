"""Small helpers every check uses."""

from __future__ import annotations

import threading

from guardrails.models import CheckContext, Finding, Severity

MESSAGES: dict[str, dict[str, str]] = {}


def msg(ctx: CheckContext, de: str, en: str) -> str:
    return de if ctx.ui_language == "de" else en


def finding(rule: str, severity: Severity, message: str, start: int = 0, end: int = 0,
            suggestion: str | None = None, fix=None) -> Finding:
    return Finding(rule=rule, severity=severity, message=message, start=start, end=end, suggestion=suggestion,
                   fix=fix)


def draft_language(draft: str, ctx: CheckContext) -> str:
    """The language to read the draft in: the context's, else detected."""
    if ctx.language:
        return ctx.language
    from guardrails.language_id import detect

    return detect(draft) or "en"


# ---- one sentence embedding per draft, shared by the rules that read meaning -----------------------------------
# The multilingual USE encoder (knowledge_base.embeddings, ~5 ms per draft) is the expensive part of a check. Rules
# ask for the embedding of a text through ``text_embedding``; the vector is computed once and kept in a small
# per-process LRU keyed by the text, so several rules reading the same draft (or sentence) embed it once. The
# encoder loads lazily on first use (never at import); without it (package missing) the answer is None and the
# rules fall back to their lexical readings.
_EMBED_CACHE_SIZE = 512
_embed_cache: dict[str, object] = {}
_encoder = None
_encoder_lock = threading.Lock()


def _get_encoder():
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            try:
                from knowledge_base.embeddings import UseEmbedder

                _encoder = UseEmbedder(workers=1)
                _encoder.embed(["warm up"])
            except Exception:  # noqa: BLE001 - no encoder: rules run on their lexicons alone
                _encoder = False
        return _encoder


def text_embeddings(texts: list[str]):
    """L2-normalised USE vectors (numpy, one row per text) or None without an encoder; cached per text."""
    import numpy as np

    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    found = {t: _embed_cache[t] for t in texts if t in _embed_cache}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        enc = _get_encoder()
        if enc is False:
            return None
        found.update(zip(missing, enc.embed(missing), strict=True))
    out = np.vstack([found[t] for t in texts])
    for t in dict.fromkeys(texts):  # most recently used last; the oldest go first
        _embed_cache.pop(t, None)
        _embed_cache[t] = found[t]
    for key in list(_embed_cache)[: max(0, len(_embed_cache) - _EMBED_CACHE_SIZE)]:
        _embed_cache.pop(key, None)
    return out


def text_embedding(text: str):
    """The embedding of one text (see ``text_embeddings``), or None without an encoder."""
    out = text_embeddings([text])
    return None if out is None else out[0]
