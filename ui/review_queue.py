"""The queue side of the review screen: the sidebar filters and the queue table, which refreshes itself.

The table is a Streamlit fragment with ``run_every``: new messages and other agents' actions (status, who has an
item open) appear without a reload and without rerunning the item the agent is working on; the open message stays
selected (it lives in the session, not in the table). ``REPLYDESK_QUEUE_REFRESH_SECONDS`` sets the interval
(default 10 s; 0 switches the timer off, the refresh button stays).
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime, timedelta

import streamlit as st

from assistant.review import view
from assistant.review.queue import QueueFilters, queue_page
from guardrails.models import LANGUAGES, known_channels
from ui.common import database, tr, ui_lang

PAGE_SIZE = 50


def refresh_interval() -> timedelta | None:
    try:
        seconds = float(os.environ.get("REPLYDESK_QUEUE_REFRESH_SECONDS", "10"))
    except ValueError:
        seconds = 10.0
    return timedelta(seconds=seconds) if seconds > 0 else None


def _filter_channels() -> tuple[str, ...]:
    """The built-in channels and those the installation's policy declares (loading it declares them)."""
    from guardrails.policy import PolicyError, load_policy

    with contextlib.suppress(PolicyError):  # the built-in channels still filter; the error shows elsewhere
        load_policy()
    return known_channels()


def sidebar_filters(user: dict, on_help) -> QueueFilters:
    lang = ui_lang()
    every = tr("Alle", "All")
    with st.sidebar:
        st.subheader(tr("Filter", "Filters"))
        f_channel = st.selectbox(tr("Kanal", "Channel"), ["", *_filter_channels()],
                                 format_func=lambda v: view.CHANNELS.get(v, v) if v else every)
        f_vis = st.selectbox(tr("Sichtbarkeit", "Visibility"), ["", "public", "private"],
                             format_func=lambda v: tr(*view.VISIBILITY[v]) if v else every)
        f_lang = st.selectbox(tr("Sprache", "Language"), ["", *LANGUAGES],
                              format_func=lambda v: {"de": tr("Deutsch", "German"),
                                                     "en": tr("Englisch", "English")}.get(v, v) if v else every)
        f_status = st.selectbox("Status", ["", "drafted", "awaiting_approval", "escalated", "error", "pending",
                                           "no_reply"],
                                format_func=lambda v: view.status_label(v, lang) if v else tr("Alle offenen", "All open"))
        f_risk = st.slider(tr("Mindestrisiko", "Minimum risk"), 0.0, 1.0, 0.0, 0.05)
        f_mine = st.checkbox(tr("Nur meine", "Only mine"))
        f_search = st.text_input(tr("Suche", "Search"), placeholder=tr("Text oder Absender …", "Text or sender …"))
        if st.button("⌨ " + tr("Tastenkürzel (?)", "Keyboard shortcuts (?)")):
            on_help()
    return QueueFilters(channel=f_channel or None, visibility=f_vis or None, language=f_lang or None,
                        status=f_status or None, min_risk=f_risk or None,
                        assignee=user["username"] if f_mine else None, search=f_search or None)


@st.fragment(run_every=refresh_interval())
def queue_panel(filters: QueueFilters, username: str) -> None:
    """Counts and one page of the queue. Runs again on its own (``run_every``) and on the refresh button; the ids
    on the page are kept for j/k."""
    lang = ui_lang()
    db = database()
    page_no = st.session_state.get("queue_page", 0)
    page = queue_page(db, filters, page=page_no, page_size=PAGE_SIZE)
    st.session_state["queue_ids"] = [r.id for r in page.rows]
    st.session_state["followups_due"] = page.followups_due
    counts = page.counts
    cols = st.columns(5)
    for col, (label, key) in zip(cols, [(tr("Offen", "Open"), "drafted"),
                                        (tr("Zweite Freigabe", "Second approval"), "awaiting_approval"),
                                        (tr("Eskaliert", "Escalated"), "escalated"), (tr("Gepostet", "Posted"), "posted"),
                                        (tr("Fehler", "Errors"), "error")], strict=True):
        col.metric(label, counts.get(key, 0))
    now = datetime.now(UTC)  # one reference time for every SLA countdown of this refresh
    with st.container(height=560, key="rd_queue"):
        st.markdown(view.QUEUE_CSS + view.queue_table_html(page.rows, now, lang, username,
                                                           st.session_state.get("open_id")),
                    unsafe_allow_html=True)
    nav = st.columns([1, 2, 1, 2])

    def _turn(to: int) -> None:  # a callback: the click's own fragment run shows the new page (no second run)
        st.session_state["queue_page"] = to

    nav[0].button("◀", disabled=page_no == 0, help=tr("Vorige Seite", "Previous page"), on_click=_turn,
                  args=(page_no - 1,))
    nav[1].caption(f"{page_no * PAGE_SIZE + 1}–{page_no * PAGE_SIZE + len(page.rows)} / {page.total}")
    nav[2].button("▶", disabled=(page_no + 1) * PAGE_SIZE >= page.total, help=tr("Nächste Seite", "Next page"),
                  on_click=_turn, args=(page_no + 1,))
    # the click itself reruns this fragment (a st.rerun after it would run the queue a second time)
    nav[3].button("⟳ " + tr("Aktualisieren", "Refresh"), key="rd_refresh",
                  help=tr("Die Liste aktualisiert sich auch von selbst.", "The list also refreshes on its own."))
    st.caption(tr("Stand ", "As of ") + view.local_time(now, lang, with_date=False)
               + (tr(" · aktualisiert sich selbst", " · refreshes on its own") if refresh_interval() else ""),
               help=None)


def step(ids: list[str], open_id: str | None, direction: str, last_place: tuple[str, int] | None = None) -> str | None:
    """The message j/k moves to: the next/previous id on the page. With nothing open, from the place of the item
    closed last (j: the one after it — the closed one may still be listed, e.g. awaiting a second approval — or
    the one that moved into its place), else the first."""
    if not ids:
        return open_id
    forward = direction == "next"
    if open_id not in ids:
        if not last_place:
            return ids[0]
        closed, at = last_place
        if closed in ids:
            at = ids.index(closed) + (1 if forward else -1)
        elif not forward:
            at -= 1
        return ids[max(0, min(len(ids) - 1, at))]
    at = ids.index(open_id) + (1 if forward else -1)
    return ids[max(0, min(len(ids) - 1, at))]
