"""Reading stored runs (for the Evaluations page)."""

from __future__ import annotations

from sqlalchemy import select

from evals.models import CaseResult
from evals.orm import EvalCaseResult, EvalRun


def list_runs(db) -> list[dict]:
    with db.session() as s:
        return [{"id": r.id, "created_at": r.created_at, "dataset": r.dataset, "engine": r.engine,
                 "code_version": r.code_version, **{k: v for k, v in (r.summary.get("metrics") or {}).items()}}
                for r in s.scalars(select(EvalRun).order_by(EvalRun.created_at.desc()))]


def run_results(db, run_id: str) -> list[CaseResult]:
    with db.session() as s:
        return [CaseResult.model_validate(r.result) for r in s.scalars(
            select(EvalCaseResult).where(EvalCaseResult.run_id == run_id).order_by(EvalCaseResult.id))]
