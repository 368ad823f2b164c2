"""Another customer's data in a reply is a leak (issue 11): the pipeline gives confidential-leak every customer's
private values from the CRM, cached per process."""

from __future__ import annotations

from assistant.customers import CustomerService


def test_the_pipeline_gives_the_checks_every_customers_values(env):
    values = env["pipeline"].customers.all_private_values()
    assert {"thomas.becker@example.org", "+49 30 5550192"} <= values
    assert CustomerService(env["db"]).all_private_values() is values  # built once, cached


def test_thomas_address_in_a_dm_to_anna_is_blocked(env):
    from assistant.models import DraftRequest

    pipeline = env["pipeline"]
    ctx = pipeline.context(DraftRequest(text="Wie erreiche ich den Support per Mail?", channel="dm",
                                        visibility="private", handle="@anna_s"))
    check = pipeline.check_context(ctx)
    assert "thomas.becker@example.org" in check.other_private_values
    text = "Hallo Anna, schreib einfach an thomas.becker@example.org. Viele Grüße ^FW"
    report = pipeline.guardrails.check(text, check)
    assert [f.severity for f in report.findings if f.rule == "confidential-leak"] == ["block"]
    own = "Hallo Anna, wir antworten an anna.schmidt@example.org. Viele Grüße ^FW"
    assert not [f for f in pipeline.guardrails.check(own, check).findings if f.rule == "confidential-leak"]
