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
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge_base.helpcentre import (
    _TITLE,
    _is_faq_header,
    _is_zendesk,
    _parse_faq_rows,
    _plain_article,
    html_to_text,  # noqa: F401  (re-exported)
    parse_html,
    parse_zendesk,
    slugify,
)
from knowledge_base.import_common import MAX_FILE_BYTES, ImportProblem, _field_line, _problems, _read_text  # noqa: F401
from knowledge_base.models import Article, ArticleIn

CSV_FIELDS = ["id", "title", "language", "tags", "channels", "status", "owner", "followup_days", "body", "blocks",
              "questions"]


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
