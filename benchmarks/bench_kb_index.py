"""Knowledge-base indexing benchmark: 10k synthetic articles cold, one-article edit, query latency.

Run: ``.venv/bin/python benchmarks/bench_kb_index.py [--articles 10000] [--queries 300]``

The synthetic articles are variants of the demo articles (same structure, length and reply blocks, so the
same number of chunks and tokens per article), each made distinct by its own product name, city and numbers
so that no text repeats. Everything runs in a temporary data dir: SQLite + embedded Chroma + the real USE
model. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import replydesk  # noqa: E402,F401  (telemetry off)

WORDS = ["Nordlicht", "Falke", "Kiesel", "Orbit", "Lotse", "Quarz", "Brise", "Anker", "Delta", "Pixel", "Welle",
         "Funke", "Polar", "Zephyr", "Kompass", "Atlas", "Boje", "Comet", "Dune", "Echo"]
CITIES = ["Berlin", "Hamburg", "Köln", "Leipzig", "Dresden", "Bremen", "Mainz", "Kiel", "Ulm", "Jena", "Trier",
          "Passau", "Lübeck", "Rostock", "Erfurt", "Bonn", "Essen", "Gera", "Hof", "Fulda"]
QUERIES = [
    "wann kommt mein paket endlich", "my parcel is late, where is it", "Passwort vergessen, wie komme ich rein",
    "can't log into the app", "Rechnung ist viel zu hoch diesen Monat", "how do I cancel my contract",
    "Roaming in der Türkei teuer?", "internet is down again since this morning", "eSIM aktivieren geht nicht",
    "I want to port my number to you", "Kündigung wegen Umzug", "screen broken, is it insured",
    "Drittanbieter auf der Rechnung", "no signal in my flat", "wie erreiche ich euch telefonisch",
]


def synthetic_articles(n: int, seed: int = 7):
    from knowledge_base.demo import DEMO_ARTICLES
    from knowledge_base.io import load_path

    rng = random.Random(seed)
    base = load_path(DEMO_ARTICLES)
    out = []
    for i in range(n):
        a = base[i % len(base)]
        word, city = rng.choice(WORDS), rng.choice(CITIES)
        tag = f"{word} {i}"
        extra = (f"\n\n## {word} {city}\nFür den Tarif {tag} in {city} gilt: Anfragen beantworten wir in "
                 f"{rng.randint(1, 9)} Werktagen, Referenz {rng.randint(10000, 99999)}.")
        out.append(a.model_copy(update={
            "id": f"{a.id}-{i}", "title": f"{a.title} ({tag})", "body": a.body + extra,
            "questions": [f"{q} ({word})" for q in a.questions],
        }))
    return out


class TimedEmbedder:
    """The real USE embedder, timing its calls (to split the cold index into embedding vs the rest)."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.dim, self.seconds, self.texts = inner, inner.name, inner.dim, 0.0, 0

    def embed(self, texts):
        t = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - t
            self.texts += len(texts)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    if hasattr(faulthandler, "register"):
        import signal

        faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints where it is

    from knowledge_base.embeddings import UseEmbedder
    from knowledge_base.models import SearchFilters
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import Database
    from replydesk.settings import Settings

    print(f"cores: {os.cpu_count()}  load average before: {os.getloadavg()[0]:.2f}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-kb-"))
    settings = Settings(data_dir=tmp / "data")
    settings.ensure_data_dir()
    db = Database(settings.effective_database_url)
    embedder = TimedEmbedder(UseEmbedder())

    t = time.perf_counter()
    embedder.embed(["warm up"])
    print(f"USE model load + first encode: {time.perf_counter() - t:.2f} s")

    articles = synthetic_articles(args.articles)
    kb = KnowledgeBase(db, settings, embedder=embedder)
    t = time.perf_counter()
    kb.store.save_many(articles)
    t_sql = time.perf_counter() - t
    from knowledge_base.chunking import chunk_article

    texts = [c.text for a in articles[:300] for c in chunk_article(a)]
    for workers in (1, embedder.inner.workers):
        one = UseEmbedder(workers=workers, parallel_from=1)
        t = time.perf_counter()
        one.embed(texts)
        rate = len(texts) / (time.perf_counter() - t)
        print(f"USE throughput, {workers} process(es): {rate:.0f} chunks/s (sample of {len(texts)} chunks)")
    embedder.seconds = embedder.texts = 0

    t = time.perf_counter()
    report = kb.sync()
    t_index = time.perf_counter() - t
    print(f"SQL write of {args.articles} articles (one transaction): {t_sql:.1f} s")
    print(f"cold index: {report.articles} articles, {report.chunks} chunks embedded+stored in {t_index:.1f} s "
          f"({report.chunks / t_index:.0f} chunks/s); total incl. SQL {t_sql + t_index:.1f} s")
    print(f"  of which embedding {embedder.seconds:.1f} s, Chroma upsert + chunk rows + hashing "
          f"{t_index - embedder.seconds:.1f} s")

    # one-article edit: store write + re-embed of only its chunks
    edits = []
    for j in range(5):
        a = kb.get_article(articles[j * 97].id)
        edited = a.model_copy(update={"body": a.body + f"\n\nNachtrag {j}: gilt ab sofort."})
        t = time.perf_counter()
        kb.save(edited)
        edits.append(time.perf_counter() - t)
    t = time.perf_counter()
    kb.sync()
    t_check = time.perf_counter() - t
    print(f"edit one article (save + re-embed its changed chunk): median {statistics.median(edits) * 1000:.0f} ms, "
          f"max {max(edits) * 1000:.0f} ms; ratio to the cold index {statistics.median(edits) / t_index:.5f}")
    print(f"full incremental check with nothing changed (hash compare of all chunks): {t_check:.1f} s")

    # query latency (hybrid: USE encode + Chroma + BM25 + fusion); first call builds the BM25 index
    t = time.perf_counter()
    kb.search("warm up", k=5)
    first = time.perf_counter() - t
    while kb._building:  # big KBs rebuild BM25 + chunk metadata in a background thread after a change
        time.sleep(0.01)
    print(f"BM25 + metadata state rebuild after the edits: {time.perf_counter() - t:.2f} s "
          f"(the search that triggered it took {first * 1000:.0f} ms: the previous state served it)")
    rng = random.Random(1)
    lat = {"hybrid": [], "dense": [], "bm25": []}
    for _ in range(args.queries):
        q = rng.choice(QUERIES)
        f = SearchFilters(language=rng.choice([None, "de", "en"]))
        for mode in lat:
            t = time.perf_counter()
            kb.search(q, f, k=5, mode=mode)
            lat[mode].append((time.perf_counter() - t) * 1000)
    for mode, values in lat.items():
        print(f"query latency {mode:6s} at {args.articles} articles: p50 {pct(values, 50):.1f} ms, "
              f"p95 {pct(values, 95):.1f} ms")
    t = time.perf_counter()
    for _ in range(50):
        kb.get_articles([articles[1].id, articles[2].id, articles[3].id])
    print(f"get_articles (3 ids, cached): {(time.perf_counter() - t) / 50 * 1000:.3f} ms")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
