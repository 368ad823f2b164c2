"""Helpers shared by the Streamlit pages: UI language, the signed-in user, cached services, safe rendering.

Pages stay thin: they call these and the packages' services, nothing else.
"""

from __future__ import annotations

import streamlit as st

from replydesk.settings import get_settings


def ui_lang() -> str:
    """The UI language of this session ("de" or "en"); defaults to the settings."""
    if "ui_lang" not in st.session_state:
        st.session_state["ui_lang"] = get_settings().ui_language
    return st.session_state["ui_lang"]


def tr(de: str, en: str) -> str:
    """Pick the text for the current UI language."""
    return de if ui_lang() == "de" else en


def current_user() -> dict | None:
    """The signed-in user as {"username", "display_name", "roles"} (set by app.py's login).

    The roles are read again from the users store on every call (every page run), never trusted from the
    session: a demoted user loses a role at once, a user removed from the store (or an OIDC user nobody granted
    roles) has none. (Without any users file the session is kept as it is.)"""
    user = st.session_state.get("user")
    if user is None:
        return None
    from assistant.review.auth import UserStore

    store = UserStore.from_settings()
    if not store.path.exists():
        # No users file at all: nobody can have logged in with a password, and an OIDC login already got its
        # roles from the (missing) file, i.e. none; keep what the session holds (test harnesses set it directly).
        return {**user, "ui_language": ui_lang()}
    stored = store.get(str(user.get("username", "")))
    roles = list(stored.roles) if stored is not None else []
    if roles != user.get("roles"):
        st.session_state["user"] = {**user, "roles": roles}
    return {**user, "roles": roles, "ui_language": ui_lang()}


def has_role(role: str) -> bool:
    user = current_user()
    return bool(user) and (role in user.get("roles", []) or "admin" in user.get("roles", []))


def database():
    """The process-wide database of the effective settings (cached by ``replydesk.db``)."""
    from replydesk.db import get_database

    return get_database()


@st.cache_resource(show_spinner=False)
def _pipeline(url: str):
    import gc
    import os

    from assistant.pipeline import Pipeline

    built = Pipeline.from_settings(database())
    # The models, indexes and libraries just loaded live as long as the server: move them out of the collector's
    # way, so a later full collection does not walk millions of objects in the middle of an agent's click
    # (Streamlit's own collection after every run is off in .streamlit/config.toml).
    if os.environ.get("REPLYDESK_GC_FREEZE", "on").lower() not in ("off", "0", "false"):  # off: for comparisons
        gc.collect()
        gc.freeze()
    return built


def pipeline():
    """One pipeline per database for the whole server (the embedding model and indexes are shared)."""
    return _pipeline(database().url)


def knowledge_base():
    from knowledge_base.service import KnowledgeBase

    return KnowledgeBase.open(database())


def review_service():
    from assistant.review.service import ReviewService

    return ReviewService(database(), current_user(), pipeline=pipeline())


def esc(text) -> str:
    """Customer-, model- or receiver-controlled text for any element that renders Markdown (``st.markdown``,
    ``st.write`` of a string, captions, headings, alerts, toasts, widget and expander labels).

    Every ASCII punctuation character becomes a numeric character reference, so nothing in the text is Markdown
    (images, links), raw HTML, a GFM autolink (``http:``, ``www.``, e-mail), LaTeX (``$``) or a Streamlit
    directive (``:red[…]``, ``:material/…:``): it shows exactly as typed and never loads or links anything.
    The result is also valid HTML text (``&``, ``<``, ``>`` and quotes are escaped the same way).
    """
    return "".join(f"&#{ord(ch)};" if ch.isascii() and not ch.isalnum() and ch not in " \n" else ch
                   for ch in str(text))


def highlight(text: str, findings: list) -> str:
    """HTML for the draft with finding spans marked. Everything is escaped — as HTML *and* as Markdown (the draft
    is model output: ``![](//host/x.png?…)`` after a blank line would otherwise end the HTML block and render as a
    live image). Newlines are character references too, so the HTML block never ends inside the draft."""
    spans = sorted({(f.start, f.end, f.severity) for f in findings if f.end > f.start}, key=lambda s: s[0])
    out, pos = [], 0
    for start, end, severity in spans:
        if start < pos:
            continue
        color = "#ffb3b3" if severity == "block" else "#ffe9a8"
        out.append(_block_safe(text[pos:start]))
        out.append(f'<mark style="background:{color}" title="{severity}">{_block_safe(text[start:end])}</mark>')
        pos = end
    out.append(_block_safe(text[pos:]))
    return "<div class='rd-draft' style='white-space:pre-wrap'>" + "".join(out) + "</div>"


def _block_safe(text: str) -> str:
    return esc(text).replace("\n", "&#10;")
