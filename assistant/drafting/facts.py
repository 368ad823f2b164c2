"""The fact layer: what the customer's record says about their situation, as sentences both drafters can use.

A fact is grounded evidence (it comes from the CRM record, not from a model), so the guardrails accept its
dates and numbers. Public replies state the situation without identifiers ("dein Router ist mit DHL unterwegs
und soll am Mittwoch, 25.11. ankommen"); private replies may add the reference. Which knowledge-base topics a
kind of record is about comes from the brand policy (``replies.record_topics``), never from code.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from assistant.models import CustomerView, Fact

WEEKDAYS = {"de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
            "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# Generic words a customer uses for a kind of record (matched stemmed, German and English).
ORDER_WORDS = ["Bestellung", "bestellt", "Paket", "Lieferung", "Sendung", "order", "ordered", "parcel", "package",
               "delivery", "shipment", "tracking"]
TECHNICIAN_WORDS = ["Techniker", "Termin", "technician", "engineer", "appointment"]
APPOINTMENT_WORDS = ["Termin", "appointment"]
REPAIR_WORDS = ["Reparatur", "repariert", "repair", "repaired"]
CLAIM_WORDS = ["Antrag", "Schaden", "Versicherung", "claim", "insurance"]
ACTIVE_ORDER = {"ordered", "processing", "shipped", "in_transit", "delayed", "out_for_delivery"}
CLOSED = {"closed", "resolved", "done", "cancelled", "canceled"}


def parse_day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            return None


def say_day(d: date, lang: str, today: date) -> str:
    """'heute', 'morgen', 'Mittwoch, 25.11.' / 'today', 'tomorrow', 'Wednesday 25 Nov'."""
    delta = (d - today).days
    if lang == "de":
        if delta == 0:
            return "heute"
        if delta == 1:
            return "morgen"
        return f"{WEEKDAYS['de'][d.weekday()]}, {d.day:02d}.{d.month:02d}."
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    return f"{WEEKDAYS['en'][d.weekday()]} {d.day} {MONTHS_EN[d.month - 1]}"


def _on(d: date, lang: str, today: date) -> str:
    said = say_day(d, lang, today)
    if said in ("heute", "morgen", "today", "tomorrow"):
        return said
    return f"am {said}" if lang == "de" else f"on {said}"


class _Voice:
    """The few words that change with du/Sie/English."""

    def __init__(self, lang: str, form: str | None) -> None:
        self.lang, self.sie = lang, (lang == "de" and form == "Sie")

    def your(self, gender: Literal["m", "f", "n"] = "m", case: Literal["nom", "gen"] = "nom") -> str:
        """dein/deine/deines, Ihr/Ihre/Ihres (nominative, or genitive of m/n), 'your' in English."""
        if self.lang == "en":
            return "your"
        base = "Ihr" if self.sie else "dein"
        if case == "gen":
            return base + "es"
        return base + ("e" if gender == "f" else "")

    def you(self) -> str:
        return "you" if self.lang == "en" else ("Sie" if self.sie else "du")

    def you_dat(self) -> str:
        return "you" if self.lang == "en" else ("Ihnen" if self.sie else "dir")


def _item(data: dict, fallback_de: str, fallback_en: str, lang: str) -> str:
    item = str(data.get("item") or data.get("device") or "").strip()
    return item or (fallback_de if lang == "de" else fallback_en)


def _cap(s: str) -> str:
    s = s.rstrip(".")
    return s[:1].upper() + s[1:] if s else s


def order_fact(r: dict, lang: str, v: _Voice, today: date, public: bool) -> Fact | None:
    status = (r.get("status") or "").lower()
    data = r.get("data") or {}
    ref = r["ref"]
    item = _item(data, "Bestellung", "order", lang)
    carrier = data.get("carrier")
    when = parse_day(data.get("delivery_date"))
    refs = [f"order:{ref}.status"]
    ev = [item]
    de = lang == "de"
    if status in ACTIVE_ORDER:
        if status in ("ordered", "processing"):
            text = (f"{v.your()} {item} ist bestellt und wird gerade für den Versand vorbereitet" if de
                    else f"your {item} is ordered and being prepared for shipping")
        elif status == "delayed":
            text = (f"{v.your()} {item} verzögert sich leider" if de else f"your {item} is delayed")
        else:
            with_carrier = (f" mit {carrier}" if de else f" with {carrier}") if carrier else ""
            text = (f"{v.your()} {item} ist{with_carrier} unterwegs" if de else f"your {item} is on its way{with_carrier}")
        if carrier:
            refs.append(f"order:{ref}.carrier")
            ev.append(str(carrier))
        if when is not None:
            refs.append(f"order:{ref}.delivery_date")
            ev += [str(data.get("delivery_date")), say_day(when, lang, today)]
            if when >= today:
                text += (f" und soll {_on(when, lang, today)} ankommen" if de
                         else f" and should arrive {_on(when, lang, today)}")
            else:
                text += (f"; geplant war die Zustellung {_on(when, lang, today)}" if de
                         else f"; delivery was planned {_on(when, lang, today)}")
        asks = {"where", "when", "status", "complaint"}
        prio = 3
    elif status == "delivered":
        text = (f"laut Sendungsverfolgung wurde {v.your()} {item} zugestellt" if de
                else f"according to tracking your {item} was delivered")
        if when is not None:
            text += f" ({say_day(when, lang, today)})"
            refs.append(f"order:{ref}.delivery_date")
            ev += [str(data.get("delivery_date")), say_day(when, lang, today)]
        asks, prio = {"where", "status", "complaint"}, 2
    elif status == "returned":
        text = (f"{v.your(gender='f')} Rücksendung ({item}) ist bei uns eingegangen" if de
                else f"your return ({item}) has reached us")
        asks, prio = {"status", "when"}, 2
    else:
        return None
    if not public and data.get("tracking_url") and status in ACTIVE_ORDER:
        text += (f" – verfolgen lässt sie sich unter {data['tracking_url']}" if de
                 else f" – you can track it at {data['tracking_url']}")
        refs.append(f"order:{ref}.tracking_url")
        ev.append(str(data["tracking_url"]))
    if not public:
        text += f" (Bestellung {ref})" if de else f" (order {ref})"
    return Fact(kind="order", ref=ref, text=_cap(text) + ".", field_refs=refs, asks=asks, evidence=ev,
                holds={"order"}, priority=prio, keywords=[item, *ORDER_WORDS])


def appointment_fact(r: dict, lang: str, v: _Voice, today: date, public: bool) -> Fact | None:
    status = (r.get("status") or "").lower()
    data = r.get("data") or {}
    when = parse_day(data.get("date"))
    if status in CLOSED or status == "done" or when is None or when < today:
        return None
    de = lang == "de"
    purpose = str(data.get("purpose") or "").lower()
    what = ("Der Techniker-Termin" if purpose == "technician" else "Der Termin") if de else \
        ("The technician appointment" if purpose == "technician" else "The appointment")
    window = data.get("window")
    text = (f"{what} ist {_on(when, lang, today)}" + (f" zwischen {window} Uhr" if window else "") + " gebucht"
            if de else f"{what} is booked for {say_day(when, lang, today)}" + (f", {window}" if window else ""))
    refs = [f"appointment:{r['ref']}.date"] + ([f"appointment:{r['ref']}.window"] if window else [])
    ev = [str(data.get("date")), say_day(when, lang, today)] + ([str(window)] if window else [])
    topics = {f"appointment.{purpose}"} if purpose else set()  # the brand maps purposes to KB topics
    words = TECHNICIAN_WORDS if purpose == "technician" else APPOINTMENT_WORDS
    return Fact(kind="appointment", ref=r["ref"], text=text + ".", field_refs=refs, topics=topics, keywords=words,
                asks={"when", "status", "complaint", "where", "how"}, evidence=ev, holds={"appointment"},
                priority=3)


REPAIR_DE = {"received": "ist bei uns eingegangen und wartet auf die Reparatur",
             "in_repair": "ist in der Reparatur",
             "repaired": "ist repariert",
             "shipped_back": "ist repariert und auf dem Rückweg zu {you_dat}",
             "rejected": "kann nicht repariert werden; die Einzelheiten stehen im Kostenvoranschlag"}
REPAIR_EN = {"received": "has reached us and is waiting for repair",
             "in_repair": "is being repaired",
             "repaired": "has been repaired",
             "shipped_back": "has been repaired and is on its way back to you",
             "rejected": "cannot be repaired; the details are in the quote"}


def repair_fact(r: dict, lang: str, v: _Voice, today: date, public: bool) -> Fact | None:
    status = (r.get("status") or "").lower()
    data = r.get("data") or {}
    table = REPAIR_DE if lang == "de" else REPAIR_EN
    if status not in table:
        return None
    device = _item(data, "Gerät", "device", lang)
    state = table[status].format(you_dat=v.you_dat())
    text = f"{v.your(gender='n')} {device} {state}" if lang == "de" else f"your {device} {state}"
    refs, ev = [f"repair:{r['ref']}.status"], [device]
    carrier, when = data.get("carrier"), parse_day(data.get("expected_date"))
    if status == "shipped_back" and carrier:
        text += f" (mit {carrier})" if lang == "de" else f" (with {carrier})"
        refs.append(f"repair:{r['ref']}.carrier")
        ev.append(str(carrier))
    if when is not None and when >= today and status != "rejected":
        verb = ("soll " + _on(when, lang, today) + (" ankommen" if status == "shipped_back" else " fertig sein")
                if lang == "de" else
                ("should arrive " if status == "shipped_back" else "should be ready ") + _on(when, lang, today))
        text += f" und {verb}" if lang == "de" else f" and {verb}"
        refs.append(f"repair:{r['ref']}.expected_date")
        ev += [str(data.get("expected_date")), say_day(when, lang, today)]
    return Fact(kind="repair", ref=r["ref"], text=_cap(text) + ".", field_refs=refs, keywords=[device, *REPAIR_WORDS],
                asks={"where", "when", "status", "complaint"}, evidence=ev, holds={"repair", "device"},
                priority=3)


CLAIM_DE = {"submitted": "ist eingegangen", "under_review": "wird gerade geprüft", "approved": "ist genehmigt",
            "rejected": "wurde abgelehnt; die Begründung steht im Bescheid"}
CLAIM_EN = {"submitted": "has reached us", "under_review": "is being reviewed", "approved": "has been approved",
            "rejected": "was declined; the reasons are in the decision letter"}
CLAIM_KIND = {"insurance": ("Versicherungsfall", "insurance claim"), "refund": ("Erstattungsantrag", "refund request"),
              "compensation": ("Antrag auf Entschädigung", "compensation request")}


def claim_fact(r: dict, lang: str, v: _Voice, today: date, public: bool) -> Fact | None:
    status = (r.get("status") or "").lower()
    data = r.get("data") or {}
    table = CLAIM_DE if lang == "de" else CLAIM_EN
    if status not in table:
        return None
    names = CLAIM_KIND.get(str(data.get("kind") or ""), ("Antrag", "claim"))
    de = lang == "de"
    text = (f"{v.your()} {names[0]} {table[status]}" if de else f"your {names[1]} {table[status]}")
    refs, ev = [f"claim:{r['ref']}.status"], []
    due = parse_day(data.get("decision_due"))
    if due is not None and due >= today and status in ("submitted", "under_review"):
        text += (f"; eine Entscheidung gibt es bis {say_day(due, lang, today)}" if de
                 else f"; you will have a decision by {say_day(due, lang, today)}")
        refs.append(f"claim:{r['ref']}.decision_due")
        ev += [str(data.get("decision_due")), say_day(due, lang, today)]
    topics = {str(data["topic"])} if data.get("topic") else set()
    return Fact(kind="claim", ref=r["ref"], text=_cap(text) + ".", field_refs=refs, topics=topics,
                keywords=[*names, *CLAIM_WORDS],
                asks={"status", "when", "complaint", "whether"}, evidence=ev, holds={"claim"}, priority=3)


def case_fact(r: dict, lang: str, v: _Voice, today: date, public: bool) -> Fact | None:
    status = (r.get("status") or "open").lower()
    data = r.get("data") or {}
    if status in CLOSED:
        return None
    de = lang == "de"
    due = parse_day(data.get("due"))
    text = (f"{v.your()} Anliegen liegt uns bereits als offener Fall vor" if de
            else "your issue is already open with us as a case")
    refs, ev = [f"case:{r['ref']}.status"], []
    if due is not None and due >= today:
        text += (f"; wir melden uns spätestens {_on(due, lang, today)} mit dem nächsten Stand" if de
                 else f"; we will update you {_on(due, lang, today)} at the latest")
        refs.append(f"case:{r['ref']}.due")
        ev += [str(data.get("due")), say_day(due, lang, today)]
    if not public:
        text += f" (Vorgang {r['ref']})" if de else f" (case {r['ref']})"
    topics = {str(data["topic"])} if data.get("topic") else set()
    return Fact(kind="case", ref=r["ref"], text=_cap(text) + ".", field_refs=refs, topics=topics,
                asks={"status", "when", "complaint", "where"}, evidence=ev, holds={"case"}, priority=1)


def invoice_fact(r: dict, lang: str, v: _Voice, today: date, public: bool) -> Fact | None:
    if public:
        return None  # amounts and due dates of a customer's bill stay out of public replies
    status = (r.get("status") or "").lower()
    data = r.get("data") or {}
    if status not in ("open", "overdue") or not data.get("amount"):
        return None
    de = lang == "de"
    due = parse_day(data.get("due"))
    text = (f"{v.your(gender='f')} Rechnung über {data['amount']}" if de else f"your invoice of {data['amount']}")
    if due is not None:
        text += (f" ist {_on(due, lang, today)} fällig" if de and due >= today else
                 f" war {_on(due, lang, today)} fällig" if de else
                 f" is due {_on(due, lang, today)}" if due >= today else f" was due {_on(due, lang, today)}")
    text += f" (Rechnung {r['ref']})" if de else f" (invoice {r['ref']})"
    return Fact(kind="invoice", ref=r["ref"], text=_cap(text) + ".",
                field_refs=[f"invoice:{r['ref']}.amount", f"invoice:{r['ref']}.due"],
                asks={"cost", "when", "status"}, evidence=[str(data["amount"]), str(data.get("due"))],
                holds={"invoice", "customer"}, priority=1)


def contract_fact(r: dict, lang: str, v: _Voice, today: date, public: bool) -> Fact | None:
    data = r.get("data") or {}
    end = parse_day(data.get("min_term_end"))
    if public or end is None:
        return None  # the contract is known (never ask for it) but its terms stay out of public replies
    de = lang == "de"
    tariff = data.get("tariff")
    name = f" ({tariff})" if tariff else ""
    if end >= today:
        text = (f"{v.your()} Vertrag{name} hat eine Mindestlaufzeit bis {end.day:02d}.{end.month:02d}.{end.year}" if de
                else f"your contract{name} has a minimum term until {end.day} {MONTHS_EN[end.month - 1]} {end.year}")
    else:
        text = (f"die Mindestlaufzeit {v.your(case='gen')} Vertrags{name} ist bereits abgelaufen" if de
                else f"the minimum term of your contract{name} has already ended")
    return Fact(kind="contract", ref=r["ref"], text=_cap(text) + ".",
                field_refs=[f"contract:{r['ref']}.min_term_end"], asks={"cancel", "when", "whether"},
                evidence=[str(data.get("min_term_end")), str(end.year), f"{end.day:02d}.{end.month:02d}."],
                holds={"contract", "customer"}, priority=1)


BUILDERS = {"order": order_fact, "appointment": appointment_fact, "repair": repair_fact, "claim": claim_fact,
            "case": case_fact, "invoice": invoice_fact, "contract": contract_fact}


def record_facts(customer: CustomerView, lang: str, form: str | None, *, public: bool, today: date,
                 record_topics: dict[str, list[str]] | None = None) -> list[Fact]:
    """Facts from the customer's record, newest record of each kind first, most useful first."""
    if customer.id is None:
        return []
    v = _Voice(lang, form)
    out: list[Fact] = []
    records = sorted(customer.records, key=lambda r: str(r.get("occurred_at") or ""), reverse=True)
    seen_kinds: dict[str, int] = {}
    for r in records:
        kind = r.get("kind")
        build = BUILDERS.get(kind)
        if build is None or seen_kinds.get(kind, 0) >= 2:
            continue
        fact = build(r, lang, v, today, public)
        if fact is None:
            continue
        seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
        extra = {t for t in fact.topics if "." in t}  # e.g. "appointment.technician": mapped by the policy
        fact.topics = (fact.topics - extra) | set((record_topics or {}).get(kind, []))
        for key in extra:
            fact.topics |= set((record_topics or {}).get(key, []))
        out.append(fact)
    known = {"customer", "contract"} if customer.id else set()
    for f in out:
        f.holds |= known
    return sorted(out, key=lambda f: -f.priority)


def known_data(customer: CustomerView) -> set[str]:
    """What the record holds, so a reply never asks for it: customer, contract, order, invoice …"""
    if customer.id is None:
        return set()
    return {"customer", "contract"} | {str(r.get("kind")) for r in customer.records}
