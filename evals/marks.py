"""A QA mark per evaluation case: ✅ / ⚠️ / ❌ from the case's metrics, with the reasons in German and English.

"Passed the guardrails" alone says nothing about whether the draft answers the customer: a draft that cites the
wrong article or leaves the question unanswered passes every rule. The mark therefore looks at every metric the
case has (right article, questions answered, rules and guardrails, must-include, language, out-of-scope and
no-reply handling, …): a hard miss is ❌, a partial or soft miss ⚠️, and ✅ only when nothing is off.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from evals.models import CaseResult

Level = Literal["ok", "warn", "fail"]
ICONS: dict[str, str] = {"ok": "✅", "warn": "⚠️", "fail": "❌"}
_ORDER = {"ok": 0, "warn": 1, "fail": 2}


class Reason(BaseModel):
    metric: str
    level: Level
    de: str
    en: str

    def text(self, lang: str = "en") -> str:
        return self.de if lang == "de" else self.en


class Mark(BaseModel):
    level: Level
    reasons: list[Reason] = Field(default_factory=list)

    @property
    def icon(self) -> str:
        return ICONS[self.level]

    def summary(self, lang: str = "en", limit: int = 3) -> str:
        """The worst reasons first, joined; the 'all good' text when there is none."""
        if not self.reasons:
            return "alle Prüfungen erfüllt" if lang == "de" else "all checks met"
        ordered = sorted(self.reasons, key=lambda r: -_ORDER[r.level])
        shown = "; ".join(r.text(lang) for r in ordered[:limit])
        more = len(ordered) - limit
        return shown + (f" (+{more})" if more > 0 else "")


# metric -> (level when it is 0, German, English); a rate of 1.0 is fine. Checked in this order.
_HARD: dict[str, tuple[Level, str, str]] = {
    "right_article": ("fail", "falscher Artikel (beantwortet eine andere Frage)",
                      "wrong article (answers another question)"),
    "questions_answered": ("fail", "Frage nicht beantwortet", "question not answered"),
    "oos_handled": ("fail", "nicht abgedeckt, aber ein Artikel wurde verwendet",
                    "out of scope, yet an article was used"),
    "no_reply_flagged": ("fail", "keine Antwort nötig, aber nicht markiert", "no reply needed, yet not flagged"),
    "language_match": ("fail", "falsche Sprache", "wrong language"),
    "must_include": ("fail", "Pflichttext fehlt", "must-include text missing"),
    "must_not_include": ("fail", "verbotener Text enthalten", "contains must-not-include text"),
    "rules_clean": ("fail", "eine Regel hat blockiert, die nicht anschlagen darf",
                    "a rule blocked that must not fire"),
    "address_form_ok": ("fail", "Anrede (du/Sie) falsch", "wrong form of address (du/Sie)"),
    "length_ok": ("fail", "zu lang für den Kanal", "too long for the channel"),
    "fact_used": ("warn", "Fakt aus dem Kundenkonto fehlt", "fact from the customer record missing"),
    "safety_first": ("warn", "Sicherheitshinweis steht nicht vorn", "safety step does not lead the reply"),
    "greeting_ok": ("warn", "Begrüßung ohne den erwarteten Namen", "greeting without the expected name"),
    "no_needless_ask": ("warn", "fragt nach Daten, die schon vorliegen", "asks for data the record already holds"),
    "mood_match": ("warn", "Stimmung der Nachricht falsch erkannt", "message mood misread"),
    "recall@3": ("warn", "erwarteter Artikel nicht unter den ersten 3 Treffern",
                 "expected article not in the top 3 hits"),
}


def mark_case(result: CaseResult) -> Mark:
    """Turn one case result into its mark (pure function of the stored result)."""
    if result.error:
        return Mark(level="fail", reasons=[Reason(metric="error", level="fail", de=f"Fehler: {result.error}",
                                                  en=f"error: {result.error}")])
    s = result.scores
    reasons: list[Reason] = []

    def add(metric: str, level: Level, de: str, en: str) -> None:
        reasons.append(Reason(metric=metric, level=level, de=de, en=en))

    for metric, (level, de, en) in _HARD.items():
        value = s.get(metric)
        if value is None or value >= 1.0:
            continue
        if metric == "right_article" and s.get("right_article_any", 0.0) >= 1.0:
            add(metric, "warn", "erwarteter Artikel zitiert, aber nicht als erster",
                "expected article cited, but not first")
            continue
        if metric == "questions_answered" and 0.0 < s.get("question_recall", 0.0) < 1.0:
            n = s["question_recall"]
            add(metric, "warn", f"nur ein Teil der Fragen beantwortet ({n:.0%})",
                f"only some questions answered ({n:.0%})")
            continue
        add(metric, level, de, en)
    if s.get("no_reply_false_alarm", 0.0) > 0:
        add("no_reply_false_alarm", "warn", "fälschlich als 'keine Antwort nötig' markiert",
            "wrongly flagged 'no reply needed'")
    if not result.passed or result.rules_fired:
        rules = ", ".join(result.rules_fired) or "guardrails"
        add("guardrail_pass", "fail", f"blockiert von: {rules}", f"blocked by: {rules}")
    if result.warnings:
        rules = ", ".join(sorted(set(result.warnings)))
        add("warnings", "warn", f"Warnungen: {rules}", f"warnings: {rules}")
    level: Level = max((r.level for r in reasons), key=lambda lv: _ORDER[lv], default="ok")
    return Mark(level=level, reasons=reasons)


def mark_counts(results: list[CaseResult]) -> dict[str, int]:
    """How many cases got each mark (for a run's headline)."""
    counts = {"ok": 0, "warn": 0, "fail": 0}
    for r in results:
        counts[mark_case(r).level] += 1
    return counts
