"""Cross-validated choice of the drafter's ranking weights on the drafting dev set (never the holdout).

Runs the dev set in-process (composer, demo KB with building blocks, demo brand policy) once per configuration,
keeps every case's scores, then k-fold CV: each fold picks the configuration with the most right articles +
questions answered + out-of-scope handled on the other folds and is scored on its own cases. Prints the figures
of each configuration and the CV result (repeated over seeds), against the shipped defaults ("base").

Configuration keys: names in ``assistant.drafting.selection`` / ``assistant.drafting.issues`` (re-ranking
weights), ``K_CANDIDATES``, ``LEXICAL_ALPHA`` (fusion) and ``policy.<field>`` (``replies`` gap thresholds).

Run: ``.venv/bin/python benchmarks/cv_drafting.py [--configs grid.json] [--folds 5] [--seeds 5]``
(``grid.json``: ``[["name", {"LEXICAL_ALPHA": 0.2}], ...]``; about 5 s per configuration after start-up)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("REPLYDESK_DATA_DIR", tempfile.mkdtemp(prefix="cv-drafting-"))

import numpy as np  # noqa: E402

import replydesk  # noqa: E402,F401  (telemetry off)

METRICS = ("right_article", "questions_answered", "oos_handled")
DEFAULT_GRID = [
    ["base", {}],
    *[[f"alpha{a}", {"LEXICAL_ALPHA": a}] for a in (0.2, 0.35)],
    *[[f"lexical{w}", {"LEXICAL_WEIGHT": w}] for w in (0.05, 0.1)],
    ["record-named-only", {"RECORD_TOPIC": 0.0, "RECORD_TOPIC_FITS": 0.0, "RECORD_TOPIC_NAMED": 0.3}],
    ["k8", {"K_CANDIDATES": 8}],
]


def pipeline(base: Path):
    from assistant.customers import CustomerService
    from assistant.pipeline import Pipeline
    from knowledge_base.demo import DEMO_ARTICLES
    from knowledge_base.io import load_path
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import Database
    from replydesk.settings import Settings

    settings = Settings(data_dir=base / "data", policy_path=ROOT / "knowledge_base" / "demo" / "policy.yaml")
    db = Database(f"sqlite:///{base / 'replydesk.db'}")
    kb = KnowledgeBase(db, settings)
    kb.store.save_many(load_path(DEMO_ARTICLES))
    kb.sync()
    CustomerService(db).import_path(ROOT / "assistant" / "demo" / "customers.json")
    pipe = Pipeline.from_settings(db, settings, engine="composer")
    pipe.kb = kb
    return pipe


def _setter(pipe, key: str):
    import assistant.drafting.issues as issues
    import assistant.drafting.selection as selection
    import assistant.pipeline as pl
    import knowledge_base.retrieval as retrieval

    if key.startswith("policy."):
        return (lambda: getattr(pipe.policy.replies, key[7:])), (lambda v: setattr(pipe.policy.replies, key[7:], v))
    if key == "LEXICAL_ALPHA":
        def set_alpha(v):
            retrieval.fuse_scores.__defaults__ = (*retrieval.fuse_scores.__defaults__[:-1], v)
        return (lambda: retrieval.fuse_scores.__defaults__[-1]), set_alpha
    module = pl if key == "K_CANDIDATES" else selection if hasattr(selection, key) else issues
    return (lambda: getattr(module, key)), (lambda v: setattr(module, key, v))


def run_configs(dataset: Path, configs: list) -> dict[str, dict[str, dict[str, float]]]:
    from evals.datasets import load_cases
    from evals.runner import evaluate_case

    pipe = pipeline(Path(tempfile.mkdtemp(prefix="cv-drafting-kb-")))
    cases = load_cases(dataset)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, cfg in configs:
        setters = {k: _setter(pipe, k) for k in cfg}
        saved = {k: get() for k, (get, _) in setters.items()}
        for k, (_, put) in setters.items():
            put(cfg[k])
        try:
            out[name] = {c.id: {m: v for m, v in evaluate_case(pipe, c, "composer").scores.items() if m in METRICS}
                         for c in cases}
        finally:
            for k, (_, put) in setters.items():
                put(saved[k])
        figures = {m: round(statistics.fmean([s[m] for s in out[name].values() if m in s]), 3) for m in METRICS}
        print(f"{name:<24} {figures}", flush=True)
    return out


def cross_validate(res: dict, folds: int, seed: int) -> tuple[dict[str, float], list[str]]:
    ids = list(next(iter(res.values())))

    def total(name, sub):
        return sum(sum(res[name][i].values()) for i in sub)

    idx = np.random.RandomState(seed).permutation(len(ids))
    got = {m: [0.0, 0] for m in METRICS}
    picks = []
    for fold in np.array_split(idx, folds):
        test = [ids[i] for i in fold]
        train = [ids[i] for i in idx if i not in set(fold)]
        best = max(res, key=lambda n: (total(n, train), n == "base"))  # ties: the shipped defaults
        picks.append(best)
        for m in METRICS:
            vals = [res[best][i][m] for i in test if m in res[best][i]]
            got[m][0] += sum(vals)
            got[m][1] += len(vals)
    return {m: round(s / n, 3) for m, (s, n) in got.items()}, picks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", type=Path, default=ROOT / "evals" / "datasets" / "drafting.jsonl")
    ap.add_argument("--configs", type=Path, default=None)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    if "holdout" in args.dataset.name:
        raise SystemExit("the holdout is never used for choosing weights")
    configs = json.loads(args.configs.read_text()) if args.configs else DEFAULT_GRID
    if not any(name == "base" for name, _ in configs):
        configs = [["base", {}], *configs]
    res = run_configs(args.dataset, configs)
    for seed in range(args.seeds):
        figures, picks = cross_validate(res, args.folds, seed)
        print(f"CV seed {seed}: {figures}  picks {picks}")


if __name__ == "__main__":
    main()
