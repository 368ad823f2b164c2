"""Building blocks mined from approved replies (issue 13): agents' added sentences become suggestions, personal
data never does, and an accepted suggestion is a new article version the composer then drafts with."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from knowledge_base.mining import (
    ApprovedReply,
    PersonalData,
    SuggestionError,
    accept_suggestion,
    dismiss_suggestion,
    list_suggestions,
    split_sentences,
    suggest_blocks,
)
from knowledge_base.store import Actor
from tests.support import fixtures as _shared

env, small_kb_dir = _shared.env, _shared.small_kb_dir  # shared fixtures: a small demo KB, customers, a pipeline
# The module-scoped suggestions are accepted by one test and re-accepted by a later one: the module runs on one
# xdist worker in file order (with --dist loadgroup a lone test could otherwise land on a worker where the
# suggestion is still open).
pytestmark = pytest.mark.xdist_group("kb_mining")

ADDED = "Öffne den Link am besten im Browser und nicht in der App."
TRAINER = Actor(username="tina", roles=["trainer"])
AGENT_ACTOR = Actor(username="anna", roles=["agent"])
AGENT = {"username": "anna", "display_name": "Anna", "roles": ["agent", "approver"]}


def test_split_sentences_drops_greeting_and_signoff():
    text = "Hallo Anna, schau bitte in den Spam-Ordner. Der Link gilt einen Tag.\n\nViele Grüße\nDein Team\n^AB"
    assert split_sentences(text) == ["Schau bitte in den Spam-Ordner.", "Der Link gilt einen Tag."]


def test_personal_data_is_detected():
    personal = PersonalData(["Anna Schmidt", "Anna", "Schmidt", "anna.schmidt@example.org", "B-558812"])
    for sentence in ("Danke, Anna, wir schauen nach.", "Deine Bestellung B-558812 ist unterwegs.",
                     "Wir schreiben an anna.schmidt@example.org.", "Ruf uns an unter +49 151 2345678.",
                     "Frau Becker bekommt eine Mail.", "Das Paket kommt am 12.03. an.", "Danke @bob_99 dafür."):
        assert personal(sentence), sentence
    assert not personal(ADDED)


def _with_sentence(draft: str, *extra: str) -> str:
    """The draft with sentences added before its sign-off (the last line or word starting with ^)."""
    head, sep, tail = draft.rpartition(" ^")
    if not sep:
        return draft.rstrip() + " " + " ".join(extra)
    return f"{head} {' '.join(extra)}{sep}{tail}"


def _approved(env, text: str, extra: tuple[str, ...]) -> int:
    from assistant.orm import Message
    from assistant.review.channels import OutboxChannel
    from assistant.review.orm import Approval
    from assistant.review.service import ReviewService

    db, pipeline = env["db"], env["pipeline"]
    mid = uuid.uuid4().hex
    with db.transaction() as s:
        s.add(Message(id=mid, external_id=f"t-{mid}", channel="dm", visibility="private", author_handle="@anna_s",
                      text=text, raw={}, status="pending", attempts=0))
    result = pipeline.draft_message(mid)
    assert any(c.ref.startswith("password-reset") for c in result.citations), result.draft
    review = ReviewService(db, AGENT, pipeline=pipeline, settings=env["settings"],
                           channel=OutboxChannel(env["settings"].data_dir / "outbox.jsonl"))
    review.approve(mid, _with_sentence(result.draft, *extra))
    with db.session() as s:
        return s.scalar(select(Approval.id).where(Approval.message_id == mid))


@pytest.fixture(scope="module")
def mined(env):
    """Three approved replies on password resets: two add the same sentence (one worded slightly differently),
    all three add a sentence with the customer's name or order number."""
    ids = [_approved(env, "Ich habe mein Passwort vergessen, wie setze ich es zurück?",
                     (ADDED, "Danke für deine Geduld, Anna, wir helfen gern.")),
           _approved(env, "Passwort vergessen – wie komme ich wieder in mein Konto?",
                     ("Öffne den Link am besten im Browser und nicht in der App!",
                      "Deine Bestellung B-558812 ist davon nicht betroffen.")),
           _approved(env, "Wie kann ich mein Passwort zurücksetzen?",
                     ("Danke für deine Geduld, Anna, wir helfen gern.",
                      "Deine Bestellung B-558812 ist davon nicht betroffen."))]
    return ids, suggest_blocks(env["db"], env["kb"], min_support=2)


def test_a_sentence_added_in_two_replies_is_suggested(mined):
    ids, suggestions = mined
    assert len(suggestions) == 1, [s.text for s in suggestions]
    s = suggestions[0]
    assert s.article_id == "password-reset" and s.language == "de" and s.address_form == "du"
    assert s.channel == "dm" and s.status == "suggested"
    assert s.text.startswith("Öffne den Link am besten im Browser") and s.support == 2 and s.edited == 2
    assert set(s.approval_ids) == set(ids[:2]) and len(s.variants) == 2


def test_names_and_references_are_never_suggested(mined):
    _, suggestions = mined
    for s in suggestions:
        assert "Anna" not in s.text and "B-558812" not in s.text
        assert not any("Anna" in v or "B-558812" in v for v in s.variants)


def test_mining_again_keeps_one_suggestion_and_a_higher_bar_finds_none(env, mined):
    again = suggest_blocks(env["db"], env["kb"], min_support=2)
    assert [s.id for s in again] == [s.id for s in mined[1]]
    from knowledge_base.mining import load_replies, mine

    assert mine(load_replies(env["db"]), env["kb"], min_support=3) == []


def test_dismiss_and_accept_need_a_trainer(env, mined):
    s = mined[1][0]
    with pytest.raises(PermissionError):
        accept_suggestion(env["db"], env["kb"], s.id, AGENT_ACTOR)
    with pytest.raises(PermissionError):
        dismiss_suggestion(env["db"], s.id, AGENT_ACTOR)
    assert list_suggestions(env["db"])[0].status == "suggested"


@pytest.fixture
def cli(env, monkeypatch):
    from typer.testing import CliRunner

    from knowledge_base import cli as kb_cli
    from replydesk import db as dbmod

    monkeypatch.setattr(dbmod, "get_database", lambda: env["db"])
    monkeypatch.setattr(kb_cli, "_kb", lambda: env["kb"])
    runner = CliRunner()
    return lambda *args: runner.invoke(kb_cli.kb_app, list(args))


def test_cli_lists_suggestions_and_refuses_unknown_ids(cli, mined):
    import json

    listed = cli("suggest-blocks", "--no-mine", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["id"] for r in rows] == [mined[1][0].id] and rows[0]["support"] == 2
    table = cli("suggest-blocks", "--no-mine")
    assert table.exit_code == 0 and "password-reset" in table.output
    missing = cli("dismiss-block", "99999")
    assert missing.exit_code == 2 and "no suggestion 99999" in missing.output
    nobody = cli("accept-block", str(rows[0]["id"]), "--as", "nobody-here")
    assert nobody.exit_code == 2 and "no user" in nobody.output


def test_accept_adds_a_version_and_the_composer_uses_the_block(env, mined):
    from assistant.models import DraftRequest

    kb, db = env["kb"], env["db"]
    s = mined[1][0]
    before = kb.store.get("password-reset")
    accepted = accept_suggestion(db, kb, s.id, TRAINER)
    after = kb.store.get("password-reset")
    assert after.version == before.version + 1 and after.updated_by == "tina"
    assert accepted.status == "accepted" and accepted.article_version == after.version
    block = next(b for b in after.blocks if b.id == accepted.block_id)
    assert block.text == s.text and block.kind == "answer" and block.address_form == "du"
    assert block.channels == ["dm"]
    assert kb.store.history("password-reset")[0].created_by == "tina"
    with pytest.raises(SuggestionError):
        accept_suggestion(db, kb, s.id, TRAINER)  # once only
    assert list_suggestions(db) == []
    # a matching message now gets the block (composer path)
    result = env["pipeline"].run(DraftRequest(text="Der Passwort-Link öffnet sich in der App nicht, was tun?",
                                              channel="dm", visibility="private", handle="@anna_s"))
    assert s.text in result.draft, result.draft
    assert f"password-reset:{accepted.block_id}" in result._proposal.meta["answer_blocks"]
    # the accepted block is not suggested again
    assert suggest_blocks(db, kb, min_support=2) == []


def test_cli_accept_of_a_decided_suggestion_is_an_error(cli, mined):
    again = cli("accept-block", str(mined[1][0].id))
    assert again.exit_code == 2 and "already accepted" in again.output


def test_mine_drops_sentences_the_article_blocks_already_say(env):
    from knowledge_base.mining import mine

    block = "Kommt keine E-Mail an, schau bitte auch in deinem Spam-Ordner nach."
    replies = [ApprovedReply(approval_id=i, text=f"Hallo, {block} Liebe Grüße", article_id="password-reset",
                             language="de", channel="twitter", address_form="du") for i in (1, 2)]
    assert mine(replies, env["kb"], min_support=2) == []


def test_stored_suggestions_on_both_databases(kb, db):
    """The suggestion table and its once-only decisions on SQLite and PostgreSQL."""
    from knowledge_base.orm import BlockSuggestionRow

    with db.transaction() as s:
        for text in ("Den Link findest du in der Mail.", "Frag gern nochmal nach, wenn es nicht klappt."):
            s.add(BlockSuggestionRow(article_id="password-reset", language="de", address_form="du", channel="twitter",
                                     kind="answer", text=text, support=2, edited=2, variants=[text],
                                     approval_ids=[1, 2], status="suggested"))
    first, second = list_suggestions(db)
    assert dismiss_suggestion(db, first.id, TRAINER).status == "dismissed"
    with pytest.raises(SuggestionError):
        dismiss_suggestion(db, first.id, TRAINER)
    done = accept_suggestion(db, kb, second.id, TRAINER)
    assert done.status == "accepted" and done.decided_by == "tina" and done.article_version == 2
    assert kb.get_article("password-reset").blocks[-1].text == second.text
    assert list_suggestions(db) == [] and len(list_suggestions(db, status=None)) == 2
