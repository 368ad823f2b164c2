"""The guardrail engine: runs every rule, cheap ones first, and returns one report."""

from __future__ import annotations

from pathlib import Path

from guardrails.models import Check, CheckContext, Finding, Report
from guardrails.policy import Policy, load_policy


def default_checks() -> list[type]:
    """Every check class of the ``replydesk.checks`` entry point group (replydesk's rules and any installed
    plugin's; see docs/plugins.md). A check that fails to import is an error naming its entry point."""
    from replydesk.plugins import load_all

    return [cls for _name, cls in load_all("checks")]


MAX_CHECKED_CHARS = 12_000  # above every channel's limit (dm: 10,000); longer drafts are blocked anyway


class GuardrailEngine:
    """Runs the checks the policy's ``rules:`` enable and applies each rule's severity override to its findings
    (generically: a check needs no code for ``enabled``/``severity``; thresholds it reads from
    ``policy.rules.get(rule_id)`` itself)."""

    def __init__(self, policy: Policy, checks: list[Check] | None = None) -> None:
        self.policy = policy
        all_checks = checks or [c(policy) for c in default_checks()]
        self.checks: list[Check] = sorted((c for c in all_checks if policy.rules.get(c.rule_id).enabled),
                                          key=lambda c: c.cost)

    def _configured(self, found: list[Finding]) -> list[Finding]:
        """Drop findings of disabled rules (a check may report under another rule id) and apply severities."""
        out = []
        for f in found:
            rule = self.policy.rules.get(f.rule)
            if not rule.enabled:
                continue
            if rule.severity and f.severity != "info" and f.severity != rule.severity:
                f = f.model_copy(update={"severity": rule.severity})
            out.append(f)
        return out

    @classmethod
    def from_policy(cls, path: Path | str | None = None) -> GuardrailEngine:
        return cls(load_policy(path))

    def check(self, text: str, ctx: CheckContext | None = None) -> Report:
        ctx = ctx or CheckContext()
        findings: list[Finding] = []
        checked = text
        if len(text) > MAX_CHECKED_CHARS:
            # Pathological input (issue 12 item 19): every rule reads at most MAX_CHECKED_CHARS, so a pasted
            # megabyte costs what 12,000 characters cost; the rest is blocked, never posted unchecked (whatever
            # the policy's rules say: this guard is not the configurable ``length`` rule).
            checked = text[:MAX_CHECKED_CHARS]
            findings.append(Finding(
                rule="length", severity="block", start=MAX_CHECKED_CHARS, end=len(text),
                message=("Zu lang zum Prüfen: nur die ersten %d Zeichen wurden geprüft." if ctx.ui_language == "de"
                         else "Too long to check: only the first %d characters were checked.") % MAX_CHECKED_CHARS,
                suggestion=None))
        for check in self.checks:
            findings.extend(self._configured(check(checked, ctx)))
        findings = self._recheck_fixes(checked, findings, ctx)
        findings.sort(key=lambda f: (f.severity != "block", f.start, f.rule))
        return Report(passed=not any(f.severity == "block" for f in findings), findings=findings)

    def _recheck_fixes(self, text: str, findings: list[Finding], ctx: CheckContext) -> list[Finding]:
        """Every fix is re-checked before it is offered (issue 14): a fix that changes nothing, whose text still has
        a blocking finding of the same rule, or that newly breaks the channel's length limit is not offered. Each
        distinct fix text is checked once, by the local rules only (no remote judge)."""
        blocking_before = {f.rule for f in findings if f.severity == "block"}
        after: dict[str, set[str]] = {}
        out = []
        for f in findings:
            new = f.fix.replacement_text if f.fix is not None else None
            if new is not None:
                if new not in after:
                    found: list[Finding] = []
                    for check in self.checks:
                        if check.cost < 100:  # the LLM tone judge (cost 100) is not called once per fix
                            found.extend(self._configured(check(new[:MAX_CHECKED_CHARS], ctx)))
                    after[new] = {g.rule for g in found if g.severity == "block"}
                still = after[new]
                if new == text or f.rule in still or ("length" in still and "length" not in blocking_before):
                    f = f.model_copy(update={"fix": None})
            out.append(f)
        return out

    def with_llm_tone_judge(self, model, model_name: str) -> GuardrailEngine:
        """Add the optional LLM tone judge (runs after every rule-based check)."""
        from guardrails.checks.llm_tone import LLMToneJudge

        return GuardrailEngine(self.policy, [*self.checks, LLMToneJudge(model, model_name)])

    def rules(self) -> list[str]:
        return [c.rule_id for c in self.checks]
