"""Importing a knowledge base as teams have it (issue 13): Markdown/HTML exports, a CSV of FAQs, a Zendesk Help
Center articles export. Each gives articles WITHOUT building blocks; bad input names file, line/record and field
and nothing is written."""

from __future__ import annotations

import json

import pytest

from knowledge_base.io import ImportProblem, html_to_text, load_path
from knowledge_base.store import KnowledgeStore

HTML = """<!doctype html><html lang="de"><head><title>Shop-Hilfe: Rücksendung</title>
<style>body{color:red}</style><script>var x = "<h2>nope</h2>";</script></head><body>
<h1>Rücksendung</h1><p>Du kannst Artikel innerhalb von 30&nbsp;Tagen zurückschicken &amp; bekommst das Geld
zurück.</p><h2>So geht's</h2><ol><li>Retourenschein im <a href="https://shop.example/retoure">Retourenportal</a>
erstellen</li><li>Paket abgeben</li></ol><h3>Fristen</h3><table><tr><th>Ware</th><td>30 Tage</td></tr></table>
</body></html>"""

ZENDESK = {
    "articles": [
        {"id": 360001, "url": "https://acme.zendesk.com/api/v2/help_center/de/articles/360001.json",
         "html_url": "https://acme.zendesk.com/hc/de/articles/360001-Lieferzeit", "title": "Lieferzeit",
         "name": "Lieferzeit", "body": "<p>Bestellungen kommen in <strong>2–3 Werktagen</strong> an.</p>"
         "<h2>Sendungsverfolgung</h2><p>Den Link bekommst du per E-Mail.</p>", "locale": "de",
         "source_locale": "de", "label_names": ["Versand", "lieferung"], "draft": False, "section_id": 7,
         "created_at": "2024-04-17T17:18:10Z", "updated_at": "2024-04-17T17:18:10Z", "outdated": False},
        {"id": 360002, "title": "Returns", "body": "<p>You can return items within 30 days.</p>",
         "locale": "en-us", "label_names": [], "draft": True},
        {"id": 360003, "title": "Retours", "body": "<p>Vous pouvez retourner vos articles.</p>", "locale": "fr",
         "label_names": [], "draft": False},
    ],
    "next_page": None, "count": 3, "page": 1, "page_count": 1, "per_page": 30,
}


def test_html_to_text_keeps_headings_lists_links_and_drops_scripts():
    title, text = html_to_text(HTML)
    assert title == "Rücksendung"
    assert "## So geht's" in text and "### Fristen" in text
    assert "- Retourenschein im Retourenportal (https://shop.example/retoure) erstellen" in text
    assert "30 Tagen zurückschicken & bekommst" in text
    assert "nope" not in text and "color" not in text and "| Ware | 30 Tage" in text


def test_html_and_plain_markdown_exports_import_without_blocks(tmp_path, sqlite_db):
    src = tmp_path / "export"
    src.mkdir()
    (src / "ruecksendung.html").write_text(HTML, encoding="utf-8")
    (src / "Payment Methods.md").write_text("# Payment methods\n\nWe accept cards and PayPal. You can pay by invoice "
                                            "if your order is under 500 EUR.\n\n## Invoice\nPay within 14 days.\n")
    articles = load_path(src)
    by_id = {a.id: a for a in articles}
    assert set(by_id) == {"ruecksendung", "payment-methods"}
    html_article, md_article = by_id["ruecksendung"], by_id["payment-methods"]
    assert (html_article.title, html_article.language, html_article.status) == ("Rücksendung", "de", "published")
    assert "## So geht's" in html_article.body and html_article.blocks == []
    assert (md_article.title, md_article.language) == ("Payment methods", "en")
    assert md_article.body.startswith("We accept cards") and "## Invoice" in md_article.body
    assert md_article.blocks == []
    KnowledgeStore(sqlite_db).save_many(articles)
    assert KnowledgeStore(sqlite_db).count() == 2
    assert load_path(src / "ruecksendung.html")[0].id == "ruecksendung"  # a single file too


def test_bad_html_export_names_the_file_and_writes_nothing(tmp_path, sqlite_db):
    src = tmp_path / "export"
    src.mkdir()
    (src / "good.html").write_text(HTML, encoding="utf-8")
    (src / "empty.html").write_text("<html><body><script>x()</script></body></html>", encoding="utf-8")
    (src / "unclear.md").write_text("# 42\n\n1234 5678\n", encoding="utf-8")
    with pytest.raises(ImportProblem) as info:
        load_path(src)
    msg = str(info.value)
    assert "empty.html:1: field 'body'" in msg and "unclear.md:1: field 'language'" in msg, msg
    assert KnowledgeStore(sqlite_db).count() == 0


def test_faq_csv_imports_one_article_per_question(tmp_path):
    faq = tmp_path / "faq.csv"
    faq.write_text('question,answer,language,tags\n'
                   '"Wie lange dauert die Lieferung?","Bestellungen kommen in 2–3 Werktagen an.",de,versand|lieferung\n'
                   '"How do I return an item?","Returns are free within 30 days, start them in your account.",en,returns\n'
                   '"Wie lange dauert die Lieferung?","Express kommt am nächsten Werktag.",,\n', encoding="utf-8")
    articles = load_path(faq)
    assert [a.id for a in articles] == ["wie-lange-dauert-die-lieferung", "how-do-i-return-an-item",
                                        "wie-lange-dauert-die-lieferung-2"]
    first = articles[0]
    assert (first.title, first.language, first.tags, first.status) == (
        "Wie lange dauert die Lieferung?", "de", ["versand", "lieferung"], "published")
    assert first.questions == ["Wie lange dauert die Lieferung?"] and first.blocks == []
    assert articles[2].language == "de"  # guessed from the words when the column is empty
    two_columns = tmp_path / "faq2.csv"
    two_columns.write_text("question,answer\nWhat does shipping cost?,Shipping is free from 50 EUR.\n")
    assert load_path(two_columns)[0].language == "en"


def test_bad_faq_csv_names_line_and_field(tmp_path):
    faq = tmp_path / "faq.csv"
    faq.write_text("question,answer,language\n"
                   "Wie lange dauert die Lieferung?,Zwei bis drei Werktage.,de\n"
                   ",Antwort ohne Frage,de\n"
                   "Frage ohne Antwort?,,de\n"
                   "Où est mon colis?,Il arrive demain.,fr\n", encoding="utf-8")
    with pytest.raises(ImportProblem) as info:
        load_path(faq)
    msg = str(info.value)
    assert "faq.csv:3: field 'question'" in msg and "faq.csv:4: field 'answer'" in msg, msg
    assert "faq.csv:5: field 'language': 'fr' is not supported" in msg and "nothing was changed" in msg


def test_zendesk_export_imports_html_bodies_labels_and_drafts(tmp_path):
    path = tmp_path / "articles.json"
    path.write_text(json.dumps(ZENDESK), encoding="utf-8")
    articles = load_path(path)
    assert [a.id for a in articles] == ["zd-360001", "zd-360002"]  # French skipped: no de/en to serve it in
    de, en = articles
    assert (de.title, de.language, de.status, de.tags) == ("Lieferzeit", "de", "published", ["versand", "lieferung"])
    assert de.body == "Bestellungen kommen in 2–3 Werktagen an.\n\n## Sendungsverfolgung\n\nDen Link bekommst du per E-Mail."
    assert (en.language, en.status) == ("en", "draft") and en.blocks == [] and de.blocks == []
    # several pages saved as one list
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps([{"articles": ZENDESK["articles"][:1]}, {"articles": ZENDESK["articles"][1:2]}]))
    assert [a.id for a in load_path(pages)] == ["zd-360001", "zd-360002"]


def test_bad_zendesk_export_names_record_and_field_and_writes_nothing(tmp_path, sqlite_db):
    bad = {"articles": [ZENDESK["articles"][0],
                        {"id": 360010, "title": "", "body": "<p>Text</p>", "locale": "de", "label_names": []},
                        {"id": 360011, "title": "Ohne Sprache", "body": "<p>Text</p>", "label_names": "x"},
                        {"id": 360012, "title": "Leer", "body": "<div></div>", "locale": "de", "draft": "no"}]}
    path = tmp_path / "articles.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ImportProblem) as info:
        load_path(path)
    msg = str(info.value)
    assert "articles.json: articles[1] (id 360010): field 'title'" in msg, msg
    assert "articles[2] (id 360011): field 'locale'" in msg and "articles[2] (id 360011): field 'label_names'" in msg
    assert "articles[3] (id 360012): field 'draft'" in msg
    assert KnowledgeStore(sqlite_db).count() == 0


def test_existing_formats_still_import(tmp_path):
    """The KB-as-code formats keep working next to the exports: front matter, CSV with ids, JSON list."""
    (tmp_path / "kb.csv").write_text("id,title,language,body\nok-one,Gut,de,Text\n", encoding="utf-8")
    assert load_path(tmp_path / "kb.csv")[0].id == "ok-one"
    (tmp_path / "kb.json").write_text(json.dumps([{"id": "ok-two", "title": "a", "language": "en"}]))
    assert load_path(tmp_path / "kb.json")[0].id == "ok-two"
    with pytest.raises(ImportProblem, match="missing YAML front matter"):
        (tmp_path / "md").mkdir()
        (tmp_path / "md" / "x-y.md").write_text("no front matter, no title")
        load_path(tmp_path / "md")
