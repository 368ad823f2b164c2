"""QA marks (issue 14): a case is marked ✅/⚠️/❌ by its metrics, not only by "passed guardrails"; the
Evaluations page shows the marks and their reasons (Streamlit AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.marks import mark_case, mark_counts
from evals.models import CaseResult

PAGE = str(Path(__file__).resolve().parents[2] / "ui" / "pages" / "evaluations.py")


def result(case_id="c1", passed=True, scores=None, **kw) -> CaseResult:
    return CaseResult(case_id=case_id, channel="twitter", language_expected="de", language="de", engine="composer",
                      draft="Hallo Anna, …", passed=passed, latency_ms=3.0, scores=scores or {}, **kw)


def test_passing_guardrails_but_wrong_article_is_a_fail():
    m = mark_case(result(scores={"guardrail_pass": 1.0, "right_article": 0.0, "right_article_any": 0.0,
                                 "questions_answered": 0.0, "question_recall": 0.0}))
    assert m.level == "fail" and m.icon == "❌"
    metrics = {r.metric for r in m.reasons}
    assert {"right_article", "questions_answered"} <= metrics
    assert "wrong article" in m.summary("en") and "falscher Artikel" in m.summary("de")


def test_all_metrics_met_is_ok():
    m = mark_case(result(scores={"guardrail_pass": 1.0, "right_article": 1.0, "questions_answered": 1.0,
                                 "question_recall": 1.0, "must_include": 1.0, "rules_clean": 1.0}))
    assert m.level == "ok" and m.icon == "✅" and not m.reasons
    assert m.summary("en") == "all checks met"


@pytest.mark.parametrize("scores, warnings, metric", [
    ({"right_article": 0.0, "right_article_any": 1.0}, [], "right_article"),  # cited, but not first
    ({"questions_answered": 0.0, "question_recall": 0.5}, [], "questions_answered"),  # one of two answered
    ({"fact_used": 0.0}, [], "fact_used"),
    ({}, ["relevance"], "warnings"),  # a warning finding
])
def test_partial_or_soft_misses_are_warnings(scores, warnings, metric):
    m = mark_case(result(scores=scores, warnings=warnings))
    assert m.level == "warn" and m.icon == "⚠️"
    assert [r.metric for r in m.reasons] == [metric]


@pytest.mark.parametrize("kw, metric", [
    ({"passed": False, "rules_fired": ["no-bare-sorry"]}, "guardrail_pass"),
    ({"scores": {"rules_clean": 0.0}}, "rules_clean"),
    ({"scores": {"must_include": 0.0}}, "must_include"),
    ({"error": "boom"}, "error"),
])
def test_hard_misses_fail_with_the_reason(kw, metric):
    m = mark_case(result(**kw))
    assert m.level == "fail" and metric in {r.metric for r in m.reasons}
    if metric == "guardrail_pass":
        assert "no-bare-sorry" in m.summary("en")


def test_mark_counts():
    rs = [result("a", scores={"right_article": 1.0}), result("b", scores={"right_article": 0.0}),
          result("c", warnings=["structure"])]
    assert mark_counts(rs) == {"ok": 1, "warn": 1, "fail": 1}


def test_evaluations_page_shows_marks_and_reasons(data_dir):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from evals.orm import EvalCaseResult, EvalRun
    from replydesk.db import get_database

    st.cache_resource.clear()
    db = get_database()
    cases = [result("good", scores={"right_article": 1.0, "questions_answered": 1.0, "question_recall": 1.0}),
             result("wrong-question", scores={"right_article": 0.0, "right_article_any": 0.0,
                                              "questions_answered": 0.0, "question_recall": 0.0}),
             result("warned", warnings=["structure"])]
    with db.transaction() as s:
        s.add(EvalRun(id="run-1", dataset="demo.jsonl", dataset_hash="x", engine="composer", code_version="t",
                      out_dir="", config={}, summary={"metrics": {}}))
        s.flush()
        for r in cases:
            s.add(EvalCaseResult(run_id="run-1", case_id=r.case_id, result=r.model_dump(mode="json")))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["user"] = {"username": "quinn", "display_name": "Quinn", "roles": ["qa"]}
    at.session_state["ui_lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    labels = [e.label for e in at.expander]
    good = next(x for x in labels if "good" in x)
    wrong = next(x for x in labels if "wrong&#45;question" in x or "wrong-question" in x)
    warned = next(x for x in labels if "warned" in x)
    assert good.startswith("✅") and wrong.startswith("❌") and warned.startswith("⚠️")
    assert "wrong article" in wrong
    assert [m.value for m in at.metric] == ["1", "1", "1"]
    at.checkbox(key="evals_only_failed").check().run()
    assert not at.exception
    assert not any("good" in e.label for e in at.expander)
    st.cache_resource.clear()
