"""Language identification (German/English) with lingua, built once per process."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

_detector = None
_lock = threading.Lock()
_STRIP = re.compile(r"https?://\S+|@\w+|#\w+|\^[A-Z]{2,3}|[\d\W_]+", re.UNICODE)


def _get():
    global _detector
    with _lock:
        if _detector is None:
            from lingua import Language, LanguageDetectorBuilder

            _detector = (
                LanguageDetectorBuilder.from_languages(Language.GERMAN, Language.ENGLISH)
                .with_minimum_relative_distance(0.1)
                .build()
            )
        return _detector


@lru_cache(maxsize=4096)
def detect(text: str) -> str | None:
    """'de', 'en' or None when the text is too short or too mixed to tell."""
    cleaned = _STRIP.sub(" ", text).strip()
    if len(cleaned) < 12 or len(cleaned.split()) < 3:
        return None
    from lingua import Language

    lang = _get().detect_language_of(cleaned)
    return {Language.GERMAN: "de", Language.ENGLISH: "en"}.get(lang)


@lru_cache(maxsize=4096)
def confidence(text: str) -> dict[str, float]:
    from lingua import Language

    cleaned = _STRIP.sub(" ", text).strip()
    values = _get().compute_language_confidence_values(cleaned)
    names = {Language.GERMAN: "de", Language.ENGLISH: "en"}
    return {names[v.language]: v.value for v in values if v.language in names}
