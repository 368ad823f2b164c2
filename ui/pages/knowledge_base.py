"""Knowledge base for trainers: list/filter, edit with versions, diff and rollback, preview, index status.

Thin: all rules (roles, versions, validation, index sync) live in ``knowledge_base``; the service raises
PermissionError for users who are not trainers or admins, this page only hides the buttons.
"""

from __future__ import annotations

import streamlit as st
import yaml

from knowledge_base.models import ArticleIn, SearchFilters
from knowledge_base.service import VersionConflict
from knowledge_base.store import Actor
from ui.common import current_user, has_role, knowledge_base, tr

user = current_user() or {"username": "anonymous", "roles": []}
kb = knowledge_base()
actor = Actor(username=user["username"], roles=list(user.get("roles", [])))
can_edit = has_role("trainer")  # has_role counts admins too
ANY = tr("alle", "any")
st.header(tr("Wissensdatenbank", "Knowledge base"))

status = kb.index_status()
c1, c2, c3, c4 = st.columns(4)
c1.metric(tr("Artikel", "Articles"), status.articles)
c2.metric(tr("Indizierte Abschnitte", "Indexed chunks"), status.chunks_indexed)
c3.metric(tr("Veraltet", "Stale"), len(status.stale_articles))
c4.metric(tr("Letzte Synchronisierung", "Last sync"), (status.last_sync or "–")[:16].replace("T", " "))
if status.stale_articles:
    st.warning(tr("Nicht aktuell im Index: ", "Not up to date in the index: ") + ", ".join(status.stale_articles[:20]))
    if can_edit and st.button(tr("Index synchronisieren", "Sync index"), key="kb_sync"):
        report = kb.sync()
        st.success(tr(f"{report.embedded} Abschnitte neu eingebettet", f"{report.embedded} chunks re-embedded"))
        st.rerun()

tab_list, tab_preview, tab_new = st.tabs([tr("Artikel", "Articles"), tr("Welcher Artikel passt?", "Which article answers?"),
                                          tr("Neuer Artikel", "New article")])
with tab_preview:
    question = st.text_area(tr("Kundennachricht", "Customer message"), key="kb_preview_q")
    pc1, pc2 = st.columns(2)
    p_lang = pc1.selectbox(tr("Sprache der Artikel", "Article language"), ["", "de", "en"], key="kb_preview_lang",
                           format_func=lambda v: v or ANY)
    p_drafts = pc2.checkbox(tr("Entwürfe einbeziehen", "Include drafts"), key="kb_preview_drafts")
    if question.strip():
        hits = kb.search(question, SearchFilters(language=p_lang or None, status="any" if p_drafts else "published"), k=5)
        if not hits:
            st.info(tr("Kein Artikel gefunden.", "No article found."))
        for p in hits:
            st.markdown(f"**{p.score:.3f}** · `{p.article_id}` · {p.title} ({p.language})"
                        + (f" · cos {p.similarity:.2f}" if p.similarity is not None else ""))
            st.caption(p.text[:240])

with tab_list:
    fl1, fl2, fl3, fl4 = st.columns(4)
    q = fl1.text_input(tr("Suche (Titel/ID)", "Search (title/id)"), key="kb_q")
    lang = fl2.selectbox(tr("Sprache", "Language"), ["", "de", "en"], key="kb_lang",
                         format_func=lambda v: v or ANY)
    stat = fl3.selectbox("Status", ["", "published", "draft"], key="kb_status",
                         format_func=lambda v: v or ANY)
    tag = fl4.text_input("Tag", key="kb_tag")
    articles = kb.store.list(language=lang or None, status=stat or None, text=q or None, tag=tag.strip() or None)
    titles = {a.id: a.title for a in articles}
    st.caption(tr(f"{len(articles)} Artikel", f"{len(articles)} articles"))
    chosen = st.selectbox(tr("Artikel", "Article"), list(titles), key="kb_chosen",
                          format_func=lambda i: f"{i} — {titles.get(i, '')}") if titles else None
    article = kb.store.get(chosen) if chosen else None
    flash = st.session_state.pop("kb_flash", None)
    if flash and article and flash[0] == chosen:
        st.success(flash[1])
    if article:
        st.caption(f"v{article.version} · {article.status} · {article.language} · {article.updated_by or ''} · "
                   f"{article.updated_at:%Y-%m-%d %H:%M}")
        meta = article.model_dump(mode="json", exclude={"body", "version", "updated_at", "updated_by"})
        # The version this user is editing: widget keys are per version, and it only moves on when this user
        # saves, rolls back or reloads, so an edit is never silently swapped for another version's form.
        base_key = f"kb_base_{chosen}"
        base = st.session_state.setdefault(base_key, article.version)
        ek = f"{chosen}_{base}"

        def _done(version: int, message: str) -> None:
            """After a save/rollback: edit the new version from now on and show it (rerun) with the message."""
            st.session_state[base_key] = version
            st.session_state["kb_flash"] = (chosen, message)
            st.rerun()

        if can_edit:
            if base != article.version:
                st.warning(tr(f"Der Artikel wurde inzwischen geändert (jetzt v{article.version}, von "
                              f"{article.updated_by or '?'}); Sie bearbeiten v{base}.",
                              f"The article changed meanwhile (now v{article.version}, by "
                              f"{article.updated_by or '?'}); you are editing v{base}."))
                if st.button(tr(f"v{article.version} laden (Ihre Änderungen verwerfen)",
                                f"Load v{article.version} (discard your changes)"), key=f"kb_reload_{chosen}"):
                    _done(article.version, tr(f"v{article.version} geladen", f"v{article.version} loaded"))
            with st.form(f"edit_{chosen}"):
                title = st.text_input(tr("Titel", "Title"), article.title, key=f"kb_edit_title_{ek}")
                body = st.text_area(tr("Text (Markdown)", "Body (Markdown)"), article.body, height=250,
                                    key=f"kb_edit_body_{ek}")
                e1, e2, e3 = st.columns(3)
                status_v = e1.selectbox("Status", ["published", "draft"], key=f"kb_edit_status_{ek}",
                                        index=0 if article.status == "published" else 1)
                tags_v = e2.text_input("Tags", ", ".join(article.tags), key=f"kb_edit_tags_{ek}")
                channels_v = e3.text_input(tr("Kanäle (leer = alle)", "Channels (empty = all)"),
                                           ", ".join(article.channels), key=f"kb_edit_channels_{ek}")
                blocks_yaml = st.text_area(tr("Textbausteine (YAML)", "Reply blocks (YAML)"), key=f"kb_edit_blocks_{ek}",
                                           value=yaml.safe_dump(meta["blocks"], allow_unicode=True, sort_keys=False),
                                           height=200)
                submitted = st.form_submit_button(tr("Speichern (neue Version)", "Save (new version)"))
            if submitted:
                current = kb.store.get(chosen)
                if current is None or current.version != base:
                    st.error(tr(f"Nicht gespeichert: der Artikel ist inzwischen v{current.version if current else '–'}"
                                f" (Sie bearbeiten v{base}). Ihre Änderungen stehen noch im Formular.",
                                f"Not saved: the article is now v{current.version if current else '–'}"
                                f" (you are editing v{base}). Your changes are still in the form."))
                else:
                    try:
                        new = ArticleIn.model_validate({
                            **meta, "title": title, "body": body, "status": status_v,
                            "tags": [t.strip() for t in tags_v.split(",") if t.strip()],
                            "channels": [c.strip() for c in channels_v.split(",") if c.strip()],
                            "blocks": yaml.safe_load(blocks_yaml) or []})
                        saved = kb.save(new, actor)
                    except (ValueError, yaml.YAMLError, PermissionError) as exc:
                        st.error(str(exc))
                    else:
                        if saved.version == base:
                            st.info(tr("Keine Änderungen, nichts gespeichert", "No changes, nothing saved"))
                        else:
                            _done(saved.version, tr(f"Gespeichert als v{saved.version} und neu indiziert",
                                                    f"Saved as v{saved.version} and re-indexed"))
            confirm = st.checkbox(tr("Löschen bestätigen", "Confirm delete"), key=f"del_ok_{chosen}")
            if st.button(tr("Löschen", "Delete"), key=f"del_{chosen}", disabled=not confirm):
                kb.delete(chosen, actor)
                st.session_state.pop("kb_chosen", None)
                st.session_state.pop(base_key, None)
                st.rerun()
        else:
            st.markdown(article.body)
        history = kb.store.history(chosen)
        with st.expander(tr("Versionen", "Versions"), expanded=len(history) > 1):
            for v in history:
                st.write(f"v{v.version} · {v.action} · {v.created_by} · {v.created_at:%Y-%m-%d %H:%M}")
            versions = [v.version for v in history if v.action != "deleted"]
            if len(versions) > 1:
                a_col, b_col = st.columns(2)
                va = a_col.selectbox(tr("von", "from"), versions, index=1, key=f"diff_a_{chosen}")
                vb = b_col.selectbox(tr("bis", "to"), versions, index=0, key=f"diff_b_{chosen}")
                st.code(kb.store.diff(chosen, va, vb) or tr("keine Unterschiede", "no differences"), language="diff")
                if can_edit and st.button(tr(f"Auf v{va} zurücksetzen", f"Roll back to v{va}"), key=f"rb_{chosen}"):
                    try:
                        restored = kb.rollback(chosen, va, actor, expected_version=article.version)
                    except (VersionConflict, LookupError, PermissionError) as exc:
                        st.error(str(exc))
                    else:
                        # the diff selectors index the new history from the top again
                        st.session_state.pop(f"diff_a_{chosen}", None)
                        st.session_state.pop(f"diff_b_{chosen}", None)
                        _done(restored.version, tr(f"v{va} ist jetzt aktuell (als v{restored.version})",
                                                   f"v{va} is current again (as v{restored.version})"))

with tab_new:
    if not can_edit:
        st.info(tr("Nur Trainer und Admins können Artikel anlegen.", "Only trainers and admins can create articles."))
    else:
        with st.form("new_article"):
            aid = st.text_input("ID (slug)", key="kb_new_id")
            title = st.text_input(tr("Titel", "Title"), key="kb_new_title")
            lang_n = st.selectbox(tr("Sprache", "Language"), ["de", "en"], key="kb_new_lang")
            body = st.text_area(tr("Text (Markdown)", "Body (Markdown)"), key="kb_new_body")
            if st.form_submit_button(tr("Anlegen", "Create")):
                try:
                    if kb.store.get(aid) is not None:
                        raise ValueError(tr(f"Artikel {aid!r} gibt es schon", f"article {aid!r} already exists"))
                    kb.save(ArticleIn(id=aid, title=title, language=lang_n, body=body, status="draft"), actor)
                    st.success(tr("Angelegt (Entwurf)", "Created (draft)"))
                except (ValueError, PermissionError) as exc:
                    st.error(str(exc))
