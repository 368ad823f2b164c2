"""View logic of the review screen, free of Streamlit: SLA countdown state, labels in the UI language, local times,
the customer card as labelled fields, the accessible queue table (every piece of customer text escaped), and
German translations of the review service's errors. Pages stay thin: they call these and render the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from assistant.review.errors_de import error_text  # noqa: F401  (re-exported; the UI calls view.error_text)

LOCAL_TZ = ZoneInfo("Europe/Berlin")
DUE_SOON_MINUTES = 15  # at most this long left (or a quarter of the SLA, whichever is longer): "due soon"


def t(lang: str, de: str, en: str) -> str:
    return de if lang == "de" else en


# ---- escaping ----------------------------------------------------------------------------------------
def esc(text: Any) -> str:
    """Text for HTML *and* Markdown: every ASCII punctuation character becomes a character reference, newlines
    too (so an HTML block never ends inside customer text). Same rule as ``ui.common.esc``."""
    return "".join(f"&#{ord(ch)};" if ch.isascii() and not ch.isalnum() and ch != " " else ch for ch in str(text))


# ---- time ----------------------------------------------------------------------------------------------
def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def local_time(value: datetime | str | None, lang: str, with_date: bool = True) -> str:
    """A timestamp in Europe/Berlin, to the minute ("22.11.2026, 07:13" / "22 Nov 2026, 07:13"); a bare date
    ("2026-11-25") as a date; anything unparsable as given."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                d = date.fromisoformat(value)
                return d.strftime("%d.%m.%Y") if lang == "de" else d.strftime("%d %b %Y")
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    loc = _aware(value).astimezone(LOCAL_TZ)
    if not with_date:
        return loc.strftime("%H:%M")
    return loc.strftime("%d.%m.%Y, %H:%M") if lang == "de" else loc.strftime("%d %b %Y, %H:%M")


def format_minutes(minutes: int, lang: str) -> str:
    """A duration for people: "12 min", "1 h 05 min", "2 Tg. 3 h" / "2 d 3 h"."""
    minutes = abs(int(minutes))
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {mins:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} {t(lang, 'Tg.', 'd')} {hours} h"


@dataclass(frozen=True)
class Sla:
    state: str  # "none" | "ok" | "soon" | "overdue"
    minutes_left: int | None
    label: str  # the countdown as shown
    title: str  # the due time in local time, for a tooltip and screen readers


def sla_state(due_at: datetime | None, now: datetime, lang: str, received_at: datetime | None = None) -> Sla:
    """The SLA countdown against one reference time for the whole page (``now``, taken once per render).

    "soon" when at most ``DUE_SOON_MINUTES`` or a quarter of the SLA window (received → due) is left."""
    if due_at is None:
        return Sla("none", None, "–", t(lang, "keine SLA", "no SLA"))
    due_at, now = _aware(due_at), _aware(now)
    seconds = (due_at - now).total_seconds()
    minutes = int(seconds // 60) if seconds >= 0 else -int(-seconds // 60)
    title = t(lang, "fällig ", "due ") + local_time(due_at, lang)
    if seconds < 0:
        return Sla("overdue", minutes, t(lang, f"überfällig {format_minutes(minutes, lang)}",
                                         f"overdue {format_minutes(minutes, lang)}"), title)
    window = (due_at - _aware(received_at)).total_seconds() / 60 if received_at else 0
    soon = max(DUE_SOON_MINUTES, window / 4)
    state = "soon" if minutes <= soon else "ok"
    return Sla(state, minutes, t(lang, f"noch {format_minutes(minutes, lang)}", f"{format_minutes(minutes, lang)} left"),
               title)


# ---- labels --------------------------------------------------------------------------------------------
STATUS = {
    "pending": ("wartet auf Entwurf", "waiting for draft"),
    "drafting": ("wird entworfen", "drafting"),
    "drafted": ("Entwurf bereit", "draft ready"),
    "awaiting_approval": ("wartet auf 2. Freigabe", "awaiting 2nd approval"),
    "approved": ("freigegeben", "approved"),
    "posted": ("gepostet", "posted"),
    "rejected": ("abgelehnt", "rejected"),
    "escalated": ("eskaliert", "escalated"),
    "error": ("Fehler", "error"),
    "no_reply": ("keine Antwort nötig", "no reply needed"),
}
CHANNELS = {"twitter": "X/Twitter", "facebook": "Facebook", "instagram": "Instagram", "email": "E-Mail", "dm": "DM"}
VISIBILITY = {"public": ("öffentlich", "public"), "private": ("privat", "private")}
RECORD_STATUS = {
    "active": ("aktiv", "active"), "in_transit": ("unterwegs", "in transit"), "delivered": ("zugestellt", "delivered"),
    "open": ("offen", "open"), "closed": ("abgeschlossen", "closed"), "resolved": ("gelöst", "resolved"),
    "cancelled": ("storniert", "cancelled"), "paid": ("bezahlt", "paid"), "unpaid": ("offen", "unpaid"),
    "overdue": ("überfällig", "overdue"), "pending": ("ausstehend", "pending"), "scheduled": ("geplant", "scheduled"),
    "returned": ("zurückgeschickt", "returned"), "shipped": ("versendet", "shipped"), "processing": ("in Bearbeitung", "processing"),
}
RECORD_KINDS = {
    "contract": ("Vertrag", "Contract"), "order": ("Bestellung", "Order"), "invoice": ("Rechnung", "Invoice"),
    "case": ("Vorgang", "Case"), "interaction": ("Kontakt", "Interaction"), "appointment": ("Termin", "Appointment"),
    "repair": ("Reparatur", "Repair"), "claim": ("Reklamation", "Claim"),
}
FIELDS = {
    "tariff": ("Tarif", "Tariff"), "monthly_fee": ("Monatlicher Preis", "Monthly fee"),
    "min_term_end": ("Mindestlaufzeit bis", "Minimum term until"), "type": ("Art", "Type"),
    "item": ("Artikel", "Item"), "carrier": ("Versand mit", "Carrier"), "tracking_url": ("Sendungsverfolgung", "Tracking"),
    "delivery_date": ("Lieferdatum", "Delivery date"), "topic": ("Thema", "Topic"), "summary": ("Zusammenfassung", "Summary"),
    "next_step": ("Nächster Schritt", "Next step"), "due": ("Fällig", "Due"), "amount": ("Betrag", "Amount"),
    "period": ("Zeitraum", "Period"), "channel": ("Kanal", "Channel"), "agent": ("Bearbeitet von", "Agent"),
    "date": ("Datum", "Date"), "time": ("Uhrzeit", "Time"), "technician": ("Techniker", "Technician"),
}
DATE_FIELDS = {"min_term_end", "delivery_date", "due", "date"}


def status_label(status: str, lang: str) -> str:
    de, en = STATUS.get(status, (status, status))
    return t(lang, de, en)


def channel_label(channel: str, visibility: str | None, lang: str) -> str:
    vis = VISIBILITY.get(visibility or "")
    return CHANNELS.get(channel, channel) + (f" · {t(lang, *vis)}" if vis else "")


def risk_level(risk: float) -> str:
    return "high" if risk >= 0.7 else "medium" if risk >= 0.4 else "low"


def risk_label(risk: float, lang: str) -> str:
    level = risk_level(risk)
    word = {"high": ("hoch", "high"), "medium": ("mittel", "medium"), "low": ("niedrig", "low")}[level]
    return f"{t(lang, *word)} ({risk:.2f})"


def reach_label(followers: int | None, lang: str) -> str:
    if followers is None:
        return ""
    num = f"{followers:,}".replace(",", "." if lang == "de" else ",")
    return f"{num} Follower" if lang == "de" else f"{num} followers"


def field_label(key: str, lang: str) -> str:
    if key in FIELDS:
        return t(lang, *FIELDS[key])
    return key.replace("_", " ").capitalize()


# ---- the customer card ------------------------------------------------------------------------------------
@dataclass
class Section:
    title: str
    fields: list[tuple[str, str]]  # (label, value) — values are customer data: render as text


def _value(key: str, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return t(lang, "ja", "yes") if value else t(lang, "nein", "no")
    if key in DATE_FIELDS and isinstance(value, str):
        return local_time(value, lang)
    if isinstance(value, dict):
        return ", ".join(f"{field_label(k, lang)}: {_value(k, v, lang)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(key, v, lang) for v in value)
    return "" if value is None else str(value)


def customer_sections(customer: dict[str, Any], lang: str) -> list[Section]:
    """The customer card as labelled sections: the person, then each record (contract, orders with status and
    date in local time, cases, …), then their other messages. No dicts, no UTC timestamps."""
    c = customer
    person = [(t(lang, "Name", "Name"), c.get("display_name") or ""),
              (t(lang, "Kundennummer", "Customer no."), c.get("id") or "")]
    if c.get("tier"):
        person.append((t(lang, "Kundenstufe", "Tier"), str(c["tier"])))
    person.append((t(lang, "Reichweite", "Reach"), reach_label(c.get("followers") or 0, lang)))
    person.append((t(lang, "DM erlaubt", "DM allowed"), _value("", bool(c.get("dm_allowed")), lang)))
    form = c.get("address_form")
    person.append((t(lang, "Sprache / Anrede", "Language / address"),
                   (c.get("language") or "") + (f" / {form}" if form else "")))
    handles = c.get("handles") or {}
    if handles:
        person.append((t(lang, "Konten", "Accounts"),
                       ", ".join(f"{CHANNELS.get(ch, ch)}: {h}" for ch, h in handles.items())))
    if c.get("notes"):
        person.append((t(lang, "Interne Notiz", "Internal note"), str(c["notes"])))
    sections = [Section(t(lang, "Kunde", "Customer"), person)]
    for r in c.get("records") or []:
        kind = RECORD_KINDS.get(r.get("kind"), (r.get("kind") or "", r.get("kind") or ""))
        fields: list[tuple[str, str]] = [(t(lang, "Nummer", "Reference"), str(r.get("ref") or ""))]
        if r.get("status"):
            de, en = RECORD_STATUS.get(r["status"], (r["status"], r["status"]))
            fields.append((t(lang, "Status", "Status"), t(lang, de, en)))
        if r.get("occurred_at"):
            fields.append((t(lang, "Datum", "Date"), local_time(r["occurred_at"], lang)))
        for key, value in (r.get("data") or {}).items():
            fields.append((field_label(key, lang), _value(key, value, lang)))
        sections.append(Section(t(lang, *kind), fields))
    others = c.get("other_messages") or []
    if others:
        sections.append(Section(t(lang, "Weitere Nachrichten", "Other messages"), [
            (f"{local_time(m.get('received_at'), lang)} · {CHANNELS.get(m['channel'], m['channel'])} · "
             f"{status_label(m.get('status') or '', lang)}", m.get("text") or "") for m in others]))
    return sections


def sections_markdown(sections: list[Section]) -> list[tuple[str, str]]:
    """(heading, body) per section, Markdown-safe: labels are ours, values escaped."""
    return [(esc(s.title), "  \n".join(f"**{esc(label)}:** {esc(value)}" for label, value in s.fields))
            for s in sections]


# ---- the queue table ------------------------------------------------------------------------------------
def viewer(row, me: str, now: datetime, lang: str) -> str:
    """Who has the item open (a live claim), "you" for the agent's own claim."""
    if not row.claimed_by or not row.claimed_until or _aware(row.claimed_until) <= _aware(now):
        return ""
    return t(lang, "dir", "you") if row.claimed_by == me else row.claimed_by


def queue_table_html(rows: list, now: datetime, lang: str, me: str, open_id: str | None = None) -> str:
    """An accessible HTML table of the queue (caption, column headers with scope, one focusable row per message
    carrying its id in ``data-id``). Every customer-controlled value is escaped; the markup has no links, no
    images and no blank line, so it stays one HTML block in Markdown."""
    head = [t(lang, "SLA & Risiko", "SLA & risk"), t(lang, "Nachricht", "Message"), t(lang, "Status", "Status")]
    out = ["<table class='rd-queue' aria-label='", esc(t(lang, "Posteingang", "Queue")), "'>",
           "<caption>", esc(t(lang, "Nachrichten nach SLA sortiert. Zeile anklicken oder Enter zum Öffnen.",
                                  "Messages by SLA. Click a row or press Enter to open it.")), "</caption>",
           "<thead><tr>", *(f"<th scope='col'>{esc(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for r in rows:
        sla = sla_state(r.sla_due_at, now, lang, getattr(r, "received_at", None))
        who = viewer(r, me, now, lang)
        current = " aria-current='true'" if r.id == open_id else ""
        meta = [channel_label(r.channel, r.visibility, lang) + (f" · {r.language}" if r.language else "")]
        if getattr(r, "customer_name", None):
            meta.append(r.customer_name)
        if getattr(r, "followers", None) is not None:
            meta.append(reach_label(r.followers, lang))
        out.append(
            f"<tr class='rd-row' tabindex='0' data-id='{esc(r.id)}'{current}>"
            f"<td class='rd-sla rd-sla-{sla.state}' title='{esc(sla.title)}'>{esc(sla.label)}"
            f"<span class='rd-sr'> {esc(sla.title)}</span>"
            f"<br><span class='rd-risk rd-risk-{risk_level(r.risk)}'>"
            f"{esc(t(lang, 'Risiko ', 'Risk ') + risk_label(r.risk, lang))}</span></td>"
            f"<td class='rd-msg'><span class='rd-author'>{esc(r.author)}</span> "
            f"<span class='rd-small'>{esc(' · '.join(meta))}</span><br>{esc(r.preview)}</td>"
            f"<td class='rd-state'>{esc(status_label(r.status, lang))}"
            + (f"<br><span class='rd-viewing'>{esc(t(lang, 'geöffnet von ', 'open by ') + who)}</span>" if who else "")
            + "</td></tr>")
    if not rows:
        out.append(f"<tr><td colspan='3'>{esc(t(lang, 'Keine Nachrichten.', 'No messages.'))}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


QUEUE_CSS = """<style>
table.rd-queue{width:100%;border-collapse:collapse;font-size:0.86rem;table-layout:auto}
table.rd-queue caption{caption-side:top;text-align:left;font-size:0.78rem;color:#666;padding:0 0 4px}
table.rd-queue th{text-align:left;border-bottom:2px solid #ccc;padding:4px 6px;position:sticky;top:0;background:#fff}
table.rd-queue td{vertical-align:top;border-bottom:1px solid #e6e6e6;padding:6px;overflow-wrap:break-word}
table.rd-queue td.rd-msg{width:auto;white-space:normal;word-break:normal}
table.rd-queue td.rd-sla{width:7.5em;font-weight:600;border-left:5px solid transparent}
table.rd-queue td.rd-state{width:7em;font-size:0.8rem}
table.rd-queue .rd-author{font-weight:600}
table.rd-queue tr.rd-row{cursor:pointer}
table.rd-queue tr.rd-row:hover,table.rd-queue tr.rd-row:focus{background:#eef4ff;outline:2px solid #4a7bd0}
table.rd-queue tr[aria-current='true']{background:#e3ecff}
.rd-sla-ok{color:#1b6e2d;border-left-color:#2e9e48 !important}
.rd-sla-soon{color:#8a5300;background:#fff3d6;border-left-color:#f0a000 !important}
.rd-sla-overdue{color:#a0111c;background:#ffe1e1;border-left-color:#d0202c !important}
.rd-sla-none{color:#666}
.rd-small{font-size:0.78rem;color:#555}
.rd-risk{font-size:0.75rem;font-weight:400}.rd-risk-high{color:#a0111c;font-weight:600}.rd-risk-medium{color:#8a5300}.rd-risk-low{color:#555}
.rd-viewing{font-size:0.78rem;color:#3a4fa0}
.rd-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
</style>"""


# ---- the conversation, notes and building blocks in the item ---------------------------------------------
def conversation_html(entries: list, lang: str) -> str:
    """The conversation across channels as one escaped HTML block: channel, local time, who, the text; replies we
    posted marked as ours; the open message marked as the current one."""
    out = [f"<ol class='rd-conv' aria-label='{esc(t(lang, 'Verlauf auf allen Kanälen', 'History on all channels'))}'>"]
    for e in entries:
        who = (t(lang, "Antwort von ", "Reply by ") + e.author) if e.kind == "reply" else e.author
        cls = "rd-conv-reply" if e.kind == "reply" else "rd-conv-cur" if e.current else "rd-conv-in"
        mark = f" <span class='rd-conv-tag'>{esc(t(lang, 'diese Nachricht', 'this message'))}</span>" if e.current else ""
        out.append(f"<li class='{cls}'><span class='rd-conv-meta'>{esc(channel_label(e.channel, e.visibility, lang))}"
                   f" · {esc(local_time(e.at, lang))} · {esc(who)}</span>{mark}<br>{esc(e.text)}</li>")
    out.append("</ol>")
    return "".join(out)


def notes_html(notes: list, lang: str) -> str:
    """Internal notes (author, local time, text), escaped."""
    if not notes:
        return f"<p class='rd-note-none'>{esc(t(lang, 'Noch keine Notizen.', 'No notes yet.'))}</p>"
    items = "".join(f"<li><span class='rd-conv-meta'>{esc(n.author)} · {esc(local_time(n.created_at, lang))}</span>"
                    f"<br>{esc(n.text)}</li>" for n in notes)
    return f"<ul class='rd-notes'>{items}</ul>"


BLOCK_KINDS = {"acknowledge": ("Einstieg", "Opening"), "answer": ("Antwort", "Answer"),
               "next_step": ("Nächster Schritt", "Next step"), "handoff": ("Übergabe", "Hand-off"),
               "followup": ("Nachfassen", "Follow-up"), "closing": ("Abschluss", "Closing"),
               "article": ("Artikeltext", "Article text")}


def blocks_html(groups: list[tuple[str, list]], lang: str, query: str = "") -> str:
    """Building blocks grouped by article, numbered 1… in order (the number is the shortcut, ``data-rd-insert``;
    ``data-rd-id`` names the block, so what is inserted is what the agent sees under that number). Every block is a focusable button-like element; the list carries
    the search it answers (``data-query``, empty for the draft's cited articles)."""
    out, n = [f"<div class='rd-blocks' data-query='{esc(query)}'>"], 0
    for title, blocks in groups:
        out.append(f"<div class='rd-block-title'>{esc(title)}</div>")
        for b in blocks:
            n += 1
            kind = t(lang, *BLOCK_KINDS.get(b.kind, (b.kind, b.kind)))
            todo = "" if b.complete else f" <em>{esc(t(lang, '(Platzhalter ergänzen)', '(fill in the placeholder)'))}</em>"
            tip = t(lang, f"An der Cursor-Position in den Entwurf einfügen (Taste {n})",
                    f"Insert into the draft at the cursor (key {n})")
            out.append(f"<div class='rd-block' role='button' tabindex='0' data-rd-insert='{n}' data-rd-id='{esc(b.id)}' "
                       f"title='{esc(tip)}'>"
                       f"<kbd>{n}</kbd> <span class='rd-block-kind'>{esc(kind)}</span>{todo}<br>{esc(b.text)}</div>")
    out.append("</div>")
    return "".join(out)


ITEM_CSS = """<style>
ol.rd-conv,ul.rd-notes{list-style:none;margin:0;padding:0;font-size:0.86rem}
ol.rd-conv li,ul.rd-notes li{border-left:4px solid #c9d3e6;padding:3px 8px;margin:0 0 6px;white-space:pre-wrap}
ol.rd-conv li.rd-conv-reply{border-left-color:#2e9e48;background:#f1faf3}
ol.rd-conv li.rd-conv-cur{border-left-color:#4a7bd0;background:#eef4ff}
ul.rd-notes li{border-left-color:#f0a000;background:#fff8e6}
.rd-conv-meta{font-size:0.76rem;color:#555}.rd-conv-tag{font-size:0.72rem;color:#3a4fa0;font-weight:600}
.rd-note-none{font-size:0.8rem;color:#666;margin:0}
.rd-blocks{font-size:0.84rem}.rd-block-title{font-weight:600;margin:6px 0 2px}
.rd-block{border:1px solid #d5dbe6;border-radius:6px;padding:4px 8px;margin:0 0 4px;cursor:pointer;white-space:pre-wrap}
.rd-block:hover,.rd-block:focus{background:#eef4ff;outline:2px solid #4a7bd0}
.rd-block-kind{font-size:0.74rem;color:#555}
</style>"""
