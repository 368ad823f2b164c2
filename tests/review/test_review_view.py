"""The review screen's view logic (assistant.review.view): SLA countdown, local times, customer card, queue table,
errors in the UI language. Pure functions, no Streamlit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape

from assistant.review import view
from assistant.review.queue import QueueRow

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _row(**kw) -> QueueRow:
    base = dict(id="m1", channel="twitter", visibility="public", language="de", status="drafted", author="@anna_s",
                preview="x", risk=0.5, sla_due_at=NOW + timedelta(minutes=40), claimed_by=None, claimed_until=None,
                received_at=NOW - timedelta(minutes=20), followers=1240, customer_name="Anna Schmidt")
    base.update(kw)
    return QueueRow(**base)


def test_sla_states_against_one_reference_time():
    received = NOW - timedelta(minutes=20)
    ok = view.sla_state(NOW + timedelta(minutes=40), NOW, "de", received)
    assert (ok.state, ok.minutes_left, ok.label) == ("ok", 40, "noch 40 min")
    # a quarter of a 60-minute window (15 min) or less: due soon
    soon = view.sla_state(NOW + timedelta(minutes=14, seconds=30), NOW, "en", NOW - timedelta(minutes=45))
    assert (soon.state, soon.label) == ("soon", "14 min left")
    # a long window (e-mail, 24 h): due soon from 6 h on
    assert view.sla_state(NOW + timedelta(hours=5), NOW, "en", NOW - timedelta(hours=19)).state == "soon"
    late = view.sla_state(NOW - timedelta(minutes=65), NOW, "de", received)
    assert (late.state, late.minutes_left, late.label) == ("overdue", -65, "überfällig 1 h 05 min")
    # 30 seconds late is "overdue 0 min", not "-1"
    assert view.sla_state(NOW - timedelta(seconds=30), NOW, "en").label == "overdue 0 min"
    assert view.sla_state(None, NOW, "de").state == "none"
    # naive datetimes (SQLite) are UTC; the tooltip is Berlin time
    assert view.sla_state(datetime(2026, 11, 22, 10, 0), NOW, "de").title == "fällig 22.11.2026, 11:00"


def test_durations_and_local_times():
    assert view.format_minutes(5, "de") == "5 min"
    assert view.format_minutes(-125, "en") == "2 h 05 min"
    assert view.format_minutes(60 * 50, "de") == "2 Tg. 2 h"
    # UTC with microseconds → Berlin, to the minute; summer time too
    assert view.local_time("2026-11-19T10:00:00.123456+00:00", "de") == "19.11.2026, 11:00"
    assert view.local_time(datetime(2026, 7, 1, 10, 0, 0, 999, tzinfo=UTC), "en") == "01 Jul 2026, 12:00"
    assert view.local_time("2026-11-25", "de") == "25.11.2026"
    assert view.local_time("soon", "de") == "soon" and view.local_time(None, "de") == ""


def test_customer_card_is_labelled_fields_in_local_time():
    customer = {
        "id": "K-100234", "display_name": "Anna Schmidt", "tier": "premium", "followers": 1240, "dm_allowed": True,
        "language": "de", "address_form": "du", "notes": "Prefers short answers.",
        "handles": {"twitter": "@anna_s"},
        "records": [
            {"kind": "contract", "ref": "V-1", "status": "active", "occurred_at": "2023-02-01T00:00:00+00:00",
             "data": {"tariff": "FunkWerk M", "monthly_fee": "29.99 EUR", "min_term_end": "2025-02-01"}},
            {"kind": "order", "ref": "B-558812", "status": "in_transit", "occurred_at": "2026-11-19T10:00:00.000001+00:00",
             "data": {"item": "Router 5G", "carrier": "DHL", "delivery_date": "2026-11-25"}},
            {"kind": "case", "ref": "F-77123", "status": "open", "occurred_at": None,
             "data": {"summary": "Router not delivered", "next_step": "carrier investigation", "extra": {"a": 1}}},
        ],
        "other_messages": [{"channel": "email", "text": "Wo ist mein Router?", "status": "posted",
                            "received_at": datetime(2026, 11, 21, 8, 30, tzinfo=UTC)}],
    }
    sections = view.customer_sections(customer, "de")
    titles = [s.title for s in sections]
    assert titles == ["Kunde", "Vertrag", "Bestellung", "Vorgang", "Weitere Nachrichten"]
    fields = {s.title: dict(s.fields) for s in sections}
    assert fields["Kunde"]["Reichweite"] == "1.240 Follower" and fields["Kunde"]["DM erlaubt"] == "ja"
    assert fields["Vertrag"]["Tarif"] == "FunkWerk M" and fields["Vertrag"]["Mindestlaufzeit bis"] == "01.02.2025"
    order = fields["Bestellung"]
    assert order == {"Nummer": "B-558812", "Status": "unterwegs", "Datum": "19.11.2026, 11:00", "Artikel": "Router 5G",
                     "Versand mit": "DHL", "Lieferdatum": "25.11.2026"}
    assert fields["Vorgang"]["Extra"] == "A: 1"
    assert "21.11.2026, 09:30 · E-Mail · gepostet" in fields["Weitere Nachrichten"]
    text = repr(sections)
    assert "{'" not in text and "+00:00" not in text and ".000001" not in text
    en = {s.title: dict(s.fields) for s in view.customer_sections(customer, "en")}
    assert en["Order"]["Status"] == "in transit" and en["Customer"]["Reach"] == "1,240 followers"


def test_customer_card_markdown_escapes_values():
    sections = [view.Section("Kunde", [("Name", "Eve ![](http://127.0.0.1:9/c.png)")])]
    (heading, body), = view.sections_markdown(sections)
    assert heading == "Kunde" and "http:" not in body and "![" not in body and body.startswith("**Name:** Eve &#33;")
    assert unescape(body) == "**Name:** Eve ![](http://127.0.0.1:9/c.png)"


def test_queue_table_is_accessible_and_escaped():
    rows = [
        _row(preview="Mein Router ist seit 5 Tagen unterwegs und niemand sagt mir, wo er bleibt. " * 3),
        _row(id="m2", author="@x <b>", preview="<script>alert(1)</script>\n\n![](http://127.0.0.1:9/x.png)",
             sla_due_at=NOW - timedelta(minutes=3), risk=0.9, claimed_by="ben", claimed_until=NOW + timedelta(minutes=5),
             status="escalated", followers=None, customer_name=None),
    ]
    html = view.queue_table_html(rows, NOW, "de", "anna", open_id="m1")
    text = unescape(html)
    assert html.startswith("<table class='rd-queue'") and "<caption>" in html
    assert html.count("<th scope='col'>") == 3 and html.count("tabindex='0'") == 2
    assert "data-id='m1' aria-current='true'" in html
    # the whole message, not cut after 30 characters
    assert text.count("niemand sagt mir, wo er bleibt.") == 3
    assert "rd-sla-ok" in html and "noch 40 min" in text and "rd-sla-overdue" in html and "überfällig 3 min" in text
    assert "1.240 Follower" in text and "X/Twitter · öffentlich · de · Anna Schmidt · 1.240 Follower" in text
    assert "Risiko hoch (0.90)" in text and "fällig 22.11.2026, 10:40" in text
    assert "eskaliert" in text and "geöffnet von ben" in text
    assert "<script>alert(1)</script>" in text  # shown as typed
    # customer text never becomes markup, and no blank line ends the HTML block
    assert "<script" not in html and "<b>" not in html and "http:" not in html and "\n" not in html
    assert "<a " not in html and "<img" not in html
    en = view.queue_table_html([_row(claimed_by="anna", claimed_until=NOW + timedelta(minutes=1))], NOW, "en", "anna")
    assert "40 min left" in unescape(en) and "open by you" in en and "draft ready" in en


def test_expired_claim_is_nobody_viewing():
    assert view.viewer(_row(claimed_by="ben", claimed_until=NOW - timedelta(seconds=1)), "anna", NOW, "de") == ""


def test_review_errors_in_german():
    de = view.error_text
    assert de("a reason is required", "de") == "Bitte einen Grund angeben."
    assert de("a reason is required", "en") == "a reason is required"
    assert de("this message is posted: it cannot be rejected", "de") == \
        "Diese Nachricht ist gepostet: sie kann nicht abgelehnt werden."
    assert de("each warning needs a written reason to override: structure", "de").endswith("Übergehen: structure")
    assert de("cannot approve: blocked by length, tone – fix the text (or apply the suggested fix) first",
              "de").startswith("Freigabe nicht möglich: blockiert durch length, tone")
    assert de("anna needs the role approver for this (has: agent)", "de") == \
        "anna braucht dafür die Rolle approver (hat: agent)."
    assert de("something new", "de") == "Fehler: something new"


def test_every_review_error_the_service_raises_has_german_text():
    """Each ReviewError the review services raise, produced by the services themselves, has a German text."""
    from assistant.review.approvals import OUTCOME_UNKNOWN
    from assistant.review.locking import lock_error

    samples = [
        OUTCOME_UNKNOWN.format(action="rejected"), OUTCOME_UNKNOWN.format(action="escalated"),
        str(lock_error("carl")), "this reply is already posted: it cannot be escalated any more",
        "no follow-up 7", "follow-up 7 is already done", "this message is drafted: nothing to redraft",
        "four eyes: the author of a reply cannot be its second approver", "no approval 3",
    ]
    for text in samples:
        german = view.error_text(text, "de")
        assert not german.startswith("Fehler:"), text
    assert "carl bearbeitet diese Nachricht" in view.error_text(str(lock_error("carl")), "de")
    assert "nicht eskaliert werden" in view.error_text(OUTCOME_UNKNOWN.format(action="escalated"), "de")
