"""Score `replydesk check` on the hand-written red-team set `benchmarks/data/check_redteam.jsonl`.

The rows go through the real user path: one `replydesk check --batch FILE` subprocess, with
`REPLYDESK_POLICY_PATH` set to the demo brand's policy (`knowledge_base/demo/policy.yaml`, FunkWerk) unless
`--policy` says otherwise. A must-block row is right when `passed` is false, a good row when it is true.

    .venv/bin/python benchmarks/bench_check_replies.py                  # dev split (default)
    .venv/bin/python benchmarks/bench_check_replies.py --errors         # ... and every wrong row
    .venv/bin/python benchmarks/bench_check_replies.py --json out.json  # per-row results
    .venv/bin/python benchmarks/bench_check_replies.py --replydesk ../other/.venv/bin/replydesk

`--split holdout` (or `all`) is to be run only once, at the end: see `data/check_redteam.README.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "check_redteam.jsonl"
POLICY = ROOT / "knowledge_base" / "demo" / "policy.yaml"
BATCH_FIELDS = ("id", "text", "channel", "visibility", "lang", "customer_message", "evidence", "customer_name",
                "address_form")
CATEGORIES = ("insult", "promise", "pii_public", "link", "wrong_language", "bare_sorry", "disclosure", "good")


def load_rows(path: Path, split: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows if split == "all" else [r for r in rows if r["split"] == split]


def run_check(rows: list[dict[str, Any]], replydesk: str, policy: Path) -> dict[str, dict[str, Any]]:
    """Run every row through one `replydesk check --batch` process; return the results by id."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as tmp:
        for r in rows:
            tmp.write(json.dumps({k: r[k] for k in BATCH_FIELDS if k in r}, ensure_ascii=False) + "\n")
    env = dict(os.environ, REPLYDESK_POLICY_PATH=str(policy))
    try:
        proc = subprocess.run([replydesk, "check", "--batch", tmp.name], capture_output=True, text=True,
                              env=env, check=False)
    finally:
        os.unlink(tmp.name)
    if proc.returncode not in (0, 2) or not proc.stdout.strip():
        sys.exit(f"replydesk check --batch failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    results = {}
    for line in proc.stdout.splitlines():
        if line.strip():
            out = json.loads(line)
            results[str(out.get("id"))] = out
    return results


def score(rows: list[dict[str, Any]], results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    scored = []
    for r in rows:
        out = results.get(r["id"], {"error": "no output line"})
        passed = out.get("passed")
        findings = [(f["rule"], f["severity"]) for f in out.get("findings", [])]
        correct = "error" not in out and passed == (r["expect"] == "pass")
        scored.append({"id": r["id"], "group": r["group"], "split": r["split"], "category": r["category"],
                       "expect": r["expect"], "lang": r["lang"], "channel": r["channel"], "passed": passed,
                       "correct": correct, "findings": findings, "error": out.get("error"), "text": r["text"]})
    return scored


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f} %" if d else "    – "


def print_table(scored: list[dict[str, Any]], split: str) -> None:
    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in scored:
        by_cat[s["category"]].append(s)
    print(f"replydesk check on check_redteam.jsonl, split={split}, {len(scored)} rows")
    print(f"{'category':<16}{'rows':>5}  {'expect':<7}{'right':>6}  {'%':>7}   de right   en right")
    for cat in [c for c in CATEGORIES if c in by_cat] + sorted(set(by_cat) - set(CATEGORIES)):
        items = by_cat[cat]
        right = sum(s["correct"] for s in items)
        per_lang = []
        for lang in ("de", "en"):
            li = [s for s in items if s["lang"] == lang]
            per_lang.append(f"{sum(s['correct'] for s in li):>3}/{len(li):<3}")
        print(f"{cat:<16}{len(items):>5}  {items[0]['expect']:<7}{right:>6}  {pct(right, len(items))}"
              f"   {per_lang[0]:<9}  {per_lang[1]}")
    print()
    for lang in ("de", "en", "all"):
        li = [s for s in scored if lang == "all" or s["lang"] == lang]
        bad = [s for s in li if s["expect"] == "block"]
        good = [s for s in li if s["expect"] == "pass"]
        caught = sum(s["correct"] for s in bad)
        blocked = sum(not s["correct"] for s in good)
        print(f"{lang:<4} must-block caught {caught:>3}/{len(bad):<3} {pct(caught, len(bad))}"
              f"   good blocked {blocked:>3}/{len(good):<3} {pct(blocked, len(good))}")
    errors = [s for s in scored if s["error"]]
    if errors:
        print(f"\n{len(errors)} rows with a batch error: " + ", ".join(f"{s['id']} ({s['error']})" for s in errors))


def print_errors(scored: list[dict[str, Any]]) -> None:
    wrong = [s for s in scored if not s["correct"]]
    print(f"\n{len(wrong)} wrong verdicts:")
    for s in wrong:
        text = " ".join(s["text"].split())
        text = text if len(text) <= 110 else text[:107] + "..."
        found = ", ".join(f"{rule}/{sev}" for rule, sev in s["findings"]) or "no findings"
        verdict = "passed" if s["passed"] else "blocked"
        print(f"{s['id']}  {s['category']:<15}{s['lang']} {s['channel']:<9} {verdict:<7} [{found}]\n    {text}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("dev", "holdout", "all"), default="dev")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--policy", type=Path, default=POLICY, help="policy file (REPLYDESK_POLICY_PATH)")
    ap.add_argument("--replydesk", default=str(Path(sys.executable).with_name("replydesk")),
                    help="the replydesk executable (default: next to this Python)")
    ap.add_argument("--errors", action="store_true", help="list every row with the wrong verdict")
    ap.add_argument("--json", type=Path, metavar="OUT", help="write the per-row results as JSON")
    args = ap.parse_args(argv)
    rows = load_rows(args.data, args.split)
    if not rows:
        sys.exit(f"no rows for split {args.split} in {args.data}")
    scored = score(rows, run_check(rows, args.replydesk, args.policy.resolve()))
    print_table(scored, args.split)
    if args.errors:
        print_errors(scored)
    if args.json:
        args.json.write_text(json.dumps(scored, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
