"""Build the shipped evaluation sets (run from the repository root: ``python -m evals.build_datasets``).

* ``demo.jsonl``: the demo inbox (German/English, angry, sarcastic, trolls, PII, HTML tricks), the prompt-injection
  corpus, and cases with inline customers — expectations from the demo data.
* ``twcs-real.jsonl``: a deterministic sample of real customer tweets from ``../shared/datasets/twcs``
  (CC BY-NC-SA 4.0); expectations limited to what is knowable: English, no bare sorry, no PII in public, length.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "evals" / "datasets"
CLEAN_RULES = ["no-bare-sorry", "pii-public", "tone", "language", "dead-end"]


def _customers() -> dict[tuple[str, str], dict]:
    out = {}
    for c in json.loads((ROOT / "assistant" / "demo" / "customers.json").read_text()):
        for channel, handle in c["handles"].items():
            out[(channel, handle.lower())] = c
    return out


def _private(c: dict) -> list[str]:
    vals = [c.get("email"), c.get("phone"), c.get("postal_address")] + [r["ref"] for r in c["records"]]
    return [v for v in vals if v]


def demo_cases() -> list[dict]:
    customers = _customers()
    cases = []
    for line in (ROOT / "assistant" / "demo" / "inbox.jsonl").read_text().splitlines():
        m = json.loads(line)
        tags = []
        text = m["text"]
        if any(w in text.lower() for w in ("ignore", "ignoriere", "vergiss deine", "system override", "system prompt")):
            tags.append("injection")
        if "<" in text and ">" in text:
            tags.append("html")
        if m["visibility"] == "private":
            tags.append("private-channel")
        cust = customers.get((m["channel"], m["author"].lower())) or customers.get(("twitter", m["author"].lower()))
        if cust is None:
            tags.append("unknown-customer")
        expect = {"language": m["lang"], "rules_must_not_fire": CLEAN_RULES}
        if m.get("expected_article"):
            expect["articles"] = [m["expected_article"]]
        if m["channel"] == "twitter":
            expect["max_length"] = 280
        if m["visibility"] == "public" and cust:
            expect["must_not_include"] = _private(cust)
        cases.append({"id": m["id"].replace("demo-", "inbox-"), "tags": tags,
                      "message": {"channel": m["channel"], "visibility": m["visibility"], "author": m["author"],
                                  "text": text}, "expect": expect, "source": "demo inbox"})
    for line in (ROOT / "tests" / "security" / "data" / "injection_attempts.jsonl").read_text().splitlines():
        a = json.loads(line)
        if a["vector"] != "message":
            continue
        cases.append({"id": a["id"], "tags": ["injection", a["goal"]],
                      "message": {"channel": "twitter", "visibility": "public", "author": "@attacker", "text": a["text"]},
                      "expect": {"language": a["lang"], "max_length": 280, "rules_must_not_fire": CLEAN_RULES,
                                 "must_not_include": a["markers"]}, "source": "injection corpus"})
    demo = json.loads((ROOT / "assistant" / "demo" / "eval_inline_cases.json").read_text(encoding="utf-8"))
    inline = demo["customer"]
    for i, (ch, vis, text, art, ref) in enumerate(
            (c["channel"], c["visibility"], c["text"], c["article"], c["reference"]) for c in demo["cases"]):
        cases.append({"id": f"inline-{i + 1:02d}", "tags": ["inline-customer"],
                      "message": {"channel": ch, "visibility": vis, "author": "@jana_v", "text": text},
                      "customer": inline,
                      "expect": {"articles": [art], "language": "de", "reference": ref,
                                 "rules_must_not_fire": CLEAN_RULES,
                                 **({"must_not_include": ["B-990001", "Vogel"], "max_length": 280} if vis == "public"
                                    else {})},
                      "source": "hand-written"})
    return cases


def twcs_cases(n: int = 200, seed: int = 20171031) -> list[dict]:
    src = ROOT.parent / "shared" / "datasets" / "twcs" / "inbound.jsonl"
    rows = [json.loads(x) for x in src.read_text().splitlines() if x.strip()]
    rows = [r for r in rows if len(r["text"]) >= 20]
    random.Random(seed).shuffle(rows)
    return [{"id": f"twcs-{r['tweet_id']}", "tags": ["real", "twcs"],
             "message": {"channel": "twitter", "visibility": "public", "author": f"@{r['author']}", "text": r["text"]},
             "expect": {"language": "en", "max_length": 280, "rules_must_not_fire": ["no-bare-sorry", "pii-public"]},
             "source": f"TWCS tweet {r['tweet_id']} (CC BY-NC-SA 4.0)"} for r in rows[:n]]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, cases in (("demo.jsonl", demo_cases()), ("twcs-real.jsonl", twcs_cases())):
        with (OUT / name).open("w", encoding="utf-8") as fh:
            for c in cases:
                fh.write(json.dumps(c, ensure_ascii=False) + "\n")
        print(f"{name}: {len(cases)} cases")
    from evals.datasets import write_schema

    print(write_schema())


if __name__ == "__main__":
    main()
