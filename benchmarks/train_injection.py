"""Train the triage injection head and print cross-validated figures with the previous head measured in the same run.

    .venv/bin/python benchmarks/train_injection.py [--cache /tmp/triage_cache] [--out assistant/models_data/triage.npz]
                                                   [--no-save]

Only the ``injection_*`` arrays of ``--out`` are replaced; the other heads stay as they are (``train_triage.py``
trains all heads and calls :func:`train` for this one).

Data (development splits only; the public test splits are never used):
- ../shared/datasets/prompt-injections/train.jsonl — deepset/prompt-injections train split (DE+EN), scored;
- ordinary customer messages as **training-only** benign examples: a seeded sample of ``IN_DOMAIN_N`` real customer
  tweets (../shared/datasets/twcs/inbound.jsonl, EN) and as many real German posts about a transport company
  (../shared/datasets/germeval2017/dev.jsonl). Without them the head learned "an imperative or a demand" from
  deepset's benign class (general questions), and flagged 76 of the 148 ordinary demo inbox messages ("need a return
  label please", "Bitte löscht alle meine Daten") as prompt injections;
- each deepset injection once more, framed as a customer would send it (after one of those messages or its @-handle;
  ``framed_injections``), **training only**, in the same fold as its source prompt: without them the customer
  messages teach "sounds like a customer, so benign";
- a quarter of the customer messages once more as e-mails (greeting, blank lines, sign-off; ``as_email``), and 30 %
  of the framed injections as e-mails, **training only**, each in its source's fold: deepset's only texts with line
  breaks are 12 injections, and without these every multi-paragraph customer e-mail read as an attempt.

Folds are stratified by class and source; the ridge strength is chosen by the inner AUC on deepset rows and the
threshold at ``FPR_TARGET`` of deepset's benign prompts in inner out-of-fold scores (nested). The customer messages
are scored out of fold too ("in-domain flagged"), but never count towards the deepset figures.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import triage as T  # noqa: E402
from benchmarks.train_triage import (  # noqa: E402
    DATA,
    LAM_GRID,
    PI,
    Blocks,
    auc,
    embeddings,
    fit_ridge,
    folds,
    hashed_matrix,
    head_scores,
    load,
    parse_args,
    prf,
    targets_for,
)

IN_DOMAIN_N = 1200  # per source
FPR_TARGET = 0.025  # of deepset's benign prompts, inside the training folds
TWCS = DATA / "twcs" / "inbound.jsonl"
GE17 = DATA / "germeval2017" / "dev.jsonl"


def in_domain_negatives(n: int | None = None, seed: int = 0) -> list[str]:
    n = IN_DOMAIN_N if n is None else n
    rng = np.random.default_rng(seed)
    out = []
    for path in (TWCS, GE17):
        texts = [r["text"] for r in load(path)]
        out += [texts[i] for i in sorted(rng.choice(len(texts), min(n, len(texts)), replace=False))]
    return out


EMAIL_FRAMES = {
    "de": ["Sehr geehrte Damen und Herren,\n\n{}\n\nMit freundlichen Grüßen\n{}", "Hallo zusammen,\n\n{}\n\nViele Grüße\n{}",
           "Guten Tag,\n\n{}\n\nBeste Grüße,\n{}"],
    "en": ["Dear team,\n\n{}\n\nKind regards,\n{}", "Hello,\n\n{}\n\nThanks,\n{}", "Hi there,\n\n{}\n\nBest,\n{}"],
}
NAMES = ["Jana Roth", "Tom Becker", "Ahmed Yilmaz", "Sarah Miller", "Dan", "Petra"]


def as_email(text: str, lang: str, rng: np.random.Generator) -> str:
    """The message as a customer e-mail: greeting, blank lines, sign-off (a tweet's leading @-handles dropped)."""
    body = " ".join(w for w in text.split() if not w.startswith("@")) or text
    return str(rng.choice(EMAIL_FRAMES[lang])).format(body, rng.choice(NAMES))


def framed_injections(injections: list[str], messages: list[str], seed: int = 0) -> list[str]:
    """Each injection once more, as a customer would send it: after a real customer message ("my DSL is down. P.S.
    …"), after the message's @-handle, or inside an e-mail with that message. Without these the customer messages teach "sounds like a customer, so
    benign", and attempts written as customer messages pass. A host message may sit in another fold than the framed
    copy: its out-of-fold "in-domain flagged" figure can only be pessimistic by that (the deepset figures are not
    touched: a framed copy is in its source prompt's fold)."""
    rng = np.random.default_rng(seed)
    out = []
    for text in injections:
        host = messages[int(rng.integers(len(messages)))].strip()
        handle = host.split()[0] if host.startswith("@") else "@support"
        r = rng.random()
        out.append(f"{host} {rng.choice(['', 'P.S. ', 'Also: ', 'Btw '])}{text}" if r < 0.4
                   else f"{handle} {text}" if r < 0.7 else as_email(f"{host} {text}", str(rng.choice(["de", "en"])), rng))
    return out


def grouped_folds(groups: np.ndarray, strat: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """Stratified folds over groups (a prompt and its framed copy are one group, never split across folds)."""
    first = {g: i for i, g in reversed(list(enumerate(groups)))}
    keys = np.array(sorted(first))
    fold_of: dict = {}
    labels = strat[[first[g] for g in keys]]
    for i, idx in enumerate(folds(labels, k, seed)):
        fold_of.update({keys[j]: i for j in idx})
    f = np.array([fold_of[g] for g in groups])
    return [np.flatnonzero(f == i) for i in range(k)]


class Task:
    """Rows: deepset prompts (``dom`` 0), customer messages (``dom`` 1, all benign), framed copies of deepset's
    injections (``dom`` 2, training only, in their source prompt's group)."""

    def __init__(self, data: Blocks, y: np.ndarray, dom: np.ndarray, groups: np.ndarray) -> None:
        self.data, self.y, self.dom, self.groups = data, y, dom, groups
        self.strat = y + 2 * np.minimum(dom, 1)

    def folds(self, rows: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
        return grouped_folds(self.groups[rows], self.strat[rows], k, seed)

    def threshold(self, rows: np.ndarray, scores: np.ndarray) -> float:
        neg = np.sort(scores[(self.y[rows] == 0) & (self.dom[rows] == 0)])
        return float(neg[int(np.ceil((1 - FPR_TARGET) * len(neg))) - 1]) + 1e-6

    def fit(self, rows: np.ndarray, lam: float):
        return fit_ridge(self.data, rows, targets_for(self.y[rows], 1), lam, ["injection"])

    def oof(self, rows: np.ndarray, lam: float, k: int, seed: int) -> np.ndarray:
        out = np.zeros(len(rows))
        for test in self.folds(rows, k, seed):
            train = np.setdiff1d(np.arange(len(rows)), test)
            out[test] = head_scores(self.fit(rows[train], lam), self.data, rows[test])[:, 0]
        return out

    def pick_lam(self, rows: np.ndarray) -> float:
        deep = self.dom[rows] == 0
        scored = [(auc(self.y[rows][deep].astype(bool), self.oof(rows, lam, 3, 1)[deep]), lam) for lam in LAM_GRID]
        return max(scored)[1]

    def nested(self, train_on: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[float]]:
        """Out-of-fold scores and thresholds of every row; models see only training-fold rows with ``train_on``."""
        scores, thresholds, lams = np.zeros(len(self.y)), np.zeros(len(self.y)), []
        for test in self.folds(np.arange(len(self.y)), 5, seed):
            train = np.setdiff1d(np.flatnonzero(train_on), test)
            lam = self.pick_lam(train)
            lams.append(lam)
            thresholds[test] = self.threshold(train, self.oof(train, lam, 3, 2))
            scores[test] = head_scores(self.fit(train, lam), self.data, test)[:, 0]
        return scores, thresholds, lams

    def final(self):
        rows = np.arange(len(self.y))
        lam = self.pick_lam(rows)
        head = self.fit(rows, lam)
        head.threshold = self.threshold(rows, self.oof(rows, lam, 5, 2))
        return head, lam


def attempts_in_messages() -> list[str]:
    """The security suite's injection attempts sent as customer messages (tests/security/data; never trained on)."""
    path = ROOT / "tests" / "security" / "data" / "injection_attempts.jsonl"
    return [r["text"] for r in load(path) if r["vector"] == "message"]


def train(cache: Path, log=print) -> tuple[dict, dict[str, np.ndarray]]:
    pi = load(PI)
    extra = in_domain_negatives()
    inj = [i for i, r in enumerate(pi) if r["injection"]]
    framed = framed_injections([pi[i]["text"] for i in inj], extra)
    rng = np.random.default_rng(1)
    half = len(extra) // 2  # in_domain_negatives: TWCS (English) first, then GermEval 2017 (German)
    mailed_src = sorted(rng.choice(len(extra), len(extra) // 4, replace=False))
    mailed = [as_email(extra[j], "en" if j < half else "de", rng) for j in mailed_src]
    texts = [r["text"] for r in pi] + extra + framed + mailed
    y = np.array([int(bool(r["injection"])) for r in pi] + [0] * len(extra) + [1] * len(framed) + [0] * len(mailed))
    dom = np.array([0] * len(pi) + [1] * len(extra) + [2] * len(framed) + [2] * len(mailed))
    groups = np.r_[np.arange(len(pi) + len(extra)), np.array(inj), len(pi) + np.array(mailed_src, dtype=int)]
    lex = np.stack([T.injection_features(t) for t in texts])
    task = Task(Blocks(lex, embeddings(f"injection_{len(texts)}", texts, cache), hashed_matrix(texts),
                       names=T.FEATURES_INJ), y, dom, groups)
    deep, cust, yb = dom == 0, dom == 1, y.astype(bool)
    report = {"n_deepset": int(deep.sum()), "injection_rate": round(float(yb[deep].mean()), 3),
              "n_customer_messages_training_only": len(extra), "n_framed_injections_training_only": len(framed),
              "n_customer_messages_as_emails_training_only": len(mailed),
              "fpr_target": FPR_TARGET}
    cue = (lex[:, 0] > 0) | (lex[:, 1] > 0)
    report["baseline_cue_rule(override or persona cue)"] = dict(zip(
        ("precision", "recall", "f1", "fpr"), (round(v, 3) for v in prf(yb[deep], cue[deep])), strict=True)) | {
        "in_domain_flagged": round(float(cue[cust].mean()), 4)}
    for name, train_on in (("deepset only (shipped until 2026-11-26 evening)", deep),
                           ("deepset + customer messages", dom <= 1),
                           ("deepset + customer messages + framed injections and e-mails (shipped)", dom <= 2)):
        for seed in (0, 1):
            s, thr, lams = task.nested(train_on, seed)
            flag = s >= thr
            prec, rec, f1, fpr = prf(yb[deep], flag[deep])
            report[f"{name}, fold seed {seed}"] = {
                "auc": round(auc(yb[deep], s[deep]), 3), "precision": round(prec, 3), "recall": round(rec, 3),
                "f1": round(f1, 3), "fpr": round(fpr, 3), "in_domain_flagged": round(float(flag[cust].mean()), 4),
                "lambda_chosen": lams}
            log(f"injection {name}, seed {seed}: {report[f'{name}, fold seed {seed}']}")
    head, lam = task.final()
    report["final"] = {"lambda": lam, "threshold": round(head.threshold, 3)}
    attempts = attempts_in_messages()
    a_lex = np.stack([T.injection_features(t) for t in attempts])
    a_hash = hashed_matrix(attempts)
    a_emb = embeddings(f"attempts_{len(attempts)}", attempts, cache)
    a_scores = head_scores(head, Blocks(a_lex, a_emb, a_hash), np.arange(len(attempts)))[:, 0]
    report["final"]["security_suite_attempts_flagged"] = f"{int((a_scores >= head.threshold).sum())} of {len(attempts)}"
    return report, head.to_arrays("injection")


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    t0 = time.time()
    report, arrays = train(args.cache, lambda m: print(f"[{time.time() - t0:.0f}s] {m}", file=sys.stderr, flush=True))
    if not args.no_save:
        with np.load(args.out, allow_pickle=False) as old:
            kept = {k: old[k] for k in old.files if not k.startswith("injection_")}
        np.savez_compressed(args.out, **kept, **arrays)
        report["saved"] = str(args.out)
    print(json.dumps(report, indent=1, default=float))
    return report


if __name__ == "__main__":
    main()
