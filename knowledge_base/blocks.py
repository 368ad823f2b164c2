"""Editing an article's reply building blocks as a form: validation with messages naming the field (German and
English), add / replace / delete one block as one new article version, and a preview of the draft a block
produces for a sample message (drafted by the pipeline against the edited article, nothing stored).

Drafts come from the blocks: the composer answers with the article's answer blocks in the reply's language and
form of address. The article body is what retrieval searches (which article answers a message); it is drafted
from only when the article has no answer blocks in the reply's language (a help centre imported as it is).
"""

from __future__ import annotations

import copy
import re
from typing import Any, get_args

from pydantic import BaseModel, Field

from knowledge_base.models import Article, ArticleIn, BlockKind, ReplyBlock
from knowledge_base.store import SYSTEM, Actor

KINDS: tuple[str, ...] = get_args(BlockKind)
LENGTHS = ("any", "short", "long")
MAX_TEXT = 600
SHORT_MAX = 280
# The placeholders the composer fills from the customer's record (assistant.drafting.placeholders).
PLACEHOLDERS = frozenset({"first_name", "name", "contract_id", "tariff", "order_id", "order_status", "delivery_date",
                          "tracking_url", "invoice_id", "invoice_amount", "invoice_due", "case_id", "case_status",
                          "case_next_step"})
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "id": ("ID", "ID"), "kind": ("Art", "Kind"), "language": ("Sprache", "Language"),
    "address_form": ("Anrede", "Form of address"), "channels": ("Kanäle", "Channels"), "text": ("Text", "Text"),
    "length": ("Länge", "Length"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "acknowledge": ("Verständnis", "Acknowledgement"), "answer": ("Antwort", "Answer"),
    "next_step": ("Nächster Schritt", "Next step"), "handoff": ("Übergabe (DM/Kontakt)", "Hand-off (DM/contact)"),
    "followup": ("Nachfassen", "Follow-up"), "closing": ("Abschluss", "Closing"),
}
DRAFTS_NOTE = (
    "Entwürfe entstehen aus den Bausteinen: der Composer antwortet mit den Antwort-Bausteinen des Artikels in der "
    "Sprache und Anrede der Antwort. Der Artikeltext (Body) dient der Suche (welcher Artikel passt) und wird nur "
    "dann für Entwürfe verwendet, wenn der Artikel in der Sprache keine Antwort-Bausteine hat. Wer ändern will, "
    "was Entwürfe sagen, ändert die Bausteine.",
    "Drafts come from the building blocks: the composer answers with the article's answer blocks in the reply's "
    "language and form of address. The article body is used for search (which article answers a message) and is "
    "drafted from only when the article has no answer blocks in that language. To change what drafts say, edit "
    "the blocks.",
)


class FieldError(BaseModel):
    field: str
    de: str
    en: str

    def message(self, lang: str = "en") -> str:
        label = FIELD_LABELS.get(self.field, (self.field, self.field))[0 if lang == "de" else 1]
        return f"{label}: {self.de if lang == 'de' else self.en}"


class BlockInvalid(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message("en") for e in errors))
        self.errors = errors


class BlockForm(BaseModel):
    """What the trainer fills in (plain values: the page's widgets map onto it one to one)."""

    id: str = ""  # empty: a new id is made from kind, language and form
    kind: str = "answer"
    language: str = "de"
    address_form: str | None = None  # du / Sie / None (either)
    channels: list[str] = Field(default_factory=list)  # empty = every channel
    length: str = "any"
    text: str = ""

    @classmethod
    def of(cls, block: ReplyBlock) -> BlockForm:
        return cls(**block.model_dump())


def known_channels(policy: Any | None = None) -> list[str]:
    """The built-in channels and those the policy declares."""
    from guardrails.models import CHANNELS

    if policy is None:
        from guardrails.policy import load_policy

        policy = load_policy()
    return list(dict.fromkeys([*CHANNELS, *getattr(policy, "channels", {})]))


def validate_block(form: BlockForm, article: Article | ArticleIn, channels: list[str],
                   editing: str | None = None) -> list[FieldError]:
    """Every problem of the form, each naming its field; empty when the block can be saved.

    ``editing``: the id of the block being replaced (its own id is not a duplicate)."""
    from guardrails.models import LANGUAGES

    errors: list[FieldError] = []

    def err(field: str, de: str, en: str) -> None:
        errors.append(FieldError(field=field, de=de, en=en))

    if form.id and not _ID.match(form.id):
        err("id", "nur Kleinbuchstaben, Ziffern und Bindestriche (z. B. ans-de-du)",
            "lower-case letters, digits and dashes only (e.g. ans-de-du)")
    elif form.id and form.id != editing and any(b.id == form.id for b in article.blocks):
        err("id", f"„{form.id}“ gibt es in diesem Artikel schon", f"'{form.id}' already exists in this article")
    if form.kind not in KINDS:
        err("kind", f"unbekannt ({form.kind}); erlaubt: {', '.join(KINDS)}",
            f"unknown ({form.kind}); allowed: {', '.join(KINDS)}")
    if form.language not in LANGUAGES:
        err("language", f"unbekannt ({form.language}); erlaubt: {', '.join(LANGUAGES)}",
            f"unknown ({form.language}); allowed: {', '.join(LANGUAGES)}")
    if form.address_form not in (None, "du", "Sie"):
        err("address_form", "nur du, Sie oder leer", "only du, Sie or empty")
    elif form.address_form and form.language != "de":
        err("address_form", "gibt es nur für deutsche Bausteine", "only German blocks have one")
    unknown = [c for c in form.channels if c not in channels]
    if unknown:
        err("channels", f"unbekannt: {', '.join(unknown)}", f"unknown: {', '.join(unknown)}")
    if form.length not in LENGTHS:
        err("length", f"erlaubt: {', '.join(LENGTHS)}", f"allowed: {', '.join(LENGTHS)}")
    text = form.text.strip()
    if not text:
        err("text", "darf nicht leer sein", "must not be empty")
        return errors
    if len(text) > MAX_TEXT:
        err("text", f"zu lang ({len(text)} Zeichen, höchstens {MAX_TEXT})",
            f"too long ({len(text)} characters, at most {MAX_TEXT})")
    elif form.length == "short" and len(text) > SHORT_MAX:
        err("text", f"zu lang für einen kurzen Baustein ({len(text)} Zeichen, höchstens {SHORT_MAX})",
            f"too long for a short block ({len(text)} characters, at most {SHORT_MAX})")
    if text.count("{") != text.count("}"):
        err("text", "Platzhalter nicht geschlossen: { und } müssen paarweise stehen",
            "unclosed placeholder: { and } must come in pairs")
    else:
        bad = sorted({p for p in _PLACEHOLDER.findall(text) if p not in PLACEHOLDERS})
        if bad:
            err("text", "unbekannte Platzhalter: " + ", ".join("{" + p + "}" for p in bad)
                + "; erlaubt: " + ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS)),
                "unknown placeholders: " + ", ".join("{" + p + "}" for p in bad)
                + "; allowed: " + ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS)))
    if form.language == "de" and form.address_form:
        from guardrails.checks.address_form import DU, SIE

        other = SIE if form.address_form == "du" else DU
        if m := other.search(text):
            err("text", f"spricht mit „{m.group(0)}“ an, die Anrede ist aber {form.address_form}",
                f"says '{m.group(0)}' but the form of address is {form.address_form}")
    return errors


def _new_id(form: BlockForm, article: Article | ArticleIn) -> str:
    base = "-".join(x for x in ({"next_step": "next", "acknowledge": "ack", "handoff": "hand"}.get(form.kind, form.kind)
                                [:6], form.language, (form.address_form or "").lower()) if x)
    taken = {b.id for b in article.blocks}
    n, block_id = 1, base
    while block_id in taken:
        n += 1
        block_id = f"{base}-{n}"
    return block_id


def to_block(form: BlockForm, article: Article | ArticleIn) -> ReplyBlock:
    return ReplyBlock(id=form.id or _new_id(form, article), language=form.language, kind=form.kind,
                      text=form.text.strip(), length=form.length, channels=list(form.channels),
                      address_form=form.address_form if form.language == "de" else None)


def with_block(article: Article, form: BlockForm, channels: list[str], editing: str | None = None) -> ArticleIn:
    """The article content with the block added (or ``editing`` replaced in place); raises BlockInvalid."""
    errors = validate_block(form, article, channels, editing)
    if errors:
        raise BlockInvalid(errors)
    block = to_block(form, article)
    content = ArticleIn.model_validate(article.model_dump(exclude={"version", "updated_at", "updated_by"}))
    blocks = list(content.blocks)
    at = next((i for i, b in enumerate(blocks) if b.id == editing), None) if editing else None
    if at is None:
        blocks.append(block)
    else:
        blocks[at] = block
    return content.model_copy(update={"blocks": blocks})


def _current(kb, article_id: str, expected_version: int | None) -> Article:
    from knowledge_base.service import VersionConflict
    from knowledge_base.store import ArticleNotFound

    article = kb.store.get(article_id)
    if article is None:
        raise ArticleNotFound(f"no article {article_id!r}")
    if expected_version is not None and article.version != expected_version:
        raise VersionConflict(article_id, expected_version, article.version)
    return article


def save_block(kb, article_id: str, form: BlockForm, actor: Actor = SYSTEM, *, editing: str | None = None,
               expected_version: int | None = None, channels: list[str] | None = None) -> Article:
    """Add a block (or replace ``editing``) as one new article version; BlockInvalid names the wrong fields,
    VersionConflict when the article moved on since ``expected_version``, PermissionError for non-trainers."""
    article = _current(kb, article_id, expected_version)
    return kb.save(with_block(article, form, channels or known_channels(), editing), actor)


def delete_block(kb, article_id: str, block_id: str, actor: Actor = SYSTEM,
                 expected_version: int | None = None) -> Article:
    article = _current(kb, article_id, expected_version)
    content = ArticleIn.model_validate(article.model_dump(exclude={"version", "updated_at", "updated_by"}))
    return kb.save(content.model_copy(update={"blocks": [b for b in content.blocks if b.id != block_id]}), actor)


# ---- preview ---------------------------------------------------------------------------------------------
class BlockPreview(BaseModel):
    draft: str
    used: bool  # the block is in the draft
    article_id: str | None  # the article the draft answered with
    blocks: list[str] = Field(default_factory=list)  # the blocks the draft used (article:block)
    needs_record: list[str] = Field(default_factory=list)  # placeholders only a customer's record fills
    passed: bool = True
    findings: list[str] = Field(default_factory=list)


class _PreviewKB:
    """The knowledge base as it would be with the edited article (every other call goes to the real one)."""

    def __init__(self, kb, article: Article) -> None:
        self._kb, self._article = kb, article

    def __getattr__(self, name: str):
        return getattr(self._kb, name)

    def get_article(self, article_id: str):
        return self._article if article_id == self._article.id else self._kb.get_article(article_id)

    def get_articles(self, ids):
        return [self._article if a.id == self._article.id else a for a in self._kb.get_articles(ids)]


def sample_message(article: Article | ArticleIn) -> str:
    """A message to preview with: the article's first sample question, else its title."""
    return next((q for q in article.questions if q.strip()), article.title)


def preview_block(pipeline, article: Article, form: BlockForm, message: str, *, channel: str | None = None,
                  visibility: str = "public", editing: str | None = None,
                  channels: list[str] | None = None) -> BlockPreview:
    """Draft ``message`` with the article as it would be with this block (composer, nothing stored).

    The sample customer writes in the block's language and form of address; placeholders that need a customer's
    record are listed (the composer uses such a block only when the record holds the value)."""
    from assistant.models import CustomerView, DraftRequest

    content = with_block(article, form, channels or known_channels(), editing)
    block = to_block(form, article) if not editing else next(
        b for b in content.blocks if b.id == (form.id or editing))
    edited = Article(**content.model_dump(), version=article.version + 1)
    channel = channel or (form.channels[0] if form.channels else "twitter")
    if form.channels and channel not in form.channels:
        channel = form.channels[0]
    if set(form.channels or [channel]) <= {"email", "dm"}:
        visibility = "private"
    customer = CustomerView(id="preview", display_name="Alex", first_name="Alex", language=form.language,
                            address_form=form.address_form or ("du" if form.language == "de" else None))
    request = DraftRequest(text=message, channel=channel, visibility=visibility, engine="composer", force=True,
                           customer=customer)
    preview = copy.copy(pipeline)
    preview.kb = _PreviewKB(pipeline.kb, edited)
    result = preview.run(request)
    meta = getattr(getattr(result, "_proposal", None), "meta", None) or {}
    used_blocks = list(meta.get("answer_blocks", []))
    return BlockPreview(
        draft=result.draft, used=f"{article.id}:{block.id}" in used_blocks or block.text in result.draft,
        article_id=meta.get("article"), blocks=used_blocks,
        needs_record=sorted({p for p in _PLACEHOLDER.findall(block.text) if p != "first_name"}),
        passed=result.passed, findings=[f"{f.rule}: {f.message}" for f in result.findings])
