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
    for path in (ROOT.parent / "shared" / "datasets" / "twcs" / "replies-labelled-dev.jsonl",
                 ROOT / "evals" / "datasets" / "replies-labelled-de.jsonl"):
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


if __name__ == "__main__":
    main()
