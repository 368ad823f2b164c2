"""The queue and the item view: read, edit (live guardrails), fix, approve & post, four eyes.

Customer-, model- and receiver-controlled text (messages, handles, drafts, customer data, finding messages,
webhook errors) is never Markdown here: ``st.text``/``st.code``, or ``esc()`` wherever an element renders Markdown.
Buttons that replace the draft in the editor do it in ``on_click`` callbacks (before the editor is rendered).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import streamlit as st

from assistant.review import view
from assistant.review.queue import QueueFilters, claim, lock_holder, queue_page, take_over
from assistant.review.service import ReviewError
from guardrails.models import LANGUAGES, known_channels
from ui.common import current_user, database, esc, has_role, highlight, review_service, tr, ui_lang
from ui.components import review_events

user = current_user()
db = database()
svc = review_service()
lang = ui_lang()
now = datetime.now(UTC)  # one reference time for every SLA countdown on this page
st.header(tr("Posteingang", "Queue"))
clicked, shortcut = review_events()
if clicked:
    st.session_state["open_id"] = clicked

SHORTCUTS = [("j", tr("nächste Nachricht", "next message")), ("k", tr("vorige Nachricht", "previous message")),
             ("e", tr("Entwurf bearbeiten (Esc verlässt den Editor)", "edit the draft (Esc leaves the editor)")),
             ("a", tr("freigeben & posten", "approve & post")),
             ("Enter", tr("markierte Zeile der Liste öffnen (↑/↓ wechselt die Zeile)",
                          "open the focused queue row (↑/↓ moves between rows)")),
             ("?", tr("diese Hilfe", "this help"))]


@st.dialog(tr("Tastenkürzel", "Keyboard shortcuts"))
def _shortcut_help():
    st.markdown("\n".join(f"- <kbd>{esc(k)}</kbd> — {esc(what)}" for k, what in SHORTCUTS), unsafe_allow_html=True)
    st.caption(tr("Kürzel wirken, wenn kein Eingabefeld den Fokus hat.", "Shortcuts work when no input field has focus."))


if shortcut == "help":
    _shortcut_help()

# ---- filters and counts ------------------------------------------------------------------------------
ALL = tr("Alle", "All")


def _filter_channels() -> tuple[str, ...]:
    """The built-in channels and those the installation's policy declares (loading it declares them)."""
    from guardrails.policy import PolicyError, load_policy

    with contextlib.suppress(PolicyError):  # the built-in channels still filter; the error shows elsewhere
        load_policy()
    return known_channels()


with st.sidebar:
    st.subheader(tr("Filter", "Filters"))
    f_channel = st.selectbox(tr("Kanal", "Channel"), ["", *_filter_channels()],
                             format_func=lambda v: view.CHANNELS.get(v, v) if v else ALL)
    f_vis = st.selectbox(tr("Sichtbarkeit", "Visibility"), ["", "public", "private"],
                         format_func=lambda v: tr(*view.VISIBILITY[v]) if v else ALL)
    f_lang = st.selectbox(tr("Sprache", "Language"), ["", *LANGUAGES],
                          format_func=lambda v: {"de": tr("Deutsch", "German"),
                                                 "en": tr("Englisch", "English")}.get(v, v) if v else ALL)
    f_status = st.selectbox("Status", ["", "drafted", "awaiting_approval", "escalated", "error", "pending", "no_reply"],
                            format_func=lambda v: view.status_label(v, lang) if v else tr("Alle offenen", "All open"))
    f_risk = st.slider(tr("Mindestrisiko", "Minimum risk"), 0.0, 1.0, 0.0, 0.05)
    f_mine = st.checkbox(tr("Nur meine", "Only mine"))
    f_search = st.text_input(tr("Suche", "Search"), placeholder=tr("Text oder Absender …", "Text or sender …"))
    if st.button("⌨ " + tr("Tastenkürzel", "Keyboard shortcuts")):
        _shortcut_help()
filters = QueueFilters(channel=f_channel or None, visibility=f_vis or None, language=f_lang or None,
                       status=f_status or None, min_risk=f_risk or None,
                       assignee=user["username"] if f_mine else None, search=f_search or None)
page_no = st.session_state.get("queue_page", 0)
page = queue_page(db, filters, page=page_no, page_size=50)
counts = page.counts
cols = st.columns(5)
for col, (label, key) in zip(cols, [(tr("Offen", "Open"), "drafted"), (tr("Zweite Freigabe", "Second approval"), "awaiting_approval"),
                                    (tr("Eskaliert", "Escalated"), "escalated"), (tr("Gepostet", "Posted"), "posted"),
                                    (tr("Fehler", "Errors"), "error")], strict=True):
    col.metric(label, counts.get(key, 0))
if page.followups_due:
    with st.expander(tr(f"{page.followups_due} Nachfass-Erinnerungen fällig", f"{page.followups_due} follow-ups due")):
        for fu in svc.due_followups():
            c1, c2, c3 = st.columns([4, 1, 1])
            c1.write(f"{esc(view.local_time(fu.due_at, lang))} · {esc(fu.note or '')}")
            if c2.button(tr("Öffnen", "Open"), key=f"fu_{fu.id}"):
                st.session_state["open_id"] = fu.message_id
                st.rerun()
            if c3.button(tr("Erledigt", "Done"), key=f"fu_done_{fu.id}"):
                try:
                    svc.complete_followup(fu.id)
                except (ReviewError, PermissionError) as exc:
                    st.error(str(exc))
                else:
                    st.rerun()

# A deep link (?m=<id>) opens its message once: after posting, rejecting or closing it, the same link (still in
# the URL) must not reopen it, and a filter change never swaps the open message for another one.
if (link := st.query_params.get("m")) and st.session_state.get("deep_link_used") != link:
    st.session_state["deep_link_used"] = link
    st.session_state["open_id"] = link


def _close_item() -> None:
    """Nothing open any more (posted, rejected, escalated, unknown): drop the selection and the deep link."""
    st.session_state.pop("open_id", None)
    if "m" in st.query_params:
        del st.query_params["m"]


if shortcut in ("next", "previous") and page.rows:
    ids = [r.id for r in page.rows]
    at = ids.index(st.session_state["open_id"]) if st.session_state.get("open_id") in ids else -1
    step = 1 if shortcut == "next" else -1
    st.session_state["open_id"] = ids[max(0, min(len(ids) - 1, at + step))] if at >= 0 else ids[0]
left, right = st.columns([1, 1], gap="medium")

# ---- queue ------------------------------------------------------------------------------------------
with left:
    with st.container(height=620, key="rd_queue"):
        st.markdown(view.QUEUE_CSS + view.queue_table_html(page.rows, now, lang, user["username"],
                                                           st.session_state.get("open_id")),
                    unsafe_allow_html=True)
    nav = st.columns(3)
    if nav[0].button("◀", disabled=page_no == 0, help=tr("Vorige Seite", "Previous page")):
        st.session_state["queue_page"] = page_no - 1
        st.rerun()
    nav[1].caption(f"{page_no * 50 + 1}–{page_no * 50 + len(page.rows)} / {page.total}")
    if nav[2].button("▶", disabled=(page_no + 1) * 50 >= page.total, help=tr("Nächste Seite", "Next page")):
        st.session_state["queue_page"] = page_no + 1
        st.rerun()

# ---- item --------------------------------------------------------------------------------------------
with right:
    message_id = st.session_state.get("open_id")
    if not message_id:
        st.caption(tr("Nachricht links anklicken (oder mit Tab/↑/↓ hinbewegen und Enter drücken; j/k blättert).",
                      "Click a message on the left (or move there with Tab/↑/↓ and press Enter; j/k steps)."))
    else:
        # the lock is read from the database (a deep link may open a message that is not on this page); viewing
        # does not lock — editing or acting does (issue 12 item 8)
        holder = lock_holder(db, message_id, user)
        if holder:
            st.warning(tr(f"Gesperrt von {esc(holder)}", f"Locked by {esc(holder)}"))
            if has_role("approver") and st.button(tr("Übernehmen", "Take over")):
                take_over(db, message_id, user)
                st.rerun()
            st.stop()

        def _lock(mid=message_id) -> None:
            if has_role("agent") or has_role("approver"):
                claim(db, mid, user)
        try:
            item = svc.item(message_id)
        except ReviewError as exc:
            # an unknown id (a mistyped deep link, an erased message): say so once and forget the selection
            st.error(esc(view.error_text(exc, lang)))
            _close_item()
            st.stop()
        msg = item.message
        st.subheader(f"{esc(msg['author_handle'])} · {esc(view.channel_label(msg['channel'], msg['visibility'], lang))}")
        st.caption(tr("Nachricht des Kunden (als Text angezeigt)", "Customer message (shown as text)")
                   + " · " + esc(view.local_time(msg.get("received_at"), lang)))
        st.text(msg["text"])
        for t in item.thread:
            if t["id"] != msg["id"]:
                st.caption(f"↳ {esc(view.local_time(t.get('received_at'), lang))} · {esc(t['author_handle'])}: "
                           f"{esc(t['text'][:200])}")
        draft = item.draft
        key = f"draft_{message_id}"
        if key not in st.session_state:
            st.session_state[key] = draft["text"] if draft else ""
        with st.container(key="rd_editor"):
            text = st.text_area(tr("Entwurf", "Draft"), key=key, height=170, on_change=_lock)
        ctx_key = f"checkctx_{message_id}"
        if ctx_key not in st.session_state:  # retrieval and customer context once per opened item
            st.session_state[ctx_key] = svc.check_context(message_id)
        report = svc.check(message_id, text, st.session_state[ctx_key])

        # actions right under the editor; approving is handled below, once the override reasons are known
        a1, a2, a3 = st.columns([1.5, 1, 1])
        approve_clicked = a1.button(tr("Freigeben & posten", "Approve & post"), type="primary",
                                    disabled=not report.passed, key="rd_approve", width="stretch")
        reason = st.text_input(tr("Grund (Ablehnen/Eskalieren)", "Reason (reject/escalate)"), key=f"reason_{message_id}",
                               placeholder=tr("Grund für Ablehnen/Eskalieren", "Reason to reject/escalate"),
                               label_visibility="collapsed")
        action_note = st.empty()
        for col, label, escalate in ((a2, tr("Ablehnen", "Reject"), False), (a3, tr("Eskalieren", "Escalate"), True)):
            if col.button(label, width="stretch"):
                try:
                    _lock()
                    svc.reject(message_id, reason, escalate=escalate)
                    _close_item()
                    st.session_state["flash"] = tr("Eskaliert", "Escalated") if escalate else tr("Abgelehnt", "Rejected")
                    st.rerun()
                except (ReviewError, PermissionError) as exc:
                    action_note.error(esc(view.error_text(exc, lang)))

        if draft:
            st.caption(f"{tr('Engine', 'Engine')}: {esc(draft['engine'])} · v{draft['version']}"
                       + (f" · {esc(draft['fallback_reason'])}" if draft.get("fallback_reason") else ""))
        reasons: dict[str, list[str]] = {}  # rule → one written reason per warning of that rule
        if report.findings:
            st.markdown("**" + tr("Prüfungen", "Checks") + "**")
            if any(f.end > f.start for f in report.findings):  # the marked spans; the plain draft is the editor
                st.caption(tr("Fundstellen im Entwurf", "Where the findings are in the draft"))
                st.markdown(highlight(text, report.findings), unsafe_allow_html=True)
        for i, f in enumerate(report.findings):
            icon = "⛔" if f.severity == "block" else "⚠️"
            st.write(f"{icon} `{f.rule}` — {esc(f.message)}" + (f" _{esc(f.suggestion)}_" if f.suggestion else ""))
            if f.fix is not None:
                def _apply(k=key, t=f.fix.replacement_text):
                    st.session_state[k] = t
                st.button(tr("Korrektur übernehmen: ", "Apply fix: ") + esc(f.fix.label), key=f"fix_{i}", on_click=_apply)
            if f.severity == "warn":
                # keyed per finding: a draft can have two warnings of one rule (missing greeting and sign-off)
                why = st.text_input(tr(f"Begründung zum Übergehen von {f.rule}", f"Reason to override {f.rule}"),
                                    key=f"ovr_{message_id}_{i}_{f.rule}",
                                    placeholder=tr("Warum die Antwort trotzdem passt", "Why the reply is right anyway"))
                reasons.setdefault(f.rule, []).append(why.strip())
        # a rule counts as overridden when each of its warnings has a reason
        overrides = {rule: "; ".join(dict.fromkeys(rs)) for rule, rs in reasons.items() if all(rs)}
        if not report.findings:
            st.success(tr("Alle Prüfungen bestanden", "All checks passed"))
        if approve_clicked:
            try:
                _lock()
                approval = svc.approve(message_id, text, overrides)
                st.session_state["flash"] = (tr("Zur zweiten Freigabe gesendet", "Sent for second approval")
                                             if approval.state == "awaiting_second" else
                                             tr("Gepostet", "Posted") if approval.state == "posted" else
                                             tr("Posten fehlgeschlagen – siehe unten", "Posting failed – see below"))
                _close_item()
                st.rerun()
            except (ReviewError, PermissionError) as exc:
                action_note.error(esc(view.error_text(exc, lang)))
        engine_key, dm_key, err_key = f"engine_{message_id}", f"dm_{message_id}", f"item_error_{message_id}"

        # Callbacks run before the next script run, i.e. before the editor exists: they may set its value.
        def _regenerate(mid=message_id, k=key):
            try:
                _lock(mid)
                result = svc.regenerate(mid, st.session_state.get(engine_key, "auto"))
            except (ReviewError, RuntimeError, PermissionError) as exc:
                st.session_state[err_key] = view.error_text(exc, lang)
                return
            st.session_state[k] = result.draft
            st.session_state["flash"] = (tr("Neuer Entwurf ist identisch – keine neue Version gespeichert",
                                            "The new draft is identical – no new version stored")
                                         if getattr(result, "_unchanged", False) else tr("Neu entworfen", "Redrafted"))

        def _move_to_private(mid=message_id, k=key):
            try:
                _lock(mid)
                handoff, dm = svc.move_to_private(mid)
            except (ReviewError, RuntimeError, PermissionError) as exc:
                st.session_state[err_key] = view.error_text(exc, lang)
                return
            st.session_state[k] = handoff
            st.session_state[dm_key] = dm

        b1, b2, b3 = st.columns(3, vertical_alignment="bottom")
        b1.selectbox(tr("Engine", "Engine"), ["auto", "composer", "llm"], label_visibility="collapsed", key=engine_key,
                     format_func=lambda v: {"auto": tr("Engine: automatisch", "Engine: automatic"),
                                            "composer": tr("Engine: Baukasten", "Engine: composer"),
                                            "llm": tr("Engine: Sprachmodell", "Engine: LLM")}[v])
        b2.button(tr("Neu entwerfen", "Regenerate"), on_click=_regenerate)
        b3.button(tr("In privaten Kanal verlegen", "Move to private channel"), on_click=_move_to_private)
        if err := st.session_state.pop(err_key, None):
            st.error(esc(err))
        if st.session_state.get(dm_key):
            st.text_area(tr("DM-Entwurf", "DM draft"), key=dm_key)

        meta = (draft or {}).get("meta") or {}
        asked = (meta.get("understanding") or {}).get("questions") or []
        if asked or meta.get("facts") or meta.get("gap"):
            with st.expander(tr("Was der Entwurf beantwortet", "What the draft answers"), expanded=True):
                for q in asked:
                    kinds = ", ".join(q.get("asks") or []) or tr("Anliegen", "concern")
                    st.text(f"? {q['text'][:200]}  [{kinds}]")
                for a in meta.get("articles") or []:
                    st.text(tr("Artikel: ", "Article: ") + a)
                for f in meta.get("facts") or []:
                    st.text(tr("Aus dem Kundenkonto: ", "From the customer record: ") + f["text"])
                if meta.get("gap"):
                    st.text(tr("Keine passende Antwort in der Wissensdatenbank: ehrliche Übergabe ans Fachteam.",
                               "Nothing in the knowledge base answers this: an honest hand-off to the team."))
        if item.customer:
            name = esc(item.customer["display_name"])
            with st.expander(tr(f"Kunde: {name}", f"Customer: {name}"), expanded=True):
                for heading, body in view.sections_markdown(view.customer_sections(item.customer, lang)):
                    st.markdown(f"**{heading}**  \n{body}")
        tri = msg.get("triage") or {}
        if tri:
            with st.expander(tr("Triage (mit Begründung)", "Triage (with reasons)")):
                for k, val in tri.items():
                    st.write(f"**{esc(k)}**: {esc(val.get('value'))} — {esc(val.get('reason'))}")
        with st.expander(tr("Quellen", "Sources")):
            for c in (draft or {}).get("citations", []):
                st.write(esc(f"{c['kind']}: {c['ref']} {c.get('title') or ''}"))
                if c.get("text"):
                    st.caption(esc(c["text"][:300]))

if flash := st.session_state.pop("flash", None):
    st.toast(flash)

# ---- four eyes and failed posts --------------------------------------------------------------------
if has_role("approver"):
    waiting = svc.awaiting_second()
    if waiting:
        st.subheader(tr("Wartet auf zweite Freigabe", "Awaiting second approval"))
    context = svc.second_approval_context(waiting) if waiting else {}
    for a in waiting:
        ctx = context.get(a.id, {})
        with st.container(border=True):
            st.write(esc(f"#{a.id} · {a.channel} · {a.visibility} · {tr('freigegeben von', 'approved by')} {a.author}"))
            # who the customer is and how far the reply reaches (item 10): name, handle, followers, tier
            who = ctx.get("customer") or tr("unbekannter Kunde", "unknown customer")
            reach = f"{ctx.get('followers', 0):,}".replace(",", "." if lang == "de" else ",")
            st.write(esc(f"{tr('Kunde', 'Customer')}: {who} · {ctx.get('handle', '')} · {reach} "
                         f"{tr('Follower', 'followers')}" + (f" · {ctx['tier']}" if ctx.get("tier") else "")))
            st.caption(tr("Nachricht des Kunden", "The customer's message"))
            st.text(ctx.get("message_text") or "")  # customer-controlled: text, never Markdown
            st.caption(tr("Antwort, die gepostet wird", "Reply to be posted"))
            st.text(a.text)
            if st.button(tr("Nachricht öffnen", "Open message"), key=f"open_second_{a.id}_{a.message_id}"):
                st.session_state["open_id"] = a.message_id
                st.rerun()
            own = a.author == user["username"]
            if st.button(tr("Zweite Freigabe & posten", "Second approval & post"), key=f"second_{a.id}", disabled=own):
                try:
                    svc.second_approve(a.id)
                    st.rerun()
                except (ReviewError, PermissionError) as exc:
                    st.error(esc(view.error_text(exc, lang)))
            if own:
                st.caption(tr("Eigene Antworten braucht ein zweites Augenpaar.", "Your own replies need a second pair of eyes."))
for a in svc.failed_posts():
    st.error(f"{tr('Posten fehlgeschlagen', 'Posting failed')} #{a.id}: {esc(a.error)}")
    if st.button(tr("Erneut posten", "Retry posting"), key=f"retry_{a.id}"):
        svc.post(a.id)
        st.rerun()
