"""Chatwoot connector: webhook in, the draft as a private note, the approved reply as an outgoing message.

In: Chatwoot's ``message_created`` webhook for an ``incoming`` message. It is verified (Chatwoot's
``X-Chatwoot-Signature: sha256=HMAC(secret, "{X-Chatwoot-Timestamp}.{body}")``, or for Chatwoot versions that do
not sign, a ``?token=`` in the webhook URL) and imported into the inbox idempotently: the inbox's external id
is ``chatwoot:{account}:{conversation}:{message}``, so a repeated delivery is a no-op.

Draft: the message is drafted and checked once (an atomic pending → drafting claim) and the draft goes into
the conversation as a private note (``POST /api/v1/accounts/{a}/conversations/{c}/messages`` with
``private: true``, header ``api_access_token``).

Out: :class:`ChatwootChannel` posts an approved reply as an outgoing message exactly once per approval. The
Chatwoot id of what was posted is remembered (in the message's ``raw``), keyed by the approval's idempotency
key. Chatwoot has no idempotency key of its own, so an attempt whose outcome is unknown (timeout, 5xx, a
process that died mid-post) is reconciled before any retry: the conversation's messages are read and an
outgoing message with the same text created since the first attempt counts as posted. Retries (tenacity) on
429 (honouring ``Retry-After``), 5xx and timeouts; 401/403/404/422 fail at once (the approval is then
``failed`` with the reason, listed for a retry, never dropped).
"""

from assistant.connectors.chatwoot.channel import ChatwootChannel, ChatwootRef, RoutingChannel
from assistant.connectors.chatwoot.client import (
    PREFIX,
    SIGNATURE_MAX_AGE_S,
    ChatwootClient,
    ChatwootError,
    ChatwootSettings,
    parse_retry_after,
)
from assistant.connectors.chatwoot.webhook import (
    ChatwootConnector,
    ChatwootWebhook,
    CWAccount,
    CWConversation,
    CWSender,
    map_channel,
    note_text,
    sign_webhook,
    verify_webhook,
)

__all__ = ["PREFIX", "SIGNATURE_MAX_AGE_S", "CWAccount", "CWConversation", "CWSender", "ChatwootChannel",
           "ChatwootClient", "ChatwootConnector", "ChatwootError", "ChatwootRef", "ChatwootSettings",
           "ChatwootWebhook", "RoutingChannel", "map_channel", "note_text", "parse_retry_after", "sign_webhook",
           "verify_webhook"]
