"""Calibrate the ``no-bare-sorry`` rule on labelled replies: precision, recall, F1 and a confusion table.

Reads the labelled format of ``shared/datasets/twcs/replies-labelled-dev.jsonl`` as is:
``{"id", "text", "label": none|bare|thin|ok, "lang"}`` (optional ``channel``, ``visibility``).
Expected: bare → block, thin → warn, ok/none → no finding of the rule.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from guardrails.models import ChannelName, CheckContext, Language

Label = Literal["none", "bare", "thin", "ok"]
LABELS: tuple[str, ...] = ("none", "bare", "thin", "ok")
EXPECTED = {"bare": "block", "thin": "warn", "ok": "pass", "none": "pass"}


class LabelledReply(BaseModel):
    id: str
    text: str = Field(min_length=1)
    label: Label
    lang: Language = "en"
    channel: ChannelName = "twitter"
    visibility: Literal["public", "private"] = "public"


class LabelledFileError(ValueError):
    pass


class Metrics(BaseModel):
    precision: float
    recall: float
    f1: float
    support: int


class Misclassified(BaseModel):
    id: str
    text: str
    label: str
    predicted: str


class CalibrationReport(BaseModel):
    file: str
    rows: int
    rule: str = "no-bare-sorry"
    per_severity: dict[str, Metrics]  # block (bare), warn (thin)
    confusion: dict[str, dict[str, int]]  # gold label -> predicted verdict -> count
    ok_blocked_rate: float
    baseline: dict[str, float] = Field(default_factory=dict)  # naive: block any apology word
    misclassified: list[Misclassified] = Field(default_factory=list)


def read_labelled(path: Path) -> list[LabelledReply]:
    rows, problems = [], []
    with Path(path).open(encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                problems.append(f"{path}:{n}: invalid JSON: {getattr(exc, 'msg', 'nested too deeply')}")
                continue
            try:
                rows.append(LabelledReply.model_validate(data))
            except ValidationError as err:
                for e in err.errors():
                    problems.append(f"{path}:{n}: field '{'.'.join(map(str, e['loc']))}': {e['msg']}")
    if problems:
        raise LabelledFileError("labelled file rejected:\n  " + "\n  ".join(problems[:20]))
    return rows


def _metrics(pairs: list[tuple[bool, bool]]) -> Metrics:
    tp = sum(1 for g, p in pairs if g and p)
    fp = sum(1 for g, p in pairs if not g and p)
    fn = sum(1 for g, p in pairs if g and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Metrics(precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4), support=tp + fn)


def calibrate_file(path: Path, engine=None) -> CalibrationReport:
    from guardrails.checks.no_bare_sorry import NoBareSorry
    from guardrails.policy import load_policy

    rows = read_labelled(path)
    policy = engine.policy if engine is not None else load_policy()
    rule = NoBareSorry(policy)
    apology = policy.lex("en")
    confusion: dict[str, Counter] = {g: Counter() for g in LABELS}
    predicted: list[str] = []
    wrong: list[Misclassified] = []
    for row in rows:
        ctx = CheckContext(channel=row.channel, visibility=row.visibility, language=row.lang)
        findings = rule(row.text, ctx)
        verdict = "block" if any(f.severity == "block" for f in findings) else (
            "warn" if findings else "pass")
        predicted.append(verdict)
        confusion[row.label][verdict] += 1
        if verdict != EXPECTED[row.label]:
            wrong.append(Misclassified(id=row.id, text=row.text, label=row.label, predicted=verdict))
    block = _metrics([(r.label == "bare", p == "block") for r, p in zip(rows, predicted, strict=True)])
    warn = _metrics([(r.label == "thin", p == "warn") for r, p in zip(rows, predicted, strict=True)])
    ok_rows = [p for r, p in zip(rows, predicted, strict=True) if r.label == "ok"]
    ok_blocked = sum(1 for p in ok_rows if p == "block") / len(ok_rows) if ok_rows else 0.0
    # naive baseline, measured in the same run: block every reply with an apology word
    naive = [(r.label == "bare", bool(policy.lex(r.lang).has("apology", r.text) or apology.has("apology", r.text)))
             for r in rows]
    base = _metrics(naive)
    naive_ok = [p for (g, p), r in zip(naive, rows, strict=True) if r.label == "ok"]
    return CalibrationReport(
        file=str(path), rows=len(rows), per_severity={"block": block, "warn": warn},
        confusion={g: {p: confusion[g][p] for p in ("block", "warn", "pass")} for g in LABELS},
        ok_blocked_rate=round(ok_blocked, 4),
        baseline={"block_precision": base.precision, "block_recall": base.recall, "block_f1": base.f1,
                  "ok_blocked_rate": round(sum(naive_ok) / len(naive_ok), 4) if naive_ok else 0.0},
        misclassified=wrong,
    )
