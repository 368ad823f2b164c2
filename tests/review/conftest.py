from __future__ import annotations

import uuid

import pytest

from assistant.orm import Customer, Draft, Message


def add_message(db, *, text="@FunkWerk mein Paket ist seit 5 Tagen unterwegs, wo bleibt es?", channel="twitter",
                visibility="public", followers=100, sentiment="neutral", draft_text=None, customer_id=None, mood=None):
    mid = uuid.uuid4().hex
    cid = customer_id or f"K-{mid[:6]}"
    with db.transaction() as s:
        if s.get(Customer, cid) is None:
            s.add(Customer(id=cid, display_name="Anna Schmidt", first_name="Anna", language="de", address_form="du",
                           followers=followers, dm_allowed=True))
            s.flush()
        s.add(Message(id=mid, external_id=f"ext-{mid}", channel=channel, visibility=visibility, author_handle="@anna_s",
                      customer_id=cid, text=text, raw={}, triage={"sentiment": {"value": sentiment, "reason": "test"}} | (
                          {"mood": {"value": mood, "reason": "test"}} if mood else {}),
                      status="drafted", risk=0.5, attempts=0, language="de"))
        s.flush()
        s.add(Draft(message_id=mid, version=1, engine="composer",
                    text=draft_text or "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung. ^AB",
                    language="de", citations=[], findings=[], passed=True, needs_human=False, latency_ms=1.0, tokens_in=0,
                    tokens_out=0, cost_usd=0.0, meta={}))
    return mid


class StaticPipeline:
    """A real pipeline object is heavy; review tests need only its guardrails and a context without a KB."""

    def __init__(self):
        from assistant.drafting.composer import ComposerDrafter
        from guardrails.engine import GuardrailEngine

        self.guardrails = GuardrailEngine.from_policy()
        self.policy = self.guardrails.policy
        self.composer = ComposerDrafter(self.policy)
        self.engine = "composer"

        class NoKB:
            def get_article(self, _id):
                return None

        self.kb = NoKB()

    def context(self, req):
        from assistant.models import CustomerView, DraftContext

        return DraftContext(request=req, language="de", customer=CustomerView(first_name="Anna", address_form="du",
                                                                              display_name="Anna Schmidt"))

    def check_context(self, ctx, proposal=None):
        from guardrails.models import CheckContext

        return CheckContext(channel=ctx.request.channel, visibility=ctx.request.visibility, language="de",
                            address_form="du", customer_name="Anna Schmidt", customer_message=ctx.request.text)


@pytest.fixture
def static_pipeline():
    return StaticPipeline()
