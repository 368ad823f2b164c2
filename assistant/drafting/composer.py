"""The offline composer: a reply from the best article's approved building blocks and the CRM record.

No model is involved: every sentence is a trainer-approved block (or a fixed greeting/sign-off), so the
reply is grounded by construction. Structure: greeting with name → specific acknowledgement → concrete
answer → next step with timeframe → private-channel hand-off (public channels) → sign-off; sized for the
channel (X counts URLs as 23).
"""

from __future__ import annotations

from assistant.drafting.placeholders import customer_values, fill
from assistant.models import Citation, DraftContext, DraftProposal
from guardrails.checks.address_form import DU, SIE
from guardrails.text import weighted_length
from knowledge_base.models import Article, ReplyBlock

GENERIC = {
    ("de", "du"): "Danke für deine Nachricht! Damit wir dir konkret helfen können: Geht es um Vertrag, Rechnung, "
                  "Lieferung oder eine Störung? Schick uns bitte kurz per DM deine Kundennummer und worum es geht.",
    ("de", "Sie"): "Danke für Ihre Nachricht! Damit wir Ihnen konkret helfen können: Geht es um Vertrag, Rechnung, "
                   "Lieferung oder eine Störung? Senden Sie uns bitte per DM Ihre Kundennummer und Ihr Anliegen.",
    ("en", None): "Thanks for your message! So we can help you properly: is it about your contract, an invoice, a "
                  "delivery or an outage? Please DM us your customer number and what it is about.",
}
SIGNOFF_LONG = {"de": "Viele Grüße\nIhr FunkWerk-Team", "en": "Best regards,\nyour FunkWerk team"}
ORDER = ("acknowledge", "answer", "next_step", "handoff")
OTHER_FORM = {"Sie": DU, "du": SIE}


class ComposerDrafter:
    name = "composer"

    def __init__(self, policy=None) -> None:
        from guardrails.policy import load_policy

        self.policy = policy or load_policy()

    # ---- helpers ---------------------------------------------------------------------------------
    def _form(self, ctx: DraftContext) -> str | None:
        if ctx.language != "de":
            return None
        return ctx.customer.address_form or self.policy.address_form("de", ctx.request.channel) or "Sie"

    def _greeting(self, ctx: DraftContext) -> str:
        first = ctx.customer.first_name
        if ctx.language == "de":
            return f"Hallo {first}," if first else "Hallo,"
        return f"Hi {first}," if first else "Hi there,"

    def _signoff(self, ctx: DraftContext) -> str:
        if ctx.request.channel in ("email",):
            return SIGNOFF_LONG[ctx.language]
        return ctx.request.agent_signoff

    def _blocks(self, article: Article, ctx: DraftContext, form: str | None) -> dict[str, list[ReplyBlock]]:
        public = ctx.request.visibility == "public"
        want_long = ctx.request.channel in ("email", "dm", "facebook")
        out: dict[str, list[ReplyBlock]] = {k: [] for k in ORDER}
        for b in article.blocks:
            if b.language != ctx.language or b.kind not in out:
                continue
            if b.address_form and form and b.address_form != form:
                continue
            if form and not b.address_form and (OTHER_FORM[form].search(b.text)):
                continue  # a "neutral" block that still says du (or Sie)
            if b.channels and ctx.request.channel not in b.channels:
                continue
            if public and b.channels and set(b.channels) <= {"email", "dm"}:
                continue
            out[b.kind].append(b)
        for kind, blocks in out.items():  # prefer the variant that fits the channel
            blocks.sort(key=lambda b: (b.length == ("short" if want_long else "long"), b.id))
            out[kind] = blocks
        return out

    # ---- Drafter ---------------------------------------------------------------------------------
    def draft(self, ctx: DraftContext) -> DraftProposal:
        form = self._form(ctx)
        public = ctx.request.visibility == "public"
        limit = ctx.max_chars or self.policy.channel_limit(ctx.request.channel)
        url_weight = self.policy.channel(ctx.request.channel).url_weight
        greeting, signoff = self._greeting(ctx), self._signoff(ctx)
        article = next((a for a in ctx.articles if any(b.language == ctx.language for b in a.blocks)), None)
        if article is None:
            text = f"{greeting} {GENERIC.get((ctx.language, form), GENERIC[('en', None)])} {signoff}"
            return DraftProposal(text=text, engine="composer", next_step="ask what it is about",
                                 needs_private_channel=True, meta={"article": None, "blocks": []})
        values = customer_values(ctx.customer, topic=article.id)
        chosen: dict[str, tuple[str, list[Citation]]] = {}
        for kind, blocks in self._blocks(article, ctx, form).items():
            for b in blocks:
                filled = fill(b.text, values, public=public)
                if filled is not None:
                    chosen[kind] = (filled[0], filled[1])
                    break
        # private channels: the hand-off is pointless (we already are private) unless nothing else fits
        kinds = [k for k in ORDER if k in chosen and not (k == "handoff" and not public and "answer" in chosen)]
        sep = "\n\n" if ctx.request.channel == "email" else " "

        def render(ks: list[str]) -> str:
            body = " ".join(chosen[k][0] for k in ks)
            return f"{greeting}{sep}{body}{sep}{signoff}".strip()

        # Fit the channel: drop optional parts first (hand-off, then acknowledgement, then next step).
        if limit:
            for optional in ("handoff", "acknowledge", "next_step"):
                if weighted_length(render(kinds), url_weight) <= limit:
                    break
                if optional in kinds and len(kinds) > 1:
                    kinds.remove(optional)
        text = render(kinds)
        passage = next((p for p in ctx.passages if p.article_id == article.id), None)
        citations = [Citation(kind="kb", ref=passage.chunk_id if passage else f"{article.id}#0", title=article.title,
                              text=(passage.text if passage else article.body[:300]))]
        for k in kinds:
            citations.extend(chosen[k][1])
        return DraftProposal(
            text=text, engine="composer", citations=citations,
            next_step=chosen["next_step"][0] if "next_step" in kinds else None,
            needs_private_channel="handoff" in kinds,
            meta={"article": article.id, "blocks": kinds},
        )
