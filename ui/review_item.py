"""The item view of the review screen: the customer's message and the conversation on every channel on top, the
draft editor with live guardrails and the actions, fixes, redraft, the knowledge-base/building-block panel, internal
notes, what the draft answers, the customer card, triage and sources.

It is a Streamlit fragment: opening a message (click, Enter, j/k), editing the draft, writing a note or searching
the knowledge base reruns only the item, not the queue or the sidebar. The keyboard/click component is mounted here
for that reason; the queue's highlight of the open row follows in the browser. Other shortcut actions are put into
``st.session_state["rd_action"]`` and run the whole page (the queue may change), where the item takes them once, so a
later fragment run never repeats them. Approve, reject and escalate rerun the whole page too.

Customer-, model- and receiver-controlled text is never Markdown here: ``st.text``, or ``esc()`` wherever an element
renders Markdown. Whatever replaces the draft in the editor does it before the editor is rendered (callbacks, or
the shortcut actions at the top of the run).
"""

from __future__ import annotations

import streamlit as st

from assistant.review import view
from assistant.review.conversation import conversation
from assistant.review.notes import guard_notes, notes_for
from assistant.review.queue import claim, lock_holder, take_over
from assistant.review.service import ReviewError
from assistant.review.snippets import insert_at
from ui.common import current_user, database, esc, has_role, highlight, review_service, tr, ui_lang
from ui.components import review_events
from ui.review_queue import step
from ui.review_tools import kb_panel, notes_panel


def close_item() -> None:
    """Nothing open any more (posted, rejected, escalated, unknown): drop the selection and the deep link; j/k go
    on from its place in the queue."""
    closed = st.session_state.pop("open_id", None)
    ids = st.session_state.get("queue_ids") or []
    if closed in ids:
        st.session_state["last_place"] = (closed, ids.index(closed))
    if "m" in st.query_params:
        del st.query_params["m"]


def _flash_and_rerun(text: str) -> None:
    st.session_state["flash"] = text
    close_item()
    st.rerun()


def _events() -> None:
    """The keyboard/click component, mounted inside this fragment: opening a row or j/k reruns only the item (the
    queue's highlight follows in the browser, from the open item's ``data-rd-open`` marker)."""
    clicked, action = review_events()
    if clicked:
        st.session_state["open_id"] = clicked
    if not action:
        return
    if action["action"] == "help":  # a dialog is opened by the page, not from inside a fragment
        st.session_state["rd_show_help"] = True
        st.rerun()
    elif action["action"] in ("next", "previous"):
        st.session_state["open_id"] = step(st.session_state.get("queue_ids") or [], st.session_state.get("open_id"),
                                           action["action"], st.session_state.get("last_place"))
    else:  # taken (once) by the item that is open now, in a full run as before (the queue may change)
        st.session_state["rd_action"] = {**action, "mid": st.session_state.get("open_id")}
        st.rerun()


@st.fragment
def item_panel() -> None:
    _events()
    message_id = st.session_state.get("open_id")
    action = st.session_state.get("rd_action")
    if action and action.get("mid") != message_id:  # meant for an item that is no longer open
        st.session_state.pop("rd_action", None)
        action = None
    if not message_id:
        st.caption(tr("Nachricht links anklicken (oder mit Tab/↑/↓ hinbewegen und Enter drücken; j/k blättert, "
                      "? zeigt alle Tastenkürzel).",
                      "Click a message on the left (or move there with Tab/↑/↓ and press Enter; j/k steps, "
                      "? shows every shortcut)."))
        return
    _item(message_id, action)
    st.session_state.pop("rd_action", None)


def _taken() -> None:
    """A shortcut action is taken just before its effect (a run interrupted earlier still has it)."""
    st.session_state.pop("rd_action", None)


def _item(message_id: str, action: dict | None) -> None:  # noqa: C901, PLR0912, PLR0915 - one screen, top to bottom
    user, db, svc, lang = current_user(), database(), review_service(), ui_lang()
    act = (action or {}).get("action")

    def _lock(mid=message_id) -> None:
        if has_role("agent") or has_role("approver"):
            claim(db, mid, user)
    try:
        item = svc.item(message_id)
    except ReviewError as exc:
        # an unknown id (a mistyped deep link, an erased message): say so once and forget the selection
        st.error(esc(view.error_text(exc, lang)))
        close_item()
        return
    msg = item.message
    # the marker tells the browser which queue row is open (the queue is not rerun when the item changes)
    st.markdown(view.ITEM_CSS + f"<span data-rd-open='{esc(message_id)}' hidden></span>", unsafe_allow_html=True)
    st.subheader(f"{esc(msg['author_handle'])} · {esc(view.channel_label(msg['channel'], msg['visibility'], lang))}")
    history = [e for e in conversation(db, message_id) if not e.current]
    if history:  # compact and scrollable: the editor and the actions stay in view on a 1366×768 laptop
        st.caption(tr(f"Verlauf auf allen Kanälen ({len(history)}, ältere oben)",
                      f"History on all channels ({len(history)}, oldest first)"))
        with st.container(height=min(40 + 60 * len(history), 110), border=False, key="rd_history"):
            st.markdown(view.conversation_html(history, lang), unsafe_allow_html=True)
    st.caption(tr("Nachricht des Kunden (als Text angezeigt)", "Customer message (shown as text)")
               + " · " + esc(view.local_time(msg.get("received_at"), lang)))
    st.text(msg["text"])
    # the lock is read from the database (a deep link may open a message that is not on this page); viewing does
    # not lock — editing or acting does (issue 12 item 8). A locked message is shown, read-only.
    holder = lock_holder(db, message_id, user)
    if holder:
        st.warning(tr(f"Gesperrt von {esc(holder)}", f"Locked by {esc(holder)}"))
        if has_role("approver") and (st.button(tr("Übernehmen (t)", "Take over (t)"), key="rd_takeover")
                                     or act == "takeover"):
            _taken()
            take_over(db, message_id, user)
            st.rerun()
        return

    draft = item.draft
    key, ctx_key = f"draft_{message_id}", f"checkctx_{message_id}"
    err_key, engine_key, dm_key = f"item_error_{message_id}", f"engine_{message_id}", f"dm_{message_id}"
    if key not in st.session_state:
        st.session_state[key] = draft["text"] if draft else ""
    if ctx_key not in st.session_state:  # retrieval and customer context once per opened item
        st.session_state[ctx_key] = svc.check_context(message_id)
    notes = notes_for(db, message_id)

    def _check():
        return svc.check(message_id, st.session_state[key], guard_notes(st.session_state[ctx_key], notes))

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

    # shortcut actions that change the draft run before the editor exists (they may set its value)
    report = _check()
    if act in ("fix", "regenerate", "insert"):
        _taken()
    if act == "fix":
        fix = next((f.fix for f in report.findings if f.fix is not None), None)
        if fix is None:
            st.session_state[err_key] = tr("Keine Korrektur verfügbar.", "No fix available.")
        else:
            st.session_state[key] = fix.replacement_text
            report = _check()
    elif act == "regenerate":
        _regenerate()
        report = _check()
    elif act == "insert":
        inserted = _insert(message_id, key, ctx_key, action)
        if inserted:
            _lock()
            report = _check()

    with st.container(key="rd_editor"):
        # no help icon here: the label alone names the editor (tests and screen readers find it by "Entwurf")
        text = st.text_area(tr("Entwurf", "Draft"), key=key, height=170, on_change=_lock)

    # actions right under the editor; approving is handled below, once the override reasons are known
    a1, a2, a3 = st.columns([1.5, 1, 1])
    approve_clicked = a1.button(tr("Freigeben & posten", "Approve & post"), type="primary", disabled=not report.passed,
                                key="rd_approve", width="stretch", help=tr("Taste a", "Key a"))
    with st.container(key="rd_reason"):
        reason = st.text_input(tr("Grund (Ablehnen/Eskalieren)", "Reason (reject/escalate)"), key=f"reason_{message_id}",
                               placeholder=tr("Grund für Ablehnen (r) / Eskalieren (x)", "Reason to reject (r) / escalate (x)"),
                               label_visibility="collapsed")
    action_note = st.empty()
    for col, label, escalate, k in ((a2, tr("Ablehnen", "Reject"), False, "rd_reject"),
                                    (a3, tr("Eskalieren", "Escalate"), True, "rd_escalate")):
        pressed = col.button(label, width="stretch", key=k, help=tr("Taste x", "Key x") if escalate else tr("Taste r", "Key r"))
        if pressed or act == ("escalate" if escalate else "reject"):
            why = reason if pressed else str((action or {}).get("reason") or "")
            _taken()
            try:
                _lock()
                svc.reject(message_id, why, escalate=escalate)
            except (ReviewError, PermissionError) as exc:
                action_note.error(esc(view.error_text(exc, lang)))
            else:
                _flash_and_rerun(tr("Eskaliert", "Escalated") if escalate else tr("Abgelehnt", "Rejected"))

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
            st.button(tr("Korrektur übernehmen: ", "Apply fix: ") + esc(f.fix.label), key=f"fix_{i}", on_click=_apply,
                      help=tr("Taste f übernimmt die erste Korrektur", "Key f applies the first fix"))
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
    if approve_clicked or act == "approve":
        _taken()
        try:
            _lock()
            approval = svc.approve(message_id, text, overrides)
        except (ReviewError, PermissionError) as exc:
            action_note.error(esc(view.error_text(exc, lang)))
        else:
            _flash_and_rerun(tr("Zur zweiten Freigabe gesendet", "Sent for second approval")
                             if approval.state == "awaiting_second" else
                             tr("Posten fehlgeschlagen – siehe unten", "Posting failed – see below")
                             if approval.state == "failed" else tr("Gepostet", "Posted"))

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
    b2.button(tr("Neu entwerfen", "Regenerate"), on_click=_regenerate, help=tr("Taste g", "Key g"))
    b3.button(tr("In privaten Kanal verlegen", "Move to private channel"), on_click=_move_to_private)
    if err := st.session_state.pop(err_key, None):
        st.error(esc(err))
    if st.session_state.get(dm_key):
        st.text_area(tr("DM-Entwurf", "DM draft"), key=dm_key)

    kb_panel(message_id, msg, draft, st.session_state[ctx_key])
    notes_panel(message_id, notes)
    _details(item, draft, lang)


def _insert(message_id: str, key: str, ctx_key: str, action: dict) -> bool:
    """Insert the block shown under the key pressed (by its id) at the caret the browser remembered (at the end
    when the caret belongs to another text); the article becomes evidence for the re-check."""
    shown = st.session_state.get(f"kb_blocks_{message_id}") or {}
    if action.get("id") not in shown:
        return False
    block_text, evidence = shown[action["id"]]
    text = st.session_state.get(key, "")
    start, end = action.get("start"), action.get("end")
    if action.get("len") != len(text):  # the remembered caret is from another text (another item, a fix)
        start = end = None
    st.session_state[key], _ = insert_at(text, block_text, start, end)
    ctx = st.session_state[ctx_key]
    new = [e for e in evidence if e and e not in ctx.evidence]
    if new:
        st.session_state[ctx_key] = ctx.model_copy(update={"evidence": [*ctx.evidence, *new],
                                                           "cited": [*ctx.cited, *new[:1]]})
    st.session_state["flash"] = tr("Baustein eingefügt", "Building block inserted")
    return True


def _details(item, draft, lang: str) -> None:
    msg = item.message
    meta = (draft or {}).get("meta") or {}
    asked = (meta.get("understanding") or {}).get("questions") or []
    if asked or meta.get("facts") or meta.get("gap"):
        # one element per section, not one per line: every element is a delta to send and render on each switch
        lines = [f"? {q['text'][:200]}  [{', '.join(q.get('asks') or []) or tr('Anliegen', 'concern')}]" for q in asked]
        lines += [tr("Artikel: ", "Article: ") + a for a in meta.get("articles") or []]
        lines += [tr("Aus dem Kundenkonto: ", "From the customer record: ") + f["text"] for f in meta.get("facts") or []]
        if meta.get("gap"):
            lines.append(tr("Keine passende Antwort in der Wissensdatenbank: ehrliche Übergabe ans Fachteam.",
                            "Nothing in the knowledge base answers this: an honest hand-off to the team."))
        with st.expander(tr("Was der Entwurf beantwortet", "What the draft answers"), expanded=True):
            st.text("\n".join(lines))
    if item.customer:
        name = esc(item.customer["display_name"])
        with st.expander(tr(f"Kunde: {name}", f"Customer: {name}"), expanded=True):
            st.markdown("\n\n".join(f"**{heading}**  \n{body}"
                                      for heading, body in view.sections_markdown(view.customer_sections(item.customer, lang))))
    tri = msg.get("triage") or {}
    if tri:
        with st.expander(tr("Triage (mit Begründung)", "Triage (with reasons)")):
            st.markdown("  \n".join(f"**{esc(k)}**: {esc(val.get('value'))} — {esc(val.get('reason'))}"
                                     for k, val in tri.items()))
    citations = (draft or {}).get("citations", [])
    with st.expander(tr("Quellen", "Sources")):
        st.markdown("\n\n".join(esc(f"{c['kind']}: {c['ref']} {c.get('title') or ''}")
                                  + (f"  \n<small>{esc(c['text'][:300])}</small>" if c.get("text") else "")
                                  for c in citations) or tr("Keine Quellen.", "No sources."), unsafe_allow_html=True)
