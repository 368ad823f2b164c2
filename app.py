"""replydesk review screen (Streamlit). Run: ``streamlit run app.py`` (``make demo`` does it for you)."""

from __future__ import annotations

import streamlit as st

import replydesk  # noqa: F401  (telemetry off first)
from ui.common import current_user, esc, tr, ui_lang

st.set_page_config(page_title="replydesk", page_icon="💬", layout="wide")


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file: local users
        return False


def _login() -> None:
    if _oidc_configured():
        if not st.user.is_logged_in:
            st.button(tr("Anmelden", "Log in"), on_click=st.login)
            st.stop()
        from assistant.review.auth import UserStore

        # Roles come from the users file (by e-mail as user name); unknown OIDC users are agents.
        email = str(st.user.get("email", "oidc")).lower()
        known = UserStore.from_settings().get(email)
        st.session_state["user"] = {"username": email, "display_name": st.user.get("name", email),
                                    "roles": known.roles if known else ["agent"]}
        return
    from assistant.review.auth import UserStore

    st.title("replydesk")
    with st.form("login"):
        username = st.text_input(tr("Benutzername", "Username"))
        password = st.text_input(tr("Passwort", "Password"), type="password")
        submitted = st.form_submit_button(tr("Anmelden", "Log in"))
    if submitted:
        user = UserStore.from_settings().authenticate(username, password)
        if user is None:
            st.error(tr("Benutzername oder Passwort falsch.", "Wrong username or password."))
        else:
            st.session_state["user"] = user.public()
            st.rerun()
    st.caption(tr("Demo: anna / ben / tina / quinn / ada, Passwort „demo“", "Demo: anna / ben / tina / quinn / ada, password 'demo'"))
    st.stop()


with st.sidebar:
    lang = st.radio("Sprache / Language", ["de", "en"], index=0 if ui_lang() == "de" else 1, horizontal=True)
    st.session_state["ui_lang"] = lang

if current_user() is None:
    _login()

user = current_user()
roles = set(user["roles"])
admin = "admin" in roles
pages = []
if admin or roles & {"agent", "approver"}:
    pages.append(st.Page("ui/pages/review.py", title=tr("Posteingang", "Queue"), icon="📥", default=True))
pages.append(st.Page("ui/pages/knowledge_base.py", title=tr("Wissensdatenbank", "Knowledge base"), icon="📚",
                     default=not pages))
if admin or roles & {"trainer"}:
    pages.append(st.Page("ui/pages/feedback.py", title=tr("KB-Feedback", "KB feedback"), icon="🧭"))
if admin or roles & {"qa"}:
    pages.append(st.Page("ui/pages/evaluations.py", title=tr("Evaluierungen", "Evaluations"), icon="📊"))
if admin or roles & {"approver"}:
    pages.append(st.Page("ui/pages/audit.py", title=tr("Audit-Log", "Audit log"), icon="🧾"))
if admin:
    pages.append(st.Page("ui/pages/settings.py", title=tr("Einstellungen", "Settings"), icon="⚙️"))

with st.sidebar:
    st.caption(esc(f"{user['display_name']} · {', '.join(sorted(roles))}"))
    if st.button(tr("Abmelden", "Log out")):
        from assistant.review.queue import release_all
        from ui.common import database

        release_all(database(), user)  # logging out releases the user's locks (issue 12 item 8)
        st.session_state.pop("user", None)
        st.rerun()

st.navigation(pages).run()
