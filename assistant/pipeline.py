"""The life of one message: triage → customer context → retrieval → draft → guardrails → (revise | fall back).

Every stored message's draft is written in the same transaction as its status change, so a crash at any
point leaves either the old state or the new one, never half of it; a restart simply claims it again.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select

from assistant.customers import CustomerService
from assistant.drafting.facts import record_facts
from assistant.drafting.issues import K_CANDIDATES, backed, find_issues, search_text
from assistant.drafting.selection import BlockScorer
from assistant.models import (
    CustomerView,
    DraftContext,
    Drafter,
    DraftProposal,
    DraftRequest,
    DraftResult,
    Issue,
    ThreadMessage,
)
from assistant.orm import AuditEvent, Draft, Message
from assistant.triage import triage
from assistant.understanding import understand
from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext, Finding
from knowledge_base.models import SearchFilters
from knowledge_base.service import clean_query
from replydesk.db import Database, utcnow

EngineChoice = Literal["auto", "composer", "llm"]


def draft_meta(result: DraftResult) -> dict:
    """What a stored draft keeps besides its text: the passages, the questions found, the record's facts and
    the drafter's own notes (chosen articles and blocks) — the reviewer sees why it says what it says."""
    proposal = getattr(result, "_proposal", None)
    return {"passages": [p.model_dump() for p in result.passages],
            "facts": [{"kind": f.kind, "text": f.text, "refs": f.field_refs} for f in result.facts],
            "understanding": result.understanding, **(proposal.meta if proposal is not None else {})}


class Pipeline:
    def __init__(self, db: Database, kb, guardrails: GuardrailEngine, composer: Drafter,
                 llm: Drafter | None = None, engine: EngineChoice = "auto", settings=None) -> None:
        self.db = db
        self.kb = kb
        self.guardrails = guardrails
        self.policy = guardrails.policy
        self.composer = composer
        self.llm = llm
        self.engine = engine
        self.customers = CustomerService(db)
        self.settings = settings
        self.blocks = BlockScorer(getattr(kb, "embedder", None))
        # triage's classifiers were trained on USE vectors: share the message's vector when the KB uses USE too
        self._shares_triage_model = getattr(getattr(kb, "embedder", None), "name", "") == "use-multilingual-v3"

    @classmethod
    def from_settings(cls, db: Database, settings=None, engine: EngineChoice = "auto", llm: Drafter | None = None) -> Pipeline:
        from knowledge_base.service import KnowledgeBase
        from replydesk.plugins import load
        from replydesk.settings import get_settings

        settings = settings or get_settings()
        guardrails = GuardrailEngine.from_policy(settings.policy_path)
        # the drafters come from the ``replydesk.drafters`` entry points: a plugin's (REPLYDESK_DRAFTER) or the
        # LLM when one is configured takes the primary place; the composer is the fallback
        primary = settings.drafter or ("llm" if settings.llm_configured else None)
        if llm is None and engine != "composer" and primary:
            llm = load("drafters", primary)(guardrails.policy, settings)
        if settings.llm_judge_tone and llm is not None and hasattr(llm, "model"):
            guardrails = guardrails.with_llm_tone_judge(llm.model, getattr(llm, "model_name", "llm"))
        composer = load("drafters", "composer")(guardrails.policy, settings)
        return cls(db, KnowledgeBase.open(db, settings), guardrails, composer, llm,
                   engine=engine if engine != "auto" else settings.engine, settings=settings)

    # ---- building the context --------------------------------------------------------------------
    def _customer(self, req: DraftRequest) -> CustomerView:
        if req.customer is not None:
            return req.customer
        return self.customers.lookup(req.channel, req.handle) or CustomerView()

    def context(self, req: DraftRequest, received_at: datetime | None = None,
                now: datetime | None = None) -> DraftContext:
        """``now``: the moment the reply is written (relative dates: "morgen", "am Mittwoch"); evals fix it."""
        if req.agent_signoff is None:  # the sign-off of this pipeline's brand policy
            req = req.model_copy(update={"agent_signoff": self.policy.voice.agent_signoff})
        customer = self._customer(req)
        profile = self.policy.replies
        filters = SearchFilters(channel=req.channel)
        # the query is what the message says, without greetings, sign-offs, handles and links
        query = search_text(req.text)
        u = understand(req.text)
        parts = u.questions
        # every text of this message that gets embedded (triage's classifiers read the raw message; search the
        # cleaned query and each question), in one model call
        texts = [clean_query(search_text(t)) for t in [req.text, *([q.text for q in parts] if len(parts) > 1 else [])]]
        raw_vec = self.kb.embed_queries([req.text, *texts])[0] if self._shares_triage_model else None
        if raw_vec is None:
            self.kb.embed_queries(texts)
        passages = self.kb.search(query, filters, k=K_CANDIDATES)
        best = passages[0] if passages and profile.answers(passages[0].similarity, passages[0].lexical) else None
        tri = triage(req.text, req.channel, visibility=req.visibility, followers=customer.followers,
                     customer_language=customer.language, best_article=best.article_id if best else None,
                     best_score=best.similarity if best else None, policy=self.policy, received_at=received_at,
                     embedding=raw_vec)
        language = tri.language.value
        flat = tri.flat()
        sentiment = flat.get("sentiment", {}).get("value")
        if sentiment == "negative" and u.mood == "neutral":  # the triage model may see anger the cues missed
            u = understand(req.text, sentiment)
        form = self.policy.reply_form(language, req.channel, customer.address_form)
        today = (now or utcnow()).date()
        facts = record_facts(customer, language, form, public=req.visibility == "public", today=today,
                             record_topics=profile.record_topics)
        articles = self.kb.get_articles(list(dict.fromkeys(p.article_id for p in passages)))
        issues = self._issues(req, u, passages, articles, facts, filters, language, form)
        if best is None and issues and not any(backed(i.reasons) for i in issues):
            issues = []  # a knowledge gap: never answer from an unrelated article
        return DraftContext(request=req, language=language, triage=flat, customer=customer,
                            passages=passages[:3], articles=[i.article for i in issues],
                            max_chars=self.policy.channel_limit(req.channel), understanding=u, facts=facts,
                            issues=issues, gap=not issues, today=today, address_form=form)

    def _issues(self, req: DraftRequest, u, passages, articles, facts, filters, language: str,
                form: str | None) -> list[Issue]:
        return find_issues(self.kb, self.policy, self.blocks, req, u, passages, articles, facts, filters, language,
                           form)

    def check_context(self, ctx: DraftContext, proposal: DraftProposal | None = None) -> CheckContext:
        evidence = [p.text for p in ctx.passages]
        cited = {c.ref.split("#")[0] for c in (proposal.citations if proposal else []) if c.kind == "kb"}
        for a in ctx.articles:
            if not cited or a.id in cited:
                evidence.append(a.body)
                evidence.extend(b.text for b in a.blocks)
        evidence.extend(c.text for c in (proposal.citations if proposal else []) if c.kind == "crm" and c.text)
        for f in ctx.facts:  # the customer's record is grounded evidence (dates, carriers, states)
            evidence.append(f.text)
            evidence.extend(f.evidence)
        if ctx.request.visibility == "private":
            evidence.extend(str(v) for r in ctx.customer.records for v in (r.get("data") or {}).values())
        if ctx.customer.tier:  # a policy for another tier is no support for a promise (guardrails.promises)
            evidence.append(f"Customer record: tier {ctx.customer.tier}")
        confidential = []
        if self.llm is not None and hasattr(self.llm, "system_prompt"):
            confidential.append(self.llm.system_prompt)
        if ctx.customer.id:
            notes = self.customers.notes(ctx.customer.id)
            if notes:
                confidential.append(notes)
        return CheckContext(
            channel=ctx.request.channel, visibility=ctx.request.visibility, language=ctx.language,
            # the form the drafter was told to use (the customer's, else the channel's default), so the check and
            # the composer agree; only `replydesk check` without a known form reads it from the customer's message
            address_form=self.policy.reply_form(ctx.language, ctx.request.channel, ctx.customer.address_form),
            customer_name=ctx.customer.display_name, customer_message=ctx.request.text, evidence=evidence,
            private_values=ctx.customer.private_values, confidential=confidential,
            customer_mood=ctx.understanding.mood,
            other_private_values=self.customers.all_private_values(),
            cited=[f"{c.title or ''} {c.text or ''}" for c in (proposal.citations if proposal else []) if c.kind == "kb"],
        )

    # ---- drafting --------------------------------------------------------------------------------
    def _use_llm(self, req: DraftRequest) -> bool:
        choice = req.engine if req.engine != "auto" else self.engine
        if choice == "composer":
            return False
        if choice == "llm" and self.llm is None:
            raise RuntimeError("engine 'llm' asked for, but no LLM is configured: set OPENAI_API_KEY or "
                               "REPLYDESK_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1 for Ollama)")
        return self.llm is not None

    def _draft(self, ctx: DraftContext) -> tuple[DraftProposal, list[Finding], bool, bool, str | None]:
        """(proposal, findings, passed, needs_human, fallback_reason)"""
        fallback: str | None = None
        if self._use_llm(ctx.request):
            tokens_in = tokens_out = 0
            cost = 0.0
            for attempt in range(self.policy.max_revisions + 1):
                try:
                    proposal = self.llm.draft(ctx)
                except Exception as exc:  # noqa: BLE001 - every LLM failure falls back, with its reason kept
                    fallback = f"LLM failed ({type(exc).__name__}: {str(exc)[:200]}); composer used"
                    break
                tokens_in += proposal.tokens_in
                tokens_out += proposal.tokens_out
                cost += proposal.cost_usd
                report = self.guardrails.check(proposal.text, self.check_context(ctx, proposal))
                if report.passed:
                    proposal.tokens_in, proposal.tokens_out, proposal.cost_usd = tokens_in, tokens_out, cost
                    proposal.meta["revisions"] = attempt
                    return proposal, report.findings, True, False, None
                ctx = ctx.model_copy(update={"feedback": report.blocking})
            else:
                rules = sorted({f.rule for f in ctx.feedback})
                fallback = f"LLM draft kept failing guardrails ({', '.join(rules)}) after " \
                           f"{self.policy.max_revisions} revisions; composer used"
        proposal = self.composer.draft(ctx.model_copy(update={"feedback": []}))
        report = self.guardrails.check(proposal.text, self.check_context(ctx, proposal))
        return proposal, report.findings, report.passed, not report.passed, fallback

    def run(self, request: DraftRequest, *, persist: bool = False, received_at: datetime | None = None,
            now: datetime | None = None) -> DraftResult:
        start = time.perf_counter()
        self._use_llm(request)  # an engine that cannot run is an error, whatever the message
        ctx = self.context(request, received_at, now)
        if (ctx.triage.get("no_reply") or {}).get("value") and not request.force:
            # not addressed to us (news, a retweet, chatter between others): flagged, not drafted
            result = DraftResult(draft="", language=ctx.language, engine="composer", passed=True, no_reply=True,
                                 latency_ms=round((time.perf_counter() - start) * 1000, 2), triage=ctx.triage,
                                 passages=ctx.passages, created_at=utcnow(), understanding=ctx.understanding.summary())
            result._ctx = ctx  # type: ignore[attr-defined]
            result._proposal = None  # type: ignore[attr-defined]
            return result
        proposal, findings, passed, needs_human, fallback = self._draft(ctx)
        result = DraftResult(
            draft=proposal.text, language=ctx.language, engine=proposal.engine, citations=proposal.citations,
            findings=findings, passed=passed, latency_ms=round((time.perf_counter() - start) * 1000, 2),
            needs_human=needs_human, fallback_reason=fallback, triage=ctx.triage, passages=ctx.passages,
            tokens_in=proposal.tokens_in, tokens_out=proposal.tokens_out, cost_usd=proposal.cost_usd,
            created_at=utcnow(), facts=ctx.facts, understanding=ctx.understanding.summary(),
        )
        result._ctx = ctx  # type: ignore[attr-defined]
        result._proposal = proposal  # type: ignore[attr-defined]
        return result

    def thread(self, s, msg: Message, limit: int = 10) -> list[ThreadMessage]:
        """Earlier turns of this conversation on every channel: the thread, and the customer's other messages,
        with the replies we posted to them — so a draft neither repeats nor asks again."""
        from sqlalchemy import or_

        conds = []
        if msg.thread_id:
            conds.append(Message.thread_id == msg.thread_id)
        if msg.customer_id:
            conds.append(Message.customer_id == msg.customer_id)
        if not conds:
            return []
        earlier = s.scalars(select(Message).where(or_(*conds), Message.id != msg.id,
                                                  Message.received_at <= msg.received_at)
                            .order_by(Message.received_at.desc()).limit(limit)).all()
        from assistant.review.orm import Approval

        posted: dict[str, list] = {}
        for a in s.scalars(select(Approval).where(Approval.message_id.in_([m.id for m in earlier]),
                                                  Approval.state == "posted")).all():
            posted.setdefault(a.message_id, []).append(a)
        turns: list[ThreadMessage] = []
        for m in reversed(earlier):
            turns.append(ThreadMessage(role="customer", channel=m.channel, text=m.text, at=m.received_at))
            turns += [ThreadMessage(role="brand", channel=a.channel, text=a.text, at=a.posted_at)
                      for a in posted.get(m.id, [])]
        return turns

    def _mark_no_reply(self, message_id: str, result: DraftResult, ctx: DraftContext, actor: str) -> DraftResult:
        """Keep the triage and set the message aside as "no_reply" (an agent can still draft it on request)."""
        with self.db.transaction() as s:
            msg = s.get(Message, message_id, with_for_update=self.db.is_postgres)
            msg.customer_id = ctx.customer.id
            msg.language = result.language
            msg.triage = result.triage
            msg.sla_due_at = datetime.fromisoformat(result.triage["sla_due_at"]["value"])
            msg.risk = float(result.triage["risk"]["value"])
            if msg.status in ("pending", "drafting", "error"):
                msg.status = "no_reply"
            msg.claimed_by = None
            msg.claimed_until = None
            msg.error = None
            s.add(AuditEvent(actor=actor, action="no_reply", message_id=message_id,
                             data={"reason": result.triage["no_reply"]["reason"]}))
        return result

    def draft_message(self, message_id: str, actor: str = "system", lease_holder: str | None = None) -> DraftResult:
        """Draft a stored inbox message; the draft row and the status change commit together. A worker passes its
        ``lease_holder`` name: the draft commits only while that worker still holds the lease (a message is never
        drafted twice), and an agent's lock (``locked_by``) is left alone."""
        with self.db.session() as s:
            msg = s.get(Message, message_id)
            if msg is None:
                raise LookupError(f"no message {message_id!r}")
            req = DraftRequest(text=msg.text, channel=msg.channel, visibility=msg.visibility,
                               handle=msg.author_handle, message_id=msg.id, thread=self.thread(s, msg))
            received = msg.received_at
        result = self.run(req, received_at=received)
        ctx = result._ctx  # type: ignore[attr-defined]
        if result.no_reply:
            return self._mark_no_reply(message_id, result, ctx, actor)
        with self.db.transaction() as s:
            msg = s.get(Message, message_id, with_for_update=self.db.is_postgres)
            if lease_holder is not None and (msg is None or msg.status != "drafting"
                                             or msg.claimed_by != lease_holder):
                from assistant.worker import LeaseLost

                raise LeaseLost(f"lease on {message_id} lost by {lease_holder} (now "
                                f"{getattr(msg, 'status', None)} / {getattr(msg, 'claimed_by', None)}): not committed")
            version = (s.scalar(select(func.max(Draft.version)).where(Draft.message_id == message_id)) or 0) + 1
            draft = Draft(message_id=message_id, version=version, engine=result.engine, text=result.draft,
                          language=result.language, citations=[c.model_dump() for c in result.citations],
                          findings=[f.model_dump() for f in result.findings], passed=result.passed,
                          needs_human=result.needs_human, fallback_reason=result.fallback_reason,
                          latency_ms=result.latency_ms, tokens_in=result.tokens_in, tokens_out=result.tokens_out,
                          cost_usd=result.cost_usd, created_by=actor,
                          meta=draft_meta(result))
            s.add(draft)
            msg.customer_id = ctx.customer.id
            msg.language = result.language
            msg.triage = result.triage
            msg.sla_due_at = datetime.fromisoformat(result.triage["sla_due_at"]["value"])
            msg.risk = float(result.triage["risk"]["value"])
            if msg.status in ("pending", "drafting", "drafted", "error"):
                msg.status = "drafted"
            msg.claimed_by = None
            msg.claimed_until = None
            msg.error = None
            s.flush()
            s.add(AuditEvent(actor=actor, action="drafted", message_id=message_id, draft_id=draft.id,
                             data={"engine": result.engine, "passed": result.passed, "version": version,
                                   "fallback_reason": result.fallback_reason}))
            result.draft_id = draft.id
        return result
