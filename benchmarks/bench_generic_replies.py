"""``relevance``'s generic-reply check (issue 11): how many stock replies ("Thanks for reaching out, we're looking
into it") it warns, and how many real drafts it warns by mistake.

- **Stock replies**: ``benchmarks/data/generic_replies.jsonl`` (80, DE + EN, two sets written one after the other
  before and while the check was built: ``first`` and ``second``), each placed in the guardrail context of every
  drafting case of its language — once with the composer's citation, once without any; and 4 ``restating``
  templates filled with the message's first two content words ("Thanks for your message about {a} and {b} …");
- **the composer's own drafts** (answers and honest hand-offs) for the drafting dev set and the demo inbox, with
  the context the pipeline builds: every generic warning there is a false one;
- **real brand replies** (TWCS dev, labelled for ``no-bare-sorry``; no knowledge base, so only the message grounds
  a reply): ``ok`` replies carry concrete help, a warning there is false; ``bare``/``thin`` ones are the generic kind.

Run: ``.venv/bin/python benchmarks/bench_generic_replies.py [--holdout]`` (~1 min; ``--holdout`` adds the composer's
drafts for the drafting holdout set — run it at the end, do not tune on it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.relevance_drafts import demo_pipeline  # noqa: E402

TWCS = ROOT.parent / "shared" / "datasets" / "twcs" / "replies-labelled-dev.jsonl"
STOCK = ROOT / "benchmarks" / "data" / "generic_replies.jsonl"
INCLUDE = {"channel", "visibility", "language", "customer_message", "evidence", "cited", "customer_mood"}


def own_drafts(pipeline, src: Path) -> list[dict]:
    """The composer's draft and its guardrail context (and the context without citations) for every case."""
    from assistant.models import DraftRequest, ThreadMessage
    from evals.models import EvalCase
    from evals.runner import inline_customer

    rows = []
    for line in src.read_text().splitlines():
        case = EvalCase.model_validate_json(line)
        if case.expect.no_reply:
            continue
        m = case.message
        req = DraftRequest(text=m.text, channel=m.channel, visibility=m.visibility, handle=m.author,
                           engine="composer", agent_signoff="^QA",
                           customer=inline_customer(case.customer) if case.customer else None,
                           thread=[ThreadMessage(role=t.role, channel=t.channel, text=t.text) for t in m.thread])
        ctx = pipeline.context(req, m.received_at, m.received_at)
        own = pipeline.composer.draft(ctx)
        bare = own.model_copy(update={"citations": []})
        rows.append({"case": case.id, "language": ctx.language, "draft": own.text,
                     "cites": any(c.kind == "kb" for c in own.citations),
                     "ctx": pipeline.check_context(ctx, own).model_dump(mode="json", include=INCLUDE),
                     "ctx_bare": pipeline.check_context(ctx, bare).model_dump(mode="json", include=INCLUDE)})
    return rows


def main() -> None:
    from guardrails.checks.relevance import Relevance, content_words
    from guardrails.models import CheckContext
    from guardrails.policy import load_policy

    ap = argparse.ArgumentParser()
    ap.add_argument("--holdout", action="store_true")
    args = ap.parse_args()
    rule = Relevance(load_policy())

    def generic(text: str, ctx: dict) -> bool:
        return any("generic" in f.message for f in rule(text, CheckContext(**ctx)))

    pipeline = demo_pipeline()
    sets = {"drafting dev": ROOT / "evals" / "datasets" / "drafting.jsonl",
            "demo inbox": ROOT / "evals" / "datasets" / "demo.jsonl"}
    if args.holdout:
        sets["drafting holdout"] = ROOT / "evals" / "datasets" / "drafting-holdout.jsonl"
    stock = [json.loads(line) for line in STOCK.read_text().splitlines()]
    contexts = []
    for name, src in sets.items():
        rows = own_drafts(pipeline, src)
        answers = [generic(r["draft"], r["ctx"]) for r in rows if r["cites"]]
        handoffs = [generic(r["draft"], r["ctx"]) for r in rows if not r["cites"]]
        print(f"{name}: composer drafts warned as generic (false): answers {sum(answers)}/{len(answers)}, "
              f"hand-offs {sum(handoffs)}/{len(handoffs)}")
        if name != "drafting holdout":
            contexts += rows
    from guardrails.relevance_features import surface_words

    brand = [n.lower() for n in load_policy().brand_names]
    for r in contexts:
        r["topic"] = [w for w in surface_words(r["ctx"]["customer_message"]).values()
                      if not any(w.lower().startswith(b) for b in brand)][:2]
    for which in ("first", "second", "restating"):
        for key, label in (("ctx", "with the composer's citation"), ("ctx_bare", "without a citation")):
            hits = [generic(s["text"].format(a=r["topic"][0], b=r["topic"][-1]), r[key]) for s in stock
                    if s["set"] == which for r in contexts
                    if r["language"] == s["lang"] and (key == "ctx_bare" or r["cites"]) and r["topic"]]
            print(f"stock replies, set {which}, {label}: warned {sum(hits) / len(hits):.1%} ({sum(hits)}/{len(hits)})")
    import time

    from guardrails.generic_reply import is_generic

    worst = 0.0  # catastrophic backtracking guard: every pattern must stay linear on long adversarial drafts
    for unit in ("a", "please ", "a.b.", "a-b-", "a-b.", "gruß\n", ". ", "x?", "nummer", "a@b.", "ab/", "wann x?"):
        text = (unit * (12000 // len(unit) + 1))[:12000]
        t = time.perf_counter()
        is_generic(text, "Wo ist mein Router? Wann kommt er?", ["Der Router kommt morgen."])
        worst = max(worst, time.perf_counter() - t)
    print(f"worst of 12 adversarial 12,000-character drafts: {worst * 1e3:.1f} ms")
    if TWCS.exists():
        hit, n = Counter(), Counter()
        for line in TWCS.read_text().splitlines():
            r = json.loads(line)
            if len(content_words(r["message"])) < 2:
                continue
            n[r["label"]] += 1
            hit[r["label"]] += generic(r["text"], {"customer_message": r["message"], "language": r.get("lang", "en")})
        print("TWCS dev replies warned as generic: " + ", ".join(
            f"{k} {hit[k]}/{n[k]} ({hit[k] / n[k]:.1%})" for k in ("ok", "thin", "bare", "none")))


if __name__ == "__main__":
    main()
