"""Drafters: one Protocol (``assistant.models.Drafter``), two engines (composer, LLM)."""
