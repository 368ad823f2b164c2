"""Evaluations for QA: guardrail calibration over a labelled file, and stored evaluation runs."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.common import esc, tr, ui_lang


def allowed_roots() -> list[Path]:
    """Folders the calibration may read from: the data dir, the shipped eval data sets, the shared data sets."""
    from replydesk.settings import get_settings

    roots = [get_settings().data_dir, Path("evals/datasets"), Path("../shared/datasets")]
    return [r.expanduser().resolve() for r in roots]


st.header(tr("Evaluierungen", "Evaluations"))
tab_runs, tab_calib = st.tabs([tr("Läufe", "Runs"), tr("Guardrail-Kalibrierung", "Guardrail calibration")])

with tab_calib:
    default = Path("../shared/datasets/twcs/replies-labelled-dev.jsonl")
    path = st.text_input(tr("Gelabelte Datei (JSONL)", "Labelled file (JSONL)"),
                         str(default if default.exists() else Path("evals/datasets/replies-labelled-de.jsonl")))
    if st.button(tr("Kalibrieren", "Calibrate")):
        from guardrails.calibration import LabelledFileError, calibrate_file

        # Only files under the configured data dir and the evaluation data sets may be read (never any path
        # on the server); a file that is not UTF-8 JSONL is an error message, never a traceback.
        roots = allowed_roots()
        wanted = Path(path).expanduser().resolve()
        report = None
        if not any(wanted.is_relative_to(r) for r in roots):
            st.error(tr("Nur Dateien unter diesen Ordnern sind erlaubt: ", "Only files under these folders are allowed: ")
                     + ", ".join(str(r) for r in roots))
        else:
            try:
                report = calibrate_file(wanted)
            except (LabelledFileError, OSError, ValueError) as exc:
                reason = (tr("keine UTF-8-Textdatei", "not a UTF-8 text file")
                          if isinstance(exc, UnicodeDecodeError) else str(exc))
                st.error(esc(f"{wanted.name}: {reason}"))
        if report is not None:
            st.dataframe([{"severity": k, **v.model_dump()} for k, v in report.per_severity.items()], hide_index=True)
            st.write(tr("Verwechslungstabelle (Label → Vorhersage)", "Confusion (label → predicted)"))
            st.dataframe([{"label": g, **row} for g, row in report.confusion.items()], hide_index=True)
            st.write(f"ok blocked: {report.ok_blocked_rate:.1%} · naive baseline F1 {report.baseline['block_f1']:.3f}")
            st.write(tr("Fehlklassifiziert", "Misclassified"))
            for m in report.misclassified:
                st.text(f"[{m.label} → {m.predicted}] {m.text}")

with tab_runs:
    from evals.compare import compare
    from evals.marks import ICONS, mark_case, mark_counts
    from evals.store import list_runs, run_results
    from ui.common import database

    runs = list_runs(database())
    if not runs:
        st.info(tr("Noch keine Läufe: `replydesk evals run evals/datasets/demo.jsonl`",
                   "No runs yet: `replydesk evals run evals/datasets/demo.jsonl`"))
    else:
        st.dataframe(runs, hide_index=True, width="stretch")
        ids = [r["id"] for r in runs]
        run_id = st.selectbox(tr("Lauf", "Run"), ids)
        results = run_results(database(), run_id)
        marks = {r.case_id: mark_case(r) for r in results}
        counts = mark_counts(results)
        m1, m2, m3 = st.columns(3)
        m1.metric(tr("✅ in Ordnung", "✅ good"), counts["ok"])
        m2.metric(tr("⚠️ prüfen", "⚠️ check"), counts["warn"])
        m3.metric(tr("❌ nicht in Ordnung", "❌ failed"), counts["fail"])
        st.caption(tr("Markiert nach den Metriken jedes Falls: richtiger Artikel, Fragen beantwortet, Regeln und "
                      "Guardrails, Pflichttexte — nicht nur danach, ob die Guardrails bestanden sind.",
                      "Marked by each case's metrics: right article, questions answered, rules and guardrails, "
                      "must-include — not only by whether the guardrails passed."))
        only_failed = st.checkbox(tr("Nur ⚠️ und ❌", "Only ⚠️ and ❌"), key="evals_only_failed")
        for r in results:
            mark = marks[r.case_id]
            if only_failed and mark.level == "ok":
                continue
            label = f"{mark.icon} " + esc(f"{r.case_id} · {r.channel} · {r.language} — {mark.summary(ui_lang())}")
            with st.expander(label):
                for reason in mark.reasons:
                    st.markdown(f"{ICONS[reason.level]} " + esc(f"{reason.text(ui_lang())} ({reason.metric})"))
                st.caption(tr("Nachricht", "Message"))
                st.text(r.message)
                st.caption(tr("Entwurf", "Draft"))
                st.text(r.draft)
                st.write({"blocked by": r.rules_fired, "warnings": r.warnings, "scores": r.scores,
                          "articles": r.articles, "error": r.error})
        if len(ids) >= 2:
            st.subheader(tr("Vergleich", "Comparison"))
            a_id = st.selectbox("A", ids, index=1, key="cmp_a")
            b_id = st.selectbox("B", ids, index=0, key="cmp_b")
            result = compare(run_results(database(), a_id), run_results(database(), b_id))
            st.dataframe([{**d.model_dump(), "regression": "⛔" if d.regression else ""} for d in result.deltas],
                         hide_index=True, width="stretch")
            for w in result.worse_cases[:50]:
                with st.expander("⬇ " + esc(f"{w['case_id']} · {', '.join(w['metrics'])}")):
                    col1, col2 = st.columns(2)
                    col1.text(w["draft_before"])
                    col2.text(w["draft_after"])
