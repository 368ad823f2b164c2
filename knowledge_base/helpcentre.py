"""Importing the knowledge bases teams already have, as articles without reply building blocks: plain Markdown and
HTML exports, a CSV of FAQs (``question,answer[,language,tags]``) and a Zendesk Help Center articles export."""

from __future__ import annotations

import csv
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from guardrails.models import LANGUAGES
from knowledge_base.import_common import _problems, _read_text
from knowledge_base.models import ArticleIn

_TITLE = re.compile(r"^#\s+(.+)$")
_DE_WORDS = frozenset(["der", "die", "das", "und", "ist", "nicht", "sie", "ich", "wir", "mit", "für", "ein", "eine", "zu", "auf", "den", "dem", "des", "im", "bei", "oder", "wenn", "ihr", "ihre", "ihnen", "dein", "deine", "du", "kann", "können", "wird", "werden", "sich", "auch", "nach", "über", "bitte"])
_EN_WORDS = frozenset(["the", "and", "is", "are", "not", "you", "your", "we", "our", "with", "for", "a", "an", "to", "of", "in", "on", "at", "or", "if", "can", "will", "be", "this", "that", "it", "by", "from", "please", "how", "what", "when"])


def slugify(text: str, fallback: str = "article") -> str:
    """An article id from a title or file name: lower-case ASCII words joined by '-' (umlauts folded)."""
    text = text.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80].strip("-")
    return slug if len(slug) >= 2 else fallback


def guess_language(text: str) -> str | None:
    """'de' or 'en' from common function words (and umlauts); None when the text does not say."""
    words = re.findall(r"[a-zäöüß]+", text.lower())
    de = sum(w in _DE_WORDS for w in words) + 2 * len(re.findall(r"[äöüß]", text.lower()))
    en = sum(w in _EN_WORDS for w in words)
    if de >= 2 and de > 1.5 * en:
        return "de"
    if en >= 2 and en > 1.5 * de:
        return "en"
    return None


class _HtmlText(HTMLParser):
    """HTML to text: headings become Markdown headings, list items '- ', table cells ' | ', links keep their
    target; scripts, styles and comments are dropped; entities are decoded."""

    BLOCK = {"p", "div", "section", "article", "ul", "ol", "table", "tr", "blockquote", "pre", "header", "footer",
             "dl", "dt", "dd", "figure", "main", "aside", "nav", "details", "summary"}
    SKIP = {"script", "style", "template", "noscript", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.title: str | None = None
        self._skip = 0
        self._href: list[str | None] = []
        self._heading: list[str] | None = None
        self._in_title = False

    def _emit(self, text: str) -> None:
        (self._heading if self._heading is not None else self.out).append(text)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n")
            self._heading = []
        elif tag == "br":
            self._emit("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("td", "th"):
            self._emit(" | ")
        elif tag in self.BLOCK:
            self.out.append("\n\n")
        if tag == "a":
            self._href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            text = " ".join("".join(self._heading).split())
            self._heading = None
            if text:
                if tag == "h1" and self.title is None:
                    self.title = text
                else:
                    self.out.append("#" * max(2, int(tag[1])) + " " + text + "\n")
        elif tag in self.BLOCK:
            self.out.append("\n\n")
        elif tag == "a" and self._href:
            href = self._href.pop()
            if href and re.match(r"https?://", href) and href not in "".join(self.out[-3:]):
                self._emit(f" ({href})")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title = self.title or " ".join(data.split()) or None
            return
        self._emit(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        raw = "".join(self.out)
        lines = [" ".join(line.split()) for line in raw.splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(markup: str) -> tuple[str | None, str]:
    """(title from <h1> or <title>, body text with headings kept as '## ')."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return parser.title, parser.text()


def _plain_article(path: Path, title: str, body: str, language: str | None = None,
                   **extra: Any) -> tuple[ArticleIn | None, list[str]]:
    """An article from an export file: id from the file name, no building blocks, published."""
    language = language or guess_language(f"{title}\n{body}")
    if language is None:
        return None, [f"{path}:1: field 'language': cannot tell German from English; add YAML front matter "
                      "with 'language: de' or 'language: en'"]
    data = {"id": slugify(path.stem), "title": title.strip()[:300], "body": body.strip(), "language": language,
            "status": "published", **extra}
    try:
        return ArticleIn.model_validate(data), []
    except ValidationError as err:
        return None, _problems(err, str(path), lambda _f: 1)


def parse_html(path: Path) -> tuple[ArticleIn | None, list[str]]:
    """One exported HTML page: title from <h1> (else <title>, else the file name), body as text."""
    try:
        markup = _read_text(path)
    except (OSError, ValueError) as exc:
        return None, [f"{path}:1: {exc}"]
    title, body = html_to_text(markup)
    lang = re.search(r"<html[^>]*\blang=[\"']?([a-zA-Z]{2})", markup)
    language = lang.group(1).lower() if lang and lang.group(1).lower() in LANGUAGES else None
    if not body:
        return None, [f"{path}:1: field 'body': the page has no text"]
    return _plain_article(path, title or path.stem.replace("-", " ").replace("_", " "), body, language)


def _is_faq_header(fieldnames: list[str] | None) -> bool:
    names = {f.strip().lower() for f in fieldnames or []}
    return {"question", "answer"} <= names and "id" not in names


def _parse_faq_rows(path: Path, reader: csv.DictReader) -> tuple[list[ArticleIn], list[str]]:
    """A CSV of FAQs: question,answer[,language,tags]; one article per row (id from the question)."""
    articles: list[ArticleIn] = []
    problems: list[str] = []
    ids: dict[str, int] = {}
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        return [], [f"{path}:{reader.line_num}: not valid CSV: {exc}"]
    for line, raw in rows:
        if None in raw:
            problems.append(f"{path}:{line}: row has more values than the header has columns")
            continue
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        question, answer = row.get("question", ""), row.get("answer", "")
        if not any(row.values()):
            continue  # an empty line
        if not question:
            problems.append(f"{path}:{line}: field 'question': empty")
            continue
        if not answer:
            problems.append(f"{path}:{line}: field 'answer': empty")
            continue
        language = row.get("language", "").lower() or guess_language(f"{question}\n{answer}")
        if language not in LANGUAGES:
            problems.append(f"{path}:{line}: field 'language': " + (
                f"{language!r} is not supported ({' or '.join(LANGUAGES)})" if language else
                f"cannot tell German from English; add a language column ({' or '.join(LANGUAGES)})"))
            continue
        base = slugify(question, fallback=f"faq-{line}")[:70].strip("-")
        ids[base] = ids.get(base, 0) + 1
        art_id = base if ids[base] == 1 else f"{base}-{ids[base]}"
        tags = [slugify(t, t) for t in re.split(r"[|,;]", row.get("tags", "")) if t.strip()]
        try:
            articles.append(ArticleIn.model_validate({
                "id": art_id, "title": question[:300], "body": answer, "language": language, "tags": tags,
                "questions": [question], "status": "published"}))
        except ValidationError as err:
            problems.extend(_problems(err, str(path), lambda _f, n=line: n))
    if not articles and not problems:
        problems.append(f"{path}:2: no FAQ rows (expected question,answer[,language,tags])")
    return articles, problems


def _is_zendesk(items: list[Any]) -> bool:
    return any(isinstance(i, dict) and "locale" in i and "body" in i and "language" not in i for i in items)


def _zendesk_language(locale: str) -> str | None:
    head = locale.lower().replace("_", "-").split("-")[0]
    return head if head in LANGUAGES else None


def parse_zendesk(path: Path, items: list[Any], where: str = "articles") -> tuple[list[ArticleIn], list[str], int]:
    """Zendesk Help Center articles: HTML body to text, ``label_names`` as tags, ``draft`` as status; id
    ``zd-<id>`` (stable across re-imports). Articles in other locales than German/English are skipped (counted)."""
    articles: list[ArticleIn] = []
    problems: list[str] = []
    skipped = 0
    for i, item in enumerate(items):
        rec = f"{path}: {where}[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{rec}: expected an article object")
            continue
        rec += f" (id {item.get('id')!r})"
        zid, title, body, locale = item.get("id"), item.get("title") or item.get("name"), item.get("body"), \
            item.get("locale")
        bad = []
        if not isinstance(zid, int | str) or isinstance(zid, bool) or not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", str(zid)):
            bad.append("field 'id': expected the Zendesk article id (a number)")
        if not isinstance(title, str) or not title.strip():
            bad.append("field 'title': missing or empty")
        if body is not None and not isinstance(body, str):
            bad.append("field 'body': expected HTML text")
        if not isinstance(locale, str) or not locale.strip():
            bad.append("field 'locale': missing (e.g. 'de' or 'en-us')")
        labels = item.get("label_names") or []
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            bad.append("field 'label_names': expected a list of strings")
        if "draft" in item and not isinstance(item["draft"], bool):
            bad.append("field 'draft': expected true or false")
        if bad:
            problems.extend(f"{rec}: {b}" for b in bad)
            continue
        language = _zendesk_language(locale)
        if language is None:
            skipped += 1
            continue
        _, text = html_to_text(body or "")
        if not text:
            problems.append(f"{rec}: field 'body': the article has no text")
            continue
        try:
            articles.append(ArticleIn.model_validate({
                "id": f"zd-{str(zid).lower()}", "title": title.strip()[:300], "body": text, "language": language,
                "tags": [slugify(x, x) for x in labels if x.strip()],
                "status": "draft" if item.get("draft") else "published"}))
        except ValidationError as err:
            problems.extend(f"{rec}: field '{'.'.join(str(p) for p in e['loc'])}': {e['msg']}" for e in err.errors())
    return articles, problems, skipped
