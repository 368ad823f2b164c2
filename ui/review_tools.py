"""Tools of the review item: the knowledge-base search with the building blocks to insert at the cursor, internal
notes, and the keyboard shortcut overlay. Thin: the logic is in ``assistant.review.snippets`` and ``.notes``."""

from __future__ import annotations

import streamlit as st

from assistant.review import view
from assistant.review.notes import NoteError, add_note, notes_for
from assistant.review.snippets import blocks_for, evidence_for, search
from ui.common import current_user, database, esc, review_service, tr, ui_lang

MAX_BLOCKS = 9  # one key each (1–9)


def shortcuts() -> list[tuple[str, str]]:
    return [("j / k", tr("nächste / vorige Nachricht", "next / previous message")),
            ("Enter", tr("markierte Zeile der Liste öffnen (↑/↓ wechselt die Zeile)",
                         "open the focused queue row (↑/↓ moves between rows)")),
            ("e", tr("Entwurf bearbeiten (Esc verlässt jedes Eingabefeld)", "edit the draft (Esc leaves any field)")),
            ("a", tr("freigeben & posten", "approve & post")),
            ("r", tr("ablehnen (mit dem Grund im Grund-Feld; leer: Feld ausfüllen, Enter)",
                     "reject (with the reason in the reason field; empty: type it, Enter)")),
            ("x", tr("eskalieren (Grund wie bei r)", "escalate (reason as for r)")),
            ("f", tr("erste Korrektur übernehmen", "apply the first fix")),
            ("g", tr("neu entwerfen", "regenerate")),
            ("t", tr("gesperrte Nachricht übernehmen (Leitung)", "take over a locked message (lead)")),
            ("i", tr("Wissensdatenbank durchsuchen", "search the knowledge base")),
            ("1–9", tr("Baustein an der Cursor-Position einfügen", "insert a building block at the cursor")),
            ("n", tr("interne Notiz schreiben (Enter speichert)", "write an internal note (Enter saves)")),
            ("?", tr("diese Hilfe", "this help"))]


@st.dialog(tr("Tastenkürzel", "Keyboard shortcuts"))
def shortcut_help() -> None:
    st.markdown("\n".join(f"- <kbd>{esc(k)}</kbd> — {esc(what)}" for k, what in shortcuts()), unsafe_allow_html=True)
    st.caption(tr("Kürzel wirken, wenn kein Eingabefeld den Fokus hat (Esc verlässt ein Feld und schließt diese Hilfe).",
                  "Shortcuts work when no input field has focus (Esc leaves a field and closes this help)."))


def _customer_view(message_id: str, customer_id: str | None):
    key = f"custview_{message_id}"
    if key not in st.session_state:
        from assistant.customers import CustomerService

        st.session_state[key] = CustomerService(database()).view(customer_id) if customer_id else None
    return st.session_state[key]


def kb_panel(message_id: str, msg: dict, draft: dict | None, check_ctx) -> None:
    """Search the knowledge base; list the building blocks of the hits (or of the articles the draft cites) for
    the customer's language, form of address and channel. A click or key 1–9 inserts one at the cursor."""
    svc = review_service()
    kb = svc.pipeline.kb
    lang = ui_lang()
    with st.expander(tr("Wissensdatenbank & Bausteine (i)", "Knowledge base & building blocks (i)"), expanded=True):
        with st.container(key="rd_kbsearch"):
            query = st.text_input(tr("In der Wissensdatenbank suchen", "Search the knowledge base"),
                                  key=f"kbq_{message_id}", label_visibility="collapsed",
                                  placeholder=tr("Wissensdatenbank durchsuchen (i) …", "Search the knowledge base (i) …"))
        language = check_ctx.language or msg.get("language")
        if query.strip():
            ids = [h.article_id for h in search(kb, query, language=language, k=3)]
        else:
            ids = list(dict.fromkeys(c["ref"].split("#")[0] for c in (draft or {}).get("citations", [])
                                     if c.get("kind") == "kb"))[:3]
        form = check_ctx.address_form
        if language == "de" and not form:
            form = svc.pipeline.policy.address_form("de", msg["channel"])
        customer = _customer_view(message_id, msg.get("customer_id"))
        # every block shown for this item, by id: the browser sends the id of the block under the key pressed
        shown = st.session_state.setdefault(f"kb_blocks_{message_id}", {})
        groups, count = [], 0
        for article in kb.get_articles(ids):
            blocks = blocks_for(article, language=language, address_form=form, channel=msg["channel"],
                                visibility=msg["visibility"], customer=customer)[:MAX_BLOCKS - count]
            if blocks:
                groups.append((article.title, blocks))
                count += len(blocks)
                shown.update({b.id: (b.text, evidence_for(article)) for b in blocks})
        if not groups:
            st.caption(tr("Keine passenden Bausteine. Suchbegriff eingeben.", "No matching building blocks. Type a search."))
            return
        st.caption((tr(f"Treffer für „{esc(query.strip())}“. ", f"Results for “{esc(query.strip())}”. ") if query.strip()
                    else tr("Bausteine der zitierten Artikel. ", "Blocks of the cited articles. "))
                   + tr("Baustein anklicken oder Taste 1–9: wird an der Cursor-Position im Entwurf eingefügt und neu geprüft.",
                        "Click a block or press 1–9: it is inserted at the cursor in the draft and checked again."))
        st.markdown(view.blocks_html(groups, lang, query.strip()), unsafe_allow_html=True)


def notes_panel(message_id: str, notes: list) -> None:
    """Internal notes on the conversation: list and a one-line form (Enter saves)."""
    lang = ui_lang()
    with st.expander(tr(f"Interne Notizen ({len(notes)})", f"Internal notes ({len(notes)})"), expanded=True):
        st.caption(tr("Nur für das Team – wird nie an Kunden oder an ein Sprachmodell gesendet.",
                      "Team only – never sent to the customer or to a language model."))
        listing = st.container()
        with st.form(f"note_form_{message_id}", clear_on_submit=True, border=False), st.container(key="rd_note"):
            text = st.text_input(tr("Neue Notiz", "New note"), key=f"note_{message_id}",
                                 placeholder=tr("Notiz für das Team (n) …", "Note for the team (n) …"))
            saved = st.form_submit_button(tr("Notiz speichern", "Save note"))
        if saved:
            try:
                add_note(database(), current_user(), message_id, text)
            except (NoteError, PermissionError) as exc:
                st.error(esc(view.error_text(exc, lang)))
            else:
                notes = notes_for(database(), message_id)
                st.toast(tr("Notiz gespeichert", "Note saved"))
        listing.markdown(view.notes_html(notes, lang), unsafe_allow_html=True)
