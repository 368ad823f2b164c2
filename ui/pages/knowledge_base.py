"""Knowledge base for trainers: list/filter, edit with versions, diff and rollback, preview, index status.

Thin: all rules (roles, versions, validation, index sync) live in ``knowledge_base``; the service raises
PermissionError for users who are not trainers or admins, this page only hides the buttons.
"""

from __future__ import annotations

import streamlit as st

from knowledge_base import blocks as block_service
from knowledge_base import mining
from knowledge_base.models import ArticleIn, SearchFilters
from knowledge_base.service import VersionConflict
from knowledge_base.store import Actor
from ui.common import current_user, database, esc, has_role, knowledge_base, tr, ui_lang

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



def block_editor(article, base: int, ek: str, done) -> None:
    """The article's building blocks: a list, and a form to add or edit one (validated, previewed)."""
    from ui.common import pipeline

    lang = ui_lang()
    channels = block_service.known_channels()
    st.subheader(tr("Bausteine", "Building blocks"))
    for b in article.blocks:
        label = block_service.KIND_LABELS.get(b.kind, (b.kind, b.kind))[0 if lang == "de" else 1]
        where = ", ".join(b.channels) or tr("alle Kanäle", "all channels")
        st.markdown(f"**{esc(b.id)}** · {esc(label)} · {b.language}" + (f" · {b.address_form}" if b.address_form else "")
                    + f" · {esc(where)}  \n{esc(b.text)}")
    ids = [b.id for b in article.blocks]
    new_label, either = tr("➕ neuer Baustein", "➕ new block"), tr("beide", "either")
    editing = st.selectbox(tr("Baustein", "Block"), ["", *ids], key=f"kb_blk_sel_{ek}",
                           format_func=lambda v: v or new_label)
    current = next((b for b in article.blocks if b.id == editing), None)
    initial = block_service.BlockForm.of(current) if current else block_service.BlockForm(language=article.language)
    fk = f"{ek}_{editing or 'new'}"
    with st.form(f"kb_blk_form_{fk}"):
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox(tr("Art", "Kind"), block_service.KINDS, key=f"kb_blk_kind_{fk}",
                            index=block_service.KINDS.index(initial.kind) if initial.kind in block_service.KINDS else 1,
                            format_func=lambda k: block_service.KIND_LABELS[k][0 if lang == "de" else 1])
        langs = ["de", "en"]
        language = c2.selectbox(tr("Sprache", "Language"), langs, key=f"kb_blk_lang_{fk}",
                                index=langs.index(initial.language) if initial.language in langs else 0)
        forms = ["", "du", "Sie"]
        form_of_address = c3.selectbox(tr("Anrede (nur Deutsch)", "Form of address (German only)"), forms,
                                       key=f"kb_blk_form_{fk}", index=forms.index(initial.address_form or ""),
                                       format_func=lambda v: v or either)
        c4, c5 = st.columns([3, 1])
        chans = c4.multiselect(tr("Kanäle (leer = alle)", "Channels (empty = all)"), channels,
                               default=[c for c in initial.channels if c in channels], key=f"kb_blk_channels_{fk}")
        length = c5.selectbox(tr("Länge", "Length"), block_service.LENGTHS, key=f"kb_blk_length_{fk}",
                              index=block_service.LENGTHS.index(initial.length))
        text = st.text_area(tr("Text ({first_name} usw. werden aus dem Kundenkonto gefüllt)",
                               "Text ({first_name} etc. are filled from the customer record)"),
                            initial.text, key=f"kb_blk_text_{fk}", height=90)
        sample = st.text_input(tr("Beispielnachricht für die Vorschau", "Sample message for the preview"),
                               block_service.sample_message(article), key=f"kb_blk_sample_{fk}")
        p_col, s_col = st.columns(2)
        want_preview = p_col.form_submit_button(tr("Vorschau", "Preview"))
        want_save = s_col.form_submit_button(tr("Baustein speichern (neue Version)", "Save block (new version)"),
                                             type="primary")
    form = block_service.BlockForm(id=editing or "", kind=kind, language=language,
                                   address_form=form_of_address or None, channels=chans, length=length, text=text)
    if want_preview or want_save:
        errors = block_service.validate_block(form, article, channels, editing or None)
        for e in errors:
            st.error(e.message(lang))
        if not errors and want_preview:
            with st.spinner(tr("Entwurf wird erstellt …", "Drafting …")):
                p = block_service.preview_block(pipeline(), article, form, sample or article.title,
                                                editing=editing or None, channels=channels)
            st.caption(tr("Entwurf mit diesem Baustein (nicht gespeichert):",
                          "Draft with this block (not saved):"))
            st.code(p.draft, language=None)
            if p.used:
                st.success(tr("Der Baustein wird in diesem Entwurf verwendet.", "The block is used in this draft."))
            else:
                st.warning(tr(f"Der Baustein wird für diese Nachricht nicht verwendet (Artikel: {p.article_id or '–'}"
                              f"; Bausteine: {', '.join(p.blocks) or '–'}).",
                              f"The block is not used for this message (article: {p.article_id or '–'}; blocks: "
                              f"{', '.join(p.blocks) or '–'})."))
            if p.needs_record:
                st.info(tr("Braucht Daten aus dem Kundenkonto: ", "Needs data from the customer record: ")
                        + ", ".join("{" + n + "}" for n in p.needs_record))
        if not errors and want_save:
            try:
                saved = block_service.save_block(kb, article.id, form, actor, editing=editing or None,
                                                 expected_version=base, channels=channels)
            except (VersionConflict, PermissionError, ValueError) as exc:
                st.error(str(exc))
            else:
                done(saved.version, tr(f"Baustein gespeichert als v{saved.version}",
                                       f"Block saved as v{saved.version}"))
    if current is not None and st.button(tr(f"Baustein {current.id} löschen", f"Delete block {current.id}"),
                                         key=f"kb_blk_del_{fk}"):
        try:
            saved = block_service.delete_block(kb, article.id, current.id, actor, expected_version=base)
        except (VersionConflict, PermissionError) as exc:
            st.error(str(exc))
        else:
            done(saved.version, tr(f"Baustein gelöscht (v{saved.version})", f"Block deleted (v{saved.version})"))


tab_list, tab_suggest, tab_preview, tab_new = st.tabs([
    tr("Artikel", "Articles"), tr("Vorgeschlagene Bausteine", "Suggested blocks"),
    tr("Welcher Artikel passt?", "Which article answers?"), tr("Neuer Artikel", "New article")])

with tab_suggest:
    st.subheader(tr("Vorgeschlagene Bausteine", "Suggested blocks"))
    st.caption(tr("Sätze, die Agenten in mehreren freigegebenen Antworten zum selben Artikel geschrieben (oder beim "
                  "Bearbeiten ergänzt) haben — ohne Namen, Kontaktdaten und Referenznummern. Übernehmen fügt den "
                  "Baustein dem Artikel als neue Version hinzu.",
                  "Sentences agents wrote (or added by editing) in several approved replies on the same article — "
                  "without names, contact data or reference numbers. Accepting adds the block to the article as a "
                  "new version."))
    if can_edit and st.button(tr("Freigegebene Antworten auswerten", "Mine approved replies"), key="kb_mine"):
        mined = mining.suggest_blocks(database(), kb)
        st.session_state["kb_suggest_flash"] = tr(f"{len(mined)} Vorschläge offen", f"{len(mined)} suggestions open")
    if note := st.session_state.pop("kb_suggest_flash", None):
        st.success(note)
    suggestions = mining.list_suggestions(database())
    if not suggestions:
        st.info(tr("Keine offenen Vorschläge.", "No open suggestions."))
    for sug in suggestions:
        with st.container(border=True):
            st.markdown(f"**{esc(sug.text)}**")
            st.caption(esc(f"{sug.article_id} · {sug.language}" + (f" · {sug.address_form}" if sug.address_form else "")
                           + (f" · {sug.channel}" if sug.channel else "") + " · ")
                       + tr(f"in {sug.support} Antworten ({sug.edited} von Agenten geschrieben)",
                            f"in {sug.support} replies ({sug.edited} written by agents)"))
            if len(sug.variants) > 1:
                st.caption(tr("Varianten: ", "Variants: ") + esc(" | ".join(sug.variants[:5])))
            if can_edit:
                b1, b2 = st.columns(2)
                if b1.button(tr("Übernehmen", "Accept"), key=f"kb_sug_accept_{sug.id}", type="primary"):
                    try:
                        done = mining.accept_suggestion(database(), kb, sug.id, actor)
                    except (mining.SuggestionError, PermissionError, ValueError) as exc:
                        st.error(str(exc))
                    else:
                        st.session_state["kb_suggest_flash"] = tr(
                            f"Baustein {done.block_id} zu {done.article_id} hinzugefügt (v{done.article_version})",
                            f"Block {done.block_id} added to {done.article_id} (v{done.article_version})")
                        st.rerun()
                if b2.button(tr("Verwerfen", "Dismiss"), key=f"kb_sug_dismiss_{sug.id}"):
                    try:
                        mining.dismiss_suggestion(database(), sug.id, actor)
                    except (mining.SuggestionError, PermissionError) as exc:
                        st.error(str(exc))
                    else:
                        st.rerun()
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
            st.info(tr(*block_service.DRAFTS_NOTE))
            answers = [b for b in article.blocks if b.kind == "answer"]
            st.caption(tr(f"Dieser Artikel hat {len(answers)} Antwort-Bausteine: Änderungen am Text ändern die Suche, "
                          "nicht was Entwürfe sagen." if answers else
                          "Dieser Artikel hat keine Antwort-Bausteine: Entwürfe nehmen passende Sätze aus dem Text.",
                          f"This article has {len(answers)} answer blocks: editing the body changes search, not what "
                          "drafts say." if answers else
                          "This article has no answer blocks: drafts take fitting sentences from the body."))
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
                            "blocks": meta["blocks"]})
                        saved = kb.save(new, actor)
                    except (ValueError, PermissionError) as exc:
                        st.error(str(exc))
                    else:
                        if saved.version == base:
                            st.info(tr("Keine Änderungen, nichts gespeichert", "No changes, nothing saved"))
                        else:
                            _done(saved.version, tr(f"Gespeichert als v{saved.version} und neu indiziert",
                                                    f"Saved as v{saved.version} and re-indexed"))
            block_editor(article, base, ek, _done)
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
