"""Retrieval quality: recall@1/@3 and MRR of hybrid vs dense-only vs BM25-only, measured in one run.

Run: ``.venv/bin/python benchmarks/bench_kb_retrieval.py [--sweep] [--misses]``

Reads every ``benchmarks/data/retrieval_questions*.jsonl`` (``{"id","query","lang","relevant","style"}``) and,
as a second set, the demo inbox messages that name an ``expected_article``. Loads the demo KB with
:func:`knowledge_base.demo.load_demo` into a temporary data dir (SQLite + embedded Chroma + the real USE
model). Searches with the default filters (published, any language: questions may be cross-lingual).

recall@k = share of questions with at least one relevant article in the top k; MRR over the top 10.
"hybrid" is the default score fusion (dense cosine + alpha * normalised BM25), "hybrid-rrf" reciprocal-rank
fusion of the same two candidate lists. ``--sweep`` also prints alpha and the RRF grid (constant, weights) so
that a change of the defaults is made on whole sets, not on single rows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["REPLYDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-kb-retrieval-")
os.environ["REPLYDESK_CONFIG"] = os.path.join(os.environ["REPLYDESK_DATA_DIR"], "none.toml")
for var in ("REPLYDESK_DATABASE_URL", "REPLYDESK_CHROMA_URL"):
    os.environ.pop(var, None)

import replydesk  # noqa: E402,F401  (telemetry off)

MODES = ("hybrid", "hybrid-rrf", "dense", "bm25")


def load_questions() -> dict[str, list[dict]]:
    sets: dict[str, list[dict]] = {}
    for path in sorted((ROOT / "benchmarks" / "data").glob("retrieval_questions*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        sets[path.name] = rows
    inbox = ROOT / "assistant" / "demo" / "inbox.jsonl"
    if inbox.exists():
        rows = []
        for line in inbox.read_text(encoding="utf-8").splitlines():
            m = json.loads(line) if line.strip() else None
            if m and m.get("expected_article"):
                rows.append({"id": m["id"], "query": m["text"], "lang": m.get("lang"),
                             "relevant": [m["expected_article"]], "style": m.get("channel", "inbox")})
        sets["demo inbox (expected_article)"] = rows
    return sets


def score(ranked: list[str], relevant: set[str]) -> tuple[int, int, float]:
    rank = next((i for i, a in enumerate(ranked[:10], start=1) if a in relevant), None)
    return int(rank == 1), int(rank is not None and rank <= 3), (1.0 / rank if rank else 0.0)


def evaluate(kb, rows: list[dict], cached: dict, **fuse_kw) -> dict[str, dict]:
    from knowledge_base.models import SearchFilters
    from knowledge_base.retrieval import fuse, fuse_scores
    from knowledge_base.service import clean_query

    state = kb._fresh()
    out: dict[str, dict] = {}
    for mode in MODES:
        tot = [0, 0, 0.0]
        by_style: dict[str, list] = defaultdict(lambda: [0, 0, 0.0, 0])
        misses = []
        for row in rows:
            q = clean_query(row["query"])
            if q not in cached:
                cached[q] = kb.candidates(q, 60)
            dense, lexical = cached[q]
            if mode == "hybrid-rrf":
                rrf_kw = {k: v for k, v in fuse_kw.items() if k != "alpha"}
                hits = fuse(state, dense, lexical, SearchFilters(), 10, "hybrid", **rrf_kw)
            else:
                hits = fuse_scores(state, dense, lexical, SearchFilters(), 10, mode,
                                   **{k: v for k, v in fuse_kw.items() if k == "alpha"})
            ranked = [p.article_id for p in hits]
            r1, r3, rr = score(ranked, set(row["relevant"]))
            tot[0] += r1
            tot[1] += r3
            tot[2] += rr
            s = by_style[row.get("style") or "-"]
            s[0] += r1
            s[1] += r3
            s[2] += rr
            s[3] += 1
            if not r3:
                misses.append((row["id"], row["query"][:70], row["relevant"], ranked[:3]))
        n = max(1, len(rows))
        out[mode] = {"r1": tot[0] / n, "r3": tot[1] / n, "mrr": tot[2] / n, "styles": dict(by_style),
                     "misses": misses}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sweep", action="store_true", help="also print the fusion parameter grid")
    ap.add_argument("--misses", action="store_true", help="list the hybrid misses at 3")
    args = ap.parse_args()

    from knowledge_base.demo import load_demo
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import get_database

    db = get_database()
    print("demo KB:", load_demo(db))
    kb = KnowledgeBase.open(db)
    sets = load_questions()
    if not any(name.endswith(".jsonl") for name in sets):
        print("(no benchmarks/data/retrieval_questions*.jsonl yet: only the demo inbox set is measured)")
    for name, rows in sets.items():
        cached: dict = {}
        res = evaluate(kb, rows, cached)
        print(f"\n== {name}: {len(rows)} questions ==")
        print(f"{'method':10s} {'recall@1':>9s} {'recall@3':>9s} {'MRR':>7s}")
        for mode in MODES:
            r = res[mode]
            print(f"{mode:10s} {r['r1']:9.3f} {r['r3']:9.3f} {r['mrr']:7.3f}")
        styles = sorted(res["hybrid"]["styles"])
        if len(styles) > 1:
            print("recall@3 by style: " + "; ".join(
                f"{s} (n={res['hybrid']['styles'][s][3]}): "
                + " / ".join(f"{m} {res[m]['styles'][s][1] / res[m]['styles'][s][3]:.3f}" for m in MODES)
                for s in styles))
        # BM25 normalisation (umlaut folding, stopwords, light stemming) vs plain lowercase words
        from knowledge_base.lexical import LexicalIndex, plain_tokenize

        state = kb._fresh()
        ids = list(state.chunks)
        plain = LexicalIndex(ids, [state.chunks[i].text for i in ids], tokenizer=plain_tokenize)
        plain_cache = {q: (d, plain.search(q, 60)) for q, (d, _lex) in cached.items()}
        p = evaluate(kb, rows, plain_cache)
        print(f"{'bm25 plain':10s} {p['bm25']['r1']:9.3f} {p['bm25']['r3']:9.3f} {p['bm25']['mrr']:7.3f}   "
              f"(hybrid with plain BM25: recall@3 {p['hybrid']['r3']:.3f}, MRR {p['hybrid']['mrr']:.3f})")
        if args.misses:
            for miss in res["hybrid"]["misses"]:
                print("  miss:", miss)
        if args.sweep:
            print("score fusion, BM25 weight alpha (hybrid recall@3 / MRR): " + "  ".join(
                f"{a}: {r['r3']:.3f}/{r['mrr']:.3f}" for a in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
                for r in [evaluate(kb, rows, cached, alpha=a)["hybrid"]]))
            print("RRF grid (recall@3 / MRR):")
            for rrf_k in (10, 30, 60, 100):
                cells = []
                for dw, lw in ((1.0, 1.0), (1.0, 0.7), (1.0, 0.5), (0.7, 1.0)):
                    r = evaluate(kb, rows, cached, rrf_k=rrf_k, dense_weight=dw, lexical_weight=lw)["hybrid-rrf"]
                    cells.append(f"w{dw}/{lw}: {r['r3']:.3f}/{r['mrr']:.3f}")
                print(f"  k={rrf_k:3d}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
