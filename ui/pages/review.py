"""The queue and the item view: read the conversation, edit (live guardrails), fix, insert building blocks, note,
approve & post, four eyes — by mouse or keyboard.

The page wires the parts together: the sidebar filters and the self-refreshing queue (``ui.review_queue``), the
item (``ui.review_item``, a fragment that also mounts the keyboard/click component of ``ui.components``, so opening
or stepping to a message reruns only the item) and the approver's cards (``ui.review_approvals``).
Customer-controlled text is never Markdown in any of them.
"""

from __future__ import annotations

import streamlit as st

from assistant.review import view
from assistant.review.service import ReviewError
from ui.common import current_user, esc, review_service, tr, ui_lang
from ui.review_approvals import approvals_panel
from ui.review_item import item_panel
from ui.review_queue import queue_panel, sidebar_filters
from ui.review_tools import shortcut_help

user = current_user()
svc = review_service()
lang = ui_lang()
st.header(tr("Posteingang", "Queue"))
if st.session_state.pop("rd_show_help", False):  # asked for by "?" in the item fragment
    shortcut_help()

filters = sidebar_filters(user, shortcut_help)
followups = st.container()  # filled once the queue has counted the due follow-ups

# A deep link (?m=<id>) opens its message once: after posting, rejecting or closing it, the same link (still in
# the URL) must not reopen it, and a filter change never swaps the open message for another one.
if (link := st.query_params.get("m")) and st.session_state.get("deep_link_used") != link:
    st.session_state["deep_link_used"] = link
    st.session_state["open_id"] = link


def _followups(due: int) -> None:
    with st.expander(tr(f"{due} Nachfass-Erinnerungen fällig", f"{due} follow-ups due")):
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
                    st.error(esc(view.error_text(exc, lang)))
                else:
                    st.rerun()


left, right = st.columns([1, 1], gap="medium")
with left:
    queue_panel(filters, user["username"])
if due := st.session_state.get("followups_due"):
    with followups:
        _followups(due)
with right:
    item_panel()

if flash := st.session_state.pop("flash", None):
    st.toast(flash)
approvals_panel()
