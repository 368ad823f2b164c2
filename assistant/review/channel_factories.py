"""The built-in posting channels as ``replydesk.channels`` entry points: each a factory ``(settings, db) -> Channel``.

A plugin channel is declared the same way and chosen with ``REPLYDESK_POSTING_CHANNEL=<name>``; without it the
webhook posts when ``REPLYDESK_WEBHOOK_URL`` is set, else the outbox file (see docs/plugins.md)."""

from __future__ import annotations

from assistant.review.channels import OutboxChannel, PostError, WebhookChannel


def outbox_channel(settings, db=None) -> OutboxChannel:
    """One JSON line per approved reply in ``<data_dir>/outbox.jsonl`` (the default)."""
    return OutboxChannel(settings.data_dir / "outbox.jsonl")


def webhook_channel(settings, db=None) -> WebhookChannel:
    """HMAC-signed POST to ``REPLYDESK_WEBHOOK_URL`` with ``REPLYDESK_WEBHOOK_SECRET``."""
    if not settings.webhook_url:
        raise PostError("the webhook channel needs REPLYDESK_WEBHOOK_URL and REPLYDESK_WEBHOOK_SECRET: set both")
    if settings.webhook_secret is None:
        raise PostError("REPLYDESK_WEBHOOK_URL is set but REPLYDESK_WEBHOOK_SECRET is not: set both")
    return WebhookChannel(settings.webhook_url, settings.webhook_secret.get_secret_value())
