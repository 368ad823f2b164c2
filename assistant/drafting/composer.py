"""The offline composer: a reply from trainer-approved building blocks, the customer's record and the policy.

No model is involved: every sentence is an approved block, a fact from the CRM record or a text of the brand's
reply profile, so the reply is grounded by construction. Structure: greeting (name, form of address, channel)
→ an acknowledgement that fits the message's mood → for each question: what the record says, then the block
that answers it → next step → hand-off only when something is still needed → sign-off; sized for the channel.
When nothing in the knowledge base answers, the reply says so and hands off; it never borrows an article.
"""

from __future__ import annotations

import hashlib
import re

from assistant.drafting.placeholders import customer_values, fill
from assistant.models import Citation, DraftContext, DraftProposal, Issue
from guardrails.checks.address_form import DU, SIE
from guardrails.text import weighted_length
from knowledge_base.models import Article, ReplyBlock

OTHER_FORM = {"Sie": DU, "du": SIE}
# A reference number as customers write one: letters and digits with at least five digits ("B-558812", "4711-0815")
REFERENCE_LIKE = re.compile(r"(?<![\w.])(?=[A-Z0-9-]*\d[A-Z0-9-]*\d[A-Z0-9-]*\d[A-Z0-9-]*\d[A-Z0-9-]*\d)"
                            r"[A-Z]{0,4}-?\d[\d-]{4,}(?![\w.])")
# What a hand-off block asks for, so it is dropped when the record already holds it.
ASKS_FOR = {"customer": ("kundennummer", "customer number", "vertragsnummer", "contract number", "account"),
            "order": ("bestellnummer", "auftragsnummer", "order number", "sendungsnummer", "tracking number"),
            "invoice": ("rechnungsnummer", "invoice number"),
            "contract": ("vertragsnummer", "contract number")}


# Closed-class words that start a sentence: lower-cased after "Hallo Anna," ("Ein neuer …" → "ein neuer …").
# Nouns keep their capital (German), as do "Sie"/"Ihr" (formal address), names and acronyms.
LOWER_AFTER_GREETING = frozenset(
    ["ein", "eine", "einen", "einem", "einer", "der", "die", "das", "den", "dem", "des", "wir", "es", "er", "du", "dein", "deine", "deinen", "deinem", "deiner", "dich", "dir", "bitte", "mit", "im", "in", "am", "an", "auf", "bei", "für", "von", "vom", "zum", "zur", "so", "da", "hier", "dazu", "dafür", "gern", "gerne", "leider", "kein", "keine", "damit", "danke", "vielen", "laut", "nach", "seit", "statt", "über", "unter", "wenn", "falls", "sobald", "aktuell", "derzeit", "gut", "schön", "klar", "alles", "alle", "dann", "zu", "ich", "a", "an", "the", "we", "it", "you", "your", "our", "this", "that", "these", "those", "please", "thanks", "thank", "with", "in", "on", "at", "for", "by", "from", "so", "here", "there", "if", "when", "as", "unfortunately", "sorry", "good", "great", "all"])  # noqa: SIM905


KEEP_CAPITAL = frozenset({"Sie", "Ihr", "Ihre", "Ihnen", "Ihren", "Ihrem", "Ihres", "I", "I'm", "I've", "I'll"})


def _lower_first(text: str, brand_text: bool = False) -> str:
    """Lower-case the first word after the greeting when it is a closed-class word — or any word of a text the
    brand wrote as an opener (acknowledgements, hand-offs) — but never Sie/Ihr, "I", names or acronyms."""
    word = text.split(" ", 1)[0].strip(",.:;!?–-")
    if not word[:1].isupper() or word in KEEP_CAPITAL or (len(word) > 1 and word.isupper()):
        return text
    if word.lower() in LOWER_AFTER_GREETING or (brand_text and word[1:].islower()):
        return text[0].lower() + text[1:]
    return text


def _similar(a: str, b: str) -> bool:
    from knowledge_base.lexical import tokenize

    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) >= 0.5


def _pick(options: list[str], seed: str) -> str | None:
    if not options:
        return None
    return options[int(hashlib.sha1(seed.encode()).hexdigest(), 16) % len(options)]


class ComposerDrafter:
    name = "composer"

    def __init__(self, policy=None) -> None:
        from guardrails.policy import load_policy

        self.policy = policy or load_policy()

    @property
    def profile(self):
        return self.policy.replies

    # ---- form ------------------------------------------------------------------------------------
    def _form(self, ctx: DraftContext) -> str | None:
        return self.policy.reply_form(ctx.language, ctx.request.channel, ctx.customer.address_form)

    def _greeting(self, ctx: DraftContext, form: str | None) -> str:
        c = ctx.customer
        channel = ctx.request.channel
        if form == "Sie":
            variant = "formal" if (c.salutation and c.last_name) else "anonymous"
        else:
            variant = "named" if c.first_name else "anonymous"
        template = self.profile.text("greeting", ctx.language, variant, channel) or (
            "Hallo," if ctx.language == "de" else "Hi,")
        return template.format(first_name=c.first_name or "", last_name=c.last_name or "",
                               salutation=c.salutation or "", brand=self.policy.brand).replace("  ", " ")

    def _signoff(self, ctx: DraftContext, form: str | None) -> str:
        long = self.profile.text("signoff", ctx.language, form, ctx.request.channel)
        if ctx.request.channel == "email" and long:
            return long.format(brand=self.policy.brand)
        return ctx.request.agent_signoff

    def _profile_text(self, table: str, ctx: DraftContext, form: str | None, **values) -> str | None:
        text = self.profile.text(table, ctx.language, form, ctx.request.channel)
        return text.format(brand=self.policy.brand, **values) if text else None

    # ---- blocks ----------------------------------------------------------------------------------
    @staticmethod
    def fits(b: ReplyBlock, ctx: DraftContext, form: str | None) -> bool:
        """The block is in the reply's language and form of address and allowed on this channel."""
        if b.language != ctx.language:
            return False
        if b.address_form and form and b.address_form != form:
            return False
        if form and not b.address_form and OTHER_FORM[form].search(b.text):
            return False  # a "neutral" block that still says du (or Sie)
        if b.channels and ctx.request.channel not in b.channels:
            return False
        return not (ctx.request.visibility == "public" and b.channels and set(b.channels) <= {"email", "dm"})

    def usable_blocks(self, article: Article, ctx: DraftContext, form: str | None, kind: str) -> list[ReplyBlock]:
        out = [b for b in article.blocks if b.kind == kind and self.fits(b, ctx, form)]
        want_long = ctx.request.channel in ("email", "dm", "facebook")
        out.sort(key=lambda b: b.length == ("short" if want_long else "long"))  # stable: trainer's order kept
        return out

    def _fill(self, blocks: list[ReplyBlock], ctx: DraftContext, article: Article) -> tuple[str, list[Citation]] | None:
        values = customer_values(ctx.customer, topic=article.id)
        for b in blocks:
            filled = fill(b.text, values, public=ctx.request.visibility == "public")
            if filled is not None:
                return filled
        return None

    def _asks_for_known(self, text: str, ctx: DraftContext) -> bool:
        """Would this sentence ask for something we already have — in the record, or given in the conversation?"""
        low = text.lower()
        asks = {kind for kind, words in ASKS_FOR.items() if any(w in low for w in words)}
        if not asks:
            return False
        if ctx.customer.id is not None and asks & ({"customer", "contract"} |
                                                    {str(r.get("kind")) for r in ctx.customer.records}):
            return True
        return self._reference_given(ctx)

    def _reference_given(self, ctx: DraftContext) -> bool:
        """The customer already wrote a reference number (this message or earlier in the thread)."""
        said = " ".join([ctx.request.text, *(t.text for t in ctx.request.thread if t.role == "customer")])
        patterns = getattr(self.policy, "reference_rx", None) or []
        return any(rx.search(said) for rx in patterns) or bool(REFERENCE_LIKE.search(said))

    # ---- Drafter ---------------------------------------------------------------------------------
    def draft(self, ctx: DraftContext) -> DraftProposal:
        form = self._form(ctx)
        public = ctx.request.visibility == "public"
        channel = ctx.request.channel
        limit = ctx.max_chars or self.policy.channel_limit(channel)
        url_weight = self.policy.channel(channel).url_weight
        greeting, signoff = self._greeting(ctx, form), self._signoff(ctx, form)
        u = ctx.understanding
        seed = ctx.request.text
        # parts: (priority, text, citations, kind); the highest priority number is dropped first when too long
        parts: list[tuple[int, str, list[Citation], str]] = []
        ack_options = self.profile.variants(ctx.language, form, u.mood) if u.mood != "neutral" else []
        if ack := _pick(ack_options, seed):
            parts.append((5, ack, [], "acknowledge"))
        # an issue can be answered when it has an answer in the reply's language (a block or a body sentence)
        # or the customer's record speaks to it
        issues = [i for i in ctx.issues if any(b.language == ctx.language for b in i.answers) or i.facts]
        citations: list[Citation] = []
        said_before = [t.text for t in ctx.request.thread if t.role == "brand"]  # never repeat ourselves
        used_facts: set[str] = set()
        next_step: str | None = None
        needs_private = False
        meta_blocks: list[str] = []
        if not issues:
            for f in ctx.facts[:2] if ctx.facts and set(u.asks) & ctx.facts[0].asks else []:
                parts.append((1, f.text, [Citation(kind="crm", ref=r, text=f.text) for r in f.field_refs], "fact"))
                used_facts.add(f.ref)
            table = "clarify" if (u.vague and not used_facts) else "gap"
            topics = ", ".join(self.profile.clarify_topics.get(ctx.language, []))
            if not used_facts and (text := self._profile_text(table, ctx, form, topics=topics)):
                parts.append((1, text, [], table))
            next_step = "hand off to the responsible team" if table == "gap" else "ask what it is about"
        for n, issue in enumerate(issues[:3]):
            prio = 1 if n == 0 else 3 + n  # the first question is answered first; the others if they fit
            for f in issue.facts:
                if f.ref in used_facts:
                    continue
                used_facts.add(f.ref)
                parts.append((prio, f.text,
                              [Citation(kind="crm", ref=r, text=f.text) for r in f.field_refs], "fact"))
            answered = False
            fresh = [b for b in issue.answers if not any(_similar(b.text, t) for t in said_before)]
            for b in fresh + [b for b in issue.answers if b not in fresh]:
                if not self.fits(b, ctx, form):
                    continue
                filled = self._fill([b], ctx, issue.article)
                if filled is None or self._asks_for_known(filled[0], ctx) or any(_similar(filled[0], p[1]) for p in parts):
                    continue
                if answered and any(_similar(filled[0], t) for t in said_before):
                    continue
                # the record already answers the first question: its generic block is the first to go when the
                # reply is too long, not the answer to the next question
                covered = not answered and issue.per_question > 1 and any(
                    set(issue.question.asks if issue.question else []) & f.asks for f in issue.facts)
                rank = 5 if covered else (prio if not answered else prio + 2)
                parts.append((rank, filled[0], filled[1], f"answer:{b.id}"))
                meta_blocks.append(f"{issue.article.id}:{b.id}")
                answered = True
                wanted = max(issue.per_question, 2 if channel in ("email", "dm") and n == 0 else 1)
                if sum(1 for m in meta_blocks if m.startswith(issue.article.id + ":")) >= wanted:
                    break
            if n == 0:
                nxt = self._fill(self.usable_blocks(issue.article, ctx, form, "next_step"), ctx, issue.article)
                if nxt and not any(_similar(nxt[0], p[1]) for p in parts) and not issue.facts:
                    parts.append((4, nxt[0], nxt[1], "next_step"))
                    next_step = nxt[0]
            passage = issue.passage
            citations.append(Citation(kind="kb", ref=passage.chunk_id if passage else f"{issue.article.id}#0",
                                      title=issue.article.title,
                                      text=(passage.text if passage else issue.article.body[:300])))
        if issues and public:
            primary = issues[0]
            hand = self._fill(self.usable_blocks(primary.article, ctx, form, "handoff"), ctx, primary.article)
            no_answer = not any(k.startswith("answer") or k == "fact" for *_, k in parts)
            if hand and not self._asks_for_known(hand[0], ctx) and (no_answer or not ctx.customer.id):
                parts.append((6 if not no_answer else 2, hand[0], hand[1], "handoff"))
                needs_private = True
            elif ctx.customer.id and no_answer and (text := self._profile_text("private_handoff", ctx, form)):
                parts.append((2, text, [], "handoff"))
                needs_private = True
        if u.safety and any(p[3].startswith("answer") for p in parts):  # the safety step leads the reply
            parts = [p for p in parts if p[3] != "acknowledge"] + [p for p in parts if p[3] == "acknowledge"]
            parts.sort(key=lambda p: 0 if p[3].startswith("answer") and p[0] <= 1 else 1)
        sep = "\n\n" if channel == "email" else " "

        def render(ps: list[tuple[int, str, list[Citation], str]]) -> str:
            body = " ".join(p[1] for p in ps)
            if body and not greeting.endswith((".", "!")):
                body = _lower_first(body, brand_text=ps[0][3] in ("acknowledge", "gap", "clarify", "handoff"))
            return f"{greeting}{sep}{body}{sep}{signoff}".strip()

        kept = list(parts)
        dropped_second: Issue | None = None
        if limit:
            while weighted_length(render(kept), url_weight) > limit and len(kept) > 1:
                worst = max(range(len(kept)), key=lambda i: (kept[i][0], i))
                if kept[worst][3].startswith("answer") and len(issues) > 1 and dropped_second is None:
                    dropped_second = issues[-1]
                kept.pop(worst)
            if dropped_second is not None:
                note = self._profile_text("second_issue", ctx, form, title=dropped_second.article.title)
                if note and weighted_length(render(kept + [(9, note, [], "second")]), url_weight) <= limit:
                    kept.append((9, note, [], "second"))
        text = render(kept)
        for p in kept:
            citations.extend(p[2])
        return DraftProposal(
            text=text, engine="composer", citations=citations, next_step=next_step,
            needs_private_channel=needs_private or any(p[3] == "handoff" for p in kept),
            meta={"article": issues[0].article.id if issues else None,
                  "articles": [i.article.id for i in issues], "blocks": [p[3] for p in kept],
                  "answer_blocks": meta_blocks, "facts_used": sorted(used_facts), "gap": not issues},
        )
