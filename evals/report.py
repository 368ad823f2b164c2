"""Self-contained HTML report (inline SVG, no external assets) and a Markdown summary."""

from __future__ import annotations

import html
from pathlib import Path

from evals.models import CaseResult, RunSummary


def _bars(data: dict[str, float], width: int = 520, unit: str = "") -> str:
    if not data:
        return "<p>–</p>"
    top = max(data.values()) or 1.0
    rows, h = [], 22
    for i, (k, v) in enumerate(data.items()):
        w = int((width - 220) * v / top)
        rows.append(f'<text x="0" y="{i * h + 15}" font-size="12">{html.escape(k)}</text>'
                    f'<rect x="200" y="{i * h + 4}" width="{w}" height="14" fill="#4b7bec"/>'
                    f'<text x="{205 + w}" y="{i * h + 15}" font-size="12">{v:.3g}{unit}</text>')
    return f'<svg width="{width}" height="{len(data) * h + 6}" role="img">{"".join(rows)}</svg>'


def _histogram(values: list[float], bins: int = 12) -> str:
    if not values:
        return "<p>–</p>"
    lo, hi = min(values), max(values)
    step = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / step))] += 1
    return _bars({f"{lo + i * step:.0f}–{lo + (i + 1) * step:.0f} ms": c for i, c in enumerate(counts)})


def markdown(summary: RunSummary) -> str:
    lines = [f"# Evaluation run {summary.run_id}", "",
             f"- data set: `{summary.dataset}` (hash {summary.dataset_hash}), {summary.cases} cases",
             f"- engine: {summary.engine} · code: {summary.code_version}", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v:.4g} |" for k, v in summary.metrics.items()]
    lines += ["", "## Rule violations (share of cases)", "", "| rule | rate |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in summary.rule_violations.items()] or ["| – | 0 |"]
    for title, groups in (("By language", summary.by_language), ("By channel", summary.by_channel)):
        metrics = sorted({m for g in groups.values() for m in g})
        lines += ["", f"## {title}", "", "| group | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
        lines += [f"| {g} | " + " | ".join(f"{vals.get(m, float('nan')):.3g}" for m in metrics) + " |"
                  for g, vals in groups.items()]
    return "\n".join(lines) + "\n"


def html_report(summary: RunSummary, results: list[CaseResult]) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr class='{'fail' if not r.passed or r.error else ''}'><td>{esc(r.case_id)}</td><td>{esc(r.channel)}</td>"
        f"<td>{esc(r.language)}</td><td>{esc(r.message)}</td><td>{esc(r.draft)}</td>"
        f"<td>{esc(', '.join(r.rules_fired) or '–')}</td>"
        f"<td>{esc(', '.join(f'{k}={v:.2f}' for k, v in r.scores.items()))}</td></tr>"
        for r in results)
    lang_metric = {k: v.get("guardrail_pass", 0.0) for k, v in summary.by_language.items()}
    chan_metric = {k: v.get("guardrail_pass", 0.0) for k, v in summary.by_channel.items()}
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>replydesk eval {esc(summary.run_id)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}}tr.fail{{background:#fff0f0}}</style></head><body>
<h1>Evaluation {esc(summary.run_id)}</h1>
<p>{esc(summary.dataset)} · {summary.cases} cases · engine {esc(summary.engine)} · code {esc(summary.code_version)}</p>
<h2>Metrics</h2>{_bars({k: v for k, v in summary.metrics.items() if v <= 1.0 and k not in ("errors",)})}
<h2>Per-rule violations</h2>{_bars(summary.rule_violations)}
<h2>Latency distribution</h2>{_histogram([r.latency_ms for r in results if not r.error])}
<h2>Guardrail pass rate by language</h2>{_bars(lang_metric)}
<h2>Guardrail pass rate by channel</h2>{_bars(chan_metric)}
<h2>Cases</h2><table><tr><th>id</th><th>channel</th><th>lang</th><th>message</th><th>draft</th><th>blocked by</th>
<th>scores</th></tr>{rows}</table></body></html>"""


def write_reports(out_dir: Path, summary: RunSummary, results: list[CaseResult]) -> tuple[Path, Path]:
    md, page = out_dir / "summary.md", out_dir / "report.html"
    md.write_text(markdown(summary), encoding="utf-8")
    page.write_text(html_report(summary, results), encoding="utf-8")
    return md, page
