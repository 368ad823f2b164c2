"""Privacy (GDPR / BDSG): pseudonymisation before an external LLM, data access export, erasure.

* :class:`Pseudonymizer` replaces the customer's names, contact data and reference numbers, and any personal data
  the shared detector finds (:mod:`guardrails.pii_detect`, the one ``pii-public`` uses: e-mail, phone, IBAN, card,
  IP, German identifiers, birth dates, addresses, reference numbers) with stable tokens such as ``[[EMAIL_1]]``
  before a prompt leaves the machine, and restores them in the model's answer.
* :func:`export_customer` gathers everything stored about one customer (Art. 15 GDPR).
* :func:`forget_customer` erases a customer (Art. 17 GDPR): the customer row, handles, records, their
  messages (by customer id, or by (channel, handle)), drafts, approvals and follow-ups are deleted and their lines
  in the outbox file redacted; audit entries are kept for accountability but pseudonymised. The knowledge
  base is untouched: it never holds customer data.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import and_, delete, func, or_, select

from guardrails.pii_detect import detect, phone_regions
from replydesk.db import Database, utcnow

# Token kind per detector kind.
TOKEN_KINDS = {"email": "EMAIL", "phone": "PHONE", "iban": "IBAN", "card": "CARD", "ip": "IP", "de_tax_id": "ID",
               "de_vat_id": "ID", "de_id_card": "ID", "de_pension_no": "ID", "de_health_no": "ID",
               "birth_date": "BIRTHDATE", "address": "ADDRESS", "credential": "SECRET", "id_document": "ID",
               "reference": "NUMBER"}
# JSON string escapes (a prompt is a JSON blob): read as spaces of the same length, so "\n0151 …" is a number.
_JSON_ESCAPE = re.compile(r'\\(?:u[0-9a-fA-F]{4}|["\\/bfnrt])')
# Reference numbers of any shop, carrier, airline or contract system, not one brand's format: letters then digits
# (ORD123456, B-558812, V-2023-118877), groups of digits joined by dashes (112-3456789-1234567), and mixed codes of
# six or more letters and digits (booking references such as X7K2PQ9). The brand's own formats come from the
# policy (``reference_patterns``) and are applied first.
GENERIC_REFERENCES: list[re.Pattern[str]] = [
    re.compile(r"\b[A-Z]{1,5}[-/]?\d[\d/-]{3,}\d\b"),
    re.compile(r"\b\d{2,}(?:-\d{2,}){2,}\b|\b\d{3,}-\d{5,}\b"),
    re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,}\b"),
]


def reference_patterns(policy: Any | None = None) -> list[re.Pattern[str]]:
    """The policy's reference-number patterns (the effective policy when none is given), then the generic ones."""
    if policy is None:
        from guardrails.policy import load_policy

        policy = load_policy()
    return [*getattr(policy, "reference_rx", []), *GENERIC_REFERENCES]


class PseudonymMap(BaseModel):
    """token -> original value; kept in memory for one draft only, never persisted."""

    tokens: dict[str, str] = Field(default_factory=dict)

    def restore(self, text: str) -> str:
        # Longest tokens first so [[EMAIL_10]] is not broken by [[EMAIL_1]].
        for token in sorted(self.tokens, key=len, reverse=True):
            text = text.replace(token, self.tokens[token])
        return text


class Pseudonymizer:
    """Replace known and detected personal values with tokens; the same value always gets the same token."""

    def __init__(self, known_values: Iterable[tuple[str, str]] = (),
                 references: list[re.Pattern[str]] | None = None, policy: Any | None = None) -> None:
        # (kind, value) pairs from the CRM: names, e-mail, phone, record refs ...
        # references: reference-number patterns (default: the policy's ``reference_patterns`` + generic ones)
        self._references = references if references is not None else reference_patterns(policy)
        self._known = sorted(
            {(k, v.strip()) for k, v in known_values if v and len(v.strip()) >= 3},
            key=lambda kv: len(kv[1]),
            reverse=True,
        )
        self._regions = phone_regions([v for _, v in self._known])
        self.map = PseudonymMap()
        self._by_value: dict[str, str] = {}
        self._counters: dict[str, int] = {}

    @classmethod
    def for_customer(cls, customer: Any | None, policy: Any | None = None) -> Pseudonymizer:
        values: list[tuple[str, str]] = []
        if customer is not None:
            for attr, kind in (("display_name", "NAME"), ("first_name", "NAME")):
                value = getattr(customer, attr, None)
                if value:
                    values.append((kind, value))
            for value in getattr(customer, "private_values", []) or []:
                values.append(("PII", value))
        return cls(values, policy=policy)

    def _token(self, kind: str, value: str) -> str:
        if value in self._by_value:
            return self._by_value[value]
        self._counters[kind] = self._counters.get(kind, 0) + 1
        token = f"[[{kind}_{self._counters[kind]}]]"
        self._by_value[value] = token
        self.map.tokens[token] = value
        return token

    def pseudonymize(self, text: str) -> str:
        for kind, value in self._known:
            if value in text:
                # Whole words only ("Max" is not replaced inside "Maximal"); a German genitive s ("Annas")
                # still counts as the name.
                rx = re.compile(rf"(?<!\w){re.escape(value)}(?=s?(?!\w))")
                text = rx.sub(lambda _m, k=kind, v=value: self._token(k, v), text)
        view = _JSON_ESCAPE.sub(lambda m: " " * len(m.group(0)), text)
        spans = detect(view, regions=self._regions, references=self._references, lenient=True,
                       max_chars=None)
        for span in reversed(spans):
            value = text[span.start:span.end]
            if "[[" in value or "]]" in value:
                continue  # a token of ours
            text = text[:span.start] + self._token(TOKEN_KINDS.get(span.kind, "PII"), value) + text[span.end:]
        return text

    def restore(self, text: str) -> str:
        return self.map.restore(text)


def should_pseudonymize(settings: Any) -> bool:
    """On by default for LLMs that are not on this machine (``REPLYDESK_PSEUDONYMIZE=auto``).

    "On this machine" is decided from the parsed host of ``llm_base_url`` (loopback, or a host listed in
    ``REPLYDESK_LLM_LOCAL_HOSTS``), never by a substring of the URL; see ``Settings.llm_is_local``."""
    mode = getattr(settings, "pseudonymize", "auto")
    if mode == "on":
        return True
    if mode == "off":
        return False
    return not settings.llm_is_local


# ---------------------------------------------------------------------------------------------------------
# Data access and erasure
# ---------------------------------------------------------------------------------------------------------


class CustomerNotFound(LookupError):
    pass


def _row(obj: Any) -> dict[str, Any]:
    out = {}
    for col in obj.__table__.columns:
        value = getattr(obj, col.key)
        out[col.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def _customer_messages(s: Any, customer_id: str, handles: list[Any]) -> list[Any]:
    """The customer's messages: linked by customer id, or not yet linked (no customer) and written under one of
    their handles *on that handle's channel* (the same handle on another channel is someone else)."""
    from assistant.orm import Message

    cond = Message.customer_id == customer_id
    pairs = [and_(Message.channel == h.channel, func.lower(Message.author_handle) == h.handle.strip().lower())
             for h in handles]
    if pairs:
        cond = or_(cond, and_(Message.customer_id.is_(None), or_(*pairs)))
    return list(s.scalars(select(Message).where(cond).order_by(Message.id)).all())


def _review_tables() -> tuple[Any, Any]:
    # imported, never skipped: an export or erasure that silently missed the approvals would be wrong
    from assistant.review.orm import Approval, FollowUp

    return Approval, FollowUp


def export_customer(db: Database, customer_id: str) -> dict[str, Any]:
    """Everything stored about one customer, as JSON-ready data (data access request, Art. 15 GDPR): the customer,
    handles, records, messages (also those not yet linked), drafts, approvals (the text actually posted),
    follow-ups and audit events."""
    from assistant.orm import AuditEvent, Customer, CustomerHandle, CustomerRecord, Draft

    Approval, FollowUp = _review_tables()
    with db.session() as s:
        customer = s.get(Customer, customer_id)
        if customer is None:
            raise CustomerNotFound(f"no customer with id {customer_id!r}")
        handles = s.scalars(select(CustomerHandle).where(CustomerHandle.customer_id == customer_id)).all()
        records = s.scalars(select(CustomerRecord).where(CustomerRecord.customer_id == customer_id)).all()
        messages = _customer_messages(s, customer_id, list(handles))
        message_ids = [m.id for m in messages]

        def _for_messages(model: Any) -> list[Any]:
            if model is None or not message_ids:
                return []
            return list(s.scalars(select(model).where(model.message_id.in_(message_ids))).all())

        return {
            "exported_at": utcnow().isoformat(),
            "customer": _row(customer),
            "handles": [_row(h) for h in handles],
            "records": [_row(r) for r in records],
            "messages": [_row(m) for m in messages],
            "drafts": [_row(d) for d in _for_messages(Draft)],
            "approvals": [_row(a) for a in _for_messages(Approval)],
            "followups": [_row(f) for f in _for_messages(FollowUp)],
            "audit_events": [_row(a) for a in _for_messages(AuditEvent)],
        }


def _pseudo(value: str) -> str:
    return "forgotten:" + hashlib.sha256(value.encode()).hexdigest()[:12]


def _scrub(data: Any, secrets: list[str]) -> Any:
    if isinstance(data, dict):
        return {k: _scrub(v, secrets) for k, v in data.items()}
    if isinstance(data, list):
        return [_scrub(v, secrets) for v in data]
    if isinstance(data, str):
        for secret in secrets:
            if secret and secret.lower() in data.lower():
                return "[erased]"
        return data
    return data


class ForgetReport(BaseModel):
    customer_id: str
    handles: int
    records: int
    messages: int
    drafts: int
    audit_events_pseudonymised: int
    approvals: int = 0
    followups: int = 0
    outbox_entries_redacted: int = 0


def redact_outbox(path: Path, message_ids: set[str], handles: set[tuple[str, str]], secrets: list[str]) -> int:
    """Redact the erased customer's lines in the outbox file: lines of their messages, or sent to one of their
    (channel, handle) pairs. The idempotency key stays (a re-post is still recognised as a duplicate); text,
    recipient, ids and any string holding a secret are erased. The file is rewritten atomically (temp file in the
    same directory, fsync, ``os.replace``) while holding the outbox's lock. Returns the number of lines redacted."""
    path = Path(path)
    if not path.exists():
        return 0
    with path.open("r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # the outbox channel takes the same lock before appending
        lines = fh.read().splitlines()
        out, n = [], 0
        for line in lines:
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                out.append(line)
                continue
            to = str(entry.get("to") or "").strip().lower()
            if entry.get("message_id") in message_ids or (str(entry.get("channel")), to) in handles:
                redacted = _scrub(entry, secrets)
                for key in ("text", "to"):
                    if key in redacted:
                        redacted[key] = "[erased]"
                if redacted.get("message_id"):
                    redacted["message_id"] = _pseudo(str(entry["message_id"]))
                if "external_id" in redacted:
                    redacted["external_id"] = None
                redacted["idempotency_key"] = entry.get("idempotency_key")
                out.append(json.dumps(redacted, ensure_ascii=False))
                n += 1
            else:
                out.append(line)
        if n:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as tmp_fh:
                    tmp_fh.write("".join(x + "\n" for x in out))
                    tmp_fh.flush()
                    os.fsync(tmp_fh.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return n


def forget_customer(db: Database, customer_id: str, actor: str = "system",
                    outbox_path: Path | None = None) -> ForgetReport:
    """Erase one customer (Art. 17 GDPR) in one transaction; audit entries are pseudonymised, not deleted.

    Messages are matched by customer id, or (not yet linked) by (channel, handle) — never by the handle alone.
    With ``outbox_path`` the customer's lines in the outbox file are redacted after the database commit."""
    from assistant.orm import AuditEvent, Customer, CustomerHandle, CustomerRecord, Draft, Message

    Approval, FollowUp = _review_tables()
    with db.transaction() as s:
        customer = s.get(Customer, customer_id)
        if customer is None:
            raise CustomerNotFound(f"no customer with id {customer_id!r}")
        handles = s.scalars(select(CustomerHandle).where(CustomerHandle.customer_id == customer_id)).all()
        records = s.scalars(select(CustomerRecord).where(CustomerRecord.customer_id == customer_id)).all()
        handle_values = [h.handle for h in handles]
        handle_pairs = {(h.channel, h.handle.strip().lower()) for h in handles}
        messages = _customer_messages(s, customer_id, list(handles))
        message_ids = [m.id for m in messages]
        secrets = [
            v
            for v in [
                customer.display_name, customer.first_name, customer.last_name, customer.email,
                customer.phone, customer.postal_address, customer.birth_date, customer.id,
                *handle_values, *[r.ref for r in records],
            ]
            if v and len(v) >= 3
        ]
        n_drafts = n_approvals = n_followups = 0
        if message_ids:
            n_drafts = len(s.scalars(select(Draft.id).where(Draft.message_id.in_(message_ids))).all())
        audit = s.scalars(
            select(AuditEvent).where(AuditEvent.message_id.in_(message_ids or ["-"]))
        ).all()
        for event in audit:
            event.message_id = _pseudo(event.message_id or "")
            event.data = _scrub(event.data or {}, secrets)
        if message_ids:
            for model in (Approval, FollowUp):
                if model is None:
                    continue
                n = len(s.scalars(select(model.id).where(model.message_id.in_(message_ids))).all())
                s.execute(delete(model).where(model.message_id.in_(message_ids)))
                if model is Approval:
                    n_approvals = n
                else:
                    n_followups = n
            s.execute(delete(Draft).where(Draft.message_id.in_(message_ids)))
            s.execute(delete(Message).where(Message.id.in_(message_ids)))
        s.execute(delete(CustomerRecord).where(CustomerRecord.customer_id == customer_id))
        s.execute(delete(CustomerHandle).where(CustomerHandle.customer_id == customer_id))
        s.delete(customer)
        s.add(
            AuditEvent(
                actor=actor,
                action="customer_forgotten",
                data={"customer": _pseudo(customer_id), "messages": len(message_ids)},
            )
        )
    n_outbox = redact_outbox(outbox_path, set(message_ids), handle_pairs, secrets) if outbox_path else 0
    return ForgetReport(
        customer_id=customer_id,
        handles=len(handles),
        records=len(records),
        messages=len(message_ids),
        drafts=n_drafts,
        audit_events_pseudonymised=len(audit),
        approvals=n_approvals,
        followups=n_followups,
        outbox_entries_redacted=n_outbox,
    )
