"""Privacy (GDPR / BDSG): pseudonymisation before an external LLM, data access export, erasure.

* :class:`Pseudonymizer` replaces the customer's names, contact data and reference numbers (and any e-mail,
  phone, IBAN or long number found by pattern) with stable tokens such as ``[[EMAIL_1]]`` before a prompt
  leaves the machine, and restores them in the model's answer.
* :func:`export_customer` gathers everything stored about one customer (Art. 15 GDPR).
* :func:`forget_customer` erases a customer (Art. 17 GDPR): the customer row, handles, records, their
  messages and drafts are deleted; audit entries are kept for accountability but pseudonymised. The knowledge
  base is untouched: it never holds customer data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, select

from replydesk.db import Database, utcnow

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b")),
    ("PHONE", re.compile(r"(?<!\w)(?:\+|00)\d[\d ()/-]{6,}\d|\b0\d{2,5}[ /-]?\d{4,}\b")),
]
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
        self._patterns = [*_PATTERNS, *(("NUMBER", rx) for rx in (
            references if references is not None else reference_patterns(policy)))]
        self._known = sorted(
            {(k, v.strip()) for k, v in known_values if v and len(v.strip()) >= 3},
            key=lambda kv: len(kv[1]),
            reverse=True,
        )
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
        for kind, pattern in self._patterns:
            text = pattern.sub(lambda m, k=kind: self._token(k, m.group(0)), text)
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


def export_customer(db: Database, customer_id: str) -> dict[str, Any]:
    """Everything stored about one customer, as JSON-ready data (data access request, Art. 15 GDPR)."""
    from assistant.orm import AuditEvent, Customer, CustomerHandle, CustomerRecord, Draft, Message

    with db.session() as s:
        customer = s.get(Customer, customer_id)
        if customer is None:
            raise CustomerNotFound(f"no customer with id {customer_id!r}")
        handles = s.scalars(select(CustomerHandle).where(CustomerHandle.customer_id == customer_id)).all()
        records = s.scalars(select(CustomerRecord).where(CustomerRecord.customer_id == customer_id)).all()
        messages = s.scalars(select(Message).where(Message.customer_id == customer_id)).all()
        message_ids = [m.id for m in messages]
        drafts = (
            s.scalars(select(Draft).where(Draft.message_id.in_(message_ids))).all() if message_ids else []
        )
        audit = (
            s.scalars(select(AuditEvent).where(AuditEvent.message_id.in_(message_ids))).all()
            if message_ids
            else []
        )
        return {
            "exported_at": utcnow().isoformat(),
            "customer": _row(customer),
            "handles": [_row(h) for h in handles],
            "records": [_row(r) for r in records],
            "messages": [_row(m) for m in messages],
            "drafts": [_row(d) for d in drafts],
            "audit_events": [_row(a) for a in audit],
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


def forget_customer(db: Database, customer_id: str, actor: str = "system") -> ForgetReport:
    """Erase one customer (Art. 17 GDPR) in one transaction; audit entries are pseudonymised, not deleted."""
    from assistant.orm import AuditEvent, Customer, CustomerHandle, CustomerRecord, Draft, Message

    with db.transaction() as s:
        customer = s.get(Customer, customer_id)
        if customer is None:
            raise CustomerNotFound(f"no customer with id {customer_id!r}")
        handles = s.scalars(select(CustomerHandle).where(CustomerHandle.customer_id == customer_id)).all()
        records = s.scalars(select(CustomerRecord).where(CustomerRecord.customer_id == customer_id)).all()
        # Messages are the customer's: theirs by customer id, or by one of their handles.
        handle_values = [h.handle for h in handles]
        messages = s.scalars(
            select(Message).where(
                (Message.customer_id == customer_id) | (Message.author_handle.in_(handle_values))
            )
        ).all()
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
        n_drafts = 0
        if message_ids:
            n_drafts = len(s.scalars(select(Draft.id).where(Draft.message_id.in_(message_ids))).all())
        audit = s.scalars(
            select(AuditEvent).where(AuditEvent.message_id.in_(message_ids or ["-"]))
        ).all()
        for event in audit:
            event.message_id = _pseudo(event.message_id or "")
            event.data = _scrub(event.data or {}, secrets)
        if message_ids:
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
        return ForgetReport(
            customer_id=customer_id,
            handles=len(handles),
            records=len(records),
            messages=len(message_ids),
            drafts=n_drafts,
            audit_events_pseudonymised=len(audit),
        )
