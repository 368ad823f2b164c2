"""Load and validate evaluation data sets (JSONL or YAML); errors name file, line and field."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml
from pydantic import ValidationError

from evals.models import EvalCase

SCHEMA_PATH = Path(__file__).parent / "schema" / "eval-case.schema.json"


class DatasetError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("data set rejected:\n  " + "\n  ".join(problems[:20])
                         + (f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""))


def dataset_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def load_cases(path: Path) -> list[EvalCase]:
    path = Path(path)
    if not path.exists():
        raise DatasetError([f"{path}: no such file"])
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError([f"{path}:1: not UTF-8 (byte {exc.start})"]) from None
    items: list[tuple[str, object]] = []
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise DatasetError([f"{path}:{mark.line + 1 if mark else 1}: invalid YAML"]) from None
        if not isinstance(data, list):
            raise DatasetError([f"{path}:1: expected a list of cases"])
        items = [(f"{path}[{i}]", x) for i, x in enumerate(data)]
    else:
        for n, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((f"{path}:{n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise DatasetError([f"{path}:{n}: invalid JSON: {exc.msg}"]) from None
            except RecursionError:
                raise DatasetError([f"{path}:{n}: JSON nested too deeply"]) from None
    cases, problems, seen = [], [], set()
    for where, item in items:
        try:
            case = EvalCase.model_validate(item)
        except ValidationError as err:
            problems += [f"{where}: field '{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in err.errors()]
            continue
        if case.id in seen:
            problems.append(f"{where}: field 'id': duplicate case id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if problems:
        raise DatasetError(problems)
    if not cases:
        raise DatasetError([f"{path}: no cases"])
    return cases


def json_schema() -> dict:
    schema = EvalCase.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "replydesk evaluation case"
    return schema


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
