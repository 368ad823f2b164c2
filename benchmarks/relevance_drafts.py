"""Drafts for calibrating ``relevance`` (issue 11): for every case of a drafting eval set that expects an article,
the composer's own draft and drafts forced onto the 2nd and 3rd retrieved article that the case does not expect
("wrong article"), each with the guardrail context the pipeline would build. Writes one JSON line per draft.

Run: ``.venv/bin/python benchmarks/relevance_drafts.py evals/datasets/drafting.jsonl OUT.jsonl``
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("REPLYDESK_DATA_DIR", tempfile.mkdtemp(prefix="bench-relevance-"))

import replydesk  # noqa: E402,F401

ALTERNATIVES = 2


def forced(pipeline, ctx, article, passage=None):
    """The draft context with one issue built on ``article`` (as find_issues would, without choosing). ``passage``:
    the article's passage the retriever found for this message — the composer cites it, as it does its own choice
    (without it the citation is the article's opening, a form no composer draft has, and a check could learn the
    form instead of the fit)."""
    from assistant.drafting.issues import search_text
    from assistant.models import Issue
    from knowledge_base.service import clean_query

    lang = ctx.language
    form = ctx.customer.address_form if lang == "de" else None
    blocks = [b for b in article.blocks if b.kind == "answer" and b.language == lang
              and (not b.address_form or not form or b.address_form == form)]
    if not blocks:
        from assistant.drafting.selection import body_sentences

        blocks = body_sentences(article, lang)
    vec = pipeline.kb.embed_queries([clean_query(search_text(ctx.request.text))])[0]
    scored = pipeline.blocks.score(ctx.request.text, vec, ctx.understanding.asks, article, blocks)
    issue = Issue(question=None, article=article, answers=[b for _, b in scored] or blocks, passage=passage)
    return ctx.model_copy(update={"issues": [issue], "articles": [article], "gap": False})


def demo_pipeline():
    from benchmarks.bench_drafting import knowledge_base

    return knowledge_base(Path(tempfile.mkdtemp(prefix="relevance-kb-")), strip=False)[1]


def build(src: Path, pipeline, far: int = 0) -> list[dict]:
    """One row per draft: case, kind (own | forced:<article> | far:<article>), wrong (cited article not expected),
    draft, ctx. ``far``: that many more drafts per case, forced onto articles drawn at random (seeded) from those the
    retriever ranks below its top 3 — the easy kind of wrong article, reported apart from the near ones."""
    import random

    rng = random.Random(0)
    from assistant.models import DraftRequest, ThreadMessage
    from evals.models import EvalCase
    from evals.runner import inline_customer

    rows = []
    for line in src.read_text().splitlines():
        case = EvalCase.model_validate_json(line)
        e = case.expect
        if not e.articles or e.out_of_scope or e.no_reply:
            continue
        req = DraftRequest(text=case.message.text, channel=case.message.channel, visibility=case.message.visibility,
                           handle=case.message.author, engine="composer", agent_signoff="^QA",
                           customer=inline_customer(case.customer) if case.customer else None,
                           thread=[ThreadMessage(role=t.role, channel=t.channel, text=t.text)
                                   for t in case.message.thread])
        ctx = pipeline.context(req, case.message.received_at, case.message.received_at)
        variants = [("own", ctx)]
        own = pipeline.composer.draft(ctx)
        own_cited = [c.ref.split("#")[0] for c in own.citations if c.kind == "kb"]
        seen = set(e.articles) | set(own_cited[:1])
        found = {}
        for p in list(ctx.passages) + pipeline.kb.search(ctx.request.text, None, k=8):
            found.setdefault(p.article_id, p)
        for aid in found:
            if len(variants) > ALTERNATIVES or aid in seen:
                continue
            seen.add(aid)
            article = pipeline.kb.get_articles([aid])[0]
            variants.append((f"forced:{aid}", forced(pipeline, ctx, article, found[aid])))
        if far:
            ranked = [p for p in pipeline.kb.search(ctx.request.text, None, k=100) if p.article_id not in e.articles]
            for p in rng.sample(ranked[3:], min(far, len(ranked[3:]))):
                article = pipeline.kb.get_articles([p.article_id])[0]
                variants.append((f"far:{p.article_id}", forced(pipeline, ctx, article, p)))
        for kind, vctx in variants:
            proposal = own if kind == "own" else pipeline.composer.draft(vctx)
            cited = [c.ref.split("#")[0] for c in proposal.citations if c.kind == "kb"]
            if not cited:
                continue  # an honest hand-off: no article to judge
            cc = pipeline.check_context(vctx, proposal)
            rows.append({"case": case.id, "kind": kind, "language": vctx.language, "wrong": cited[0] not in e.articles,
                         "article": cited[0], "draft": proposal.text, "mood": cc.customer_mood,
                         "ctx": cc.model_dump(mode="json", include={"channel", "visibility", "language", "customer_message",
                                                                     "evidence", "cited", "customer_mood"})})
    return rows


def main() -> None:
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    rows = build(src, demo_pipeline())
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(f"{len(rows)} drafts, {sum(r['wrong'] for r in rows)} on a wrong article -> {out}")


if __name__ == "__main__":
    main()
