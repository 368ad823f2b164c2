"""The queue and the item view: read, edit (live guardrails), fix, approve & post, four eyes.

Customer-, model- and receiver-controlled text (messages, handles, drafts, customer data, finding messages,
webhook errors) is never Markdown here: ``st.text``/``st.code``, or ``esc()`` wherever an element renders Markdown.
Buttons that replace the draft in the editor do it in ``on_click`` callbacks (before the editor is rendered).
"""

from __future__ import annotations

import streamlit as st

from assistant.review.queue import QueueFilters, claim, queue_page, take_over
from assistant.review.service import ReviewError
from ui.common import current_user, database, esc, has_role, highlight, review_service, tr

user = current_user()
db = database()
svc = review_service()
st.header(tr("Posteingang", "Queue"))

# ---- filters and counts ------------------------------------------------------------------------------
with st.sidebar:
    st.subheader(tr("Filter", "Filters"))
    f_channel = st.selectbox(tr("Kanal", "Channel"), ["", "twitter", "facebook", "instagram", "email", "dm"])
    f_vis = st.selectbox(tr("Sichtbarkeit", "Visibility"), ["", "public", "private"])
    f_lang = st.selectbox(tr("Sprache", "Language"), ["", "de", "en"])
    f_status = st.selectbox("Status", ["", "drafted", "awaiting_approval", "escalated", "error", "pending", "no_reply"])
    f_risk = st.slider(tr("Mindestrisiko", "Minimum risk"), 0.0, 1.0, 0.0, 0.05)
    f_mine = st.checkbox(tr("Nur meine", "Only mine"))
    f_search = st.text_input(tr("Suche", "Search"))
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
            c1, c2 = st.columns([4, 1])
            c1.write(f"{fu.due_at:%d.%m. %H:%M} · {esc(fu.note or '')}")
            if c2.button(tr("Öffnen", "Open"), key=f"fu_{fu.id}"):
                st.session_state["open_id"] = fu.message_id
                st.rerun()

left, right = st.columns([5, 6], gap="medium")
if "m" in st.query_params and "open_id" not in st.session_state:
    st.session_state["open_id"] = st.query_params["m"]  # deep link to one message

# ---- queue ------------------------------------------------------------------------------------------
with left:
    rows = [{
        "SLA": ("–" if r.sla_minutes_left() is None else (f"{r.sla_minutes_left()} min" if r.sla_minutes_left() >= 0
                else tr(f"überfällig {-r.sla_minutes_left()} min", f"overdue {-r.sla_minutes_left()} min"))),
        tr("Kanal", "Channel"): r.channel + ("" if r.visibility == "public" else " 🔒"),
        tr("Spr.", "Lang"): r.language or "",
        tr("Von", "From"): r.author,
        tr("Nachricht", "Message"): r.preview,
        tr("Risiko", "Risk"): round(r.risk, 2),
        "Status": r.status,
        tr("Sperre", "Lock"): (r.claimed_by or "") if r.locked_by_other(user["username"]) else "",
    } for r in page.rows]
    event = st.dataframe(rows, hide_index=True, on_select="rerun", selection_mode="single-row", key="queue",
                         width="stretch", height=520)
    nav = st.columns(3)
    if nav[0].button("◀", disabled=page_no == 0):
        st.session_state["queue_page"] = page_no - 1
        st.rerun()
    nav[1].caption(f"{page_no * 50 + 1}–{page_no * 50 + len(page.rows)} / {page.total}")
    if nav[2].button("▶", disabled=(page_no + 1) * 50 >= page.total):
        st.session_state["queue_page"] = page_no + 1
        st.rerun()
    selected = event.selection.rows if event and event.selection else []
    if selected and st.session_state.get("_last_sel") != page.rows[selected[0]].id:
        st.session_state["open_id"] = st.session_state["_last_sel"] = page.rows[selected[0]].id
    labels = {r.id: f"{r.author} · {r.preview[:60]}" for r in page.rows}
    pick = st.selectbox(tr("Nachricht öffnen", "Open message"), [""] + list(labels),
                        format_func=lambda i: labels.get(i, "—"), key="open_select")
    if pick and st.session_state.get("_last_pick") != pick:
        st.session_state["open_id"] = st.session_state["_last_pick"] = pick

# ---- item --------------------------------------------------------------------------------------------
with right:
    message_id = st.session_state.get("open_id")
    if not message_id:
        st.caption(tr("Nachricht links auswählen.", "Pick a message on the left."))
    else:
        row = next((r for r in page.rows if r.id == message_id), None)
        if row and row.locked_by_other(user["username"]):
            st.warning(tr(f"Gesperrt von {esc(row.claimed_by)}", f"Locked by {esc(row.claimed_by)}"))
            if has_role("approver") and st.button(tr("Übernehmen", "Take over")):
                take_over(db, message_id, user)
                st.rerun()
            st.stop()
        if has_role("agent") or has_role("approver"):
            claim(db, message_id, user)
        item = svc.item(message_id)
        msg = item.message
        st.subheader(f"{esc(msg['author_handle'])} · {esc(msg['channel'])} · {esc(msg['visibility'])}")
        st.caption(tr("Nachricht des Kunden (als Text angezeigt)", "Customer message (shown as text)"))
        st.text(msg["text"])
        for t in item.thread:
            if t["id"] != msg["id"]:
                st.caption(f"↳ {esc(t['author_handle'])}: {esc(t['text'][:200])}")
        tri = msg.get("triage") or {}
        if tri:
            with st.expander(tr("Triage (mit Begründung)", "Triage (with reasons)")):
                for key, val in tri.items():
                    st.write(f"**{esc(key)}**: {esc(val.get('value'))} — {esc(val.get('reason'))}")
        meta = (item.draft or {}).get("meta") or {}
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
            c = item.customer
            name = esc(c["display_name"])
            with st.expander(tr(f"Kunde: {name}", f"Customer: {name}"), expanded=False):
                st.write(esc(f"{c['id']} · {c.get('tier') or ''} · {c['followers']} Follower · "
                             f"{tr('DM erlaubt', 'DM allowed')}: {c['dm_allowed']} · "
                             f"{c['language']}/{c.get('address_form') or ''}"))
                if c.get("notes"):
                    st.caption(tr("Interne Notiz: ", "Internal note: ") + esc(c["notes"]))
                for r in c.get("records", []):
                    st.text(f"{r['kind']:12} {r['ref']:16} {r.get('status') or '':12} {r.get('data')}")
                for m in c.get("other_messages", []):
                    st.text(f"{m['channel']:9} {m['status']:10} {m['text'][:120]}")
        draft = item.draft
        key = f"draft_{message_id}"
        if key not in st.session_state:
            st.session_state[key] = draft["text"] if draft else ""
        text = st.text_area(tr("Entwurf", "Draft"), key=key, height=180)
        ctx_key = f"checkctx_{message_id}"
        if ctx_key not in st.session_state:  # retrieval and customer context once per opened item
            st.session_state[ctx_key] = svc.check_context(message_id)
        report = svc.check(message_id, text, st.session_state[ctx_key])
        st.markdown(highlight(text, report.findings), unsafe_allow_html=True)
        if draft:
            st.caption(f"{tr('Engine', 'Engine')}: {esc(draft['engine'])} · v{draft['version']}"
                       + (f" · {esc(draft['fallback_reason'])}" if draft.get("fallback_reason") else ""))
        reasons: dict[str, list[str]] = {}  # rule → one written reason per warning of that rule
        if report.findings:
            st.markdown("**" + tr("Prüfungen", "Checks") + "**")
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
                                    key=f"ovr_{message_id}_{i}_{f.rule}")
                reasons.setdefault(f.rule, []).append(why.strip())
        # a rule counts as overridden when each of its warnings has a reason
        overrides = {rule: "; ".join(dict.fromkeys(rs)) for rule, rs in reasons.items() if all(rs)}
        if not report.findings:
            st.success(tr("Alle Prüfungen bestanden", "All checks passed"))
        with st.expander(tr("Quellen", "Sources")):
            for c in (draft or {}).get("citations", []):
                st.write(esc(f"{c['kind']}: {c['ref']} {c.get('title') or ''}"))
                if c.get("text"):
                    st.caption(esc(c["text"][:300]))
        b1, b2, b3 = st.columns(3)
        if b1.button(tr("Freigeben & posten", "Approve & post"), type="primary", disabled=not report.passed):
            try:
                approval = svc.approve(message_id, text, overrides)
                st.session_state["flash"] = (tr("Zur zweiten Freigabe gesendet", "Sent for second approval")
                                             if approval.state == "awaiting_second" else
                                             tr(f"Gepostet ({approval.state})", f"Posted ({approval.state})"))
                st.session_state.pop("open_id", None)
                st.rerun()
            except (ReviewError, PermissionError) as exc:
                st.error(esc(exc))
        engine_key, dm_key, err_key = f"engine_{message_id}", f"dm_{message_id}", f"item_error_{message_id}"

        # Callbacks run before the next script run, i.e. before the editor exists: they may set its value.
        def _regenerate(mid=message_id, k=key):
            try:
                result = svc.regenerate(mid, st.session_state.get(engine_key, "auto"))
            except (ReviewError, RuntimeError, PermissionError) as exc:
                st.session_state[err_key] = str(exc)
                return
            st.session_state[k] = result.draft
            st.session_state["flash"] = (tr("Neuer Entwurf ist identisch – keine neue Version gespeichert",
                                            "The new draft is identical – no new version stored")
                                         if getattr(result, "_unchanged", False) else tr("Neu entworfen", "Redrafted"))

        def _move_to_private(mid=message_id, k=key):
            try:
                handoff, dm = svc.move_to_private(mid)
            except (ReviewError, RuntimeError, PermissionError) as exc:
                st.session_state[err_key] = str(exc)
                return
            st.session_state[k] = handoff
            st.session_state[dm_key] = dm

        b2.selectbox(tr("Engine", "Engine"), ["auto", "composer", "llm"], label_visibility="collapsed", key=engine_key)
        b2.button(tr("Neu entwerfen", "Regenerate"), on_click=_regenerate)
        b3.button(tr("In privaten Kanal verlegen", "Move to private channel"), on_click=_move_to_private)
        if err := st.session_state.pop(err_key, None):
            st.error(esc(err))
        if st.session_state.get(dm_key):
            st.text_area(tr("DM-Entwurf", "DM draft"), key=dm_key)
        reason = st.text_input(tr("Grund (Ablehnen/Eskalieren)", "Reason (reject/escalate)"), key=f"reason_{message_id}")
        r1, r2 = st.columns(2)
        for col, label, escalate in ((r1, tr("Ablehnen", "Reject"), False), (r2, tr("Eskalieren", "Escalate"), True)):
            if col.button(label):
                try:
                    svc.reject(message_id, reason, escalate=escalate)
                    st.session_state.pop("open_id", None)
                    st.rerun()
                except ReviewError as exc:
                    st.error(esc(exc))

if flash := st.session_state.pop("flash", None):
    st.toast(flash)

# ---- four eyes and failed posts --------------------------------------------------------------------
if has_role("approver"):
    waiting = svc.awaiting_second()
    if waiting:
        st.subheader(tr("Wartet auf zweite Freigabe", "Awaiting second approval"))
    for a in waiting:
        with st.container(border=True):
            st.write(esc(f"#{a.id} · {a.channel} · {tr('von', 'by')} {a.author}"))
            st.text(a.text)
            own = a.author == user["username"]
            if st.button(tr("Zweite Freigabe & posten", "Second approval & post"), key=f"second_{a.id}", disabled=own):
                try:
                    svc.second_approve(a.id)
                    st.rerun()
                except ReviewError as exc:
                    st.error(esc(exc))
            if own:
                st.caption(tr("Eigene Antworten braucht ein zweites Augenpaar.", "Your own replies need a second pair of eyes."))
for a in svc.failed_posts():
    st.error(f"{tr('Posten fehlgeschlagen', 'Posting failed')} #{a.id}: {esc(a.error)}")
    if st.button(tr("Erneut posten", "Retry posting"), key=f"retry_{a.id}"):
        svc.post(a.id)
        st.rerun()
