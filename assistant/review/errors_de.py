"""Review errors in the UI language: the services raise English; known messages get their German text."""

from __future__ import annotations

import re

_ERRORS = [
    (r"cannot approve: blocked by (.+?) – fix the text \(or apply the suggested fix\) first",
     "Freigabe nicht möglich: blockiert durch {0} – bitte den Text korrigieren (oder die vorgeschlagene Korrektur "
     "übernehmen)."),
    (r"each warning needs a written reason to override: (.+)",
     "Jede Warnung braucht eine schriftliche Begründung zum Übergehen: {0}"),
    (r"this message was already approved or closed by someone else",
     "Diese Nachricht wurde schon von jemand anderem freigegeben oder geschlossen."),
    (r"this message already has an approval that may still be posted",
     "Für diese Nachricht gibt es schon eine Freigabe, die noch gepostet werden kann."),
    (r"four eyes: the author of a reply cannot be its second approver",
     "Vier Augen: Wer eine Antwort verfasst hat, kann sie nicht selbst zweit-freigeben."),
    (r"this reply is not waiting for a second approval any more",
     "Diese Antwort wartet nicht mehr auf eine zweite Freigabe."),
    (r"a reason is required", "Bitte einen Grund angeben."),
    (r"this reply is already posted(?: or being posted)?: it cannot be (rejected|escalated) any more",
     "Diese Antwort ist schon gepostet: sie kann nicht mehr {0} werden."),
    (r"the outcome of posting this reply is unknown \(it is being posted, or an attempt may have reached the "
     r"channel\): it cannot be (rejected|escalated) now\. .*",
     "Ob diese Antwort angekommen ist, ist noch offen (sie wird gerade gepostet, oder ein Versuch hat den Kanal "
     "vielleicht erreicht): sie kann jetzt nicht {0} werden. Bitte warten, bis der Postausgang sie abschließt (er "
     "versucht es mit demselben Idempotenz-Schlüssel, sie wird also nie doppelt gepostet), oder im Kanal "
     "nachsehen, ob sie angekommen ist."),
    (r"(\S+) is editing this message; take over first \(a lead can take it over\) or wait until \S+ is done",
     "{0} bearbeitet diese Nachricht gerade: zuerst übernehmen (das darf eine Teamleitung) oder warten, bis {0} "
     "fertig ist."),
    (r"no follow-up (.+)", "Keine Wiedervorlage {0}."),
    (r"follow-up (\S+) is already done", "Wiedervorlage {0} ist schon erledigt."),
    (r"this message is (\w+): it cannot be (rejected|escalated)",
     "Diese Nachricht ist {0}: sie kann nicht {1} werden."),
    (r"this message is (\w+): nothing to redraft", "Diese Nachricht ist {0}: es gibt nichts neu zu entwerfen."),
    (r"no message (.+)", "Keine Nachricht {0}."),
    (r"no approval (.+)", "Keine Freigabe {0}."),
    (r"unknown engine (.+)", "Unbekannte Engine {0}."),
    (r"not signed in", "Nicht angemeldet."),
    (r"a note needs a text", "Eine Notiz braucht einen Text."),
    (r"a note has at most (\d+) characters", "Eine Notiz hat höchstens {0} Zeichen."),
    (r"(\S+) needs the role (.+?) for this \(has: (.*)\)", "{0} braucht dafür die Rolle {1} (hat: {2})."),
]
_WORDS_DE = {"rejected": "abgelehnt", "escalated": "eskaliert", "or": "oder", "none": "keine"}


def error_text(exc: BaseException | str, lang: str) -> str:
    """A review error in the UI language (the service raises English; known messages get their German text)."""
    from assistant.review.view import (
        STATUS,  # the status names in German (view imports this module at its end)
    )

    msg = str(exc)
    if lang != "de":
        return msg
    for pattern, german in _ERRORS:
        m = re.fullmatch(pattern, msg.strip())
        if m:
            parts = [STATUS.get(g, (None,))[0] or " ".join(_WORDS_DE.get(w, w) for w in g.split(" "))
                     for g in m.groups()]
            return german.format(*parts)
    return "Fehler: " + msg
