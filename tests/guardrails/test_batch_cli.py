"""`replydesk check --batch FILE.jsonl` (issue 11): one JSON result per line with the id kept, the same shape as
`check --json`; bad lines reported with their line number; exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from replydesk.cli import app

runner = CliRunner()

ITEMS = [
    {"id": "de-sorry", "text": "Sorry, wir kümmern uns darum. ^AB", "lang": "de"},
    {"id": 7, "text": "Hallo, Ihr Router ist seit heute unterwegs. Viele Grüße", "channel": "email",
     "visibility": "private"},
    {"id": "en-ok", "text": "Hi Max, the outage in Berlin is fixed since 10:00; please restart your router. ^AB",
     "channel": "twitter", "visibility": "public", "lang": "en"},
    {"id": "iban", "text": "Deine IBAN DE89370400440532013000 wird morgen belastet. ^AB", "channel": "facebook"},
    {"id": "insult", "text": "Du Vollidiot, lies halt die Anleitung. ^AB", "lang": "de"},
]


def _lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _single(item: dict) -> dict:
    args = ["check", "--channel", item.get("channel", "twitter"), "--visibility", item.get("visibility", "public"),
            "--text", item["text"], "--json"]
    if item.get("lang"):
        args += ["--lang", item["lang"]]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_batch_results_equal_single_check_json(tmp_path):
    path = tmp_path / "drafts.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in ITEMS), encoding="utf-8")
    result = runner.invoke(app, ["check", "--batch", str(path)])
    assert result.exit_code == 0, result.output
    out = _lines(result)
    assert [o["id"] for o in out] == [i["id"] for i in ITEMS]
    for item, got in zip(ITEMS, out, strict=True):
        assert set(got) == {"id", "passed", "findings"}
        assert {k: v for k, v in got.items() if k != "id"} == _single(item), item["id"]
    # the set is not trivial: some pass, some are blocked by different rules
    assert {o["passed"] for o in out} == {True, False}
    assert {"no-bare-sorry", "pii-public", "tone"} <= {f["rule"] for o in out for f in o["findings"]}


def test_batch_from_stdin_and_defaults():
    lines = "\n".join(json.dumps(i, ensure_ascii=False) for i in ITEMS[:2]) + "\n"
    result = runner.invoke(app, ["check", "--batch", "-"], input=lines)
    assert result.exit_code == 0, result.output
    assert [o["id"] for o in _lines(result)] == ["de-sorry", 7]
    # --channel/--visibility are the defaults for lines without them
    item = {"id": "x", "text": "Hallo Anna, deine Vertragsnummer ist V-123456. ^AB"}
    public = _lines(runner.invoke(app, ["check", "--batch", "-"], input=json.dumps(item)))[0]
    private = _lines(runner.invoke(app, ["check", "--batch", "-", "--channel", "email", "--visibility", "private"],
                                   input=json.dumps(item)))[0]
    assert public == {"id": "x", **_single(item)}
    assert private == {"id": "x", **_single({**item, "channel": "email", "visibility": "private"})}


def test_bad_lines_are_reported_with_line_number_and_the_run_continues(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([
        json.dumps(ITEMS[0]),                                   # 1 ok
        json.dumps({"id": "no-text"}),                          # 2 text missing
        "{not json",                                            # 3 not JSON
        "",                                                     # 4 blank: skipped, still counted
        json.dumps({"id": "fax", "text": "Hallo", "channel": "fax"}),  # 5 bad channel
        json.dumps({"text": "no id"}),                          # 6 id missing
        json.dumps({"id": "num", "text": 42}),                  # 7 text not a string
        json.dumps({"id": "lang", "text": "Hallo", "lang": "fr"}),     # 8 bad lang
        json.dumps(ITEMS[1]),                                   # 9 ok
    ]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["check", "--batch", str(path)])
    assert result.exit_code == 2
    out = _lines(result)
    assert len(out) == 8
    errors = [o for o in out if "error" in o]
    assert [(e["id"], e["line"]) for e in errors] == [("no-text", 2), (None, 3), ("fax", 5), (None, 6),
                                                       ("num", 7), ("lang", 8)]
    assert all(set(e) == {"id", "line", "error"} for e in errors)
    assert errors[0]["error"].startswith("field 'text':")
    assert errors[2]["error"].startswith("field 'channel':")
    assert errors[3]["error"].startswith("field 'id':")
    assert errors[5]["error"].startswith("field 'lang':")
    assert "JSON" in errors[1]["error"]
    assert out[0]["id"] == "de-sorry" and "passed" in out[0]
    assert out[-1]["id"] == 7 and out[-1]["passed"] is True


def test_exit_codes_missing_file_and_required_options(tmp_path):
    missing = runner.invoke(app, ["check", "--batch", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2
    assert "no such file" in missing.output and missing.stdout == ""
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert runner.invoke(app, ["check", "--batch", str(empty)]).exit_code == 0
    no_channel = runner.invoke(app, ["check", "--text", "Hallo"])
    assert no_channel.exit_code == 2 and "--channel" in no_channel.output
    bad_default = runner.invoke(app, ["check", "--batch", str(empty), "--channel", "fax"])
    assert bad_default.exit_code == 2 and "error:" in bad_default.output


def test_a_thousand_lines_in_one_run(tmp_path):
    templates = [i["text"] for i in ITEMS]
    items = [{"id": f"n{i}", "text": f"{templates[i % len(templates)]} #{i}",
              "channel": ("twitter", "email", "dm")[i % 3], "visibility": ("public", "private")[i % 2]}
             for i in range(1000)]
    items[500] = {"id": "n500", "text": "   "}
    path = tmp_path / "thousand.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    result = runner.invoke(app, ["check", "--batch", str(path)])
    assert result.exit_code == 2
    out = _lines(result)
    assert [o["id"] for o in out] == [i["id"] for i in items]
    assert out[500] == {"id": "n500", "line": 501, "error": "field 'text': empty"}
    good = out[:500] + out[501:]
    assert all(set(o) == {"id", "passed", "findings"} for o in good)
    # spot-check against single runs: the engine loaded once gives the same verdicts
    for k in (0, 1, 2, 3, 4, 999):
        assert {key: v for key, v in out[k].items() if key != "id"} == _single(items[k]), k


def test_address_form_and_customer_name_lines(tmp_path):
    reply = "Hallo Julia, unser Techniker ruft dich morgen zwischen 8 und 12 Uhr an."
    path = tmp_path / "forms.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in [
        {"id": "sie", "text": reply, "channel": "email", "visibility": "private", "lang": "de", "address_form": "Sie"},
        {"id": "du", "text": reply, "channel": "email", "visibility": "private", "lang": "de", "address_form": "du",
         "customer_name": "Julia Roth"},
        {"id": "bad", "text": reply, "address_form": "Ihr"},
    ]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["check", "--batch", str(path)])
    out = {o["id"]: o for o in _lines(result)}
    assert result.exit_code == 2
    assert [f["severity"] for f in out["sie"]["findings"] if f["rule"] == "address-form"] == ["block"]
    assert not [f for f in out["du"]["findings"] if f["rule"] == "address-form"]
    assert out["bad"]["error"].startswith("field 'address_form':")
