"""Understanding a message: what is asked (where/when/how/cost/cancel/safety …), in how many parts, in what mood.

Deterministic and explainable (each signal keeps the words that triggered it); German and English. The cue
lists name kinds of question and feeling, not topics of any brand: those come from the knowledge base.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

ASK_CUES: dict[str, re.Pattern[str]] = {k: re.compile(v, re.I) for k, v in {
    "safety": r"\b(phishing|betrug\w*|betrüger\w*|gehackt|hack(ed|er)?|fraud\w*|scam\w*|verdächtig\w*|suspicious|"
              r"fake|gefälscht\w*|echt\??$|genuine|legit\w*|seriös|übernommen|taken over|someone (else )?(logged|got) "
              r"in|fremde[rn]? (hat|haben|abbuchung)|unbekannte[rn]? (abbuchung|anmeldung|login)|stalk\w*|belästig\w*|"
              r"harass\w*|droh\w*|threat\w*|sim[- ]?swap|identitätsdiebstahl|identity theft|seid ihr das|is (this|that) "
              r"(really )?(you|from you)|(ist|kommt) (das|die|diese sms|der anruf) (wirklich |echt )?von euch|"
              r"(is|was) (this|that|it) (really )?from you|angeblich|supposedly|claim(s|ed|ing)? to be|"
              r"saying (he|she|they)('s| is| are) from|without (me|my (consent|permission|knowledge))|"
              r"ohne (mein|meine) (wissen|zustimmung|einverständnis)|ohne mich zu fragen|wasn'?t me|war ich nicht|"
              r"(pin|passwort|password|tan|code|zugangsdaten|login ?daten|bankdaten|kreditkart\w*|credit card|bank details)"
              r"[^.?!]{0,60}(eingegeben|eingetippt|geschickt|schicken|verlangt|wollte|will haben|asked|asking|wants|needs|"
              r"entered|typed|sent|give)|(eingegeben|entered|gave|weitergegeben)[^.?!]{0,40}(pin|passwort|password|tan|"
              r"code|login|daten|details))",
    "cancel": r"\b(kündig\w*|kuendig\w*|cancel\w*|terminat\w*|widerruf\w*|withdraw\w*|vertrag beenden|rauskommen|get out of)",
    "cost": r"(\bkoste\w*|\bpreis\w*|\bgebühr\w*|\bteurer\b|\bbillig\w*|\bzahlen\b|\bhow much\b|\bcost\w*|\bprice\w*|"
            r"\bfees?\b|\bcharge[sd]?\b|€|\beur\b|\beuro\b)",
    "where": r"\b(wo (ist|bleibt|steckt|sind|finde|kann)|wo\?|where(?:'s| is| are| can| do)?|wohin)\b",
    "when": r"\b(wann|bis wann|wie lange|how long|when|noch immer nicht|still (not|hasn't|haven't)|seit \d+ tag\w*|"
            r"for \d+ days|kommt|ankommen|ankommt|arriv\w*|make it|schaff\w*|rechtzeitig|in time)\b",
    "how": r"\b(wie (kann|geht|mache|funktioniert|komme|richte|aktiviere|ändere|bekomme|lade)|how (do|can|to|does)|"
           r"anleitung|einrichten|set ?up|schritt\w*)\b",
    "why": r"\b(warum|wieso|weshalb|why|how come)\b",
    "whether": r"\b(kann (ich|man)|darf (ich|man)|ist es möglich|geht das|gibt es|gibt's|can i|could i|is it possible|"
               r"do you (offer|accept|have)|is there|are there|möglich)\b",
    "status": r"\b(stand|status|update|neuigkeiten|any news|schon was|tut sich|passiert|endlich|schon (da|fertig|"
              r"unterwegs|repariert|verschickt|raus|angekommen|bearbeitet)|already|yet\?|any word)\b",
}.items()}

ANGRY = re.compile(
    r"\b(sauer|wütend|stinksauer|unverschämt\w*|frechheit|katastroph\w*|skandal\w*|(ist|sind|wie) (doch |ja |echt |"
    r"ein )*(ein )?witz\b|lachnummer|"
    r"reicht'?s?|reicht mir|langsam reicht|nervt|genervt|zum kotzen|mies\w*|abzocke|scheiß\w*|schei(ss|ß)e|"
    r"furious|angry|pissed|ridiculous|unacceptable|outrageous|(is|what) a joke\b|useless|worst|terrible|awful|fed up|"
    r"sick of|disgrace\w*|wtf|fuck\w*|sucks|hate)\b", re.I)
# Sarcasm: markers that are sarcastic on their own, and praise words that are sarcastic next to a complaint.
SARCASM = re.compile(
    r"(danke (auch )?für nichts|vielen dank auch|herzlichen dank auch|na (toll|super|klasse|prima)|ganz großes kino|"
    r"thanks for nothing|yeah,? right|(great|toll|super|klasse|prima),? (just|einfach|echt|wirklich) "
    r"(great|toll|super|klasse|prima)|🙄|🙃)", re.I)
IRONIC_PRAISE = re.compile(
    r"(ganz toll|toller service|super service|großartig(er)? service|bravo|glückwunsch|respekt,|läuft ja|"
    r"wie immer super|great job|well done|oh (great|wonderful|fantastic)|love (it )?(when|how)|so (glad|happy) i pay|"
    r"fantastic service|amazing service|schön,? dass|wie schön|👏)", re.I)
WORRIED = re.compile(
    r"\b(sorge\w*|angst|ängstlich|beunruhig\w*|dringend|bitte helft|hilfe\b|panik|worried|worry|scared|afraid|"
    r"concerned|urgent\w*|please help|help me|nervous|was mach(e)? ich (jetzt|nun)|was jetzt|what (do|should) i do|"
    r"weiß nicht,? was|don'?t know what|(need|brauche)\b[^.?!]{0,30}\b(for work|today|dringend|für die arbeit)|"
    r"homeoffice|working from home|gestohlen|geklaut|stolen|hoffentlich|hopefully|in time|rechtzeitig|"
    r"will it make it)\b|[😬😟😩😭😰🙈🥲💀😥😓]", re.I)
# Intensity: each is weak on its own; together (or with a strong cue) they make an angry message.
INTENSE = re.compile(
    r"\b(endlich|immer noch|noch immer|schon wieder|wieder mal|zum \w+ mal|still (not|waiting|haven'?t|hasn'?t|no)|"
    r"yet again|nobody|niemand|nix|nothing (has|is|happens)|(third|fourth|fifth|dritte[nrs]?|vierte[nrs]?|fünfte[nrs]?) "
    r"(time|mal|email|e-mail|ausfall|outage)|seit (fast |über )?(ner|einer|\d+|zwei|drei|vier) (woche|wochen|tag|tage|tagen)|"
    r"for (over )?(\d+|two|three|four) (weeks|days)|explain|ich erwarte|i expect|i want|ich will|hab (echt )?genug|"
    r"unmöglich|impossible|really\?)\b|[😤😡🤬😠👎]|\?\?|\?!|!!", re.I)
PRAISE = re.compile(
    r"\b(danke|dankeschön|vielen dank|super|toll|klasse|perfekt|top|spitze|zufrieden|lob\w*|thanks?|thank you|"
    r"great|awesome|love|lovely|perfect|brilliant|excellent|happy|kudos|shout-?out|bedank\w*|freu\w*|geduldig|"
    r"hilfsbereit|helpful|sorted|nett\w*|freundlich\w*|lifesaver|amazing)\b|[😊🙂😀😃😍👍❤🙏🎉]", re.I)
NEGATIVE = re.compile(
    r"\b(nicht|kein\w*|nie|immer noch|schon wieder|not|no|never|still|again|broken|kaputt|defekt|funktioniert nicht|"
    r"geht nicht|doesn'?t work|not working|ausfall|störung|problem\w*|fehler|verspät\w*|delay\w*|dead|tot|"
    r"endlich|finally|waste\w*|verschwend\w*|forever|ewig)\b|[😡🤬😠👎😤😒😭]",
    re.I)
SHOUT = re.compile(r"\b[A-ZÄÖÜ]{4,}\b")
_SENT = re.compile(r"(?<=[.!?])\s+|\n+|(?<=[?!])(?=\S)")
_GREETING = re.compile(r"^\s*(@\w+\s*)*(hallo|hi|hey|moin|servus|guten (morgen|tag|abend)|sehr geehrte[rs]? [^,]*|"
                       r"liebe[rs]? [^,]*|dear [^,]*|hello)\b(\s*[\w@.-]+){0,3}\s*[,!:]\s*|"
                       r"^\s*(@\w+\s*)*(hallo|hi|hey|moin|servus|hello)\b\s*", re.I)
_SIGNOFF = re.compile(r"^\s*(viele grüße|vg|mfg|mit freundlichen grüßen|lg|liebe grüße|gruß|grüße|best( regards)?|"
                      r"regards|cheers|thanks in advance|danke im voraus|kind regards)\b", re.I)
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{3,}")


class Question(BaseModel):
    text: str  # the part of the message that asks or states it
    asks: list[str] = Field(default_factory=list)  # where, when, how, why, cost, cancel, safety, whether, status
    cues: list[str] = Field(default_factory=list)


class Understanding(BaseModel):
    """What a reply has to answer and how it has to sound."""

    questions: list[Question] = Field(default_factory=list)  # in message order; one per part that asks
    asks: list[str] = Field(default_factory=list)  # all question kinds, most specific first
    mood: str = "neutral"  # angry | sarcastic | worried | praise | neutral
    mood_reason: str = "no strong cues"
    safety: bool = False
    vague: bool = False  # too little content to know what it is about

    def summary(self) -> dict:
        return {"questions": [q.model_dump() for q in self.questions], "asks": self.asks, "mood": self.mood,
                "mood_reason": self.mood_reason, "safety": self.safety, "vague": self.vague}


def _asks(text: str) -> tuple[list[str], list[str]]:
    asks, cues = [], []
    for kind, rx in ASK_CUES.items():
        m = rx.search(text)
        if m:
            asks.append(kind)
            cues.append(m.group(0).strip())
    return asks, cues


def sentences(text: str) -> list[str]:
    body = re.sub(r"(?<!\w)@\w+", " ", text)
    body = re.sub(r"https?://\S+", " ", body)
    out = []
    for part in _SENT.split(body):
        part = _GREETING.sub("", part).strip(" \t-–•*")
        if part and not _SIGNOFF.match(part) and len(_WORD.findall(part)) >= 2:
            out.append(part)
    return out


_ACRONYM = re.compile(r"^(DSL|SIM|ESIM|LTE|WLAN|WIFI|IBAN|SEPA|SMS|PIN|TAN|DHL|DPD|GLS|UPS|EUR|USB|LED|TKG|DSGVO|GDPR|"
                      r"IMEI|PUK|VOIP|FTTH|MBIT|KBIT|OK|OKAY|TV)$")


UPSET = ("angry", "sarcastic")  # moods that count as negative for triage urgency, risk and four eyes


def upset(sentiment: str | None, mood_value: str | None) -> bool:
    """Negative sentiment, or an angry or sarcastic mood whatever the sentiment head reads (urgency, risk, four eyes)."""
    return sentiment == "negative" or mood_value in UPSET


def mood(text: str, sentiment: str | None = None) -> tuple[str, str]:
    """angry | sarcastic | worried | praise | neutral, with the cue that decided it."""
    if m := SARCASM.search(text):
        return "sarcastic", f"sarcasm cue: {m.group(0)}"
    if (m := IRONIC_PRAISE.search(text)) and (NEGATIVE.search(text) or ANGRY.search(text)):
        return "sarcastic", f"praise next to a complaint: {m.group(0)}"
    strong = ANGRY.search(text)
    intense = [x.group(0) for x in INTENSE.finditer(text)]
    shouting = [w for w in SHOUT.findall(text) if not _ACRONYM.match(w)]
    first = (sentences(text) or [text])[0]
    praise_first = (m := PRAISE.search(first)) and not NEGATIVE.search(first) and not strong
    anger = 2 * bool(strong) + len(intense) + len(shouting)
    if praise_first and anger < 3:
        return "praise", f"praise cue: {m.group(0)}"
    if anger >= 2:
        cues = [strong.group(0)] if strong else []
        return "angry", "anger cues: " + ", ".join(cues + intense + shouting)[:80]
    if w := WORRIED.search(text):
        return "worried", f"worry cue: {w.group(0)}"
    if anger and sentiment == "negative":
        return "angry", "anger cues: " + ", ".join(intense + shouting)[:80]
    return "neutral", "no strong cues"


def understand(text: str, sentiment: str | None = None) -> Understanding:
    """Split the message into the parts that ask something; classify each part and the message's mood.

    A part is a question (or a complaint/request) together with the sentences before it that give its context,
    so "My father keeps getting sales calls. Can they be stopped?" stays one part.
    """
    parts = sentences(text)
    questions: list[Question] = []
    buffer: list[str] = []
    for part in parts:
        asks, _ = _asks(part)
        buffer.append(part)
        if "?" in part or asks:
            joined = " ".join(buffer)
            all_asks, cues = _asks(joined)
            questions.append(Question(text=joined, asks=all_asks, cues=cues))
            buffer = []
    if buffer:
        if questions and len(_WORD.findall(" ".join(buffer))) < 12:
            questions[-1].text += " " + " ".join(buffer)  # a closing remark belongs to the last question
        else:
            joined = " ".join(buffer)
            asks, cues = _asks(joined)
            questions.append(Question(text=joined, asks=asks, cues=cues))
    all_asks: list[str] = []
    for q in questions:
        all_asks += [a for a in q.asks if a not in all_asks]
    found_mood, reason = mood(text, sentiment)
    if not all_asks and found_mood in ("angry", "sarcastic") and questions:
        all_asks = ["complaint"]  # an angry message that asks nothing is a complaint about its situation
        questions[0].asks = ["complaint"]
    safety = "safety" in all_asks
    if safety and found_mood in ("angry", "neutral"):
        found_mood, reason = "worried", "a safety concern (fraud, phishing, account takeover)"
    content = _WORD.findall(" ".join(parts))
    return Understanding(questions=questions, asks=all_asks, mood=found_mood, mood_reason=reason,
                         safety=safety, vague=len(content) < 3)
