"""The approver's part of the review screen: replies awaiting a second approval (with the customer and reach) and
failed posts to retry."""

from __future__ import annotations

import streamlit as st

from assistant.review import view
from assistant.review.service import ReviewError
from ui.common import current_user, esc, has_role, review_service, tr, ui_lang


def approvals_panel() -> None:
    svc, user, lang = review_service(), current_user(), ui_lang()
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
                if st.button(tr("Zweite Freigabe & posten", "Second approval & post"), key=f"second_{a.id}",
                             disabled=own):
                    try:
                        svc.second_approve(a.id)
                        st.rerun()
                    except (ReviewError, PermissionError) as exc:
                        st.error(esc(view.error_text(exc, lang)))
                if own:
                    st.caption(tr("Eigene Antworten braucht ein zweites Augenpaar.",
                                  "Your own replies need a second pair of eyes."))
    for a in svc.failed_posts():
        st.error(f"{tr('Posten fehlgeschlagen', 'Posting failed')} #{a.id}: {esc(a.error)}")
        if st.button(tr("Erneut posten", "Retry posting"), key=f"retry_{a.id}"):
            svc.post(a.id)
            st.rerun()
