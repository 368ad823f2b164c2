"""Customer context (the CRM side): import, lookup by channel handle, the view a drafter may see."""

from __future__ import annotations

import csv
import io
import json
import time
import weakref
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import delete, func, select

from assistant.models import CustomerView
from assistant.orm import Customer, CustomerHandle, CustomerRecord
from guardrails.models import Language, known_channels
from replydesk.db import Database

RecordKind = Literal["contract", "order", "invoice", "case", "interaction", "appointment", "repair", "claim"]
# database -> (fingerprint, built at, every customer's private values): see all_private_values
_ALL_PRIVATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class RecordIn(BaseModel):
    kind: RecordKind
    ref: str = Field(min_length=1, max_length=100)
    status: str | None = None
    occurred_at: datetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class CustomerIn(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    first_name: str | None = None
    last_name: str | None = None
    salutation: str | None = Field(default=None, max_length=32)  # "Herr", "Frau": formal greeting by surname
    language: Language = "de"
    address_form: Literal["du", "Sie"] | None = None
    tier: str | None = None
    followers: int = Field(default=0, ge=0)
    dm_allowed: bool = True
    email: str | None = None
    phone: str | None = None
    postal_address: str | None = None
    birth_date: str | None = None
    notes: str | None = None
    handles: dict[str, str] = Field(default_factory=dict)
    records: list[RecordIn] = Field(default_factory=list)

    @field_validator("handles")
    @classmethod
    def _channels(cls, v: dict[str, str]) -> dict[str, str]:
        channels = known_channels()  # the built-in ones and every channel a loaded policy declares
        for channel in v:
            if channel not in channels:
                raise ValueError(f"unknown channel {channel!r} (use {', '.join(channels)})")
        return v


class CustomerImportError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("customer import rejected, nothing was changed:\n  " + "\n  ".join(problems[:20]))


def normalize_handle(handle: str, channel: str) -> str:
    h = handle.strip().lower()
    if channel in ("twitter", "instagram") and h and not h.startswith("@"):
        h = "@" + h
    return h


def _problems(err: ValidationError, where: str) -> list[str]:
    return [f"{where}: field '{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in err.errors()]


def read_customers(path: Path) -> list[CustomerIn]:
    path = Path(path)
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CustomerImportError([f"{path}:1: cannot read as UTF-8 text: {exc}"]) from None
    out: list[CustomerIn] = []
    problems: list[str] = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(raw))
        try:
            rows = list(reader)
        except csv.Error as exc:
            raise CustomerImportError([f"{path}:{reader.line_num}: not valid CSV: {exc}"]) from None
        for n, row in enumerate(rows, start=2):
            where = f"{path}:{n}"
            data: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
            handles = {c: data.pop(f"handle_{c}") for c in known_channels() if f"handle_{c}" in data}
            if "records" in data:
                try:
                    data["records"] = json.loads(data["records"])
                except (json.JSONDecodeError, RecursionError) as exc:
                    problems.append(f"{where}: field 'records': not JSON ({getattr(exc, 'msg', 'nested too deeply')})")
                    continue
            try:
                out.append(CustomerIn.model_validate({**data, "handles": handles}))
            except ValidationError as err:
                problems += _problems(err, where)
    else:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CustomerImportError([f"{path}:{exc.lineno}: invalid JSON: {exc.msg}"]) from None
        except RecursionError:
            raise CustomerImportError([f"{path}:1: JSON nested too deeply"]) from None
        if isinstance(data, dict):
            data = data.get("customers", [data])
        if not isinstance(data, list):
            raise CustomerImportError([f"{path}:1: expected a list of customers"])
        for i, item in enumerate(data):
            try:
                out.append(CustomerIn.model_validate(item))
            except ValidationError as err:
                problems += _problems(err, f"{path}[{i}]")
    seen: set[str] = set()
    handles: dict[tuple[str, str], str] = {}
    for c in out:
        if c.id in seen:
            problems.append(f"{path}: field 'id': duplicate customer id {c.id!r}")
        seen.add(c.id)
        for channel, h in c.handles.items():
            key = (channel, normalize_handle(h, channel))
            if key in handles and handles[key] != c.id:
                problems.append(f"{path}: field 'handles.{channel}': {h!r} belongs to {handles[key]} and {c.id}")
            handles[key] = c.id
    if problems:
        raise CustomerImportError(problems)
    return out


class CustomerService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def import_customers(self, customers: list[CustomerIn]) -> int:
        """Upsert customers with their handles and records in one transaction (all-or-nothing)."""
        with self.db.transaction() as s:
            for c in customers:
                row = s.get(Customer, c.id) or Customer(id=c.id)
                for field in ("display_name", "first_name", "last_name", "salutation", "language", "address_form", "tier",
                              "followers", "dm_allowed", "email", "phone", "postal_address", "birth_date", "notes"):
                    setattr(row, field, getattr(c, field))
                s.add(row)
                s.flush()
                s.execute(delete(CustomerHandle).where(CustomerHandle.customer_id == c.id))
                s.execute(delete(CustomerRecord).where(CustomerRecord.customer_id == c.id))
                s.flush()
                for channel, handle in c.handles.items():
                    s.add(CustomerHandle(customer_id=c.id, channel=channel, handle=normalize_handle(handle, channel)))
                for r in c.records:
                    s.add(CustomerRecord(customer_id=c.id, kind=r.kind, ref=r.ref, status=r.status, data=r.data,
                                         occurred_at=r.occurred_at))
        return len(customers)

    def import_path(self, path: Path) -> int:
        return self.import_customers(read_customers(path))

    def find_id(self, channel: str, handle: str | None) -> str | None:
        with self.db.session() as s:
            return self._find_id(s, channel, handle)

    @staticmethod
    def _find_id(s, channel: str, handle: str | None) -> str | None:
        if not handle:
            return None
        h = normalize_handle(handle, channel)
        cid = s.scalar(select(CustomerHandle.customer_id).where(
            CustomerHandle.channel == channel, CustomerHandle.handle == h))
        if cid is None and channel == "dm":
            # a DM arrives from the customer's social account
            cid = s.scalar(select(CustomerHandle.customer_id).where(CustomerHandle.handle == h))
        return cid

    def view(self, customer_id: str) -> CustomerView | None:
        """What a drafter may see: the current customer only, without internal notes."""
        with self.db.session() as s:
            return self._view(s, customer_id)

    @staticmethod
    def _view(s, customer_id: str) -> CustomerView | None:
        c = s.get(Customer, customer_id)
        if c is None:
            return None
        records = s.scalars(select(CustomerRecord).where(CustomerRecord.customer_id == customer_id)
                            .order_by(CustomerRecord.occurred_at)).all()
        handles = s.scalars(select(CustomerHandle.handle).where(CustomerHandle.customer_id == customer_id)).all()
        recs = [{"kind": r.kind, "ref": r.ref, "status": r.status, "data": r.data,
                 "occurred_at": r.occurred_at.isoformat() if r.occurred_at else None} for r in records]
        # The surname alone is not personal data in a greeting ("Hallo Herr Becker"); the full name is.
        private = [v for v in (c.display_name, c.email, c.phone, c.postal_address, c.birth_date, c.id) if v]
        # as other customers' values are indexed (all_private_values): the full name and the street line
        private += [f"{c.first_name} {c.last_name}"] if c.first_name and c.last_name else []
        private += [c.postal_address.split(",")[0].strip()] if c.postal_address else []
        private += [r.ref for r in records] + [h for h in handles if "@" in h and "." in h]
        for r in records:
            for key in ("tracking_url", "iban", "amount"):
                if r.data.get(key) and key != "amount":
                    private.append(str(r.data[key]))
        return CustomerView(id=c.id, display_name=c.display_name, first_name=c.first_name, last_name=c.last_name,
                            salutation=c.salutation, language=c.language,
                            address_form=c.address_form, tier=c.tier, followers=c.followers,
                            dm_allowed=c.dm_allowed, records=recs, private_values=private)

    def lookup(self, channel: str, handle: str | None) -> CustomerView | None:
        """The customer behind a handle on a channel (one database session)."""
        if not handle:
            return None
        with self.db.session() as s:
            cid = self._find_id(s, channel, handle)
            return self._view(s, cid) if cid else None

    def all_private_values(self) -> frozenset[str]:
        """Every customer's e-mail, phone, IBAN and record references (confidential-leak tells the current customer's
        own apart). Built once per process and database; rebuilt when an import changed the CRM (a cheap fingerprint
        query per call: counts, newest row ids, total lengths) or after ten minutes."""
        with self.db.session() as s:
            fingerprint = (*s.execute(select(func.count(Customer.id), func.sum(func.length(Customer.email)),
                                             func.sum(func.length(Customer.phone)))).one(),
                           *s.execute(select(func.count(CustomerRecord.id), func.max(CustomerRecord.id))).one())
            cached = _ALL_PRIVATE.get(self.db)
            if cached and cached[0] == fingerprint and time.monotonic() - cached[1] < 600:
                return cached[2]
            values = {v for row in s.execute(select(Customer.email, Customer.phone)) for v in row if v}
            # full names and the street line of postal addresses are other customers' data too
            for first, last, display, address in s.execute(select(Customer.first_name, Customer.last_name,
                                                                  Customer.display_name, Customer.postal_address)):
                if first and last:
                    values.add(f"{first} {last}")
                if display and len(display.split()) >= 2:
                    values.add(display)
                if address:
                    values.add(address.split(",")[0].strip())
            for ref, data in s.execute(select(CustomerRecord.ref, CustomerRecord.data)):
                values.add(ref)
                values.update(str(data[k]) for k in ("iban", "phone", "email") if (data or {}).get(k))
        _ALL_PRIVATE[self.db] = (fingerprint, time.monotonic(), frozenset(values))
        return _ALL_PRIVATE[self.db][2]

    def notes(self, customer_id: str) -> str | None:
        with self.db.session() as s:
            c = s.get(Customer, customer_id)
            return c.notes if c else None
