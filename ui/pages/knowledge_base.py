"""Knowledge base for trainers: list/filter, edit with versions, diff and rollback, preview, index status."""

from __future__ import annotations

import streamlit as st
import yaml

from knowledge_base.models import ArticleIn, SearchFilters
from knowledge_base.store import Actor
from ui.common import current_user, has_role, knowledge_base, tr

user = current_user()
kb = knowledge_base()
actor = Actor(username=user["username"], roles=user["roles"])
can_edit = has_role("trainer")
st.header(tr("Wissensdatenbank", "Knowledge base"))

status = kb.index_status()
c1, c2, c3, c4 = st.columns(4)
c1.metric(tr("Artikel", "Articles"), status.articles)
c2.metric(tr("Indizierte Abschnitte", "Indexed chunks"), status.chunks_indexed)
c3.metric(tr("Veraltet", "Stale"), len(status.stale_articles))
c4.metric(tr("Letzte Synchronisierung", "Last sync"), (status.last_sync or "–")[:16])
if status.stale_articles and can_edit and st.button(tr("Index synchronisieren", "Sync index")):
    kb.sync()
    st.rerun()

tab_list, tab_preview, tab_new = st.tabs([tr("Artikel", "Articles"), tr("Welcher Artikel passt?", "Which article answers?"),
                                          tr("Neuer Artikel", "New article")])
with tab_preview:
    question = st.text_area(tr("Kundennachricht", "Customer message"), key="kb_preview_q")
    if question.strip():
        for p in kb.search(question, SearchFilters(status="any"), k=5):
            st.write(f"**{p.score:.3f}** · `{p.article_id}` · {p.title} ({p.language})"
                     + (f" · cos {p.similarity:.2f}" if p.similarity is not None else ""))
            st.caption(p.text[:200])

with tab_list:
    fl1, fl2, fl3 = st.columns(3)
    q = fl1.text_input(tr("Suche (Titel/ID)", "Search (title/id)"))
    lang = fl2.selectbox(tr("Sprache", "Language"), ["", "de", "en"], key="kb_lang")
    stat = fl3.selectbox("Status", ["", "published", "draft"], key="kb_status")
    articles = kb.store.list(language=lang or None, status=stat or None, text=q or None)
    ids = [a.id for a in articles]
    chosen = st.selectbox(tr("Artikel", "Article"), ids, format_func=lambda i: f"{i} — {kb.get_article(i).title}"
                          if kb.get_article(i) else i) if ids else None
    if chosen:
        article = kb.store.get(chosen)
        st.caption(f"v{article.version} · {article.updated_by or ''} · {article.updated_at}")
        st.markdown(article.body)
        meta = article.model_dump(mode="json", exclude={"body", "version", "updated_at", "updated_by"})
        if can_edit:
            with st.form(f"edit_{chosen}"):
                title = st.text_input(tr("Titel", "Title"), article.title)
                body = st.text_area(tr("Text (Markdown)", "Body (Markdown)"), article.body, height=250)
                status_v = st.selectbox("Status", ["published", "draft"], index=0 if article.status == "published" else 1)
                blocks_yaml = st.text_area(tr("Textbausteine (YAML)", "Reply blocks (YAML)"),
                                           yaml.safe_dump(meta["blocks"], allow_unicode=True, sort_keys=False), height=200)
                if st.form_submit_button(tr("Speichern (neue Version)", "Save (new version)")):
                    try:
                        new = ArticleIn.model_validate({**meta, "title": title, "body": body, "status": status_v,
                                                        "blocks": yaml.safe_load(blocks_yaml) or []})
                        kb.save(new, actor)
                        st.success(tr("Gespeichert und neu indiziert", "Saved and re-indexed"))
                        st.rerun()
                    except Exception as exc:  # noqa: BLE001 - validation and permission messages for the trainer
                        st.error(str(exc))
            if st.button(tr("Löschen", "Delete"), key=f"del_{chosen}"):
                kb.delete(chosen, actor)
                st.rerun()
        history = kb.store.history(chosen)
        with st.expander(tr("Versionen", "Versions")):
            for v in history:
                st.write(f"v{v.version} · {v.action} · {v.created_by} · {v.created_at:%Y-%m-%d %H:%M}")
            if len(history) > 1:
                versions = [v.version for v in history if v.action != "deleted"]
                a_col, b_col = st.columns(2)
                va = a_col.selectbox(tr("von", "from"), versions, index=min(1, len(versions) - 1), key="diff_a")
                vb = b_col.selectbox(tr("bis", "to"), versions, index=0, key="diff_b")
                st.code(kb.store.diff(chosen, va, vb) or tr("keine Unterschiede", "no differences"), language="diff")
                if can_edit and st.button(tr(f"Auf v{va} zurücksetzen", f"Roll back to v{va}")):
                    kb.rollback(chosen, va, actor)
                    st.rerun()

with tab_new:
    if not can_edit:
        st.info(tr("Nur Trainer können Artikel anlegen.", "Only trainers can create articles."))
    else:
        with st.form("new_article"):
            aid = st.text_input("ID (slug)")
            title = st.text_input(tr("Titel", "Title"))
            lang_n = st.selectbox(tr("Sprache", "Language"), ["de", "en"], key="new_lang")
            body = st.text_area(tr("Text (Markdown)", "Body (Markdown)"))
            if st.form_submit_button(tr("Anlegen", "Create")):
                try:
                    kb.save(ArticleIn(id=aid, title=title, language=lang_n, body=body, status="draft"), actor)
                    st.success(tr("Angelegt (Entwurf)", "Created (draft)"))
                except Exception as exc:  # noqa: BLE001
                    st.error(str(exc))
