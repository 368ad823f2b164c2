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
    from assistant.review.auth import LoginLocked, UserStore, is_demo_installation, oidc_session_user

    if _oidc_configured():
        if not st.user.is_logged_in:
            st.button(tr("Anmelden", "Log in"), on_click=st.login)
            st.stop()
        # Roles come from the users file (by e-mail as user name); an unknown OIDC user has none until an admin
        # grants them, and an e-mail the provider marks as not verified is refused.
        try:
            st.session_state["user"] = oidc_session_user(
                {k: st.user.get(k) for k in ("email", "email_verified", "name")}, UserStore.from_settings())
        except PermissionError as exc:
            st.error(esc(str(exc)))
            st.button(tr("Abmelden", "Log out"), on_click=st.logout)
            st.stop()
        return

    st.title("replydesk")
    with st.form("login"):
        username = st.text_input(tr("Benutzername", "Username"))
        password = st.text_input(tr("Passwort", "Password"), type="password")
        submitted = st.form_submit_button(tr("Anmelden", "Log in"))
    if submitted:
        try:
            user = UserStore.from_settings().login(username, password)
        except LoginLocked as exc:
            minutes = int(exc.retry_after // 60) + 1
            st.error(tr(f"Zu viele Fehlversuche. Bitte in {minutes} Minuten erneut versuchen.",
                        f"Too many failed attempts. Try again in {minutes} minutes."))
            user = None
        else:
            if user is None:
                st.error(tr("Benutzername oder Passwort falsch.", "Wrong username or password."))
        if user is not None:
            st.session_state["user"] = user.public()
            st.rerun()
    if is_demo_installation():  # the demo passwords only on the demo, never on a real installation
        st.caption(tr("Demo: anna / ben / tina / quinn / ada, Passwort „demo“",
                      "Demo: anna / ben / tina / quinn / ada, password 'demo'"))
    st.stop()


with st.sidebar:
    lang = st.radio("Sprache / Language", ["de", "en"], index=0 if ui_lang() == "de" else 1, horizontal=True)
    st.session_state["ui_lang"] = lang

if current_user() is None:
    _login()

user = current_user()
roles = set(user["roles"])
if not roles:  # e.g. an OIDC user nobody granted roles yet, or a user removed from the users file
    st.warning(tr("Ihr Konto hat noch keine Rolle. Bitte einen Administrator, Ihnen eine zuzuweisen.",
                  "Your account has no role yet. Ask an administrator to grant you one."))
    if st.button(tr("Abmelden", "Log out")):
        st.session_state.pop("user", None)
        st.rerun()
    st.stop()
admin = "admin" in roles
pages = []
if admin or roles & {"agent", "approver"}:
    pages.append(st.Page("ui/pages/review.py", title=tr("Posteingang", "Queue"), icon="📥", default=True))
    pages.append(st.Page("ui/pages/outbox.py", title=tr("Postausgang", "Outbox"), icon="📤"))
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
