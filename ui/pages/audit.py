"""Audit log (read-only): who drafted, edited, overrode, approved, posted — with the diff."""

from __future__ import annotations

import streamlit as st

from ui.common import esc, review_service, tr

svc = review_service()
st.header(tr("Audit-Log", "Audit log"))
mid = st.text_input(tr("Nachrichten-ID (optional)", "Message id (optional)"))
for e in svc.audit_log(mid or None):
    with st.container(border=True):
        st.write(f"{e.at:%Y-%m-%d %H:%M:%S} · **{esc(e.action)}** · {esc(e.actor)} · {esc(e.message_id or '')}")
        diff = (e.data or {}).get("diff")
        if diff:
            st.code(diff, language="diff")
        rest = {k: v for k, v in (e.data or {}).items() if k != "diff"}
        if rest:
            st.caption(esc(rest))  # reasons, webhook errors: text, never Markdown
