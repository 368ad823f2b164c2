"""Which articles a reply answers: the top candidates re-ranked with the customer's record and the question kinds,
one issue per question, and the blocks (or body sentences) that answer each one.

Candidates come from hybrid retrieval of what the message says, plus the articles the record points at (open
cases, appointments, claims; a record kind's topics from the brand policy) and, for a safety concern, the brand's
security articles. Each further question of the message is matched on its own.
"""

from __future__ import annotations

from assistant.drafting.selection import BlockScorer, body_sentences, mentions, rank_articles
from assistant.models import DraftRequest, Issue
from assistant.understanding import sentences
from knowledge_base.models import Passage
from knowledge_base.service import clean_query

K_CANDIDATES = 5  # articles re-ranked by the message's questions and the customer's record
SECOND_ISSUE_MARGIN = 0.05  # a second question needs a clearly relevant article of its own
TOPIC_DEPTH = 400  # chunks looked at when searching within one topic (a tag): the top 60 may miss it
SECOND_ISSUE_MIN_LEXICAL = 0.43  # … or one the whole message retrieved that the question shares words with


def backed(reasons: list[str], strict: bool = False) -> bool:
    """The customer's record, or a question kind the brand maps to this article's topic (a safety concern, a
    cancellation), points at this article: it answers even with a weak match. ``strict`` (a further question of
    the message): only an open case on this very article or a record the question names counts."""
    if strict:
        return any(r.startswith("record") and ("on this article" in r or "names it" in r) or
                   r.startswith("safety question") for r in reasons)
    return any(r.startswith("record") or r.endswith("question fits this topic") for r in reasons)


def search_text(text: str) -> str:
    """What a message says, without greetings, sign-offs, handles and links: the text it is searched with."""
    return " ".join(sentences(text)) or text


def find_issues(kb, policy, scorer: BlockScorer, req: DraftRequest, u, passages, articles, facts, filters,
                language: str, form: str | None) -> list[Issue]:
    """The article for each question of the message, and the blocks that answer it."""
    profile = policy.replies
    questions = u.questions or []
    many = len(questions) > 1
    vecs = kb.embed_queries([clean_query(search_text(req.text))] + ([clean_query(search_text(q.text)) for q in questions] if many else []))
    passages = passages + record_passages(kb, req, u, facts, passages, filters)
    passages = passages + ask_passages(kb, policy, req, u, passages, filters)
    articles = articles + kb.get_articles([p.article_id for p in passages
                                                if p.article_id not in {a.id for a in articles}])
    ranked = rank_articles(passages, articles, u, facts, profile.ask_topics, text=req.text)
    if not ranked:
        return []
    score, article, passage, why = ranked[0]
    relevant = profile.answers(passage.similarity, passage.lexical) or backed(why)
    if not relevant:
        return []
    issues = [Issue(question=questions[0] if len(questions) == 1 else None, article=article, passage=passage,
                    score=score, similarity=passage.similarity or 0.0, reasons=why)]
    if many:  # each question is matched on its own; one on another topic becomes an issue of its own
        for q in questions:
            found = kb.search(search_text(q.text), filters, k=3)
            found = found + record_passages(kb, req.model_copy(update={"text": q.text}), u, facts, found, filters)
            extra = kb.get_articles([p.article_id for p in found])
            q_ranked = rank_articles(found, extra, u, facts, profile.ask_topics, asks=q.asks, text=q.text)
            if not q_ranked:
                continue
            context_ids = {p.article_id for p in passages}
            for cand in q_ranked:
                s2, a2, p2, why2 = cand
                # the question's own best article when it is clearly relevant, or one the whole message
                # also points at and the question shares words with
                strong = profile.answers((p2.similarity or 0.0) - SECOND_ISSUE_MARGIN, p2.lexical) or \
                    backed(why2, strict=True)
                supported = a2.id in context_ids and (p2.lexical or 0.0) >= SECOND_ISSUE_MIN_LEXICAL
                if strong or supported:
                    break
            else:
                continue
            same = next((i2 for i2 in issues if i2.article.id == a2.id), None)
            if same is not None:  # another question this article answers: its own best block too
                if same.question is None:
                    same.question = q
                elif same.question is not q:
                    same.more_questions.append(q)
                continue
            if not any(i2.article.id == a2.id for i2 in issues) and len(issues) < 3:
                issues.append(Issue(question=q, article=a2, passage=p2, score=s2,
                                    similarity=p2.similarity or 0.0, reasons=why2))
    for n, issue in enumerate(issues):
        q = issue.question
        text = q.text if q else req.text
        asks = q.asks if q else u.asks
        vec = vecs[questions.index(q) + 1] if (q is not None and many) else vecs[0]
        blocks = [b for b in issue.article.blocks if b.kind == "answer" and b.language == language
                  and (not b.address_form or not form or b.address_form == form)]
        if not blocks:  # no building blocks (a help centre as imported): the body's own sentences
            blocks = body_sentences(issue.article, language)
        scored = scorer.score(text, vec, asks, issue.article, blocks)
        firsts: list = []  # the best block for each further question, right after the main answer
        for extra in issue.more_questions:
            best = scorer.score(extra.text, vecs[questions.index(extra) + 1], extra.asks, issue.article,
                                     blocks)
            if best:
                firsts.append(best[0][1])
        seen, ordered = set(), []
        head = [scored[0][1]] if scored else []
        for b in [*head, *firsts, *(b for _, b in scored)]:
            if b.text not in seen:
                seen.add(b.text)
                ordered.append(b)
        issue.answers = ordered
        issue.per_question = 1 + len({b.text for b in firsts} - {scored[0][1].text} if scored else set())
        issue.facts = [f for f in facts if issue.article.id in f.topics or (set(asks) & f.asks and (
            ({issue.article.id, *issue.article.tags} & f.topics) or mentions(f, text)))]
        if n == 0:  # the main question also gets what the record says about what the message names
            issue.facts += [f for f in facts if f not in issue.facts and mentions(f, req.text)]
    return issues

def ask_passages(kb, policy, req: DraftRequest, u, have, filters) -> list[Passage]:
    """For question kinds the brand maps to topics (a safety concern → its security articles): the best
    article of that topic joins the candidates even when retrieval ranked it low."""
    out: list[Passage] = []
    known = {p.article_id for p in have}
    for ask in u.asks:
        tags = policy.replies.ask_topics.get(ask)
        if not tags or ask != "safety":
            continue
        found = kb.search(search_text(req.text), filters.model_copy(update={"tags": list(tags)}), k=1,
                               depth=TOPIC_DEPTH)
        out.extend(p for p in found if p.article_id not in known)
    return out

def record_passages(kb, req: DraftRequest, u, facts, have, filters) -> list[Passage]:
    """Candidates the customer's record points at when retrieval missed them: the articles of open cases,
    appointments and claims, and the best article on the topic of a record the message is about."""
    known = {p.article_id for p in have}
    out: list[Passage] = []
    tags: list[str] = []
    for f in facts:
        if not (set(u.asks) & f.asks or mentions(f, req.text)):
            continue
        for t in f.topics:
            if t not in known and t not in tags:
                tags.append(t)
    if not tags:
        return out
    ids = [t for t in tags if kb.has_article(t)]
    for a in kb.get_articles(ids):
        out.append(Passage(article_id=a.id, chunk_id=f"{a.id}#0", title=a.title, language=a.language,
                           text=a.title, score=0.0, tags=a.tags, similarity=None))
        known.add(a.id)
    topic_tags = [t for t in tags if t not in ids]
    if topic_tags:
        found = kb.search(search_text(req.text), filters.model_copy(update={"tags": topic_tags}), k=2,
                               depth=TOPIC_DEPTH)
        out.extend(p for p in found if p.article_id not in known)
    floor = min((p.score for p in have), default=0.0)
    for p in out:  # as strong as the weakest retrieved candidate at most: the record adds the rest
        p.score = min(p.score, floor) if p.score else floor * 0.9
    return out
