"""Evaluations for QA: guardrail calibration over a labelled file, and stored evaluation runs."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.common import tr

st.header(tr("Evaluierungen", "Evaluations"))
tab_runs, tab_calib = st.tabs([tr("Läufe", "Runs"), tr("Guardrail-Kalibrierung", "Guardrail calibration")])

with tab_calib:
    default = Path("../shared/datasets/twcs/replies-labelled-dev.jsonl")
    path = st.text_input(tr("Gelabelte Datei (JSONL)", "Labelled file (JSONL)"),
                         str(default if default.exists() else Path("evals/datasets/replies-labelled-de.jsonl")))
    if st.button(tr("Kalibrieren", "Calibrate")):
        from guardrails.calibration import LabelledFileError, calibrate_file

        try:
            report = calibrate_file(Path(path))
        except (LabelledFileError, OSError) as exc:
            st.error(str(exc))
        else:
            st.dataframe([{"severity": k, **v.model_dump()} for k, v in report.per_severity.items()], hide_index=True)
            st.write(tr("Verwechslungstabelle (Label → Vorhersage)", "Confusion (label → predicted)"))
            st.dataframe([{"label": g, **row} for g, row in report.confusion.items()], hide_index=True)
            st.write(f"ok blocked: {report.ok_blocked_rate:.1%} · naive baseline F1 {report.baseline['block_f1']:.3f}")
            st.write(tr("Fehlklassifiziert", "Misclassified"))
            for m in report.misclassified:
                st.text(f"[{m.label} → {m.predicted}] {m.text}")

with tab_runs:
    try:
        from evals.store import list_runs
    except ImportError:
        list_runs = None
    if list_runs is None:
        st.info(tr("Noch keine Läufe: `replydesk evals run DATASET`", "No runs yet: `replydesk evals run DATASET`"))
    else:
        from ui.common import database

        runs = list_runs(database())
        if not runs:
            st.info(tr("Noch keine Läufe: `replydesk evals run DATASET`", "No runs yet: `replydesk evals run DATASET`"))
        for r in runs:
            st.write(r)
