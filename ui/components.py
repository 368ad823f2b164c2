"""A small Streamlit component (``st.components.v2``, no build step) that turns clicks and Enter on queue rows into
"open this message", and the review screen's keyboard shortcuts into actions.

It renders nothing itself; the queue table is ordinary escaped HTML (``assistant.review.view.queue_table_html``),
found by its rows' ``data-id``. Listeners are installed once per browser tab and always call the latest mount's
setter, so a Streamlit rerun never leaves a stale handler behind.
"""

from __future__ import annotations

import streamlit as st

_JS = r"""
export default function(component) {
  const { setTriggerValue } = component;
  const rd = (window.__replydesk = window.__replydesk || {});
  rd.send = (name, value) => setTriggerValue(name, value);
  if (rd.installed) return;
  rd.installed = true;
  const rowOf = (el) => (el && el.closest ? el.closest("tr.rd-row[data-id]") : null);
  const typing = (el) => el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  document.addEventListener("click", (e) => {
    const row = rowOf(e.target);
    if (row) rd.send("open", row.dataset.id);
  });
  document.addEventListener("keydown", (e) => {
    const row = rowOf(e.target);
    if (row && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      rd.send("open", row.dataset.id);
      return;
    }
    if (row && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      const next = e.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
      if (next && next.matches("tr.rd-row")) { e.preventDefault(); next.focus(); }
      return;
    }
    if (e.key === "Escape" && typing(e.target)) { e.target.blur(); return; }
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j") { e.preventDefault(); rd.send("key", "next"); }
    else if (e.key === "k") { e.preventDefault(); rd.send("key", "previous"); }
    else if (e.key === "e") {
      const editor = document.querySelector("textarea[data-rd-editor], .st-key-rd_editor textarea");
      if (editor) { e.preventDefault(); editor.focus(); }
    } else if (e.key === "a") {
      const approve = document.querySelector(".st-key-rd_approve button:not([disabled])");
      if (approve) { e.preventDefault(); approve.click(); }
    } else if (e.key === "?") { e.preventDefault(); rd.send("key", "help"); }
  });
}
"""

_component = st.components.v2.component("replydesk_review_keys", js=_JS)


def review_events(key: str = "rd_events") -> tuple[str | None, str | None]:
    """Mount the listener; returns (message id clicked/Entered in the queue, shortcut action) of this run."""
    result = _component(key=key, on_open_change=lambda: None, on_key_change=lambda: None, height="content")
    return getattr(result, "open", None), getattr(result, "key", None)
