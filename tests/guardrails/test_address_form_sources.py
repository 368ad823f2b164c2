"""``address-form``: the customer's form (the context's, else the form the customer's message is written in) and
a channel's own policy entry decide with a block; the language's default is only a guess when nothing is known
about the customer (``replydesk check`` of a DM), so a reply in the other form is warned, not blocked."""

from __future__ import annotations

from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from knowledge_base.demo import DEMO_POLICY

ENGINE = GuardrailEngine.from_policy(DEMO_POLICY)  # de: default Sie; twitter, instagram, facebook: du
DU_REPLY = "Hallo Julia, unser Techniker ruft dich morgen zwischen 8 und 12 Uhr an, deine Nummer haben wir."
SIE_REPLY = "Hallo Frau Roth, unser Techniker ruft Sie morgen zwischen 8 und 12 Uhr an, Ihre Nummer haben wir."


def _form(text: str, **ctx) -> list[str]:
    report = ENGINE.check(text, CheckContext(language="de", visibility=ctx.pop("visibility", "private"), **ctx))
    return sorted({f.severity for f in report.findings if f.rule == "address-form"})


def test_nothing_known_about_the_customer_the_default_form_only_warns():
    assert _form(DU_REPLY, channel="dm") == ["warn"]
    assert _form(SIE_REPLY, channel="dm") == []


def test_the_form_the_customer_writes_in_decides():
    assert _form(DU_REPLY, channel="dm", customer_message="Wann ruft mich euer Techniker an? Hast du eine Zeit?") == []
    assert _form(SIE_REPLY, channel="dm", customer_message="Kannst du mir sagen, wann der Techniker kommt?") == [
        "block"]
    assert _form(DU_REPLY, channel="email", customer_message="Können Sie mir sagen, wann der Techniker kommt?") == [
        "block"]


def test_the_contexts_form_and_a_channels_own_entry_block():
    assert _form(DU_REPLY, channel="dm", address_form="Sie") == ["block"]
    assert _form(SIE_REPLY, channel="twitter", visibility="public") == ["block"]


def test_mixing_du_and_sie_always_blocks():
    mixed = "Hallo Julia, unser Techniker ruft dich morgen an, Ihre Nummer haben wir."
    assert _form(mixed, channel="dm") == ["block"]

