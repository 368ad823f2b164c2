"""Helpers shared by the Streamlit pages: UI language, the signed-in user, cached services.

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
    """The signed-in user as {"username", "display_name", "roles"} (set by app.py's login)."""
    return st.session_state.get("user")


def has_role(role: str) -> bool:
    user = current_user()
    return bool(user) and (role in user.get("roles", []) or "admin" in user.get("roles", []))


@st.cache_resource(show_spinner=False)
def database():
    from replydesk.db import get_database

    return get_database()
