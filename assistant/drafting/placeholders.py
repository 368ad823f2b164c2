"""Fill ``{placeholders}`` of reply building blocks from the customer's CRM record."""

from __future__ import annotations

import re
from typing import Any

from assistant.models import Citation, CustomerView

PUBLIC_SAFE = frozenset({"first_name"})
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _latest(records: list[dict[str, Any]], kind: str, topic: str | None = None) -> dict[str, Any] | None:
    rows = [r for r in records if r.get("kind") == kind]
    if topic:
        on_topic = [r for r in rows if (r.get("data") or {}).get("topic") == topic]
        rows = on_topic or rows
    if kind == "case":
        rows = [r for r in rows if (r.get("status") or "open") not in ("closed", "resolved")] or rows
    return rows[-1] if rows else None


def customer_values(customer: CustomerView | None, topic: str | None = None) -> dict[str, tuple[str, str]]:
    """placeholder -> (value, CRM reference for the citation)."""
    if customer is None or customer.id is None:
        return {}
    out: dict[str, tuple[str, str]] = {}
    if customer.first_name:
        out["first_name"] = (customer.first_name, "customer.first_name")
    if customer.display_name:
        out["name"] = (customer.display_name, "customer.display_name")
    recs = customer.records
    if (c := _latest(recs, "contract")) is not None:
        out["contract_id"] = (c["ref"], f"contract:{c['ref']}")
        if c["data"].get("tariff"):
            out["tariff"] = (str(c["data"]["tariff"]), f"contract:{c['ref']}.tariff")
    if (o := _latest(recs, "order")) is not None:
        out["order_id"] = (o["ref"], f"order:{o['ref']}")
        if o.get("status"):
            out["order_status"] = (str(o["status"]).replace("_", " "), f"order:{o['ref']}.status")
        for key in ("delivery_date", "tracking_url"):
            if o["data"].get(key):
                out[key] = (str(o["data"][key]), f"order:{o['ref']}.{key}")
    if (i := _latest(recs, "invoice")) is not None:
        out["invoice_id"] = (i["ref"], f"invoice:{i['ref']}")
        if i["data"].get("amount"):
            out["invoice_amount"] = (str(i["data"]["amount"]), f"invoice:{i['ref']}.amount")
        if i["data"].get("due"):
            out["invoice_due"] = (str(i["data"]["due"]), f"invoice:{i['ref']}.due")
    if (k := _latest(recs, "case", topic)) is not None:
        out["case_id"] = (k["ref"], f"case:{k['ref']}")
        if k.get("status"):
            out["case_status"] = (str(k["status"]), f"case:{k['ref']}.status")
        if k["data"].get("next_step"):
            out["case_next_step"] = (str(k["data"]["next_step"]), f"case:{k['ref']}.next_step")
    return out


def fill(text: str, values: dict[str, tuple[str, str]], *, public: bool) -> tuple[str, list[Citation]] | None:
    """The text with its placeholders filled, or None when one cannot be (or may not be, in public)."""
    citations: list[Citation] = []
    for name in PLACEHOLDER.findall(text):
        if name not in values or (public and name not in PUBLIC_SAFE):
            return None
    def repl(m: re.Match[str]) -> str:
        value, ref = values[m.group(1)]
        if m.group(1) not in PUBLIC_SAFE:
            citations.append(Citation(kind="crm", ref=ref, text=value))
        return value
    return PLACEHOLDER.sub(repl, text), citations
