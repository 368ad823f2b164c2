"""The pipeline checks the German form of address it drafted in (the customer's, else the channel's default), so
the composer's draft for a new customer who writes "du" in a DM is not blocked by a form read from the message."""

from __future__ import annotations

from assistant.models import DraftRequest


def test_the_pipeline_checks_the_form_it_drafted_in(env):
    result = env["pipeline"].run(DraftRequest(text="Hallo, kannst du mir sagen, wo mein Paket bleibt?", channel="dm",
                                              visibility="private", handle="@neu_hier_123"))
    assert result.engine == "composer"
    assert not [f for f in result.findings if f.rule == "address-form"], result.findings
    assert result.passed, result.findings
