"""Outbox: replies whose post failed (with attempts, the next automatic retry and the last error) and replies being
posted; a retry posts with the approval's own idempotency key, through the same code path as the sweeper."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import func, select

from assistant.review.orm import Approval
from assistant.review.outbox import Outbox
from assistant.review.states import LIVE_APPROVAL
from ui.common import current_user, database, esc, has_role, tr

user = current_user()
st.header(tr("Postausgang", "Outbox"))
if not (has_role("agent") or has_role("approver")):
    st.warning(tr("Nur Agenten und Freigebende sehen den Postausgang.", "Only agents and approvers see the outbox."))
    st.stop()

db = database()
outbox = Outbox.from_settings(db, actor=user["username"])
outbox.recover_stuck()  # posts a dead process left behind: listed as failed (maybe sent)
failed = outbox.failed()
st.caption(tr("Fehlgeschlagene Posts werden automatisch erneut versucht (gleicher Idempotenz-Schlüssel: nie doppelt).",
              "Failed posts are retried automatically (same idempotency key: never posted twice)."))
if not failed:
    st.success(tr("Keine fehlgeschlagenen Posts.", "No failed posts."))
for a in failed:
    with st.container(border=True):
        when = (a.next_attempt_at.strftime("%Y-%m-%d %H:%M") if a.next_attempt_at
                else tr("aufgegeben – bitte von Hand", "given up – retry by hand"))
        st.text(f"#{a.id} · {a.channel} · {a.visibility} · {tr('Versuche', 'attempts')}: {a.attempts} · "
                f"{tr('nächster Versuch', 'next attempt')}: {when}")
        st.text(a.error or "")  # channel errors are text, never Markdown
        if a.maybe_sent:
            st.warning(tr("Möglicherweise schon angekommen: im Kanal prüfen. Ablehnen ist nicht mehr möglich.",
                          "May have arrived already: check the channel. It can no longer be rejected."))
        if st.button(tr("Erneut posten", "Retry posting"), key=f"outbox_retry_{a.id}"):
            result = outbox.post_now(a.id)
            st.toast(f"#{a.id}: {result.state}")
            st.rerun()
with db.session() as s:
    counts = dict(s.execute(select(Approval.state, func.count()).where(Approval.state.in_(LIVE_APPROVAL))
                            .group_by(Approval.state)).all())
st.caption(esc(tr(f"In Warteschlange: {counts.get('queued', 0)} · wird gepostet: {counts.get('posting', 0)}",
                  f"Queued: {counts.get('queued', 0)} · being posted: {counts.get('posting', 0)}")))
