"""Drafting quality (issue 10 / 13): the drafting eval sets run by the offline composer on the demo knowledge base
as shipped (with reply building blocks) and on the same articles stripped of building blocks and sample
questions (a help centre as teams import it), measured in one run. Prints figures only.

Run: ``.venv/bin/python benchmarks/bench_drafting.py [--sets evals/datasets/drafting.jsonl ...]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("REPLYDESK_DATA_DIR", tempfile.mkdtemp(prefix="bench-drafting-"))

import replydesk  # noqa: E402,F401  (telemetry off)

METRICS = ("right_article", "questions_answered", "question_recall", "multi_answered", "fact_used", "oos_handled",
           "greeting_ok", "address_form_ok", "safety_first", "no_needless_ask", "mood_match", "language_match",
           "guardrail_pass", "length_ok", "latency_p50_ms", "latency_p95_ms")


def knowledge_base(base: Path, strip: bool):
    from assistant.customers import CustomerService
    from assistant.pipeline import Pipeline
    from knowledge_base.demo import DEMO_ARTICLES, DEMO_POLICY
    from knowledge_base.io import load_path
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import Database
    from replydesk.settings import Settings

    settings = Settings(data_dir=base / "data", policy_path=DEMO_POLICY)  # the eval messages are to the demo brand
    db = Database(f"sqlite:///{base / 'replydesk.db'}")
    kb = KnowledgeBase(db, settings)
    articles = load_path(DEMO_ARTICLES)
    if strip:
        articles = [a.model_copy(update={"blocks": [], "questions": []}) for a in articles]
    kb.store.save_many(articles)
    kb.sync()
    CustomerService(db).import_path(ROOT / "assistant" / "demo" / "customers.json")
    pipeline = Pipeline.from_settings(db, settings, engine="composer")
    pipeline.kb = kb
    return db, pipeline


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="+", type=Path, default=[ROOT / "evals" / "datasets" / "drafting.jsonl",
                                                              ROOT / "evals" / "datasets" / "drafting-holdout.jsonl"])
    args = ap.parse_args()
    from evals.runner import run_dataset

    root = Path(tempfile.mkdtemp(prefix="bench-drafting-kb-"))
    rows = []
    for label, strip in (("with building blocks", False), ("without blocks (body sentences)", True)):
        db, pipeline = knowledge_base(root / label.split()[0], strip)
        for dataset in args.sets:
            summary = run_dataset(db, dataset, root / label.split()[0] / dataset.stem, "composer", pipeline=pipeline)
            rows.append((dataset.stem, label, summary.metrics))
    width = max(len(m) for m in METRICS)
    print(f"{'metric':<{width}} " + " ".join(f"{s[:10]}/{lab.split()[0]:<8}" for s, lab, _ in rows))
    for m in METRICS:
        print(f"{m:<{width}} " + " ".join(f"{r[2].get(m, float('nan')):>19.3f}" for r in rows))


if __name__ == "__main__":
    main()
