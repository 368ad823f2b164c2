"""The reply policy (YAML), validated with pydantic; lexicons compiled once into regexes."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    StringConstraints,
    ValidationError,
    field_validator,
)

from guardrails.contact import ContactData  # noqa: F401  (re-exported: part of the policy)
from guardrails.models import CHANNEL_ID_RX, Language, declare_channels
from guardrails.replies import Mood, ReplyProfile  # noqa: F401  (re-exported: part of the policy)
from guardrails.rules import ConfidentialLeakRule, RelevanceRule, RuleConfig, Rules, ToneRule  # noqa: F401

DEFAULT_POLICY = Path(__file__).with_name("policy.yaml")
LEXICON_KEYS = (
    "apology", "sympathy", "empty", "thin", "specific_info", "request", "specific_question", "instruction",
    "link_purpose", "action", "fact", "hedge", "dead_end", "blame", "condescension", "slang", "profanity",
    "insult", "sarcasm", "greeting", "promise",
)


class PolicyError(ValueError):
    """A policy file problem, naming the file and the key path."""


ChannelId = Annotated[str, StringConstraints(pattern=CHANNEL_ID_RX.pattern)]


class ChannelPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_chars: PositiveInt | None = None
    url_weight: PositiveInt | None = None
    sla_minutes: PositiveInt
    emoji_allowed: bool = True
    visibility: Literal["public", "private"] = "public"


class VoicePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address_form: dict[str, dict[str, Literal["du", "Sie"] | None]] = Field(default_factory=dict)
    signoff: str = r"\^[A-Z]{2,3}\b"
    agent_signoff: str = ""  # the sign-off a draft gets when the agent gives none (e.g. "^CS"); matches ``signoff``
    signoff_required_on: list[str] = Field(default_factory=list)
    greeting_required_on: list[str] = Field(default_factory=list)

    @field_validator("signoff")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return v


class FourEyes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    public_min_followers: int = 10000
    on_override: bool = True


class Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")
    apology: list[str] = Field(default_factory=list)
    sympathy: list[str] = Field(default_factory=list)
    empty: list[str] = Field(default_factory=list)
    thin: list[str] = Field(default_factory=list)
    specific_info: list[str] = Field(default_factory=list)
    request: list[str] = Field(default_factory=list)
    specific_question: list[str] = Field(default_factory=list)
    instruction: list[str] = Field(default_factory=list)
    link_purpose: list[str] = Field(default_factory=list)
    action: list[str] = Field(default_factory=list)
    fact: list[str] = Field(default_factory=list)
    hedge: list[str] = Field(default_factory=list)
    dead_end: list[str] = Field(default_factory=list)
    blame: list[str] = Field(default_factory=list)
    condescension: list[str] = Field(default_factory=list)
    slang: list[str] = Field(default_factory=list)
    profanity: list[str] = Field(default_factory=list)
    insult: list[str] = Field(default_factory=list)
    sarcasm: list[str] = Field(default_factory=list)
    greeting: list[str] = Field(default_factory=list)
    promise: list[str] = Field(default_factory=list)

    @field_validator("*")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for i, pattern in enumerate(v):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"entry {i} {pattern!r} is not a valid regular expression: {exc}") from None
        return v


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    body = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"(?<![\w]){'(?:' + body + ')'}(?![\w])", re.IGNORECASE)


class CompiledLexicon:
    def __init__(self, lex: Lexicon) -> None:
        for key in LEXICON_KEYS:
            setattr(self, key, _compile(getattr(lex, key)))

    def find(self, key: str, text: str) -> list[re.Match[str]]:
        rx = getattr(self, key)
        return list(rx.finditer(text)) if rx else []

    def has(self, key: str, text: str) -> bool:
        rx = getattr(self, key)
        return bool(rx and rx.search(text))


def _check_regexes(v: list[str]) -> list[str]:
    for i, pattern in enumerate(v):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"entry {i} {pattern!r} is not a valid regular expression: {exc}") from None
    return v


class EscalationPolicy(BaseModel):
    """Words that make a message urgent (lawyer, press, a regulator): triage raises urgency and risk."""

    model_config = ConfigDict(extra="forbid")
    words: dict[Language, list[str]] = Field(default_factory=dict)  # regexes, word boundaries added
    regulators: list[str] = Field(default_factory=list)  # names of authorities, matched as words

    @field_validator("words")
    @classmethod
    def _regexes(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for patterns in v.values():
            _check_regexes(patterns)
        return v

    @field_validator("regulators")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        for i, name in enumerate(v):
            if not name.strip():
                raise ValueError(f"entry {i} is empty")
        return v


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    brand: str = ""  # the brand's name as customers write it ({brand} in reply texts); empty = no brand
    # other spellings and handles customers use for the brand ("@Shop_Hilfe"): addressed-to-brand detection
    brand_words: list[str] = Field(default_factory=list)
    # the brand's reference numbers (orders, contracts, bookings): regexes; pseudonymised before an external LLM
    reference_patterns: list[str] = Field(default_factory=list)
    escalation: EscalationPolicy = Field(default_factory=EscalationPolicy)
    contact: ContactData = Field(default_factory=ContactData)
    # upper-case words the brand writes in capitals (product names, acronyms): not shouting
    acronyms: list[str] = Field(default_factory=list)
    replies: ReplyProfile = Field(default_factory=ReplyProfile)
    voice: VoicePolicy = Field(default_factory=VoicePolicy)
    # every channel the brand answers on; a new one (e.g. whatsapp) is one entry here (keys: lower-case ids)
    channels: dict[ChannelId, ChannelPolicy]
    four_eyes: FourEyes = Field(default_factory=FourEyes)
    max_revisions: int = Field(default=2, ge=0, le=10)
    allowed_urls: list[str] = Field(default_factory=list)
    banned_phrases: dict[Language, list[str]] = Field(default_factory=dict)
    lexicons: dict[Language, Lexicon]
    # per rule: enabled, severity (block|warn) and the rule's thresholds (see Rules and docs/formats.md)
    rules: Rules = Field(default_factory=Rules)

    @field_validator("rules", mode="before")
    @classmethod
    def _rules_none(cls, v: object) -> object:
        return {} if v is None else v

    @field_validator("reference_patterns", "allowed_urls")
    @classmethod
    def _regex_list(cls, v: list[str]) -> list[str]:
        return _check_regexes(v)

    @field_validator("acronyms", "brand_words")
    @classmethod
    def _words(cls, v: list[str]) -> list[str]:
        for i, word in enumerate(v):
            if not word.strip():
                raise ValueError(f"entry {i} is empty")
        return v

    # ---- helpers used by the pipeline and the review services ----------------------------------
    def channel(self, channel: str) -> ChannelPolicy:
        return self.channels.get(channel) or ChannelPolicy(sla_minutes=240)  # type: ignore[call-overload]

    def sla_minutes(self, channel: str) -> int:
        return self.channel(channel).sla_minutes

    def channel_limit(self, channel: str) -> int | None:
        return self.channel(channel).max_chars

    def address_form(self, language: str, channel: str) -> Literal["du", "Sie"] | None:
        forms = self.voice.address_form.get(language) or {}
        return forms.get(channel, forms.get("default"))

    def reply_form(self, language: str, channel: str, customer_form: str | None) -> str | None:
        """The German form a reply uses: the customer's, else the channel's default, else "Sie"; None otherwise."""
        if language != "de":
            return None
        return customer_form or self.address_form("de", channel) or "Sie"

    def needs_second_approver(self, visibility: str, followers: int, sentiment: str | float | None,
                              has_override: bool = False) -> bool:
        if has_override and self.four_eyes.on_override:
            return True
        negative = sentiment == "negative" or (isinstance(sentiment, int | float) and sentiment < 0)
        return visibility == "public" and followers >= self.four_eyes.public_min_followers and negative

    @cached_property
    def compiled(self) -> dict[str, CompiledLexicon]:
        return {lang: CompiledLexicon(lex) for lang, lex in self.lexicons.items()}

    @cached_property
    def allowed_url_rx(self) -> re.Pattern[str] | None:
        """The policy's allowed URLs and the official contact URLs (with or without scheme, any sub-path)."""
        patterns = list(self.allowed_urls) + [
            r"(?:https?://)?(?:www\.)?" + re.escape(re.sub(r"^https?://(www\.)?", "", u, flags=re.I).rstrip("/"))
            + r"(?:/[\w./-]*)?"
            for u in self.contact.urls]
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.I) if patterns else None

    @cached_property
    def reference_rx(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.reference_patterns]

    @cached_property
    def escalation_rx(self) -> re.Pattern[str] | None:
        """Escalation words of every language plus the regulators' names (case-insensitive, whole words)."""
        patterns = [p for words in self.escalation.words.values() for p in words]
        patterns += [re.escape(name) for name in self.escalation.regulators]
        return _compile(patterns)

    @cached_property
    def brand_names(self) -> list[str]:
        """The brand's name and its other spellings/handles."""
        return [n for n in [self.brand, *self.brand_words] if n.strip()]

    @cached_property
    def banned_rx(self) -> dict[str, re.Pattern[str] | None]:
        return {lang: _compile([re.escape(p) for p in phrases]) for lang, phrases in self.banned_phrases.items()}

    def lex(self, language: str) -> CompiledLexicon:
        return self.compiled.get(language) or self.compiled["en"]


def parse_policy(data: object, source: str = "policy") -> Policy:
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: the policy must be a mapping of keys")
    try:
        policy = Policy.model_validate(data)
    except ValidationError as err:
        lines = [f"{source}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()]
        raise PolicyError("invalid policy:\n  " + "\n  ".join(lines)) from None
    declare_channels(policy.channels)
    return policy


def _read_yaml(p: Path) -> object:
    try:
        # libyaml's loader when PyYAML has it (same documents, ~15x faster: every CLI start reads the policy)
        return yaml.load(p.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read the policy file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}" if mark else str(p)
        raise PolicyError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None


def _merge(base: dict, over: dict, where: str = "") -> dict:
    """``over`` on top of ``base``: mappings merge key by key, every other value (lists too) replaces, except a key
    written ``name+`` whose list is appended to the base's ``name`` list (a brand adds its own cues to a lexicon
    and keeps every improvement of the default's)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(key, str) and key.endswith("+"):
            name = key[:-1]
            if not isinstance(value, list) or not isinstance(out.get(name, []), list):
                raise PolicyError(f"{where}{key}: '+' appends a list to the list '{name}' of the policy it extends")
            out[name] = [*out.get(name, []), *value]
            continue
        out[key] = (_merge(out[key], value, f"{where}{key}.") if isinstance(value, dict) and isinstance(out.get(key), dict)
                    else value)
    return out


def _resolve(p: Path, chain: tuple[Path, ...] = ()) -> object:
    """The file's data with ``extends: default | <path relative to the file>`` resolved (a brand's policy states
    only what differs from the shipped default: its name, texts, patterns)."""
    if p.resolve() in chain or len(chain) > 5:
        raise PolicyError(f"{p}: extends: the policy files extend each other in a loop")
    data = _read_yaml(p)
    if not isinstance(data, dict) or "extends" not in data:
        return data
    parent = data.pop("extends")
    if not isinstance(parent, str) or not parent.strip():
        raise PolicyError(f"{p.name}: extends: expected 'default' or a path to a policy file")
    base_path = DEFAULT_POLICY if parent.strip() == "default" else (p.parent / parent.strip())
    if not base_path.is_file():
        raise PolicyError(f"{p.name}: extends: no policy file {str(base_path)!r}")
    base = _resolve(base_path, (*chain, p.resolve()))
    if not isinstance(base, dict):
        raise PolicyError(f"{base_path}: the policy must be a mapping of keys")
    try:
        return _merge(base, data)
    except PolicyError as exc:
        raise PolicyError(f"{p.name}: {exc}") from None


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Policy:
    p = Path(path)
    return parse_policy(_resolve(p), p.name)


def load_policy(path: Path | str | None = None) -> Policy:
    """The policy from ``path``, else ``settings.policy_path``, else the installation's ``<data_dir>/policy.yaml``
    (written by the Settings screen or ``replydesk demo``), else the shipped brand-neutral default."""
    if path is None:
        from replydesk.settings import get_settings

        settings = get_settings()
        path = settings.policy_path
        if path is None:
            installed = Path(settings.data_dir) / "policy.yaml"
            path = installed if installed.is_file() else DEFAULT_POLICY
    p = Path(path)
    mtime = p.stat().st_mtime if p.exists() else 0.0
    return _load(str(p.resolve()), mtime)
