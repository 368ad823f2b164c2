"""Guardrail latency (all rules) on 280- and 2,000-character drafts, and no-bare-sorry calibration against a
naive baseline (block every reply with an apology word), measured in the same run. Prints figures only."""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import replydesk  # noqa: E402,F401


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * (len(values) - 1)))]


def main() -> None:
    from guardrails.calibration import calibrate_file
    from guardrails.engine import GuardrailEngine
    from guardrails.models import CheckContext

    engine = GuardrailEngine.from_policy()
    rng = random.Random(1)
    sentences = ["Hallo Anna, sorry für die Wartezeit!", "Schick uns bitte deine Sendungsnummer per DM.",
                 "Bestellungen kommen in 2–4 Werktagen.", "Den Stand siehst du unter funkwerk.example/sendung.",
                 "Wir prüfen die Zustellung bis morgen.", "Ruf uns gern unter 0800 123 4567 an.",
                 "Hi Tom, the outage was fixed at 14:00.", "Please restart your router once."]
    ctx = CheckContext(channel="twitter", visibility="public", language="de", customer_name="Anna Schmidt",
                       customer_message="@FunkWerk wo bleibt mein Paket?!", private_values=["B-558812", "K-100234"],
                       evidence=["Bestellungen kommen in 2-4 Werktagen. funkwerk.example/sendung 0800 123 4567"])
    print(f"rules: {', '.join(engine.rules())}")
    for size in (280, 2000):
        drafts = []
        for i in range(400):
            text = ""
            while len(text) < size - 40:
                text += rng.choice(sentences) + " "
            drafts.append(f"{text.strip()} #{i} ^AB"[:size])
        engine.check(drafts[0], ctx)  # warm-up (regex compile, language model load)
        times = []
        for d in drafts:
            t = time.perf_counter()
            engine.check(d, ctx)
            times.append((time.perf_counter() - t) * 1000)
        print(f"{size:>5} chars: p50 {statistics.median(times):.2f} ms, p95 {pct(times, 0.95):.2f} ms "
              f"(target p95 ≤ 2 ms at 280), n={len(times)} distinct drafts")
    meaning_costs(engine, drafts=[d for d in drafts if len(d) <= 2000])
    for path in (ROOT.parent / "shared" / "datasets" / "twcs" / "replies-labelled-dev.jsonl",
                 ROOT / "evals" / "datasets" / "replies-labelled-de.jsonl",
                 ROOT / "benchmarks" / "data" / "no_bare_sorry_probe_en.jsonl",
                 ROOT / "benchmarks" / "data" / "no_bare_sorry_probe_de.jsonl",
                 ROOT / "benchmarks" / "data" / "no_bare_sorry_probe2_en.jsonl",
                 ROOT / "benchmarks" / "data" / "no_bare_sorry_probe2_de.jsonl",
                 ROOT / "benchmarks" / "data" / "no_bare_sorry_probe3_en.jsonl",
                 ROOT / "benchmarks" / "data" / "no_bare_sorry_probe3_de.jsonl"):
        if not path.exists():
            print(f"{path}: not found, skipped")
            continue
        r = calibrate_file(path)
        b, w = r.per_severity["block"], r.per_severity["warn"]
        print(f"\n{path.name} ({r.rows} rows)")
        print(f"  rule     block P {b.precision:.3f} R {b.recall:.3f} F1 {b.f1:.3f} · warn(thin) F1 {w.f1:.3f} · "
              f"ok blocked {r.ok_blocked_rate:.1%}")
        print(f"  baseline block P {r.baseline['block_precision']:.3f} R {r.baseline['block_recall']:.3f} "
              f"F1 {r.baseline['block_f1']:.3f} · ok blocked {r.baseline['ok_blocked_rate']:.1%}")


def meaning_costs(engine, drafts) -> None:
    """Per-rule cost on 280-character drafts when the meaning checks have something to compare (issue 11): the
    reply cites an article, promises a refund, and the context holds notes and the system prompt. First check of
    a draft (its sentences not yet embedded) and a re-check of the same draft (live editing: all cached)."""
    from assistant.drafting.llm import SYSTEM_PROMPT
    from guardrails.models import CheckContext

    rng = random.Random(2)
    promises = ["Wir erstatten dir den vollen Betrag.", "Die Versandkosten übernehmen wir.",
                "Den Kaufpreis erstatten wir innerhalb von 14 Tagen.", "Für den Ärger zahlst du nichts."]
    ctx = CheckContext(channel="twitter", visibility="public", language="de", customer_name="Anna Schmidt",
                       customer_message="@FunkWerk wo bleibt mein Paket?! Und bekomme ich mein Geld zurück?",
                       evidence=["Bestellungen kommen in 2-4 Werktagen. funkwerk.example/sendung 0800 123 4567",
                                 "Den Kaufpreis erstatten wir innerhalb von 14 Tagen, nachdem das Gerät eingegangen ist."],
                       cited=["Lieferung Bestellungen kommen in 2-4 Werktagen."],
                       confidential=[SYSTEM_PROMPT, "Bevorzugt kurze Antworten. Hat sich 2025 zweimal beschwert."])
    texts = [f"Hallo Anna, {rng.choice(promises)} Bestellung {i} kommt in 2–4 Werktagen. #{i} ^AB"[:280]
             for i in range(150)]
    engine.check(texts[0], ctx)  # warm-up: model load, evidence/notes/prompt embedded once
    per_rule: dict[str, list[float]] = {c.rule_id: [] for c in engine.checks}
    first, again = [], []
    for t in texts[1:]:
        for bucket in (first, again):
            start = time.perf_counter()
            for c in engine.checks:
                s = time.perf_counter()
                c(t, ctx)
                if bucket is first:
                    per_rule[c.rule_id].append((time.perf_counter() - s) * 1000)
            bucket.append((time.perf_counter() - start) * 1000)
    print("\nmeaning checks active (cited article, a promise, notes + system prompt), 280 chars, n=149:")
    print(f"  all rules, first check of a draft: p50 {statistics.median(first):.2f} ms, p95 {pct(first, 0.95):.2f} ms")
    print(f"  all rules, re-check of the same draft (cached): p50 {statistics.median(again):.2f} ms, "
          f"p95 {pct(again, 0.95):.2f} ms")
    for rule, ts in sorted(per_rule.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"  {rule:<20} p50 {statistics.median(ts):.3f} ms, p95 {pct(ts, 0.95):.3f} ms")


if __name__ == "__main__":
    main()
