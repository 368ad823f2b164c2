"""Types that cross the guardrails boundary. Pure data: no storage, no model calls."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Protocol, runtime_checkable

from pydantic import AfterValidator, BaseModel, Field, SkipValidation

Severity = Literal["block", "warn", "info"]
Visibility = Literal["public", "private"]

# Channels and languages, declared once. The built-in channels; a policy adds more under ``channels:`` (e.g.
# ``whatsapp``), and every channel a loaded policy declares becomes a known channel name (``declare_channels``).
CHANNELS: tuple[str, ...] = ("twitter", "facebook", "instagram", "email", "dm")
# The languages the lexicons, detector and reply texts cover (adding one needs lexicons and a detector language).
LANGUAGES: tuple[str, ...] = ("de", "en")
Language = Literal[LANGUAGES]  # type: ignore[valid-type]
CHANNEL_ID_RX = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")  # how a policy may name a channel
_KNOWN_CHANNELS: dict[str, None] = dict.fromkeys(CHANNELS)  # insertion-ordered set


def declare_channels(names) -> None:
    """Make the channels a policy declares known names (called when a policy is loaded)."""
    for name in names:
        _KNOWN_CHANNELS.setdefault(name, None)


def known_channels() -> tuple[str, ...]:
    """The built-in channels and every channel a loaded policy declared, in declaration order."""
    return tuple(_KNOWN_CHANNELS)


def _known_channel(value: str) -> str:
    if value not in _KNOWN_CHANNELS:
        raise ValueError(f"unknown channel {value!r}; known: {', '.join(_KNOWN_CHANNELS)} "
                         "(declare new channels under the policy's channels:)")
    return value


ChannelName = Annotated[str, AfterValidator(_known_channel)]
AddressForm = Literal["du", "Sie"]

RULE_IDS = (
    "no-bare-sorry",
    "dead-end",
    "tone",
    "address-form",
    "pii-public",
    "unsupported-claim",
    "unapproved-promise",
    "length",
    "structure",
    "language",
    "banned-phrase",
    "confidential-leak",
    "relevance",
)


class Fix(BaseModel):
    """A safe automatic fix: offered to the reviewer, never applied silently."""

    label: str
    replacement_text: str  # the whole draft after the fix


class Finding(BaseModel):
    rule: str
    severity: Severity
    message: str
    start: int = 0
    end: int = 0
    suggestion: str | None = None
    fix: Fix | None = None


class CheckContext(BaseModel):
    """What a check may know besides the draft text. Everything optional except channel/visibility."""

    channel: ChannelName = "twitter"
    visibility: Visibility = "public"
    language: Language | None = None  # the customer's language; None = detect from the draft
    address_form: AddressForm | None = None  # None = the policy's default for the language
    customer_name: str | None = None
    customer_message: str | None = None
    evidence: list[str] = Field(default_factory=list)  # texts of cited KB passages + CRM facts
    private_values: list[str] = Field(default_factory=list)  # the customer's PII values from the CRM
    ui_language: Language = "en"
    # Texts that must never reach a customer: the system prompt, internal CRM notes, other customers' data.
    confidential: list[str] = Field(default_factory=list)
    # Every other customer's private values (e-mail, phone, IBAN and references) from the CRM, shared and cached per
    # process (``assistant.customers.other_private_values``); the current customer's own values are told apart.
    other_private_values: SkipValidation[frozenset[str]] = Field(default=frozenset(), exclude=True, repr=False)
    customer_mood: str | None = None  # angry | sarcastic | worried | praise | neutral, as the pipeline read it
    cited: list[str] = Field(default_factory=list)  # titles and texts of the KB passages the reply cites


class Report(BaseModel):
    passed: bool
    findings: list[Finding] = Field(default_factory=list)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "block"]


@runtime_checkable
class Check(Protocol):
    """One rule. ``cost`` orders the engine (cheap first)."""

    rule_id: str
    cost: int

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]: ...
