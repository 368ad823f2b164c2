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


def _leak(pipeline, text: str, channel: str = "dm") -> list[str]:
    from assistant.models import DraftRequest

    visibility = "private" if channel in ("dm", "email") else "public"
    ctx = pipeline.context(DraftRequest(text="Kannst du mir helfen?", channel=channel, visibility=visibility,
                                        handle="@anna_s"))
    report = pipeline.guardrails.check(text, pipeline.check_context(ctx))
    return [f.severity for f in report.findings if f.rule == "confidential-leak"]


def test_another_customers_full_name_or_street_is_a_leak(env):
    pipeline = env["pipeline"]
    for text in ("Hallo Anna, Thomas Becker hatte dasselbe Problem, schreib ihm doch. ^FW",
                 "Hi Anna, emily carter is flagged as an influencer. ^FW",
                 "Hi Anna, James O'Neill had the same issue last week. ^FW",
                 "Hallo Anna, Th\u043emas B\u0435cker kennt das. ^FW",  # look-alike letters
                 "Hallo Anna, in der Kastanienallee 12 gibt es dasselbe Problem. ^FW"):
        assert _leak(pipeline, text) == ["block"], text


def test_own_name_and_street_and_a_first_name_alone_are_no_leak(env):
    pipeline = env["pipeline"]
    for text in ("Hallo Anna Schmidt, wir schicken den Router an die Lindenstraße 4. ^FW",
                 "Hallo Anna, unser Techniker Thomas kommt morgen zwischen 8 und 12 Uhr. ^FW",
                 "Hallo Anna, Herr Becker aus unserem Team meldet sich morgen. ^FW"):
        assert _leak(pipeline, text) == [], text
