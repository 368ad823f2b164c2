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
from assistant.drafting.composer import ComposerDrafter
from assistant.models import CustomerView, DraftContext, Drafter, DraftProposal, DraftRequest, DraftResult
from assistant.orm import AuditEvent, Draft, Message
from assistant.triage import triage
from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext, Finding
from knowledge_base.models import SearchFilters
from replydesk.db import Database, utcnow

GAP_SIMILARITY = 0.32  # below this dense cosine the best article does not really answer the message
EngineChoice = Literal["auto", "composer", "llm"]


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

    @classmethod
    def from_settings(cls, db: Database, settings=None, engine: EngineChoice = "auto", llm: Drafter | None = None) -> Pipeline:
        from knowledge_base.service import KnowledgeBase
        from replydesk.settings import get_settings

        settings = settings or get_settings()
        guardrails = GuardrailEngine.from_policy(settings.policy_path)
        if llm is None and engine != "composer" and settings.llm_configured:
            from assistant.drafting.llm import LLMDrafter

            llm = LLMDrafter.from_settings(settings)
        if settings.llm_judge_tone and llm is not None and hasattr(llm, "model"):
            guardrails = guardrails.with_llm_tone_judge(llm.model, getattr(llm, "model_name", "llm"))
        return cls(db, KnowledgeBase.open(db, settings), guardrails, ComposerDrafter(guardrails.policy), llm,
                   engine=engine if engine != "auto" else settings.engine, settings=settings)

    # ---- building the context --------------------------------------------------------------------
    def _customer(self, req: DraftRequest) -> CustomerView:
        if req.customer is not None:
            return req.customer
        return self.customers.lookup(req.channel, req.handle) or CustomerView()

    def context(self, req: DraftRequest, received_at: datetime | None = None) -> DraftContext:
        customer = self._customer(req)
        passages = self.kb.search(req.text, SearchFilters(channel=req.channel), k=3)
        best = passages[0] if passages and (passages[0].similarity or 0.0) >= GAP_SIMILARITY else None
        tri = triage(req.text, req.channel, req.visibility, followers=customer.followers,
                     customer_language=customer.language, best_article=best.article_id if best else None,
                     best_score=best.similarity if best else None, policy=self.policy, received_at=received_at)
        language = tri.language.value
        # A knowledge gap (nothing relevant found): no article's blocks, the composer asks what it is about.
        articles = self.kb.get_articles([p.article_id for p in passages]) if best else []
        return DraftContext(request=req, language=language, triage=tri.flat(), customer=customer,
                            passages=passages, articles=articles,
                            max_chars=self.policy.channel_limit(req.channel))

    def check_context(self, ctx: DraftContext, proposal: DraftProposal | None = None) -> CheckContext:
        evidence = [p.text for p in ctx.passages]
        cited = {c.ref.split("#")[0] for c in (proposal.citations if proposal else []) if c.kind == "kb"}
        for a in ctx.articles:
            if not cited or a.id in cited:
                evidence.append(a.body)
                evidence.extend(b.text for b in a.blocks)
        evidence.extend(c.text for c in (proposal.citations if proposal else []) if c.kind == "crm" and c.text)
        if ctx.request.visibility == "private":
            evidence.extend(str(v) for r in ctx.customer.records for v in (r.get("data") or {}).values())
        confidential = []
        if self.llm is not None and hasattr(self.llm, "system_prompt"):
            confidential.append(self.llm.system_prompt)
        if ctx.customer.id:
            notes = self.customers.notes(ctx.customer.id)
            if notes:
                confidential.append(notes)
        return CheckContext(
            channel=ctx.request.channel, visibility=ctx.request.visibility, language=ctx.language,
            address_form=(ctx.customer.address_form if ctx.language == "de" else None),
            customer_name=ctx.customer.display_name, customer_message=ctx.request.text, evidence=evidence,
            private_values=ctx.customer.private_values, confidential=confidential,
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

    def run(self, request: DraftRequest, *, persist: bool = False, received_at: datetime | None = None) -> DraftResult:
        start = time.perf_counter()
        ctx = self.context(request, received_at)
        proposal, findings, passed, needs_human, fallback = self._draft(ctx)
        result = DraftResult(
            draft=proposal.text, language=ctx.language, engine=proposal.engine, citations=proposal.citations,
            findings=findings, passed=passed, latency_ms=round((time.perf_counter() - start) * 1000, 2),
            needs_human=needs_human, fallback_reason=fallback, triage=ctx.triage, passages=ctx.passages,
            tokens_in=proposal.tokens_in, tokens_out=proposal.tokens_out, cost_usd=proposal.cost_usd,
            created_at=utcnow(),
        )
        result._ctx = ctx  # type: ignore[attr-defined]
        result._proposal = proposal  # type: ignore[attr-defined]
        return result

    def draft_message(self, message_id: str, actor: str = "system") -> DraftResult:
        """Draft a stored inbox message; the draft row and the status change commit together."""
        with self.db.session() as s:
            msg = s.get(Message, message_id)
            if msg is None:
                raise LookupError(f"no message {message_id!r}")
            req = DraftRequest(text=msg.text, channel=msg.channel, visibility=msg.visibility,
                               handle=msg.author_handle, message_id=msg.id)
            received = msg.received_at
        result = self.run(req, received_at=received)
        ctx = result._ctx  # type: ignore[attr-defined]
        with self.db.transaction() as s:
            msg = s.get(Message, message_id, with_for_update=self.db.is_postgres)
            version = (s.scalar(select(func.max(Draft.version)).where(Draft.message_id == message_id)) or 0) + 1
            draft = Draft(message_id=message_id, version=version, engine=result.engine, text=result.draft,
                          language=result.language, citations=[c.model_dump() for c in result.citations],
                          findings=[f.model_dump() for f in result.findings], passed=result.passed,
                          needs_human=result.needs_human, fallback_reason=result.fallback_reason,
                          latency_ms=result.latency_ms, tokens_in=result.tokens_in, tokens_out=result.tokens_out,
                          cost_usd=result.cost_usd, created_by=actor,
                          meta={"passages": [p.model_dump() for p in result.passages],
                                **result._proposal.meta})  # type: ignore[attr-defined]
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
