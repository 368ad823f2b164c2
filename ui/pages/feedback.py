"""KB feedback for trainers: articles whose drafts agents rewrite most; questions with no good article."""

from __future__ import annotations

import streamlit as st

from assistant.review.feedback import edit_stats, gaps
from ui.common import database, tr

db = database()
st.header(tr("KB-Feedback", "KB feedback"))
stats = edit_stats(db)
st.subheader(tr("Am meisten umgeschriebene Entwürfe", "Most rewritten drafts"))
for dim, label in (("article", tr("nach Artikel", "by article")), ("engine", tr("nach Engine", "by engine")),
                   ("rule", tr("nach Regel", "by rule"))):
    st.caption(label)
    st.dataframe([{"key": e.key, tr("Antworten", "Replies"): e.replies, tr("Änderung (0–1)", "Edit (0–1)"): e.mean_edit}
                  for e in stats[dim]], hide_index=True, width="stretch")
st.subheader(tr("Wissenslücken: keine passende Antwort gefunden", "Knowledge gaps: no good article found"))
for g in gaps(db):
    st.text(g.text)
