"""Links by any domain (issue 11, "Leaks and links"): a bare host with a real top-level domain is a link, and only
the brand's official domains (policy ``allowed_urls`` / ``contact.urls``) and links in cited evidence pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from guardrails.policy import DEFAULT_POLICY
from guardrails.text import TLDS, URL_RX
from knowledge_base.demo import DEMO_POLICY

ENGINE = GuardrailEngine.from_policy(DEMO_POLICY)  # the demo brand: funkwerk.example is official


def _links(text: str, **ctx) -> list[tuple[str, str]]:
    report = ENGINE.check(text, CheckContext(language="de", **ctx))
    return [(f.severity, text[f.start:f.end]) for f in report.findings if f.rule == "unsupported-claim"]


@pytest.mark.parametrize("link", [
    "funkwerk.example.evil.shop/win",  # the official name as a sub-domain of someone else's host
    "funkwerk-hilfe.app/login",
    "funkwerk-support.online",
    "gewinn.xyz/funkwerk",
    "https://funkwerk.example.evil.shop/win",
    "http://funkwerk.example@evil.shop/win",  # user-info trick
    "FUNKWERK-HILFE.APP",
    "FunkWerk.Shop/gewinn",  # mixed case with a path
])
def test_links_by_any_domain_are_blocked_unless_official(link):
    found = _links(f"Hallo Anna, hier geht es weiter: {link} ^FW", evidence=["Die Störung ist behoben."])
    assert found and found[0][0] == "block", found
    assert link.rstrip(".") in found[0][1]


@pytest.mark.parametrize("text", [
    "Hallo Anna, alle Infos unter funkwerk-hilfe.app/tarife ^FW",
    "Hi Anna, details here: funkwerk.example.evil.shop/win ^FW",
    "Hi Anna, claim your voucher at bit.ly/3xFw9 ^FW",
])
def test_unofficial_link_blocks_without_any_evidence(text):
    # `replydesk check` without --evidence: a brand with official domains still blocks any other host
    found = _links(text)
    assert found and found[0][0] == "block", found
    report = ENGINE.check(text, CheckContext(language="en", ui_language="en"))
    assert any("official" in f.message for f in report.findings if f.rule == "unsupported-claim")


def test_without_official_domains_an_unbacked_link_only_warns():
    neutral = GuardrailEngine.from_policy(DEFAULT_POLICY)  # the brand-neutral policy names no official domain
    assert neutral.policy.allowed_url_rx is None
    report = neutral.check("Hi Anna, details here: example.shop/offer", CheckContext(language="en"))
    assert [(f.rule, f.severity) for f in report.findings if f.rule == "unsupported-claim"] == [
        ("unsupported-claim", "warn")]


@pytest.mark.parametrize("link", [
    "funkwerk.example", "funkwerk.example/hilfe/lieferung", "https://funkwerk.example/status",
    "www.funkwerk.example/hilfe",
])
def test_official_domains_pass(link):
    assert _links(f"Hallo Anna, Infos unter {link}. ^FW", evidence=["Die Störung ist behoben."]) == []


def test_links_in_cited_evidence_pass_and_only_those():
    evidence = ["Sendungsverfolgung: https://track.dhl.de/123456"]
    assert _links("Hallo Anna, dein Paket: track.dhl.de/123456 ^FW", evidence=evidence) == []
    assert _links("Hallo Anna, dein Paket: https://track.dhl.de/ ^FW", evidence=evidence) == []  # a shorter path
    assert _links("Hallo Anna, dein Paket: track.dhl.de.evil.shop/123456 ^FW", evidence=evidence)
    # the evidence mentioning a host inside a longer text is no licence for a different host
    assert _links("Hallo Anna, siehe dhl.de ^FW", evidence=["Bitte nicht über fake-dhl.de bestellen."])


@pytest.mark.parametrize("text", [
    "Hallo Anna.Ist alles gut?",  # missing space after a full stop
    "z.B. die Rechnung.pdf und 3.50 Euro",
    "Schreib an thomas.becker@example.org",  # an e-mail's local part is no link (pii-public's business)
    "Version 2.1 ist da, d.h. alles gut, u.a. das WLAN.",
    "Ende gut, alles gut...Danke!",
])
def test_ordinary_text_is_no_link(text):
    assert [m.group(0) for m in URL_RX.finditer(text) if text[m.start() - 1: m.start()] != "@"] == []


def test_tld_list_ships_with_provenance():
    data = json.loads((Path(__file__).resolve().parents[2] / "guardrails" / "tlds.json").read_text(encoding="utf-8"))
    assert "iana.org" in data["source"] and data["licence"]
    assert {"com", "de", "app", "shop", "online", "xyz", "example"} <= TLDS and len(TLDS) > 1400


@pytest.mark.parametrize("link", [
    "funkwerk.exarnple/sendung",  # "rn" for "m": no real top-level domain, so no link for the link detector
    "funkwerk.exampel/login",  # two letters swapped
    "funk-werk.example/konto",
    "funkvverk.example/sendung",
    "funkwerk.examp1e/sendung",
    "FUNKWERK.EXARNPLE/sendung",
])
def test_a_lookalike_of_the_official_domain_is_blocked(link):
    text = f"Hallo Julia, den Stand deiner Sendung siehst du unter {link}. ^FW"
    found = _links(text, channel="twitter", visibility="public")
    assert ("block", link) in found, found


@pytest.mark.parametrize("text", [
    "Hallo Julia, den Stand deiner Sendung siehst du unter funkwerk.example/sendung. ^FW",
    "Hallo Julia, im Shop unter shop.funkwerk.example findest du alle Router. ^FW",
    "Hallo Julia, schreib uns an service@funkwerk.example, wir melden uns. ^FW",
    "Hallo Julia, z.B. kostet der Tarif 4.99 EUR, die Rechnung liegt als rechnung.pdf im Konto. ^FW",
])
def test_the_official_domain_its_subdomains_and_ordinary_dotted_words_are_no_lookalikes(text):
    from guardrails.lookalike import lookalikes, official_hosts

    assert lookalikes(text, official_hosts(["https://funkwerk.example"], [r"funkwerk\.example(/[\w./-]*)?"])) == []


def test_without_official_domains_nothing_is_a_lookalike():
    from guardrails.lookalike import lookalikes

    assert lookalikes("funkwerk.exarnple/sendung", []) == []
