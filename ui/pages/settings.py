"""Admin settings: users and roles, the reply policy (validated before it is saved), effective configuration."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import yaml

from assistant.review.auth import ROLES, UserStore
from guardrails.policy import DEFAULT_POLICY, PolicyError, parse_policy
from replydesk.settings import get_settings
from ui.common import current_user, has_role, tr

user = current_user()
st.header(tr("Einstellungen", "Settings"))
if not has_role("admin"):
    st.info(tr("Nur Admins ändern Benutzer und Richtlinie.", "Only admins edit users and the policy."))
    st.stop()

settings = get_settings()
tab_users, tab_policy, tab_config = st.tabs([tr("Benutzer", "Users"), tr("Richtlinie", "Policy"), "Config"])
with tab_users:
    store = UserStore.from_settings()
    st.dataframe([u.public() for u in store.list()], hide_index=True, width="stretch")
    with st.form("user_form"):
        username = st.text_input(tr("Benutzername", "Username"))
        name = st.text_input(tr("Anzeigename", "Display name"))
        roles = st.multiselect(tr("Rollen", "Roles"), list(ROLES))
        password = st.text_input(tr("Neues Passwort (leer = unverändert)", "New password (empty = unchanged)"),
                                 type="password")
        if st.form_submit_button(tr("Speichern", "Save")):
            try:
                store.upsert(username.strip().lower(), name or username, roles, password or None, actor=user)
                st.success(tr("Gespeichert", "Saved"))
            except (PermissionError, ValueError) as exc:
                st.error(str(exc))

with tab_policy:
    target = Path(settings.policy_path or settings.data_dir / "policy.yaml")
    source = target if target.exists() else DEFAULT_POLICY
    text = st.text_area(tr("Richtlinie (YAML)", "Policy (YAML)"), source.read_text(encoding="utf-8"), height=400)
    if st.button(tr("Prüfen und speichern", "Validate and save")):
        try:
            parse_policy(yaml.safe_load(text), target.name)
        except (PolicyError, yaml.YAMLError) as exc:
            st.error(str(exc))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            st.success(tr(f"Gespeichert: {target} (REPLYDESK_POLICY_PATH zeigt darauf, Neustart übernimmt sie)",
                          f"Saved to {target} (point REPLYDESK_POLICY_PATH at it; a restart picks it up)"))

with tab_config:
    st.json(settings.masked())
