"""Promise sentences and whether a cited passage states them (``unapproved-promise`` by meaning, issue 11).

A **promise** is a sentence that commits the brand to money, credit, cost coverage or a guarantee for the customer
("we will refund you the full amount", "the repair is on us", "wir übernehmen die Kosten", "dafür zahlst du
nichts"): a benefit cue (the policy's ``promise`` lexicon plus generic cost-coverage phrases, German and English)
in a sentence that is neither a question nor hedged/only a mention ("you can see the status of your refund",
"we'll check whether a credit is possible", "Fragen zu Erstattungen …").

A promise is **supported** when a sentence of the evidence (a cited passage or a record fact) is itself such a
policy statement (benefit cue, not hedged, not a mention) and says the same thing: the cosine of the two
sentences' multilingual embeddings is at least the rule's ``support_threshold``. A passage that merely mentions
refunds has no policy sentence, and a policy for another case ("we refund unwanted subscriptions") is not close to
the promise made ("we refund your roaming charges").
"""

from __future__ import annotations

import re

# generic cost-coverage and benefit phrases beyond the policy's lexicon (both languages, any brand)
BENEFIT_EXTRA = re.compile(
    r"\b(?:on us|on the house|at our (?:own )?(?:cost|expense)|"
    r"(?:cover|pay for|take care of|absorb)(?:s|ed|ing)?\s+(?:\w+\s+){0,3}?(?:costs?|fees?|charges?|bills?|expenses?|repairs?)|"
    r"we(?:'ll| will)\s+(?:cover|pay for|reimburse)|(?:costs?|fees?|charges?)\s+(?:is\s+|are\s+|will\s+be\s+)?(?:covered|waived)|"
    r"money back|(?:won't|will not|don't|do not|never)\s+(?:be\s+)?(?:charged|pay|have to pay)|no (?:extra )?charge|"
    r"at no (?:extra |additional )?cost|costs? (?:you )?nothing|for free|"
    r"free (?:of charge|replacement|repair|loan\w*|months?|upgrade|shipping|delivery)|voucher\w*|guarant\w*|goodwill|"
    r"(?:is|are|ist|sind)\s+(?:\w+\s+){0,2}?(?:free|gratis)|(?:months?|monate?)\s+(?:for\s+)?(?:free|gratis|kostenlos)|"
    r"übernehm\w*\s+(?:wir\s+)?(?:\w+\s+){0,3}?\w*kosten|\w*kosten\s+(?:\w+\s+){0,3}?übernehm\w*|übernehmen wir|"
    r"\w*kosten\s+(?:tragen|zahlen|bezahlen)\s+wir|(?:tragen|zahlen|bezahlen)\s+wir\s+(?:\w+\s+){0,2}?\w*kosten|"
    r"auf uns|auf unsere kosten|zahl\w*\s+(?:\w+\s+){0,3}?nichts|nichts\s+(?:zu\s+)?(?:be)?zahlen|umsonst|"
    r"ohne\s+(?:zusätzliche\s+|weitere\s+)?kosten|nicht\s+(?:in\s+rechnung|berechn)\w*|erlass\w*|gutschein\w*|"
    r"kulanz\w*|garant\w*|geld\s+(?:zurück|wieder)|(?:schreib\w*\s+wir|wir\s+schreib\w*)\s+(?:\S+\s+){0,8}?gut|"
    r"keine\s+(?:zusätzlichen\s+|weiteren\s+)?kosten|zurück(?:zahl|überweis|erstatt)\w*|pa(?:y|id)\s+(?:you\s+)?back|"
    r"wiedergutmachung|(?:wir\s+)?schenk(?:en|e|t)\s+(?:dir|ihnen|euch)|schenk(?:en|e)\s+(?:wir|ich)\s+(?:dir|ihnen|euch)|"
    r"geschenkt|complimentary|"
    r"as\s+a\s+(?:small\s+)?(?:gift|thank[- ]you|gesture)|"
    # waiving a charge ("waive" is in the English promise lexicon) and paying the customer's bill
    r"(?:\w*gebühr\w*|\w*kosten|betrag|beträge)\s+(?:\S+\s+){0,4}?(?:streichen\s+wir|gestrichen)|"
    r"(?:streichen\s+wir|wir\s+streichen)\s+(?:\S+\s+){0,3}?(?:\w*gebühr\w*|\w*kosten|betrag|beträge)|"
    r"we(?:'ll|\s+will)?\s+(?:also\s+|even\s+|then\s+)?pay\s+(?:\S+\s+){0,4}?(?:bills?|invoices?|costs?|fees?|charges?)|"
    r"(?:zahlen|bezahlen|übernehmen)\s+wir\s+(?:\S+\s+){0,4}?\w*rechnung\w*|"
    r"\w*rechnung\w*\s+(?:\S+\s+){0,4}?(?:zahlen|bezahlen|übernehmen)\s+wir|"
    # free for a period, and a price cut by an amount ("free for a year", "ein Jahr gratis", "um 10 EUR günstiger")
    r"free\s+for\s+(?:a|an|one|two|three|six|twelve|\d+)\s+(?:years?|months?|weeks?)|"
    r"(?:ein(?:en)?|zwei|drei|sechs|zwölf|\d+)\s+(?:jahre?|monate?|wochen?)\s+(?:lang\s+)?(?:kostenlos|gratis)|"
    r"um\s+\d[\d,.]*\s*(?:€|eur|euro)\s+(?:\S+\s+){0,3}?(?:günstiger|billiger)|"
    r"(?:\d[\d,.]*\s*(?:€|eur|euros?)|[$£€]\s?\d[\d,.]*)\s+(?:cheaper|less|off)\b|"
    # ... or by a percentage ("wir senken Ihre Grundgebühr um 30 %", "we'll reduce your fee by 20%")
    r"(?:senk|reduzier|reduc|lower|cut)\w*\s+(?:\S+\s+){0,5}?(?:um|by)\s+\d+(?:[,.]\d+)?(?=\s*(?:%|prozent|percent))|"
    r"um\s+\d[\d,.]*\s*(?:%|prozent)\s+(?:\S+\s+){0,3}?(?:günstiger|billiger|weniger)|"
    # a promise or guarantee in so many words, as German "versprechen" in the lexicon ("I promise", "you have our
    # word", "dafür stehen wir gerade")
    r"(?:i|we)\s+promise|(?:^|,)\s*promise(?=\s*(?:[.!,;]|$))|(?:you\s+have\s+)?(?:my|our)\s+word\b|"
    r"(?:stehen\s+wir|wir\s+stehen)\s+(?:\S+\s+){0,3}?gerade)\b",
    re.I)
# Money coming back in a split German verb ("die 49,99 EUR bekommst du … zurück", "zahlen wir dir … zurück"): a
# benefit only when the sentence speaks of money (a device also comes back from repair).
MONEY_BACK = re.compile(r"\b(?:bekomm\w*|erhält\w*|erhalt\w*|krieg\w*|zahl\w*|überweis\w*|buch\w*)\s+"
                        r"(?:\S+\s+){0,6}?zurück\b|"
                        # a charge taken off again ("die Gebühr nehmen wir dir wieder runter")
                        r"\bnehm\w*\s+(?:\S+\s+){0,4}?(?:wieder\s+)?(?:runter|herunter|raus|heraus)\b", re.I)
MONEY = re.compile(r"\d|€|\b(?:eur|euro|cent|geld\w*|betr[aä]g\w*|gebühr\w*|\w*kosten|summe)\b", re.I)
# The cost of reaching the brand is no promise to the customer ("unsere kostenlose Hotline", "erreichst du kostenlos
# unter …", "call us free on …"): a benefit cue inside such a phrase does not count.
CONTACT_FREE = re.compile(
    r"\b(?:kostenlos\w*|gebührenfrei\w*|gratis|free|toll-free)\s+(?:[^\s,;.!?]+\s+){0,2}?(?:\w*hotline|\w*rufnummer|\w*nummer|"
    r"number|phone\s?line|call\w*|anruf\w*)\b|"
    r"\b(?:\w*hotline|\w*rufnummer|number|anruf\w*|call\w*|erreich\w*|ruf\w*)\s+(?:[^\s,;.!?]+\s+){0,4}?"
    r"\(?(?:kostenlos|gebührenfrei|gratis|for\s+free|free\s+of\s+charge|toll-free|free)\b", re.I)
# A refusal is no promise ("we can't waive it", "Roaming erstatten wir leider nicht"): a negation in the clause of
# the benefit cue that is not part of the cue itself ("you won't be charged", "zahlst nichts" are benefits). English
# negates before the verb, and its relative clauses have no commas ("we'll credit the charges you don't
# recognise"), so an English negation counts only before the cue; German sets off relative clauses with commas and
# negates after the verb ("erstatten wir nicht"), so a German one counts anywhere in the clause.
# clause boundaries are punctuation followed by a space ("4,99", "5–7", "8:00" are figures, not boundaries)
CLAUSE = re.compile(r"[,;:]\s+|\s[\u2013\u2014-]\s+|\s(?:but|however|aber|doch|jedoch|sondern)\s", re.I)
NEGATION_EN = re.compile(r"\b(?:not(?!\s+only\b)|never|cannot|unable)\b|n't\b|\bno\s+longer\b", re.I)  # "not only" adds
NEGATION_DE = re.compile(r"\b(?:nicht(?!\s+nur\b)|keine?[nmrs]?|nie)\b", re.I)
# a mention of a benefit, not a statement of it ("the status of your refund", "questions about credits")
MENTION = re.compile(
    r"\b(?:whether|if eligible|apply for|status|questions? (?:about|on)|track|see|ob|beantrag\w*|antrag\w*|"
    r"stand|fragen zu\w*|siehst|sehen sie|"
    # a benefit under a condition not yet met ("a refund depends on our check", "any refund follows after the
    # inspection", "eine etwaige Erstattung", "hängt von der Prüfung ab")
    r"depends? on|depending on|subject to|any (?:refund|credit|compensation|reimbursement)s?|hängt|hängen|abhängig|"
    r"vorbehaltlich|etwaige\w*|gegebenenfalls)\b", re.I)
# an option or a possibility, not a commitment: in a reply any modal; in a passage the brand's own modals
MODAL = re.compile(r"\b(?:can(?!'t|not)|could|may|might|perhaps|maybe|kann|kannst|können|könnt|könnte|könnten|"
                   r"eventuell|vielleicht|möglicherweise)\b", re.I)
BRAND_MODAL = re.compile(
    r"\b(?:we|us)\s+(?:\w+\s+)?(?:can(?!'t|not)|could|may|might)\b|\b(?:can|could|may|might)\s+(?:\w+\s+)?be\b|"
    r"\bwir\s+(?:\w+\s+)?(?:können|könnten)\b|\b(?:können|könnten)\s+wir\b|\b(?:kann|können|könnte)\b.*\bwerden\b|"
    r"\bkann\b.*\bdauern\b|\b(?:perhaps|maybe|eventuell|vielleicht|möglicherweise)\b", re.I)


_NUMBER = re.compile(r"\d+(?:[.,:/–-]\d+)*")


def support_text(sentence: str) -> str:
    """A sentence as compared for support: figures (amounts, days) read alike — whether they match the evidence is
    ``unsupported-claim``'s business; this rule compares what kind of commitment is made for which case."""
    return _NUMBER.sub("0", sentence)


# A benefit that is the object of an assessment is no grant ("our team reviews goodwill credits case by case",
# "wir prüfen eine Gutschrift", "eine Erstattung prüfen wir"): an assessing verb right before the cue (up to three
# words between) or right after it (German verb-second, an English passive). Only verbs assess: "nach der Prüfung
# schreiben wir dir 20 EUR gut" grants. "We checked and refunded it" joins two acts, so "and"/"und", "then"/"dann"
# or a subject between verb and cue end the assessment.
ASSESS = r"(?:review(?:s|ed|ing)?|assess(?:es|ed|ing)?|examin\w*|consider(?:s|ed|ing)?|look(?:s|ing)?\s+into|" \
         r"(?:über)?prüf(?:e|en|st|t|te|ten)|geprüft|begutacht(?:e|en|et)|bewert(?:e|en|et|est))"
_GAP = r"(?:(?!(?:and|und|then|dann|we|wir|i|ich)\b)[^\s,;:.!?]+\s+){0,3}?"
ASSESSED_BEFORE = re.compile(rf"\b{ASSESS}\s+{_GAP}$", re.I)
# after the cue: the rest of its noun and an auxiliary ("goodwill credits are reviewed", "eine Erstattung prüfen wir")
_GAP_AFTER = r"(?:(?!(?:and|und|then|dann|we|wir|i|ich)\b)[^\s,;:.!?]+\s+){0,2}?"
ASSESSED_AFTER = re.compile(rf"^\S*\s+{_GAP_AFTER}{ASSESS}\b", re.I)


def _assessed(sentence: str, a: int, b: int) -> bool:
    return bool(ASSESSED_BEFORE.search(sentence[max(0, a - 60):a]) or ASSESSED_AFTER.match(sentence[b:b + 40]))


def benefit_spans(sentence: str, lexicons=()) -> list[tuple[int, int]]:
    """Spans of benefit cues: the generic phrases and every given ``promise`` lexicon regex (not the ones only
    assessed)."""
    spans = [m.span() for m in BENEFIT_EXTRA.finditer(sentence)]
    if MONEY.search(sentence):
        spans += [m.span() for m in MONEY_BACK.finditer(sentence)]
    for rx in lexicons:
        if rx is not None:
            spans += [m.span() for m in rx.finditer(sentence)]
    spans = [(a, b) for a, b in spans if not _assessed(sentence, a, b)]
    contact = [m.span() for m in CONTACT_FREE.finditer(sentence)]
    if contact:
        spans = [(a, b) for a, b in spans if not any(x <= a and b <= y for x, y in contact)]
    return sorted(spans)


def benefit_clause_spans(sentence: str, lexicons=(), limit: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of the clauses of a sentence that grant a benefit: a benefit cue and no negation outside it;
    only clauses ending at or before ``limit``, when given."""
    out: list[tuple[int, int]] = []
    head = sentence if limit is None else sentence[:limit]
    if not (BENEFIT_EXTRA.search(head) or MONEY_BACK.search(head) or any(rx is not None and rx.search(head)
                                                                         for rx in lexicons)):
        return out  # no benefit cue anywhere (most sentences): no clause to read
    bounds = [(0, 0)] + [m.span() for m in CLAUSE.finditer(sentence)] + [(len(sentence), len(sentence))]
    for (_, start), (end, _) in zip(bounds, bounds[1:], strict=False):
        if limit is not None and end > limit:
            break
        clause = sentence[start:end]
        spans = benefit_spans(clause, lexicons)
        negations = [n for n in NEGATION_EN.finditer(clause) if n.start() < spans[0][0]] if spans else []
        negations += NEGATION_DE.finditer(clause) if spans else []
        if spans and not any(all(n.end() <= a or n.start() >= b for a, b in spans) for n in negations):
            out.append((start, end))
    return out


def benefit_clauses(sentence: str, lexicons=()) -> list[str]:
    """The clauses of a sentence that grant a benefit (``benefit_clause_spans``' text)."""
    return [sentence[a:b].strip() for a, b in benefit_clause_spans(sentence, lexicons)]


def commitment_clauses(sentence: str, lexicons=()) -> list[str]:
    """The clauses of a reply's sentence that promise: a clause granting a benefit with no modal or mention cue in
    it or before it (a condition or hedge ahead of the grant voids it; a follow-up after it does not: "we'll refund
    both bills, you'll see it on your next invoice"); none in a question."""
    s = sentence.strip()
    if not s or s.endswith("?"):
        return []
    # a clause ending after the first modal or mention cue is voided by it: those are not read at all
    cues = [m.start() for m in (MODAL.search(s), MENTION.search(s)) if m is not None]
    limit = min(cues) if cues else None
    return [s[a:b].strip() for a, b in benefit_clause_spans(s, lexicons, limit)]


def is_commitment(sentence: str, lexicons=()) -> bool:
    """A reply's promise: a sentence with at least one ``commitment_clauses`` clause."""
    return bool(commitment_clauses(sentence, lexicons))


def is_policy(sentence: str, lexicons=()) -> bool:
    """A passage's policy statement: a clause granting a benefit, not a mention, not a possibility of the brand's
    ("we may", "kann erstattet werden"); the customer's options ("you can switch it on free of charge") state the
    policy. A refusal ("refunds are not possible for top-ups") states none."""
    s = sentence.strip()
    if not s or s.endswith("?") or BRAND_MODAL.search(s) or MENTION.search(s):
        return False
    return bool(benefit_clauses(s, lexicons))


# When a promise is kept is part of the promise: "your refund will be in your account tomorrow" is not stated by a
# passage that says "within 5–7 working days". A promise naming a moment the evidence never names is unsupported.
WHEN = re.compile(
    r"\b(?:today|tonight|tomorrow|immediately|right\s+away|straight\s+away|within\s+the\s+hour|"
    r"heute|heute\s+abend|(?<!guten\s)morgen|übermorgen|sofort|umgehend|unverzüglich|noch\s+heute)\b", re.I)


def _untimely(sentence: str, evidence_text: str) -> bool:
    return any(m.group(0).lower() not in evidence_text for m in WHEN.finditer(sentence))


# A policy for a customer tier ("Premium customers get a free loaner") states nothing for a customer whose record
# names another tier ("tier: standard"): it is no support for promising that customer the benefit.
_TIERS = r"(?:premium|standard|basic|gold|silver|platinum|business|plus|pro|vip)"
_CUSTOMER_TIER = re.compile(rf"\btier\s*[:=]?\s*({_TIERS})\b", re.I)
_POLICY_TIER = re.compile(rf"\b({_TIERS})[- ]?(?:customers?|kund(?:en|innen|in|e)|members?|mitglied\w*|tier|stufe)\b",
                          re.I)


def customer_tier(evidence) -> str | None:
    """The customer's tier as the record in the evidence states it ("tier: standard"), if it does."""
    for text in evidence:
        if m := _CUSTOMER_TIER.search(text):
            return m.group(1).lower()
    return None


def applies_to(policy_sentence: str, tier: str | None) -> bool:
    """Whether a policy sentence applies to a customer of ``tier``: not when it names other tiers only."""
    named = {m.group(1).lower() for m in _POLICY_TIER.finditer(policy_sentence)}
    return tier is None or not named or tier in named


# Kinds of benefit, each in both languages: a sentence that restates a policy sentence may promise no kind that
# sentence lacks ("… we refund the purchase price, and we'll add a voucher" does not restate a refund policy).
_CONCEPTS = {name: re.compile(rx, re.I) for name, rx in {
    "free": r"\bfree\b|kostenlos|gratis|umsonst|no\s+(?:extra\s+)?(?:cost|charge)|keine\s+(?:\w+\s+)?kosten|ohne\s+(?:\w+\s+)?kosten",
    "refund": r"refund|reimburs|money\s+back|erstatt|zurück(?:zahl|überweis)|geld\s+zurück",
    "credit": r"credit|gutschrift|gutschreib|gutgeschrieben|schreib\w*\s+(?:\S+\s+){0,6}?gut\b",
    "compensation": r"compensat|entschädig",
    "voucher": r"voucher|gutschein|coupon",
    "discount": r"discount|rabatt|\boff\b|günstiger|cheaper|reduc|senk",
    "replacement": r"replac|ersatz|austausch",
    "loan": r"\bloan|leih",
    "waiver": r"waiv|erlass|streich",
    "cover": r"\bcover|übernehm|\bon\s+us\b|auf\s+uns\b|pay\s+for|zahlen\s+wir|bezahlen\s+wir",
    "guarantee": r"guarant|garant",
    "gift": r"\bgift|schenk|geschenk|complimentary",
}.items()}


def _concepts(sentence: str) -> set[str]:
    return {name for name, rx in _CONCEPTS.items() if rx.search(sentence)}


# A sentence at least this close to one policy sentence restates it, whatever its clauses score one by one (a
# translation's clauses score lower than the whole: "Schicken Sie das Tablet mit dem kostenlosen Retourenschein zurück;
# den Kaufpreis erstatten wir …" against "Send the device back with the free return label; we refund …" 0.76, its
# clauses 0.45). 0.70 is where three in four translations of the demo knowledge base's answer blocks (DE/EN
# parallel blocks, 542 pairs: quartiles 0.70 / 0.77 / 0.82) score — measured on the KB, not on any labelled reply.
RESTATES = 0.70


def promise_support(draft: str, evidence, lexicons=()) -> list[tuple[int, int, float]] | None:
    """(start, end, support) for every promise sentence of ``draft``: the best cosine to a policy sentence of the
    evidence. A sentence with one benefit clause takes the better of the whole sentence and that clause (a sentence
    joining a figure and a promise with ";" is supported when the promise clause is; a condition before the promise
    names its case); a sentence with several takes its weakest clause (each promise must be stated). 0.0 without
    any policy sentence; None without the sentence encoder (the caller falls back to words)."""
    from guardrails import meaning

    promises = [(a, b, s) for a, b, s in meaning.sentences(draft) if is_commitment(s, lexicons)]
    if not promises:
        return []
    tier = customer_tier(evidence)
    found = {support_text(s): applies_to(s, tier) for text in evidence for _, _, s in meaning.sentences(text)
             if is_policy(s, lexicons)}
    policy = list(found)
    if not meaning.available():
        return None
    if not policy:
        return [(a, b, 0.0) for a, b, _ in promises]
    units = [[s] + [c for c in commitment_clauses(s, lexicons) if c != s.strip()] for _, _, s in promises]
    flat = [support_text(u) for unit in units for u in unit]
    matrix = meaning.similarity(meaning.vectors(flat), meaning.vectors(policy))
    # a promise made to this customer ("you get a free loaner") is not stated by a policy for another tier; a
    # sentence naming the tier itself ("Premium-Kunden bekommen …") restates that policy and is compared with all
    own = [not _POLICY_TIER.search(u) for unit in units for u in unit]
    applicable = [found[p] for p in policy]
    if tier is not None and not all(applicable):
        import numpy as np

        matrix = np.where(np.outer(own, np.logical_not(applicable)), -1.0, matrix)
    sims = matrix.max(axis=1)
    nearest = matrix.argmax(axis=1)
    evidence_text = " ".join(evidence).lower()
    out, i = [], 0
    for (a, b, sentence), unit in zip(promises, units, strict=True):
        best = sims[i:i + len(unit)]
        whole, clauses = float(best[0]), best[1:]
        support = max(whole, float(clauses[0])) if len(clauses) == 1 else float(clauses.min()) if len(clauses) else whole
        if len(clauses) > 1 and whole >= RESTATES and _concepts(sentence) <= _concepts(policy[int(nearest[i])]):
            support = max(support, whole)  # it restates one policy sentence and promises no kind of benefit it lacks
        if _reports_record(sentence, evidence):
            support = 1.0
        out.append((a, b, 0.0 if _untimely(sentence, evidence_text) else support))
        i += len(unit)
    return out


# A benefit the customer's record already grants ("claim C-41208 approved: refund"), reported as such ("your refund
# claim has been approved", "Ihre Erstattung ist freigegeben"), is the record's, not a new promise: the sentence and a
# record line both say it is approved, and the sentence names no kind of benefit that line lacks.
# A policy that grants on a condition ("once your claim is approved, we refund …") states no approval.
_APPROVED = re.compile(r"\b(?:approved|granted|accepted|genehmigt|freigegeben|bewilligt|anerkannt)\b", re.I)
_CONDITION = re.compile(r"\b(?:if|once|when|after|unless|sobald|wenn|falls|nachdem|sofern)\b", re.I)


def _reports_record(sentence: str, evidence) -> bool:
    if not _APPROVED.search(sentence):
        return False
    kinds = _concepts(sentence)
    return bool(kinds) and any(_APPROVED.search(e) and not _CONDITION.search(e) and kinds <= _concepts(e)
                               for e in evidence)
