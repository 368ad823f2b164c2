"""The built-in drafters as ``replydesk.drafters`` entry points: each a factory ``(policy, settings) -> Drafter``.

A plugin drafter is declared the same way and chosen with ``REPLYDESK_DRAFTER=<name>``: it takes the place of
the LLM (the guardrails judge its drafts, it revises on blocking findings, the composer is the fallback)."""

from __future__ import annotations


def composer(policy, settings=None):
    """The offline composer (always available; the fallback of every other drafter)."""
    from assistant.drafting.composer import ComposerDrafter

    return ComposerDrafter(policy)


def llm(policy, settings):
    """A LangChain chat model behind any OpenAI-compatible API (needs ``OPENAI_API_KEY`` or
    ``REPLYDESK_LLM_BASE_URL``)."""
    from assistant.drafting.llm import LLMDrafter

    if not settings.llm_configured:
        raise RuntimeError("the 'llm' drafter needs OPENAI_API_KEY or REPLYDESK_LLM_BASE_URL "
                           "(e.g. http://127.0.0.1:11434/v1 for Ollama)")
    return LLMDrafter.from_settings(settings)
