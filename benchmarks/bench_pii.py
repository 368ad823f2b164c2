"""PII detection quality: recall per kind and false-positive rate on ``benchmarks/data/pii_eval.jsonl`` (dev and
holdout reported apart; the detector was tuned on dev only), against the old detectors measured in the same run
(``benchmarks/pii_baseline.py``: the ``pii-public`` regexes and the pseudonymiser's regexes before the shared
detector). Also: how many raw values still reach the LLM prompt after the pseudonymiser, and detector latency.

A labelled value counts as found when detected spans cover at least 80 % of its letters and digits (any kind:
what matters is that it is blocked or masked). False positives: share of hard-negative rows (order and tracking
numbers, dates, prices, invalid IBANs and cards, version strings …) with any detection.

Run: ``.venv/bin/python benchmarks/bench_pii.py [--errors]``. Prints figures only.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "benchmarks" / "data" / "pii_eval.jsonl"
TARGET_KINDS = ("email", "phone", "iban", "card")
Spans = list[tuple[int, int]]


def covered(text: str, value: str, spans: Spans) -> bool:
    start = text.find(value)
    if start < 0:
        return False
    want = [i for i in range(start, start + len(value)) if text[i].isalnum()]
    hit = sum(1 for i in want if any(s <= i < e for s, e in spans))
    return hit >= 0.8 * len(want)


def evaluate(rows: list[dict], spans_of: Callable[[str], Spans]) -> dict:
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    fp, neg, misses, false_hits = 0, 0, [], []
    for row in rows:
        spans = spans_of(row["text"])
        if row["negative"]:
            neg += 1
            if spans:
                fp += 1
                false_hits.append((row["id"], row["negative"], row["text"], [row["text"][s:e] for s, e in spans]))
            continue
        for item in row["pii"]:
            ok = covered(row["text"], item["value"], spans)
            found[item["kind"]][0] += ok
            found[item["kind"]][1] += 1
            if not ok:
                misses.append((row["id"], item["kind"], item["value"], row["text"]))
    return {"recall": {k: v[0] / v[1] for k, v in found.items()}, "n": {k: v[1] for k, v in found.items()},
            "fp": fp / max(neg, 1), "neg": neg, "misses": misses, "false_hits": false_hits}


def main() -> None:
    from benchmarks.pii_baseline import old_guardrail_spans, old_pseudonymiser_spans
    from guardrails.models import CheckContext
    from guardrails.pii_detect import detect

    show_errors = "--errors" in sys.argv
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    ctx = CheckContext(visibility="public")
    methods: dict[str, Callable[[str], Spans]] = {
        "shared detector (new)": lambda t: [(s.start, s.end) for s in detect(t)],
        "old pii-public regexes": lambda t: [(s, e) for s, e, _ in old_guardrail_spans(t, ctx)],
        "old pseudonymiser regexes": lambda t: [(s, e) for s, e, _ in old_pseudonymiser_spans(t)],
    }
    kinds = list(dict.fromkeys(item["kind"] for r in rows for item in r["pii"]))
    for split in ("dev", "holdout"):
        part = [r for r in rows if r["split"] == split]
        results = {name: evaluate(part, fn) for name, fn in methods.items()}
        n_pos = sum(len(r["pii"]) for r in part)
        print(f"\n== {split}: {len(part)} rows, {n_pos} labelled values, {results[next(iter(results))]['neg']} "
              "hard negatives")
        print(f"{'kind':<15}{'n':>4}  " + "  ".join(f"{name[:26]:>26}" for name in methods))
        for kind in kinds:
            n = results[next(iter(results))]["n"].get(kind, 0)
            cells = "  ".join(f"{results[name]['recall'].get(kind, 0):>26.1%}" for name in methods)
            print(f"{kind:<15}{n:>4}  {cells}")
        for label, pick in (("recall, all kinds", None), ("recall, target 4", TARGET_KINDS)):
            cells = []
            for name in methods:
                r = results[name]
                ks = [k for k in kinds if pick is None or k in pick]
                hit = sum(r["recall"].get(k, 0) * r["n"].get(k, 0) for k in ks)
                cells.append(f"{hit / max(sum(r['n'].get(k, 0) for k in ks), 1):>26.1%}")
            print(f"{label:<19}" + "  ".join(cells))
        print(f"{'false positives':<19}" + "  ".join(f"{results[n]['fp']:>26.1%}" for n in methods))
        if show_errors:
            new = results["shared detector (new)"]
            for miss in new["misses"]:
                print("  MISS", *miss)
            for hit in new["false_hits"]:
                print("  FALSE", *hit)

    # What reaches a remote LLM: raw values left in the prompt after the pseudonymiser (all splits).
    from assistant.privacy import Pseudonymizer

    left = defaultdict(lambda: [0, 0])
    for row in rows:
        masked = Pseudonymizer(policy=None, references=[]).pseudonymize(row["text"])
        for item in row["pii"]:
            raw = "".join(c for c in item["value"] if c.isalnum())
            flat = "".join(c for c in masked if c.isalnum())
            left[item["kind"]][0] += raw in flat
            left[item["kind"]][1] += 1
    total_left = sum(v[0] for v in left.values())
    print(f"\npseudonymiser (names and CRM values aside; no reference patterns): raw values left in the prompt "
          f"{total_left} of {sum(v[1] for v in left.values())}: "
          + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in left.items() if v[0]))

    texts = [r["text"] for r in rows]
    for name, fn in (("shared detector", methods["shared detector (new)"]),
                     ("old pii-public", methods["old pii-public regexes"])):
        times = []
        for t in texts * 3:
            start = time.perf_counter()
            fn(t)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"latency {name}: median {statistics.median(times):.3f} ms, p95 {times[int(0.95 * len(times))]:.3f} ms "
              f"per sentence")


if __name__ == "__main__":
    main()
