"""Policy guardrails: pure checks of a draft's text against the brand's policy."""
