"""``confidential-leak``: no part of the system prompt, internal notes or other customers' data in a reply.

Matching runs on a normalised copy of the draft (offsets kept), so a disguised value is still the value: Unicode
NFKC, zero-width characters removed, Cyrillic/Greek look-alike letters read as Latin, lower case; for private values
also "at"/"dot" spellings of e-mail addresses ("thomas dot becker at example dot org", "thomas(at)example.org"),
digits written as words ("null eins fünf eins …", "one five one …") and spaced or lower-case IBANs and references.

By meaning (issue 11): a translated or paraphrased note or system prompt shares no six words with it, so each
sentence of the draft (and each pair of neighbouring sentences) is also compared with each sentence of the
confidential texts, and with a short text (a note) as a whole, by the cosine of their multilingual sentence
embeddings (``guardrails.meaning``; German and English land close). A draft sentence at or above
``meaning_threshold`` (policy ``rules: {confidential-leak: {meaning_threshold: …}}``) is a leak. The default was
calibrated by grouped cross-validation on a written set of translated/paraphrased leaks and innocent replies on
the same topics (``tests/guardrails/data/leak_meaning.py``, ``benchmarks/bench_meaning_rules.py``). Only
confidential texts of the current conversation (the customer's own notes, the system prompt) are compared by
meaning; other customers' values are matched exactly.
"""

from __future__ import annotations

import re
from functools import lru_cache

from guardrails.checks.base import finding, msg
from guardrails.models import CheckContext, Finding
from guardrails.policy import Policy
from guardrails.value_match import WORD, index_of, normalise, small_index, value_view

# A reply that talks about its own prompt or instructions, or cites what internal notes say, is disclosing them,
# whatever follows. Adding a note ("I've left an internal note for my colleagues") is no disclosure: only citing
# one ("laut interner Notiz …", "the agent notes say …") is.
_NOTE = r"(?:interne[nrms]?\s+|agent\w*-?\s*|mitarbeiter-?\s*|crm-?\s*)(?:notiz|notizen|vermerk\w*|anmerkung\w*|kommentar\w*)"
_NOTE_EN = r"(?:internal|agent|staff|crm|case|account)\s+(?:notes?|memos?|comments?|remarks?)"
DISCLOSURE = re.compile(
    r"\b(?:my (?:system )?(?:prompt|instructions)|system[\s-]?prompt|mein\w{0,2} (?:system-?)?(?:prompt|anweisung\w*|"
    r"instruktion\w*)|systemprompt|systemanweisung\w*|"
    # hidden rules of one's own, the text above the conversation ("my hidden rules: …", "here's everything above")
    r"(?:my|meine\w?)\s+(?:hidden|secret|internal|confidential|geheime\w?|interne\w?|versteckte\w?|vertrauliche\w?)\s+"
    r"(?:rules|instructions|guidelines|prompt|regeln|anweisungen|vorgaben|richtlinien)|"
    r"(?:here(?:'s| is| are)|hier (?:ist|sind|kommt|kommen))\s+(?:everything|all|the text|the instructions|alles|der text|"
    r"die anweisungen)\s+(?:above|oben|darüber|before this|davor)|"
    # an internal note or the customer file cited: "this agent note on your account: '…'", "In Ihrer Kundenakte steht"
    rf"{_NOTE_EN}\s+(?:on (?:your|the) (?:account|file|case)\s*)?(?=[:\"'„“‚‘«])|"
    rf"{_NOTE}\s*(?=[:\"'„“‚‘«])|"
    r"(?:in|laut|gemäß)\s+(?:ihrer|deiner|der|unserer)\s+(?:kunden)?akte\w*\s+(?:steht|stehen|heißt es|ist\s+vermerkt)|"
    r"(?:your|the)\s+(?:customer\s+)?file\s+(?:says|states|notes|shows|reads)|in your file,?\s+it\s+says|"
    r"(?:i(?:'ve| have)? been|i was|i am|i'm) (?:instructed|programmed) (?:not )?to|"
    # told what to do ("I was told to answer every item …", "I've been told internally to push …")
    r"(?:i(?:'ve| have)? been|i was) told (?:internally )?(?:not )?to|(?:we|i)(?:'ve| have)? been told internally|"
    r"(?:mir|uns) wurde (?:intern )?(?:gesagt|aufgetragen|vorgegeben),? (?:dass )?(?:ich|wir) (?:\w+ )?(?:soll|solle|sollen)|"
    r"man hat (?:mir|uns) (?:intern )?(?:gesagt|aufgetragen),? (?:dass )?(?:ich|wir) (?:\w+ )?(?:soll|solle|sollen)|"
    r"(?:ich (?:wurde|bin)|(?:wurde|bin) ich) (?:\w+ )?(?:angewiesen|instruiert)|man hat mich (?:\w+ )?angewiesen|"
    rf"(?:laut|gemäß|nach|in|aus)\s+(?:de[rnm]\s+|unsere[rnm]?\s+|einer\s+)?{_NOTE}|"
    rf"{_NOTE}\s+(?:\w+\s+)?(?:sagt|sagen|besagt|besagen|steht|stehen|zeigt|zeigen|lautet|vermerkt)|"
    rf"(?:according to|as per|per|in)\s+(?:the\s+|our\s+|my\s+|your\s+)?{_NOTE_EN}|"
    rf"{_NOTE_EN}\s+(?:on (?:your|the) (?:account|file|case)\s+)?(?:say|says|said|state|states|show|shows|mention|"
    r"mentions|read|reads|describe|describes)|"
    # notes without "internal": cited by what they say, not merely named ("in der Notiz an den Kurier")
    r"(?:laut|gemäß|nach)\s+(?:de[rnm]\s+|unsere[rnm]?\s+|meine[rnm]?\s+)?(?:notiz|notizen|vermerke?n?)|"
    r"(?:unsere[rnm]?|meine[rnm]?|den|die)\s+(?:notiz|notizen|vermerke?)\s+(?:\w+\s+)?(?:sagt|sagen|besagt|besagen|"
    r"zeigt|zeigen|steht|stehen)|"
    r"according to (?:our|my|the) notes|(?:our|my|the) notes (?:say|says|show|shows|mention|mentions|state|states|"
    r"indicate|indicates)|(?:flagged|noted|listed) in (?:our|the) notes|"
    # the customer labelled by an internal flag ("you're flagged as a VIP", "Sie sind bei uns als … vermerkt")
    r"(?:you(?:'re| are)|du bist|sie sind)\s+(?:bei uns\s+|intern\s+|in our \w+\s+)?(?:(?:als|as)\s+(?:\S+\s+){0,4}?)?"
    r"(?:flagged|vermerkt|eingestuft)|"
    # one's own configuration ("ich bin so eingestellt, dass ich …", "I'm set up to …") and what one's guidelines
    # say ("… my guidelines, but basically they tell me to …")
    r"(?:ich bin|bin ich|i'?m|i am|i(?:'ve| have) been)\s+(?:so\s+|here\s+)?(?:eingestellt|konfiguriert|programmiert|"
    r"configured|set\s+up|designed)\s*,?\s*(?:dass|to|so that)|"
    r"(?:guidelines|rules|instructions|richtlinien|regeln|vorgaben|anweisungen)\b[^.!?\n]{0,40}?\b(?:they|sie)\s+"
    r"(?:tell|ask|want|require|instruct|sagen|verlangen)\s+(?:me|mir|mich)|"
    # a colleague's, technician's or team's remark quoted or cited ("the technician's visit report reads: '…'", "our
    # fraud team's note on your account says …", "our retention notes flag your account as …", "in unserem System ist
    # bei Ihnen vermerkt: …")
    r"(?:technician|engineer|agent|staff|courier|driver|colleague|techniker\w*|monteur\w*|mitarbeiter\w*|kolleg\w+)"
    r"(?:'s|s'|s)?\s+(?:\w+\s+)?(?:report|notes?|log|remarks?|bericht|protokoll|notiz\w*|vermerk\w*)\s+"
    r"(?:reads|says|states|lautet|sagt|besagt)(?=\s*:?\s*[\"'„“‚‘«])|"
    r"(?:techniker|monteur|mitarbeiter|kolleg)\w*(?:bericht|protokoll|notiz|vermerk)\w*\s+(?:lautet|sagt|besagt)"
    r"(?=\s*:?\s*[\"'„“‚‘«])|"
    r"(?:team|department|abteilung)(?:'s|s')?\s+notes?\s+(?:on (?:your|the) (?:account|file|case)\s+)?(?:say|says|reads|"
    r"states|mentions)|notes?\s+on\s+your\s+(?:account|file|case)\s+(?:say|says|reads|states)|"
    r"notes?\s+(?:flag|flags|mark|marks|list|lists|describe|describes)\s+(?:you|your\s+(?:account|file|case))|"
    r"(?:in unserem|im)\s+system\s+(?:ist|steht|wurde|sind)\s+(?:\S+\s+){0,3}?(?:vermerkt|notiert)|"
    r"(?:our|the)\s+system\s+(?:has\s+you\s+(?:down|flagged|noted)(?:\s+as)?|notes|says)(?=\s*[:\"'“‘])|"
    # rules of one's own that forbid or require ("meine Regeln verbieten mir …", "my guidelines don't allow …")
    r"(?:my|meine)\s+(?:rules|regeln|richtlinien|guidelines|programming|programmierung)\s+(?:[\w']+\s+)?"
    r"(?:verbiet\w*|erlaub\w*|besag\w*|verlang\w*|forbid\w*|allow\w*|prevent\w*|require\w*|say|says|tell\w*))\b",
    re.I)
# A quoted role definition is a system prompt quoted ("„SYSTEM: Du bist …", "'You are ReplyDesk for …'").
QUOTED_ROLE = re.compile(
    r"(?i:[\"'„“‚‘«»]\s*(?:system:\s*)?(?:you are|you're|du bist|sie sind)\s+(?:[\w-]+\s+){0,3}?"
    r"[\w-]*(?:assistant|assistent|bot|agent|hilfe|helper|support|service|kundenservice|\bai\b|\bki\b|for\b|für\b))"
    r"|(?<![\w])SYSTEM:\s")
# Machine identifiers of a confidential text (the system prompt's "knowledge_gap", "<data>", "PASSAGES", a note's
# canary token) never belong in a reply: each is a short secret of its own.
IDENTIFIER = re.compile(r"(?<![\w<])(?:[a-z]+_[a-z_]+|<[a-z]+>|[A-Z][A-Z_]{6,})(?![\w>])")
SHINGLE = 6  # six consecutive words shared with a confidential text is a leak

@lru_cache(maxsize=512)
def _norm_words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(normalise(text).text))


def _shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    words = _norm_words(text)
    return {words[i:i + n] for i in range(max(0, len(words) - n + 1))}


class ConfidentialLeak:
    rule_id = "confidential-leak"
    cost = 3

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.official = small_index(tuple(policy.contact.values())).keys()
        self.shingle = policy.rules.confidential_leak.shingle_words  # SHINGLE unless the policy says otherwise
        self.meaning_threshold = policy.rules.confidential_leak.meaning_threshold  # 0 or above 1: off
        self.meaning_severity = policy.rules.confidential_leak.meaning_severity
        self.meaning_block = policy.rules.confidential_leak.meaning_block_threshold

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        out = [(m.start(), m.end()) for rx in (DISCLOSURE, QUOTED_ROLE) for m in rx.finditer(draft)]
        others = ctx.other_private_values
        if not ctx.confidential and not others and not out:
            return []
        norm = normalise(draft)
        lower = norm.text
        short: list[str] = []
        if ctx.confidential:
            shingle = self.shingle
            draft_words = list(WORD.finditer(lower))
            draft_shingles = {}
            for i in range(max(0, len(draft_words) - shingle + 1)):
                key = tuple(w.group(0) for w in draft_words[i:i + shingle])
                draft_shingles.setdefault(key, norm.span(draft_words[i].start(), draft_words[i + shingle - 1].end()))
            for text in ctx.confidential:
                text = text.strip()
                if not text:
                    continue
                # short secrets (a canary token, a note) must not appear at all, however disguised
                if len(WORD.findall(text)) < shingle and len(text) >= 6:
                    secret = normalise(text).text
                    pos = lower.find(secret)
                    if pos >= 0:
                        out.append(norm.span(pos, pos + len(secret)))
                    short.append(text)
                    continue
                for sh in _shingles(text, shingle) & set(draft_shingles):
                    out.append(draft_shingles[sh])
            for ident in _identifiers(tuple(ctx.confidential)):
                haystack = draft if ident.isupper() else lower  # upper-case tokens only as written: "PASSAGES"
                for m in re.finditer(r"(?<![\w<])" + re.escape(ident if ident.isupper() else ident.lower()) + r"(?![\w>])",
                                     haystack):
                    out.append((m.start(), m.end()) if ident.isupper() else norm.span(m.start(), m.end()))
        if short or others:
            view = value_view(norm)
            own_values = (*ctx.private_values, *([ctx.customer_name] if ctx.customer_name else []))
            own = small_index(tuple(own_values)).keys() if own_values else set()
            others_index = index_of(others) if others else None
            indexes = ([small_index(tuple(short))] if short else []) + ([others_index] if others_index else [])
            for index in indexes:
                for key, a, b in index.find(view):
                    # the customer's own data and the brand's official contact data are not someone else's
                    if index is others_index and (key in own or key in self.official or _core_in(key, own)):
                        continue
                    out.append(view.span(a, b))
        by_meaning: list[tuple[int, int]] = []
        if ctx.confidential and 0 < self.meaning_threshold <= 1:
            by_meaning = [span for span in meaning_leaks(draft, ctx.confidential, self.meaning_threshold)
                          if not any(a <= span[0] < b for a, b in out)]
        if by_meaning and 0 < self.meaning_block <= 1:  # nearly the same meaning: a leak, not a question
            out += [span for span in meaning_leaks(draft, ctx.confidential, self.meaning_block)
                    if not any(a <= span[0] < b for a, b in out)]
            by_meaning = [span for span in by_meaning if not any(a <= span[0] < b for a, b in out)]
        spans: list[tuple[int, int]] = []
        for a, b in sorted(set(out)):  # overlapping hits are one leak ("thomas.becker@…" holds the name too)
            if spans and a < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
            else:
                spans.append((a, b))
        found = [finding(self.rule_id, "block",
                         msg(ctx, "Vertrauliche Inhalte (Systemanweisung, interne Notiz oder fremde Daten) in der Antwort.",
                             "Confidential content (system prompt, internal note or someone else's data) in the reply."),
                         s, e) for s, e in spans[:5]]
        return found + [finding(self.rule_id, self.meaning_severity,
                                msg(ctx, "Sinngemäß wie eine interne Notiz oder die Systemanweisung: prüfen, ob hier "
                                         "Vertrauliches steht.",
                                    "Says what an internal note or the system prompt says: check that nothing "
                                    "confidential is disclosed."),
                                s, e) for s, e in sorted(set(by_meaning))[:3]]


@lru_cache(maxsize=64)
def _identifiers(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({m.group(0) for text in texts for m in IDENTIFIER.finditer(text)}))


def _core_in(run: str, own: set[str]) -> bool:
    """A digit run that contains one of the customer's own numbers is the customer's own."""
    return run.isdigit() and any(k.isdigit() and k in run for k in own)


MEANING_WHOLE_CHARS = 400  # a confidential text this short (a note) is also compared as a whole


def _confidential_units(texts: tuple[str, ...]) -> list[str]:
    from guardrails import meaning

    units: list[str] = []
    for text in texts:
        units += [s for _, _, s in meaning.sentences(text)]
        whole = " ".join(text.split())
        if len(whole) <= MEANING_WHOLE_CHARS and len(whole.split()) >= 2:
            units.append(whole)
    return list(dict.fromkeys(units))


def leak_scores(draft: str, confidential: list[str]) -> list[tuple[int, int, float]]:
    """(start, end, best cosine to any confidential unit) for each draft sentence and pair of neighbouring
    sentences; empty when there is nothing to compare or no encoder."""
    from guardrails import meaning

    sents = meaning.sentences(draft)
    units = _confidential_units(tuple(t for t in confidential if t and t.strip()))
    if not sents or not units:
        return []
    spans = [(a, b, s) for a, b, s in sents]
    spans += [(a1, b2, f"{s1} {s2}") for (a1, _, s1), (_, b2, s2) in zip(sents, sents[1:], strict=False)]
    dv = meaning.vectors([s for _, _, s in spans])
    cv = meaning.vectors(units)
    if dv is None or cv is None:
        return []
    best = meaning.similarity(dv, cv).max(axis=1)
    return [(a, b, float(x)) for (a, b, _), x in zip(spans, best, strict=True)]


def meaning_leaks(draft: str, confidential: list[str], threshold: float) -> list[tuple[int, int]]:
    """Spans of the draft that say what a confidential text says (translated or paraphrased)."""
    hits = sorted((a, b) for a, b, x in leak_scores(draft, confidential) if x >= threshold)
    out: list[tuple[int, int]] = []
    for a, b in hits:  # a pair of sentences and its parts: keep the shortest span at each start
        if out and a < out[-1][1]:
            continue
        out.append((a, b))
    return out
