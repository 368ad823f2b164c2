"""KB as code: import/export of Markdown-with-front-matter folders, CSV and JSON; import of the knowledge bases
teams already have, as articles without reply building blocks (the composer drafts from the body):

* plain Markdown exports (no front matter: ``# Title`` first) and HTML exports (``.html``/``.htm``: the text with
  headings kept as ``##``, lists, tables and link targets), one file or a folder of them;
* a CSV of FAQs: ``question,answer[,language,tags]``;
* a Zendesk Help Center articles export (JSON: ``{"articles": [{"id", "title", "body" (HTML), "locale",
  "label_names", "draft", ...}]}``, as ``GET /api/v2/help_center/articles`` returns it; pages may be a list).

Import validates everything first and reports every problem with file, line/row/record and field; only a clean
set is written (all-or-nothing, see :meth:`KnowledgeStore.save_many`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from guardrails.models import LANGUAGES
from knowledge_base.models import Article, ArticleIn

CSV_FIELDS = ["id", "title", "language", "tags", "channels", "status", "owner", "followup_days", "body", "blocks",
              "questions"]
MAX_FILE_BYTES = 2_000_000


class ImportProblem(Exception):
    """One or more problems in import files; ``problems`` are 'file:line: field: message' strings."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"import rejected, nothing was changed ({len(problems)} problem(s)):\n  {shown}{more}")


def _field_line(lines: list[str], field: str, default: int) -> int:
    for i, line in enumerate(lines, start=1):
        if line.lstrip().startswith(f"{field}:"):
            return i
    return default


def _problems(err: ValidationError, where: str, line_of) -> list[str]:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(article)"
        top = str(e["loc"][0]) if e["loc"] else ""
        out.append(f"{where}:{line_of(top)}: field '{loc}': {e['msg']}")
    return out


def _read_text(path: Path) -> str:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise ValueError("binary file (NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start}); save the file as UTF-8") from None


def parse_markdown(path: Path) -> tuple[ArticleIn | None, list[str]]:
    """Parse one ``.md`` file with YAML front matter (line numbers count from the file's first line)."""
    try:
        text = _read_text(path)
    except (OSError, ValueError) as exc:
        return None, [f"{path}:1: {exc}"]
    lines = text.splitlines()
    if lines and lines[0].strip() != "---" and _TITLE.match(lines[0].strip()):
        return _plain_article(path, _TITLE.match(lines[0].strip()).group(1), "\n".join(lines[1:]))
    if not lines or lines[0].strip() != "---":
        return None, [f"{path}:1: missing YAML front matter (the file must start with '---'), or a '# Title' "
                      "first line for a plain Markdown export"]
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        return None, [f"{path}:1: front matter is not closed by a '---' line"]
    head, body = "\n".join(lines[1:end]), "\n".join(lines[end + 1:]).strip("\n")
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark else 1
        return None, [f"{path}:{line}: invalid YAML in front matter: {getattr(exc, 'problem', exc)}"]
    if not isinstance(meta, dict):
        return None, [f"{path}:2: front matter must be a mapping of fields"]
    meta.setdefault("body", body)
    try:
        return ArticleIn.model_validate(meta), []
    except ValidationError as err:
        return None, _problems(err, str(path), lambda f: _field_line(lines[1:end], f, 0) + 1)


# ---- exports as teams have them: no building blocks, the body is what the composer drafts from ---------------
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


def _split(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split("|") if v.strip()]


def parse_csv(path: Path) -> tuple[list[ArticleIn], list[str]]:
    try:
        text = _read_text(path)
    except (OSError, ValueError) as exc:
        return [], [f"{path}:1: {exc}"]
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        return [], [f"{path}:1: not valid CSV: {exc}"]
    if _is_faq_header(fieldnames):
        return _parse_faq_rows(path, reader)
    missing = [f for f in ("id", "title", "language") if f not in (fieldnames or [])]
    if missing:
        return [], [f"{path}:1: missing column(s) {', '.join(missing)} (expected {', '.join(CSV_FIELDS)}, or question,answer[,language,tags] for FAQs)"]
    articles, problems = [], []
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        return [], [f"{path}:{reader.line_num}: not valid CSV: {exc}"]
    for line, row in rows:
        data: dict[str, Any] = {k: v for k, v in row.items() if k in CSV_FIELDS and v not in (None, "")}
        if None in row:
            problems.append(f"{path}:{line}: row has more values than the header has columns")
            continue
        data["tags"] = _split(row.get("tags"))
        data["channels"] = _split(row.get("channels"))
        data["questions"] = _split(row.get("questions"))
        if row.get("blocks"):
            try:
                data["blocks"] = json.loads(row["blocks"])
            except (json.JSONDecodeError, RecursionError) as exc:
                problems.append(f"{path}:{line}: field 'blocks': not a JSON array ({getattr(exc, 'msg', 'nested too deeply')})")
                continue
        try:
            articles.append(ArticleIn.model_validate(data))
        except ValidationError as err:
            problems.extend(_problems(err, str(path), lambda _f, n=line: n))
    return articles, problems


def parse_json(path: Path) -> tuple[list[ArticleIn], list[str]]:
    try:
        data = json.loads(_read_text(path))
    except (OSError, ValueError, RecursionError) as exc:
        where = f"{path}:{getattr(exc, 'lineno', 1)}"
        return [], [f"{where}: invalid JSON: {getattr(exc, 'msg', None) or 'nested too deeply' if isinstance(exc, RecursionError) else getattr(exc, 'msg', exc)}"]
    if isinstance(data, list) and data and all(isinstance(p, dict) and isinstance(p.get("articles"), list)
                                               for p in data):
        pages = data  # several pages of a Zendesk export, saved as one list
        data = [a for p in pages for a in p["articles"]]
    if isinstance(data, dict):
        data = data.get("articles", [data])
    if not isinstance(data, list):
        return [], [f"{path}:1: expected a list of articles"]
    if _is_zendesk(data):
        articles, problems, _ = parse_zendesk(path, data)
        if not articles and not problems:
            problems = [f"{path}: articles: no German or English article (locale de or en-*)"]
        return articles, problems
    articles, problems = [], []
    for i, item in enumerate(data):
        try:
            articles.append(ArticleIn.model_validate(item))
        except ValidationError as err:
            problems.extend(_problems(err, f"{path}[{i}]", lambda _f: 1))
    return articles, problems


def load_path(path: Path) -> list[ArticleIn]:
    """Read a folder of ``.md`` files, a ``.csv`` or a ``.json``; raise :class:`ImportProblem` on any problem."""
    path = Path(path)
    if not path.exists():
        raise ImportProblem([f"{path}: no such file or folder"])
    problems: list[str] = []
    articles: list[ArticleIn] = []
    if path.is_dir():
        files = sorted((f for f in path.rglob("*") if f.suffix.lower() in (".md", ".html", ".htm") and f.is_file()),
                       key=lambda p: (p.stem, p.suffix))
        if not files:
            raise ImportProblem([f"{path}: no .md or .html files found"])
        for f in files:
            article, errs = parse_html(f) if f.suffix.lower() in (".html", ".htm") else parse_markdown(f)
            problems.extend(errs)
            if article:
                if article.id not in (f.stem, slugify(f.stem)):
                    problems.append(f"{f}:{2}: field 'id': {article.id!r} does not match the file name {f.stem!r}")
                articles.append(article)
    elif path.suffix.lower() == ".md":
        article, problems = parse_markdown(path)
        articles = [article] if article else []
    elif path.suffix.lower() in (".html", ".htm"):
        article, problems = parse_html(path)
        articles = [article] if article else []
    elif path.suffix.lower() == ".csv":
        articles, problems = parse_csv(path)
    elif path.suffix.lower() == ".json":
        articles, problems = parse_json(path)
    else:
        raise ImportProblem([f"{path}: unknown format (use a folder of .md/.html files, .md, .html, .csv or .json)"])
    seen: dict[str, int] = {}
    for a in articles:
        seen[a.id] = seen.get(a.id, 0) + 1
    problems.extend(f"{path}: field 'id': duplicate article id {i!r}" for i, n in seen.items() if n > 1)
    if problems:
        raise ImportProblem(problems)
    return articles


def to_markdown(article: Article | ArticleIn) -> str:
    meta = article.model_dump(mode="json", exclude={"body", "version", "updated_at", "updated_by"})
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{head}---\n{article.body}\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (OWASP "CSV injection"): text starting with = + - @, tab or
    carriage return gets a leading single quote. Export only: the CSV is for people opening it in a spreadsheet."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export(articles: list[Article], path: Path, fmt: str = "md") -> int:
    path = Path(path)
    if fmt == "md":
        path.mkdir(parents=True, exist_ok=True)
        for a in articles:
            (path / f"{a.id}.md").write_text(to_markdown(a), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps([a.model_dump(mode="json", exclude={"version", "updated_at", "updated_by"})
                                    for a in articles], ensure_ascii=False, indent=2), encoding="utf-8")
    elif fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
            w.writeheader()
            for a in articles:
                d = a.model_dump(mode="json")
                row = {**{k: d.get(k) for k in CSV_FIELDS}, "tags": "|".join(a.tags),
                       "channels": "|".join(a.channels), "questions": "|".join(a.questions),
                       "blocks": json.dumps(d["blocks"], ensure_ascii=False)}
                w.writerow({k: _csv_cell(v) for k, v in row.items()})
    else:
        raise ValueError(f"unknown export format {fmt!r}: use md, csv or json")
    return len(articles)
