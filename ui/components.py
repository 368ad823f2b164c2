"""A small Streamlit component (``st.components.v2``, no build step) that turns clicks and Enter on queue rows into
"open this message", the review screen's keyboard shortcuts into actions, and clicks on a building block into
"insert it at the editor's cursor".

It renders nothing itself; the queue table and the building blocks are ordinary escaped HTML, found by their
``data-id`` / ``data-rd-insert`` attributes. Listeners are installed once per browser tab and always call the latest
mount's setter, so a Streamlit rerun never leaves a stale handler behind.

Shortcuts (when no input field has focus): j/k next/previous message, e focus the editor (Esc leaves any field),
a approve, r reject, x escalate (both take the reason field's text; an empty field gets the focus and Enter there
completes the action), f apply the first fix, g regenerate, t take over, n write a note, i search the knowledge
base, 1–9 insert the listed building block at the cursor, ? help.

The cursor: the editor's selection is remembered on every key, click and when it loses the focus, together with the
text's length, so the page can tell whether the remembered position still belongs to the text it has.
"""

from __future__ import annotations

import json

import streamlit as st

_JS = r"""
export default function(component) {
  const { setTriggerValue } = component;
  const rd = (window.__replydesk = window.__replydesk || {});
  rd.send = (name, value) => setTriggerValue(name, value);
  if (rd.installed) return;
  rd.installed = true;
  document.documentElement.dataset.rdKeys = "on";  // a state tests (and scripts) can wait for
  const q = (sel) => document.querySelector(sel);
  // The open item marks itself (data-rd-open); the queue row of that id is the current one. The item reruns
  // without the queue, so the browser moves the highlight (the queue's own reruns render it the same way).
  const syncCurrent = () => {
    const marker = q("[data-rd-open]");
    const open = marker ? marker.getAttribute("data-rd-open") : null;
    for (const r of document.querySelectorAll("tr.rd-row[aria-current]")) {
      if (r.dataset.id !== open) r.removeAttribute("aria-current");
    }
    if (open) {
      const row = q(`tr.rd-row[data-id="${CSS.escape(open)}"]`);
      if (row && row.getAttribute("aria-current") !== "true") row.setAttribute("aria-current", "true");
    }
  };
  new MutationObserver(syncCurrent).observe(document.body, { childList: true, subtree: true });
  syncCurrent();
  const editor = () => q(".st-key-rd_editor textarea");
  const act = (action, extra) => rd.send("key", JSON.stringify(Object.assign({ action }, extra || {})));
  const rowOf = (el) => (el && el.closest ? el.closest("tr.rd-row[data-id]") : null);
  const blockOf = (el) => (el && el.closest ? el.closest("[data-rd-insert]") : null);
  const typing = (el) => el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  const remember = (e) => {
    const ed = editor();
    if (ed && e.target === ed) rd.caret = { start: ed.selectionStart, end: ed.selectionEnd, len: ed.value.length };
  };
  for (const t of ["keyup", "click", "select", "focusout", "input"]) document.addEventListener(t, remember, true);
  const insert = (n) => {
    const el = q(`[data-rd-insert="${n}"]`);
    if (el) act("insert", Object.assign({ id: el.dataset.rdId }, rd.caret || {}));
  };
  const focus = (sel) => {
    const el = q(sel);
    if (!el) return null;
    const closed = el.closest("details:not([open])");  // a collapsed expander: open it first
    if (closed) closed.querySelector("summary").click();
    const go = () => { el.focus(); if (el.tagName === "INPUT") el.select(); };
    if (closed) requestAnimationFrame(go); else go();
    return el;
  };
  const withReason = (action) => {
    const box = q(".st-key-rd_reason input");
    if (!box) return;
    if (box.value.trim()) act(action, { reason: box.value });
    else { rd.pending = action; box.focus(); }
  };
  // Enter in the reason field after r/x completes that action. Capture phase, and the field's own Enter is
  // stopped: one request (the action carries the reason) instead of a field commit racing the action.
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || !rd.pending || !(e.target.closest && e.target.closest(".st-key-rd_reason"))) return;
    const action = rd.pending;
    rd.pending = null;
    if (!e.target.value.trim()) return;
    e.preventDefault();
    e.stopPropagation();
    act(action, { reason: e.target.value });
  }, true);
  document.addEventListener("click", (e) => {
    const block = blockOf(e.target);
    if (block) { e.preventDefault(); insert(block.dataset.rdInsert); return; }
    const row = rowOf(e.target);
    if (row) rd.send("open", row.dataset.id);
  });
  document.addEventListener("keydown", (e) => {
    const block = blockOf(e.target);
    if (block && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); insert(block.dataset.rdInsert); return; }
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
    if (e.key === "Escape" && typing(e.target)) { rd.pending = null; e.target.blur(); return; }
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (q("[role='dialog']") && e.key !== "?") return;  // the help overlay is open: Esc closes it
    const simple = { j: "next", k: "previous", a: "approve", f: "fix", g: "regenerate", t: "takeover", "?": "help" };
    if (simple[e.key]) { e.preventDefault(); act(simple[e.key]); }
    else if (e.key === "r") { e.preventDefault(); withReason("reject"); }
    else if (e.key === "x") { e.preventDefault(); withReason("escalate"); }
    else if (e.key === "e") { if (focus(".st-key-rd_editor textarea")) e.preventDefault(); }
    else if (e.key === "n") { if (focus(".st-key-rd_note input")) e.preventDefault(); }
    else if (e.key === "i") { if (focus(".st-key-rd_kbsearch input")) e.preventDefault(); }
    else if (/^[1-9]$/.test(e.key) && q(`[data-rd-insert="${e.key}"]`)) { e.preventDefault(); insert(e.key); }
  });
}
"""

_component = st.components.v2.component("replydesk_review_keys", js=_JS)

ACTIONS = ("next", "previous", "approve", "reject", "escalate", "fix", "regenerate", "takeover", "help", "insert")


def parse_action(raw) -> dict | None:
    """The shortcut trigger as {"action": …, …} (reason for reject/escalate; the block id, start, end, len for insert)."""
    if not raw:
        return None
    try:
        data = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (ValueError, TypeError):
        return None
    return data if isinstance(data, dict) and data.get("action") in ACTIONS else None


def review_events(key: str = "rd_events") -> tuple[str | None, dict | None]:
    """Mount the listener; returns (message id clicked/Entered in the queue, shortcut action) of this run."""
    result = _component(key=key, on_open_change=lambda: None, on_key_change=lambda: None, height="content")
    return getattr(result, "open", None), parse_action(getattr(result, "key", None))
