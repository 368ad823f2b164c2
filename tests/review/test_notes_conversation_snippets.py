"""Issue 14, the item view's data: the conversation across channels (messages and posted replies), internal notes
(stored, shown per conversation, never given to a drafter, a pasted note is a confidential-leak finding), and
inserting building blocks at the cursor. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.orm import AuditEvent, Message
from assistant.review.channels import OutboxChannel
from assistant.review.conversation import conversation
from assistant.review.notes import Note, NoteError, add_note, guard_notes, notes_for
from assistant.review.service import ReviewService
from assistant.review.snippets import blocks_for, insert_at
from replydesk.db import utcnow

from .conftest import add_message  # noqa: TID252

ANNA = {"username": "anna", "roles": ["agent"]}
TINA = {"username": "tina", "roles": ["trainer"]}


def _at(db, mid, minutes_ago):
    with db.transaction() as s:
        s.get(Message, mid).received_at = utcnow() - timedelta(minutes=minutes_ago)


def test_conversation_spans_channels_and_shows_posted_replies(db, static_pipeline, tmp_path):
    first = add_message(db, text="Mein Router ist noch nicht da.", channel="twitter", customer_id="K-conv")
    other = add_message(db, text="Ganz andere Kundin", customer_id="K-other")
    _at(db, first, 120)
    reply = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung. ^AB"
    ReviewService(db, ANNA, pipeline=static_pipeline, channel=OutboxChannel(tmp_path / "o.jsonl")).approve(first, reply)
    second = add_message(db, text="Hallo, ich schreibe nochmal per Mail wegen des Routers.", channel="email",
                         visibility="private", customer_id="K-conv")
    entries = conversation(db, second)
    assert [(e.kind, e.channel) for e in entries] == [("customer", "twitter"), ("reply", "twitter"),
                                                      ("customer", "email")]
    assert entries[1].text == reply and entries[1].author == "anna"
    assert entries[-1].current and not entries[0].current
    assert all(e.message_id != other for e in entries)


def test_notes_are_stored_per_conversation_audited_and_never_reach_a_drafter(db, static_pipeline):
    a = add_message(db, customer_id="K-notes", channel="twitter")
    b = add_message(db, customer_id="K-notes", channel="facebook")
    elsewhere = add_message(db, customer_id="K-else")
    note = add_note(db, ANNA, a, "  Kundin hat schon zweimal angerufen, bitte Rückruf anbieten.  ")
    assert note.text == "Kundin hat schon zweimal angerufen, bitte Rückruf anbieten." and note.author == "anna"
    assert [n.id for n in notes_for(db, b)] == [note.id]  # the same customer on another channel
    assert notes_for(db, elsewhere) == []
    with pytest.raises(NoteError):
        add_note(db, ANNA, a, "   ")
    with pytest.raises(PermissionError):
        add_note(db, TINA, a, "trainers do not write notes")
    with db.session() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "note")).one()
        assert ev.message_id == a and ev.data == {"note_id": note.id}  # the note's text is not copied elsewhere
    # the drafter's context never carries the notes: the customer view has no notes, the request no note text
    ctx = static_pipeline.context(__import__("assistant.models", fromlist=["DraftRequest"]).DraftRequest(
        text="x", channel="twitter", visibility="public"))
    assert note.text not in ctx.model_dump_json()
    # a note pasted into the reply is found by the confidential-leak rule once the page guards the context
    check_ctx = guard_notes(ReviewService(db, ANNA, pipeline=static_pipeline).check_context(a), notes_for(db, a))
    report = static_pipeline.guardrails.check(
        "Hallo Anna, Kundin hat schon zweimal angerufen, bitte Rückruf anbieten. ^AB", check_ctx)
    assert "confidential-leak" in {f.rule for f in report.findings}
    # erasing the message erases its notes
    with db.transaction() as s:
        s.delete(s.get(Message, a))
    with db.session() as s:
        assert s.scalars(select(Note)).all() == []


def test_insert_at_the_cursor_and_blocks_for_the_customer():
    assert insert_at("Hallo Anna, ^AB", "Dein Paket kommt morgen.", 11) == (
        "Hallo Anna, Dein Paket kommt morgen. ^AB", 36)
    assert insert_at("Hallo Anna,", "Danke!")[0] == "Hallo Anna, Danke!"  # no caret known: at the end
    assert insert_at("abc", "X", 1, 2)[0] == "a X c"  # a selection is replaced
    from assistant.models import CustomerView
    from knowledge_base.models import Article, ReplyBlock

    art = Article(id="lieferung", title="Lieferung", language="de", body="Pakete kommen in 2-3 Tagen.", blocks=[
        ReplyBlock(id="du", language="de", address_form="du", text="Hi {first_name}, dein Paket ist unterwegs."),
        ReplyBlock(id="sie", language="de", address_form="Sie", text="Ihr Paket ist unterwegs."),
        ReplyBlock(id="order", language="de", text="Deine Bestellung {order_id} ist unterwegs."),
        ReplyBlock(id="en", language="en", text="Your parcel is on its way."),
        ReplyBlock(id="mail", language="de", channels=["email"], text="Per Mail: Details anbei."),
    ])
    cust = CustomerView(id="K-1", first_name="Anna", address_form="du")
    got = blocks_for(art, language="de", address_form="du", channel="twitter", visibility="public", customer=cust)
    assert [(b.id, b.text, b.complete) for b in got] == [
        ("lieferung/du", "Hi Anna, dein Paket ist unterwegs.", True),
        ("lieferung/order", "Deine Bestellung {order_id} ist unterwegs.", False)]  # no order number in public
    sie = blocks_for(art, language="de", address_form="Sie", channel="email", visibility="private", customer=None)
    assert [b.id for b in sie] == ["lieferung/sie", "lieferung/order", "lieferung/mail"]
    assert [b.id for b in blocks_for(art, language="en", address_form=None, channel="twitter", visibility="public")] \
        == ["lieferung/en"]
