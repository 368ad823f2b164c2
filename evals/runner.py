"""Run a data set through the pipeline; resumable (results are appended per case to the run dir)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from assistant.customers import CustomerIn
from assistant.models import CustomerView, DraftRequest, ThreadMessage
from evals.datasets import dataset_hash, load_cases
from evals.metrics import EVALUATORS, aggregate, cited_articles, group_by, rule_violations
from evals.models import CaseResult, EvalCase, RunSummary
from replydesk.db import Database

RESULTS = "results.jsonl"


def code_version() -> str:
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def inline_customer(c: CustomerIn) -> CustomerView:
    records = [r.model_dump(mode="json") for r in c.records]
    private = [v for v in (c.display_name, c.email, c.phone, c.postal_address, c.birth_date, c.id) if v]
    private += [r.ref for r in c.records]
    return CustomerView(id=c.id, display_name=c.display_name, first_name=c.first_name, last_name=c.last_name,
                        salutation=c.salutation, language=c.language,
                        address_form=c.address_form, tier=c.tier, followers=c.followers, dm_allowed=c.dm_allowed,
                        records=records, private_values=private)


def evaluate_case(pipeline, case: EvalCase, engine: str, judge=None) -> CaseResult:
    req = DraftRequest(text=case.message.text, channel=case.message.channel, visibility=case.message.visibility,
                       handle=case.message.author, engine=engine, agent_signoff="^QA",
                       customer=inline_customer(case.customer) if case.customer else None,
                       thread=[ThreadMessage(role=t.role, channel=t.channel, text=t.text) for t in case.message.thread])
    base = {"case_id": case.id, "tags": case.tags, "channel": case.message.channel,
            "language_expected": case.expect.language, "message": case.message.text[:300]}
    try:
        # the data set's clock: relative dates ("morgen") as the labeller read them
        result = pipeline.run(req, received_at=case.message.received_at, now=case.message.received_at)
    except Exception as exc:  # noqa: BLE001 - a failing case is a result, not a crash of the run
        return CaseResult(**base, language="?", engine=engine, draft="", passed=False, latency_ms=0.0,
                          error=f"{type(exc).__name__}: {exc}")
    scores: dict[str, float] = {}
    for ev in EVALUATORS:
        scores.update(ev.evaluate(case, result))
    verdict = None
    if judge is not None:
        try:
            verdict = judge.judge(case.message.text, result.draft)
            scores.update({f"judge_{k}": (v - 1) / 4 for k, v in verdict.mean.items()})  # 1..5 → 0..1
        except Exception:  # noqa: BLE001 - a failed judgement is recorded as such; the case still counts
            scores["judge_failed"] = 1.0
    return CaseResult(
        judge=verdict.model_dump() if verdict else None,
        **base, language=result.language, engine=result.engine, draft=result.draft, passed=result.passed,
        rules_fired=sorted({f.rule for f in result.findings if f.severity == "block"}),
        warnings=sorted({f.rule for f in result.findings if f.severity == "warn"}),
        articles=cited_articles(result) or list(dict.fromkeys(p.article_id for p in result.passages)),
        latency_ms=result.latency_ms,
        tokens_in=result.tokens_in, tokens_out=result.tokens_out, cost_usd=result.cost_usd,
        fallback_reason=result.fallback_reason, scores=scores)


def ensure_demo_data(db: Database, demo: bool = False) -> None:
    """The evals need a knowledge base. With ``demo=True`` (``evals run --demo``) the demo brand's KB and customers
    are loaded when the database has none; without it an empty knowledge base is an error — the demo brand is never
    loaded into a database nobody asked for (a production database whose KB is not filled yet)."""
    from knowledge_base.store import KnowledgeStore

    if KnowledgeStore(db).count() == 0:
        if not demo:
            raise RuntimeError(
                "the knowledge base is empty: load the brand's knowledge base first (replydesk kb ...), or run the "
                "evals against the demo brand with --demo (loads the demo knowledge base and customers into this "
                "database)")
        from assistant.customers import CustomerService
        from knowledge_base.demo import load_demo

        load_demo(db)
        CustomerService(db).import_path(Path(__file__).resolve().parent.parent / "assistant" / "demo" / "customers.json")


def run_dataset(db: Database, dataset: Path, out_dir: Path, engine: str = "composer",
                on_case: Callable[[CaseResult], None] | None = None, pipeline=None, judge=None,
                demo: bool = False) -> RunSummary:
    from assistant.pipeline import Pipeline

    cases = load_cases(dataset)
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / RESULTS
    done: dict[str, CaseResult] = {}
    if results_path.exists():  # resume: keep finished cases
        for line in results_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = CaseResult.model_validate_json(line)
                done[r.case_id] = r
    ensure_demo_data(db, demo=demo)
    pipeline = pipeline or Pipeline.from_settings(db, engine=engine)
    with results_path.open("a", encoding="utf-8") as fh:
        for case in cases:
            if case.id in done:
                if on_case:
                    on_case(done[case.id])
                continue
            result = evaluate_case(pipeline, case, engine, judge)
            fh.write(result.model_dump_json() + "\n")
            fh.flush()
            done[case.id] = result
            if on_case:
                on_case(result)
    results = [done[c.id] for c in cases]
    summary = RunSummary(
        run_id=out_dir.name, dataset=str(dataset), dataset_hash=dataset_hash(dataset), engine=engine,
        code_version=code_version(), cases=len(results), metrics=aggregate(results),
        by_language=group_by(results, lambda r: r.language_expected or r.language),
        by_channel=group_by(results, lambda r: r.channel), rule_violations=rule_violations(results),
        config={"engine": engine, "llm_model": getattr(pipeline.settings, "llm_model", None) if pipeline.llm else None,
                "judge": {"model": judge.model_name, "k": judge.k, "prompt_version": "judge-v1"} if judge else None},
    )
    (out_dir / "summary.json").write_text(summary.model_dump_json(indent=2), encoding="utf-8")
    store_run(db, summary, out_dir, results)
    return summary


def store_run(db: Database, summary: RunSummary, out_dir: Path, results: list[CaseResult]) -> None:
    from sqlalchemy import delete

    from evals.orm import EvalCaseResult, EvalRun

    with db.transaction() as s:
        s.execute(delete(EvalCaseResult).where(EvalCaseResult.run_id == summary.run_id))
        s.merge(EvalRun(id=summary.run_id, dataset=summary.dataset, dataset_hash=summary.dataset_hash,
                        engine=summary.engine, code_version=summary.code_version, out_dir=str(out_dir),
                        config=summary.config, summary=json.loads(summary.model_dump_json())))
        s.flush()  # the run row first: results reference it
        for r in results:
            s.add(EvalCaseResult(run_id=summary.run_id, case_id=r.case_id, result=json.loads(r.model_dump_json())))


def load_run(path: Path) -> tuple[RunSummary, list[CaseResult]]:
    path = Path(path)
    summary = RunSummary.model_validate_json((path / "summary.json").read_text(encoding="utf-8"))
    results = [CaseResult.model_validate_json(x) for x in (path / RESULTS).read_text(encoding="utf-8").splitlines()
               if x.strip()]
    return summary, results
