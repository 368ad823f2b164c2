"""A second, non-telecom brand runs end to end with no code change (issue 13): the online shop Lumenhaus in
examples/brands/lumenhaus (policy, 8 articles, half of them without building blocks, 4 customers), next to the demo
brand FunkWerk loaded through the demo loader."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BRAND = ROOT / "examples" / "brands" / "lumenhaus"
LIBRARY = ("assistant", "knowledge_base", "guardrails", "evals", "replydesk", "ui")


def _use_policy(monkeypatch, path: Path | None) -> None:
    from replydesk.settings import reset_settings_cache

    if path is None:
        monkeypatch.delenv("REPLYDESK_POLICY_PATH", raising=False)
    else:
        monkeypatch.setenv("REPLYDESK_POLICY_PATH", str(path))
    reset_settings_cache()


def test_no_brand_in_library_code_or_the_default_policy():
    offenders = []
    for pkg in LIBRARY:
        for f in (ROOT / pkg).rglob("*.py"):
            if re.search(r"funkwerk|\^FW\b|bundesnetzagentur", f.read_text(encoding="utf-8"), re.I):
                offenders.append(str(f.relative_to(ROOT)))
    allowed = {"knowledge_base/demo.py", "assistant/demo.py"}  # the demo data's loaders
    assert sorted(set(offenders) - allowed) == [], "brand specifics in library code"
    default = (ROOT / "guardrails" / "policy.yaml").read_text(encoding="utf-8")
    assert not re.search(r"funkwerk|\^FW|bundesnetzagentur", default, re.I)
    from guardrails.policy import DEFAULT_POLICY, load_policy

    policy = load_policy(DEFAULT_POLICY)
    assert policy.brand == "" and policy.allowed_url_rx is None and policy.contact.urls == []


def test_second_brand_end_to_end(data_dir, monkeypatch):
    from assistant.customers import CustomerService
    from assistant.models import DraftRequest
    from assistant.pipeline import Pipeline
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import get_database

    _use_policy(monkeypatch, BRAND / "policy.yaml")
    db = get_database()
    change = KnowledgeBase.open(db).import_path(BRAND / "articles")
    assert len(change.created) == 8
    assert CustomerService(db).import_path(BRAND / "customers.json") == 4
    pipeline = Pipeline.from_settings(db, engine="composer")
    assert pipeline.policy.brand == "Lumenhaus"
    cases = [
        ("twitter", "public", "@mara_licht", "@Lumenhaus wo bleibt meine Pendelleuchte? Seit Tagen nix!",
         "Hej Mara,", "^LH"),
        ("twitter", "public", "@emclark", "@Lumenhaus how do I return my table lamp?", "Hej Emily,", "^LH"),
        ("twitter", "public", "@jonas_w", "@Lumenhaus Wann hat der Showroom in Hamburg offen?", "Hej Jonas,", "^LH"),
        ("email", "private", "p.albers@example.org", "Guten Tag, mein Glasschirm kam gesprungen an. Was nun?",
         "Guten Tag Herr Albers,", "Ihr Lumenhaus-Kundenservice"),
    ]
    for channel, visibility, handle, text, greeting, signoff in cases:
        result = pipeline.run(DraftRequest(text=text, channel=channel, visibility=visibility, handle=handle))
        assert not result.no_reply, (text, result.triage)  # addressed to this brand
        assert result.passed, (result.draft, result.findings)
        assert result.draft.startswith(greeting), result.draft
        assert result.draft.rstrip().endswith(signoff), result.draft
        assert not re.search(r"funkwerk|\^FW", result.draft, re.I), result.draft
        assert all(not c.ref.startswith(("delivery-delayed", "password-reset")) for c in result.citations)
    # articles without building blocks are drafted from (their body), with the brand's voice around them
    showroom = pipeline.run(DraftRequest(text="@Lumenhaus Wann hat der Showroom in Hamburg offen?",
                                         channel="twitter", visibility="public", handle="@jonas_w"))
    assert "10 bis 19 Uhr" in showroom.draft and any(c.ref.startswith("opening-hours-showroom") for c in showroom.citations)


def test_brand_profile_drives_triage_and_pseudonymiser(data_dir, monkeypatch):
    from assistant.privacy import Pseudonymizer
    from assistant.triage import no_reply, triage
    from guardrails.policy import load_policy

    brand = load_policy(BRAND / "policy.yaml")
    tri = triage("Ich melde das bei Trusted Shops, wenn meine Lampe nicht kommt!", "twitter", "public",
                 policy=brand)
    assert tri.urgency.value == "high" and "Trusted Shops" in tri.urgency.reason
    demo_only = triage("Ich melde das bei Trusted Shops!", "twitter", "public", policy=load_policy(
        ROOT / "knowledge_base" / "demo" / "policy.yaml"))
    assert "Trusted Shops" not in demo_only.urgency.reason
    assert no_reply("@Lumenhaus_Hilfe wo ist mein Paket?", "twitter", "public", brand=brand.brand_names)[0] is False
    p = Pseudonymizer(policy=brand)
    masked = p.pseudonymize("Bestellung LH-2026-004711, Retoure RMA-20441, Amazon 112-3456789-1234567, ORD123456")
    assert not re.search(r"\d{4}", masked), masked


def test_demo_brand_through_the_demo_loader_next_to_the_second_brand(data_dir, monkeypatch):
    from assistant.customers import CustomerService
    from assistant.models import DraftRequest
    from assistant.pipeline import Pipeline
    from guardrails.policy import load_policy
    from knowledge_base.demo import load_demo
    from replydesk.db import get_database

    _use_policy(monkeypatch, None)
    db = get_database()
    report = load_demo(db)
    assert "demo policy installed" in report and (data_dir / "policy.yaml").is_file()
    assert load_policy().brand == "FunkWerk"  # the data directory's policy is the demo brand's now
    assert "demo policy at" in load_demo(db)  # again: unchanged, not re-written
    CustomerService(db).import_path(ROOT / "assistant" / "demo" / "customers.json")
    result = Pipeline.from_settings(db, engine="composer").run(DraftRequest(
        text="@FunkWerk wo bleibt mein Router? Seit einer Woche bestellt!", channel="twitter", visibility="public",
        handle="@anna_s"))
    assert result.passed and result.draft.startswith("Hallo Anna,") and result.draft.rstrip().endswith("^FW")
    assert "Lumenhaus" not in result.draft and "Hej" not in result.draft
    # an admin's own policy is never overwritten by the demo
    (data_dir / "policy.yaml").write_text("extends: default\nbrand: Acme\n", encoding="utf-8")
    assert "kept" in load_demo(db) and load_policy().brand == "Acme"
