"""`replydesk check` JSON shape and exit codes; policy validation errors; calibration on real replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guardrails.calibration import LabelledFileError, calibrate_file
from guardrails.policy import PolicyError, load_policy, parse_policy
from replydesk.cli import app

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "twcs" / "replies-labelled-dev.jsonl"
GERMAN = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "replies-labelled-de.jsonl"
runner = CliRunner()


def test_check_json_shape_and_exit_codes():
    result = runner.invoke(app, ["check", "--channel", "twitter", "--visibility", "public", "--lang", "de",
                                 "--text", "Sorry, wir kümmern uns darum. ^AB", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["passed"] is False
    assert set(data) == {"passed", "findings"}
    assert all(set(f) == {"rule", "severity", "message", "start", "end", "suggestion"} for f in data["findings"])
    assert {"no-bare-sorry", "dead-end"} <= {f["rule"] for f in data["findings"]}
    ok = runner.invoke(app, ["check", "--channel", "email", "--visibility", "private", "--json"],
                       input="Hallo, Ihr Router ist seit heute unterwegs. Viele Grüße")
    assert ok.exit_code == 0 and json.loads(ok.output)["passed"] is True
    for bad in (["--channel", "fax", "--visibility", "public", "--text", "x"],
                ["--channel", "twitter", "--visibility", "secret", "--text", "x"],
                ["--channel", "twitter", "--visibility", "public", "--text", "   "],
                ["--channel", "twitter", "--visibility", "public", "--lang", "fr", "--text", "x"]):
        result = runner.invoke(app, ["check", *bad])
        assert result.exit_code == 2, (bad, result.output)
        assert "error:" in result.output
    human = runner.invoke(app, ["check", "--channel", "twitter", "--visibility", "public", "--text", "Sorry! ^AB"])
    assert human.exit_code == 0 and "blocked" in human.output


def test_policy_errors_name_the_key(tmp_path):
    import yaml

    data = yaml.safe_load(Path("guardrails/policy.yaml").read_text())
    data["channels"]["twitter"]["max_chars"] = -5
    with pytest.raises(PolicyError, match=r"channels\.twitter\.max_chars"):
        parse_policy(data, "policy.yaml")
    data = yaml.safe_load(Path("guardrails/policy.yaml").read_text())
    data["lexicons"]["de"]["apology"].append("(unclosed")
    with pytest.raises(PolicyError, match=r"lexicons\.de\.apology"):
        parse_policy(data, "policy.yaml")
    bad = tmp_path / "p.yaml"
    bad.write_text("channels:\n  twitter: [\n")
    with pytest.raises(PolicyError, match=r"p.yaml:\d+: invalid YAML"):
        load_policy(bad)
    assert load_policy().sla_minutes("twitter") == 60
    assert load_policy().needs_second_approver("public", 25000, "negative") is True
    assert load_policy().needs_second_approver("public", 25, "negative") is False
    assert load_policy().needs_second_approver("private", 25, "positive", has_override=True) is True


def test_calibration_data_present_and_rule_beats_naive_baseline():
    """Fails (never skips) when the labelled real replies are missing. The fit on this file is not a quality
    figure (the lexicons were written looking at it); the cross-validated figures are checked in
    tests/guardrails/test_no_bare_sorry_cv.py."""
    assert SHARED.exists(), f"labelled real replies missing: {SHARED} (see ../shared/datasets/README.md)"
    report = calibrate_file(SHARED)
    assert report.rows == 195
    assert sum(report.confusion["bare"].values()) == 31
    assert report.baseline["block_f1"] < report.per_severity["block"].f1


def test_calibration_german_set_and_cli():
    report = calibrate_file(GERMAN)
    assert report.per_severity["block"].f1 >= 0.9 and report.ok_blocked_rate <= 0.03
    result = runner.invoke(app, ["evals", "guardrails", str(GERMAN), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rule"] == "no-bare-sorry" and "confusion" in data and "per_severity" in data


def test_labelled_file_errors_name_line_and_field(tmp_path):
    f = tmp_path / "l.jsonl"
    f.write_text('{"id": "a", "text": "Sorry", "label": "bare"}\n{"id": "b", "text": "x", "label": "meh"}\n')
    with pytest.raises(LabelledFileError, match=r"l.jsonl:2: field 'label'"):
        calibrate_file(f)
    result = runner.invoke(app, ["evals", "guardrails", str(f), "--json"])
    assert result.exit_code == 2 and "l.jsonl:2" in result.output
