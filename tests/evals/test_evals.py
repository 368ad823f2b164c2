"""Data-set validation and schema, metrics, runner resume, reports (escaped), compare with CI and exit code,
and the CI gate: the demo set with the composer must stay above the committed baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.compare import compare
from evals.datasets import DatasetError, json_schema, load_cases
from evals.models import CaseResult
from evals.report import html_report
from evals.runner import load_run, run_dataset

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "evals" / "datasets" / "demo.jsonl"


def test_shipped_sets_validate_and_schema_is_current():
    cases = load_cases(DEMO)
    assert len(cases) >= 150
    langs = {c.expect.language for c in cases}
    assert langs == {"de", "en"}
    assert sum("injection" in c.tags for c in cases) >= 15
    assert len(load_cases(ROOT / "evals" / "datasets" / "twcs-real.jsonl")) == 200
    shipped = json.loads((ROOT / "evals" / "schema" / "eval-case.schema.json").read_text())
    assert shipped == json_schema(), "run: python -m evals.build_datasets"


def test_bad_cases_name_line_and_field(tmp_path):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"id": "a", "message": {"text": "hi"}}\n{"id": "b", "message": {"text": "x", "channel": "fax"}}\n'
                 '{"id": "a", "message": {"text": "dup"}, "expect": {"max_length": -1}}\n')
    with pytest.raises(DatasetError) as info:
        load_cases(f)
    msg = str(info.value)
    assert "bad.jsonl:2: field 'message.channel'" in msg and "bad.jsonl:3: field 'expect.max_length'" in msg


def _result(case_id, passed=True, **scores):
    return CaseResult(case_id=case_id, channel="twitter", language_expected="de", language="de", engine="composer",
                      draft=f"draft {case_id}", passed=passed, latency_ms=10.0, scores=scores)


def test_compare_flags_regressions_with_confidence_intervals():
    a = [_result(str(i), guardrail_pass=1.0, **{"recall@3": 1.0}) for i in range(60)]
    b = [_result(str(i), passed=i >= 15, guardrail_pass=float(i >= 15), **{"recall@3": 1.0}) for i in range(60)]
    result = compare(a, b)
    gp = next(d for d in result.deltas if d.metric == "guardrail_pass")
    assert gp.delta == -0.25 and gp.ci_high < 0 and gp.regression
    assert result.regressions == ["guardrail_pass"] and len(result.worse_cases) == 15
    assert compare(a, a).regressions == []


def test_html_report_escapes_customer_text():
    from evals.models import RunSummary

    r = _result("x", guardrail_pass=1.0)
    r.message = "<script>alert(1)</script>"
    page = html_report(RunSummary(run_id="r", dataset="d", dataset_hash="h", engine="composer", code_version="v",
                                  cases=1, metrics={"guardrail_pass": 1.0}), [r])
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page and "<svg" in page


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo set with the composer, run once (this is the CI gate's run)."""
    from replydesk.db import Database
    from replydesk.settings import Settings

    base = tmp_path_factory.mktemp("evalrun")
    db = Database(f"sqlite:///{base / 'replydesk.db'}")
    import os

    old = os.environ.get("REPLYDESK_DATA_DIR")
    os.environ["REPLYDESK_DATA_DIR"] = str(base / "data")
    from replydesk.settings import reset_settings_cache

    reset_settings_cache()
    try:
        from assistant.pipeline import Pipeline
        from evals.runner import ensure_demo_data

        ensure_demo_data(db, demo=True)  # explicit (issue 12 item 20)
        pipeline = Pipeline.from_settings(db, Settings(data_dir=base / "data"), engine="composer")
        summary = run_dataset(db, DEMO, base / "run", "composer", pipeline=pipeline)
        yield summary, base / "run", db, pipeline
    finally:
        if old is None:
            os.environ.pop("REPLYDESK_DATA_DIR", None)
        else:
            os.environ["REPLYDESK_DATA_DIR"] = old
        reset_settings_cache()


def test_ci_gate_demo_set_above_baseline(demo_run):
    summary, _, _, _ = demo_run
    baseline = json.loads((ROOT / "evals" / "baseline.json").read_text())
    m = summary.metrics
    below = {k: (m.get(k), v) for k, v in baseline["min"].items() if m.get(k, 0.0) < v}
    above = {k: (m.get(k), v) for k, v in baseline["max"].items() if m.get(k, 0.0) > v}
    assert not below and not above, f"regressed against evals/baseline.json: {below} {above}"


def test_ci_gate_drafting_set_above_baseline(demo_run, tmp_path):
    """Issue 10: drafts that answer — right article, every question, the record's facts, honest gaps, form."""
    _, _, db, pipeline = demo_run
    gate = json.loads((ROOT / "evals" / "baseline.json").read_text())["drafting"]
    assert len(load_cases(ROOT / gate["dataset"])) >= 150
    summary = run_dataset(db, ROOT / gate["dataset"], tmp_path / "drafting", "composer", pipeline=pipeline)
    m = summary.metrics
    below = {k: (m.get(k), v) for k, v in gate["min"].items() if m.get(k, 0.0) < v}
    above = {k: (m.get(k), v) for k, v in gate["max"].items() if m.get(k, 0.0) > v}
    assert not below and not above, f"regressed against evals/baseline.json (drafting): {below} {above}"


def test_runner_resumes_and_stores(demo_run, tmp_path):
    summary, run_dir, db, pipeline = demo_run
    lines = (run_dir / "results.jsonl").read_text().splitlines()
    assert len(lines) == summary.cases
    # a killed run: keep half the results, run again → only the missing half is evaluated
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "results.jsonl").write_text("\n".join(lines[:100]) + "\n")
    calls = []
    again = run_dataset(db, DEMO, partial, "composer", pipeline=pipeline, on_case=calls.append)
    assert again.cases == summary.cases and len(calls) == summary.cases
    assert len((partial / "results.jsonl").read_text().splitlines()) == summary.cases
    from evals.store import list_runs, run_results

    assert {r["id"] for r in list_runs(db)} >= {"run", "partial"}
    assert len(run_results(db, "run")) == summary.cases
    _, results = load_run(run_dir)
    assert len(results) == summary.cases


def test_cli_compare_exit_code(demo_run, tmp_path):
    from replydesk.cli import app

    _, run_dir, _, _ = demo_run
    worse = tmp_path / "worse"
    worse.mkdir()
    (worse / "summary.json").write_text((run_dir / "summary.json").read_text())
    rows = [json.loads(x) for x in (run_dir / "results.jsonl").read_text().splitlines()]
    for r in rows[:60]:
        r["passed"], r["scores"]["guardrail_pass"] = False, 0.0
    (worse / "results.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    runner = CliRunner()
    ok = runner.invoke(app, ["evals", "compare", str(run_dir), str(run_dir), "--fail-on-regression"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["evals", "compare", str(run_dir), str(worse), "--fail-on-regression", "--json"])
    assert bad.exit_code == 1
    assert "guardrail_pass" in json.loads(bad.output.splitlines()[0])["regressions"]


def test_llm_judge_rubric_k_times_with_agreement(demo_run, tmp_path):
    from assistant.llm.fake import ScriptedChatModel
    from evals.judge import RubricJudge

    _, _, db, pipeline = demo_run
    cases = tmp_path / "two.jsonl"
    cases.write_text("\n".join(DEMO.read_text().splitlines()[:2]) + "\n")
    verdicts = ['{"helpfulness": 4, "tone": 5, "empathy": 3}', '{"helpfulness": 4, "tone": 5, "empathy": 4}',
                'not json', '{"helpfulness": 2, "tone": 5, "empathy": 2}', '{"helpfulness": 2, "tone": 4, "empathy": 2}',
                '{"helpfulness": 2, "tone": 5, "empathy": 2}']
    judge = RubricJudge(ScriptedChatModel(script=verdicts), "judge-model", k=3)
    summary = run_dataset(db, cases, tmp_path / "judged", "composer", pipeline=pipeline, judge=judge)
    _, results = load_run(tmp_path / "judged")
    first, second = results[0].judge, results[1].judge
    assert first["model"] == "judge-model" and first["prompt_version"] == "judge-v1" and len(first["verdicts"]) == 2
    assert first["mean"] == {"helpfulness": 4.0, "tone": 5.0, "empathy": 3.5}
    assert second["agreement"]["tone"] == round(2 / 3, 3) and second["agreement"]["helpfulness"] == 1.0
    assert 0 < summary.metrics["judge_agreement"] < 1 and "judge_tone" in summary.metrics
    assert summary.config["judge"]["k"] == 3


def test_evals_run_never_loads_the_demo_into_a_database_without_the_demo_flag(data_dir, tmp_path):
    """Issue 12 item 20: an empty knowledge base (a fresh production database) is not filled with the demo brand
    unless --demo is given; without it the run fails with a clear message and the database stays empty."""
    from knowledge_base.store import KnowledgeStore
    from replydesk.cli import app
    from replydesk.db import get_database

    db = get_database()
    with pytest.raises(RuntimeError, match="--demo"):
        run_dataset(db, DEMO, tmp_path / "run", "composer")
    assert KnowledgeStore(db).count() == 0
    result = CliRunner().invoke(app, ["evals", "run", str(DEMO), "--out", str(tmp_path / "cli-run")])
    assert result.exit_code == 2, result.output
    assert "--demo" in result.output and "knowledge base is empty" in result.output
    assert KnowledgeStore(db).count() == 0
    from evals.runner import ensure_demo_data

    ensure_demo_data(db, demo=True)  # explicit: loads the demo brand
    assert KnowledgeStore(db).count() > 0
