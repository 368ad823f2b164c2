"""Write ``benchmarks/data/pii_eval.jsonl``: the PII evaluation set for ``benchmarks/bench_pii.py``.

Written before the detector was tuned. Values are synthetic but valid (check digits computed here, phone numbers
that the numbering plans accept); sentences are the kind customers and agents write (German and English). Each row:
``{"id", "split", "lang", "text", "pii": [{"kind", "value"}], "negative": category or null}``.

The split is by *sentence template and value*: dev and holdout use disjoint templates (the ``H`` lists) and
different random values, so tuning on dev cannot learn a holdout sentence. Run: ``python benchmarks/data/make_pii_eval.py``.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.de import idnr, vat

OUT = Path(__file__).with_name("pii_eval.jsonl")
rng = random.Random(20261127)


# ---------------------------------------------------------------------------------------------- value makers

def digits(n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def email() -> str:
    first = rng.choice(["anna", "tom", "j", "maria", "k", "lena", "mehmet", "sophie", "paul", "olga"])
    last = rng.choice(["schmidt", "becker", "doe", "yilmaz", "nowak", "meier", "brown", "rossi", "dubois"])
    sep = rng.choice([".", "_", "", "-"])
    host = rng.choice(["example.org", "mail.example.de", "example.co.uk", "post.example.com", "example.net",
                       "web.example.at"])
    local = f"{first}{sep}{last}" + (str(rng.randint(1, 99)) if rng.random() < 0.3 else "")
    if rng.random() < 0.15:
        local += "+shop"
    value = f"{local}@{host}"
    return value.upper() if rng.random() < 0.08 else value


def spelled_email() -> str:
    first = rng.choice(["anna", "tom", "lena", "mehmet"])
    last = rng.choice(["schmidt", "becker", "yilmaz"])
    host, tld = rng.choice([("example", "org"), ("example", "de"), ("mail-example", "com")])
    style = rng.choice(["(at)", "[at]", " at ", " (at) "])
    dot = {"(at)": ".", "[at]": " [dot] ", " at ": " dot ", " (at) ": " (dot) "}[style]
    return f"{first}.{last}{style}{host}{dot}{tld}".strip()


PHONE_REGIONS = ["DE", "DE", "DE", "AT", "CH", "GB", "US", "FR", "NL", "IT", "ES", "PL", "TR", "SE", "BE", "DK"]


def phone() -> str:
    region = rng.choice(PHONE_REGIONS)
    kind = rng.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
    base = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    for _ in range(200):
        nsn = str(base.national_number)
        keep = max(3, len(nsn) - 5)
        cand = nsn[:keep] + digits(len(nsn) - keep)
        num = phonenumbers.parse("+" + str(base.country_code) + cand)
        if phonenumbers.is_valid_number(num):
            break
    style = rng.random()
    if style < 0.45:
        text = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
    elif style < 0.75:
        text = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    elif style < 0.85:
        text = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    elif style < 0.92:
        text = "00" + phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)[1:]
    else:  # written with a slash or without grouping, as people type national numbers
        nat = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
        compact = "".join(c for c in nat if c.isdigit())
        text = compact[:4] + "/" + compact[4:] if compact.startswith("0") else compact
    return text


IBAN_SEEDS = ["DE89370400440532013000", "AT611904300234573201", "CH9300762011623852957",
              "NL91ABNA0417164300", "GB29NWBK60161331926819", "FR1420041010050500013M02606",
              "ES9121000418450200051332", "IT60X0542811101000000123456", "BE68539007547034", "PL61109010140000071219812874"]


def iban_value(valid: bool = True) -> str:
    while True:
        seed = rng.choice(IBAN_SEEDS)
        country, bban = seed[:2], seed[4:]
        # vary the account part (keep bank codes, so national checks still pass where the format allows)
        tail = list(bban)
        for i in range(len(tail) - 6, len(tail)):
            if tail[i].isdigit():
                tail[i] = rng.choice(string.digits)
        bban = "".join(tail)
        check = std_iban.calc_check_digits(country + "00" + bban)
        number = country + check + bban
        if std_iban.is_valid(number):
            break
    if not valid:
        bad = (int(check) + rng.randint(1, 8)) % 97
        number = country + f"{max(bad, 2):02d}" + bban
        if std_iban.is_valid(number):
            number = country + check + bban[:-1] + str((int(bban[-1]) + 1) % 10)
    style = rng.random()
    if style < 0.4:
        out = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    elif style < 0.65:
        out = number
    elif style < 0.8:
        out = " ".join(number[i:i + 4] for i in range(0, len(number), 4)).lower()
    else:
        out = "-".join(number[i:i + 4] for i in range(0, len(number), 4))
    return out


CARD_PREFIXES = [("4", 16), ("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15), ("37", 15),
                 ("6011", 16), ("65", 16), ("3530", 16), ("36", 14), ("62", 16), ("4", 13)]


def card_value(valid: bool = True) -> str:
    prefix, length = rng.choice(CARD_PREFIXES)
    body = prefix + digits(length - len(prefix) - 1)
    check = luhn.calc_check_digit(body)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    number = body + check
    style = rng.random()
    if length == 15 and style < 0.6:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    if style < 0.5:
        return " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    if style < 0.75:
        return number
    return "-".join(number[i:i + 4] for i in range(0, len(number), 4))


def ip_value() -> str:
    if rng.random() < 0.65:
        first = rng.choice([31, 46, 62, 77, 84, 87, 91, 93, 109, 178, 185, 188, 212, 217])
        return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    groups = [f"{rng.randint(0, 0xffff):x}" for _ in range(8)]
    groups[0] = rng.choice(["2001", "2a02", "2003", "2a01"])
    if rng.random() < 0.5:
        return ":".join(groups)
    return ":".join(groups[:3]) + "::" + ":".join(groups[6:])


def tax_id() -> str:
    while True:
        head = str(rng.randint(1, 9)) + digits(9)
        for c in string.digits:
            if idnr.is_valid(head + c):
                value = head + c
                return rng.choice([value, f"{value[:2]} {value[2:5]} {value[5:8]} {value[8:]}"])


def vat_id() -> str:
    while True:
        head = str(rng.randint(1, 9)) + digits(7)
        for c in string.digits:
            if vat.is_valid("DE" + head + c):
                return rng.choice(["DE" + head + c, "DE " + head + c])


_ALNUM = {c: i for i, c in enumerate(string.digits + string.ascii_uppercase)}


def _731(chars: str) -> str:
    return str(sum(_ALNUM[c] * (7, 3, 1)[i % 3] for i, c in enumerate(chars)) % 10)


def id_card() -> str:
    letters = "CFGHJKLMNPRTVWXYZ"
    body = rng.choice(letters) + "".join(rng.choice(letters + string.digits) for _ in range(8))
    return body + (_731(body) if rng.random() < 0.5 else "")


def _cross(n: int) -> int:
    return sum(int(d) for d in str(n))


def pension_no() -> str:
    area = rng.choice(["12", "13", "15", "23", "24", "28", "38", "42", "53", "65"])
    birth = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(50, 99):02d}"
    letter = rng.choice("ABCDEFGHKLMNPRSTW")
    serial = f"{rng.randint(0, 99):02d}"
    num = area + birth + f"{ord(letter) - 64:02d}" + serial
    check = sum(_cross(int(d) * w) for d, w in zip(num, (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1), strict=True)) % 10
    value = f"{area}{birth}{letter}{serial}{check}"
    return rng.choice([value, f"{area} {birth} {letter} {serial}{check}"])


def health_no() -> str:
    letter = rng.choice(string.ascii_uppercase)
    body = digits(8)
    num = f"{ord(letter) - 64:02d}" + body
    check = sum(_cross(int(d) * (1, 2)[i % 2]) for i, d in enumerate(num)) % 10
    return f"{letter}{body}{check}"


MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]


def date_value(lang: str, year_range=(1940, 2005)) -> str:
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(*year_range)
    style = rng.random()
    if lang == "de":
        if style < 0.5:
            return f"{d:02d}.{m:02d}.{y}"
        if style < 0.7:
            return f"{d}.{m}.{y}"
        if style < 0.9:
            return f"{d}. {MONTHS_DE[m - 1]} {y}"
        return f"{y}-{m:02d}-{d:02d}"
    if style < 0.35:
        return f"{d:02d}/{m:02d}/{y}"
    if style < 0.6:
        return f"{d} {MONTHS_EN[m - 1]} {y}"
    if style < 0.85:
        return f"{MONTHS_EN[m - 1]} {d}, {y}"
    return f"{y}-{m:02d}-{d:02d}"


STREETS_DE = ["Lindenstraße", "Hauptstr.", "Goethestraße", "Am Sonnenhang", "Berliner Straße", "Karl-Marx-Allee",
              "Schillerweg", "Marktplatz", "Bahnhofstr.", "Ringstraße", "Kirchgasse", "Uferweg", "Kastanienallee",
              "Münchner Str.", "Rosenweg", "Am Lindenhof"]
CITIES_DE = ["10969 Berlin", "80331 München", "50667 Köln", "20095 Hamburg", "04109 Leipzig", "70173 Stuttgart",
             "1010 Wien", "8001 Zürich", "60311 Frankfurt am Main", "01067 Dresden"]
STREETS_EN = ["Baker Street", "High St", "Elm Road", "Pennsylvania Avenue", "Oak Lane", "Station Rd", "Maple Drive",
              "Church Street", "Park Avenue", "Mill Lane", "King's Road", "Victoria Street"]
CITIES_EN = ["London NW1 6XE", "Manchester M1 1AE", "Springfield, IL 62704", "Boston, MA 02108", "Leeds LS1 4DY"]


def address(lang: str) -> str:
    if lang == "de":
        street = f"{rng.choice(STREETS_DE)} {rng.randint(1, 140)}{rng.choice(['', '', '', 'a', 'b'])}"
        return street + (f", {rng.choice(CITIES_DE)}" if rng.random() < 0.5 else "")
    street = f"{rng.randint(1, 400)}{rng.choice(['', '', 'B'])} {rng.choice(STREETS_EN)}"
    return street + (f", {rng.choice(CITIES_EN)}" if rng.random() < 0.4 else "")


# ---------------------------------------------------------------------------------------------- templates
# (lang, template); dev templates first, holdout templates (H) after. {v} is the value.

T = {
    "email": (
        [("de", "Meine Mail ist {v}, da könnt ihr mir die Rechnung schicken."),
         ("de", "Schreibt mir bitte an {v}"),
         ("en", "You can email me at {v} if that's easier."),
         ("en", "my email is {v} pls send the label there"),
         ("de", "Hallo, ich bin unter {v} erreichbar."),
         ("en", "Reply to {v}, I don't check DMs much.")],
        [("de", "Kontakt: {v} – bitte nur per Mail."),
         ("en", "Send the invoice to {v} thanks"),
         ("de", "Die Bestätigung ging an {v}, ist aber nie angekommen."),
         ("en", "I changed my address to {v} last week."),
         ("de", "E-Mail-Adresse: {v}")],
    ),
    "phone": (
        [("de", "Du erreichst mich unter {v}."),
         ("de", "Meine Handynummer ist {v}, bitte ruft zurück."),
         ("en", "call me back at {v} after 6pm"),
         ("en", "My mobile is {v}"),
         ("de", "Rückruf bitte unter {v}, ich bin tagsüber zu Hause."),
         ("en", "You can reach me on {v} any time."),
         ("de", "Tel. {v} (ab 18 Uhr)")],
        [("de", "Ruf mich bitte an: {v}"),
         ("en", "phone: {v}"),
         ("de", "Bin erreichbar unter {v}, gerne auch per WhatsApp."),
         ("en", "Please ring me on {v} about the repair."),
         ("de", "Anna Schmidt\n{v}"),
         ("en", "text me at {v} when the engineer is on his way")],
    ),
    "iban": (
        [("de", "Bitte überweist die Erstattung auf IBAN {v}."),
         ("de", "meine IBAN: {v} – Lastschrift bitte darauf umstellen"),
         ("en", "Refund to my account {v} please"),
         ("en", "IBAN {v} EUR was charged twice"),
         ("de", "Kontoverbindung {v} bitte"),
         ("en", "The direct debit should use {v} from now on.")],
        [("de", "Neues Konto: {v}. Bitte ab Juni abbuchen."),
         ("en", "my bank details are {v}"),
         ("de", "Ihr habt von {v} doppelt abgebucht!"),
         ("en", "Use IBAN {v} for the refund, thanks."),
         ("de", "IBAN lautet {v}")],
    ),
    "card": (
        [("de", "Meine Karte {v} wurde doppelt belastet."),
         ("en", "card number {v} exp 09/27"),
         ("de", "Kreditkarte: {v}"),
         ("en", "You charged my Visa {v} twice!"),
         ("de", "Zahlung mit {v} ist fehlgeschlagen.")],
        [("en", "I paid with {v} and got no confirmation."),
         ("de", "Bitte die Karte {v} löschen."),
         ("en", "my credit card {v} was declined"),
         ("de", "Abbuchung über {v} vom 3. Mai stimmt nicht."),
         ("en", "Card on file: {v}")],
    ),
    "ip": (
        [("de", "Mein Router hat die IP {v} und kommt nicht ins Netz."),
         ("en", "My public IP is {v}, can you check the block?"),
         ("de", "Anmeldung von {v} wurde gesperrt.")],
        [("en", "Login attempts came from {v} last night."),
         ("de", "IP-Adresse {v} – bitte freischalten."),
         ("en", "the modem shows {v} as WAN address")],
    ),
    "de_tax_id": (
        [("de", "Meine Steuer-ID ist {v}."), ("de", "Steuerliche Identifikationsnummer: {v}")],
        [("de", "Die Steuer-Identifikationsnummer {v} steht auf der Rechnung, bitte entfernen."),
         ("en", "my German tax ID {v} is on the invoice")],
    ),
    "de_vat_id": (
        [("de", "USt-IdNr. {v} bitte auf die Rechnung."), ("en", "Our VAT ID is {v}.")],
        [("de", "Umsatzsteuer-ID: {v}"), ("en", "please add VAT number {v} to the invoice")],
    ),
    "de_id_card": (
        [("de", "Meine Ausweisnummer ist {v}."), ("de", "Personalausweis-Nr. {v} für die Identifizierung")],
        [("de", "Personalausweisnummer: {v}"), ("en", "my German ID card number is {v}")],
    ),
    "de_pension_no": (
        [("de", "Meine Rentenversicherungsnummer: {v}"), ("de", "Sozialversicherungsnummer {v}")],
        [("de", "SV-Nummer {v} für den Arbeitgebernachweis"), ("en", "my social security number is {v}")],
    ),
    "de_health_no": (
        [("de", "Krankenversichertennummer {v}"), ("de", "meine KVNR ist {v}")],
        [("de", "Versichertennummer: {v}"), ("en", "health insurance number {v}")],
    ),
    "birth_date": (
        [("de", "Ich bin geb. {v}, falls ihr das zur Prüfung braucht."),
         ("de", "Geburtsdatum: {v}"),
         ("en", "I was born on {v}."),
         ("en", "date of birth {v}")],
        [("de", "geboren am {v}, Kundennummer habe ich nicht zur Hand"),
         ("en", "DOB: {v}"),
         ("en", "my birthday is {v} if you need to verify"),
         ("de", "Geburtstag {v}")],
    ),
    "address": (
        [("de", "Bitte liefert an {v}."),
         ("de", "Meine neue Adresse: {v}"),
         ("en", "Please send it to {v}."),
         ("en", "I moved to {v} last month")],
        [("de", "Der Techniker soll zu {v} kommen."),
         ("en", "deliver to {v}, the blue door"),
         ("de", "Wohne jetzt in der {v}"),
         ("en", "My address is {v}")],
    ),
}

MAKERS = {
    "email": lambda lang: email() if rng.random() < 0.8 else spelled_email(),
    "phone": lambda lang: phone(),
    "iban": lambda lang: iban_value(),
    "card": lambda lang: card_value(),
    "ip": lambda lang: ip_value(),
    "de_tax_id": lambda lang: tax_id(),
    "de_vat_id": lambda lang: vat_id(),
    "de_id_card": lambda lang: id_card(),
    "de_pension_no": lambda lang: pension_no(),
    "de_health_no": lambda lang: health_no(),
    "birth_date": lambda lang: date_value(lang),
    "address": address,
}
PER_TEMPLATE = {"email": 5, "phone": 7, "iban": 5, "card": 5, "ip": 4, "birth_date": 3, "address": 4}


# Hard negatives: text with numbers that look like personal data but are not.
def negatives(split: int) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for _ in range(6):
        out += [
            ("de", f"Deine Bestellung {digits(3)}-{digits(7)}-{digits(7)} ist unterwegs.", "order number"),
            ("en", f"Order #{rng.randint(10**9, 10**10 - 1)} was shipped today.", "order number"),
            ("de", f"Bestellnummer {rng.randint(4 * 10**10, 5 * 10**10 - 1)} ist storniert.", "order number"),
            ("en", f"Your case number is {rng.randint(10**6, 10**7 - 1)}, we'll update you by Friday.", "case number"),
            ("de", f"Die Sendungsnummer {digits(20)} findest du in der Versandmail.", "tracking number"),
            ("en", f"Tracking: 1Z{rng.choice(['999AA1', '4E3F21', '12R3X0'])}{digits(10)}", "tracking number"),
            ("de", f"DHL-Sendung JJD{digits(17)} liegt in der Filiale.", "tracking number"),
            ("de", f"Das Paket kommt am {rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.choice([2025, 2026])} "
                   f"zwischen {rng.randint(8, 12)}:00 und {rng.randint(13, 18)}:00 Uhr.", "date"),
            ("en", f"The engineer visits on {date_value('en', (2025, 2026))} at 10:30.", "date"),
            ("de", f"Die Rechnung vom {date_value('de', (2024, 2026))} über {rng.randint(10, 2000)},"
                   f"{rng.randint(0, 99):02d} € ist bezahlt.", "price"),
            ("en", f"The new plan costs ${rng.randint(1, 3)},{rng.randint(100, 999)}.00 per year.", "price"),
            ("de", f"Das Gerät kostet 1.{rng.randint(100, 999)},00 € oder 24 x {rng.randint(20, 80)},99 €.", "price"),
            ("de", f"Deine IBAN {iban_value(valid=False)} ist leider ungültig.", "invalid IBAN"),
            ("en", f"Is {iban_value(valid=False)} a valid IBAN? My bank says no.", "invalid IBAN"),
            ("en", f"The number {card_value(valid=False)} on the flyer is not a card.", "invalid card"),
            ("de", f"Gutscheincode {card_value(valid=False)} funktioniert nicht.", "invalid card"),
            ("en", f"Update to version {rng.randint(1, 15)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}."
                   f"{rng.randint(0, 9999)} fixes the crash.", "version string"),
            ("de", f"Firmware {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)} behebt das WLAN-Problem.",
             "version string"),
            ("en", f"Build {rng.randint(10, 30)}.{rng.randint(0, 9)}.{rng.randint(100, 999)} is rolling out.",
             "version string"),
            ("de", f"Artikelnummer 4{digits(12)} ist wieder lieferbar.", "article number"),
            ("en", f"Serial SN{digits(4)}{rng.choice('ABCDEFGH')}{digits(5)} is covered until 2027.", "serial number"),
            ("de", f"Über {rng.randint(20, 90)}.000 Kunden nutzen den Tarif mit {rng.choice([20, 40, 100])} GB.",
             "count"),
            ("en", f"Speeds up to {rng.choice([100, 250, 500, 1000])} Mbit/s in {rng.randint(12, 400)} cities.",
             "count"),
            ("de", f"Vertrag {rng.choice(['V', 'K', 'R'])}-{rng.randint(2020, 2026)}-{digits(6)} läuft bis "
                   f"{rng.randint(1, 12):02d}/{rng.randint(2026, 2029)}.", "contract number"),
            ("en", f"Invoice {rng.randint(2024, 2026)}{digits(6)} is due on the {rng.randint(1, 28)}th.",
             "invoice number"),
            ("de", f"Die Störung in PLZ {digits(5)} ist seit {rng.randint(8, 20)}:{rng.randint(10, 59)} behoben.",
             "postcode"),
            ("en", f"Screen resolution {rng.choice(['1920x1080', '2560 x 1440', '3840x2160'])} at 144 Hz.", "measure"),
            ("de", f"Zählerstand {rng.randint(10000, 99999)},{rng.randint(0, 9)} kWh am "
                   f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.", "meter reading"),
        ]
    return out


def main() -> None:
    rows = []
    for kind, (dev_templates, holdout_templates) in T.items():
        for split, templates in (("dev", dev_templates), ("holdout", holdout_templates)):
            n = PER_TEMPLATE.get(kind, 4)
            for lang, template in templates:
                for _ in range(n):
                    value = MAKERS[kind](lang)
                    rows.append({"split": split, "lang": lang, "text": template.format(v=value),
                                 "pii": [{"kind": kind, "value": value}], "negative": None})
    # a few sentences carrying two kinds at once
    for split in ("dev", "holdout"):
        for _ in range(8):
            e, p = email(), phone()
            rows.append({"split": split, "lang": "de", "text": f"Kontakt: {e} oder telefonisch {p}",
                         "pii": [{"kind": "email", "value": e}, {"kind": "phone", "value": p}], "negative": None})
            i, a = iban_value(), address("en")
            rows.append({"split": split, "lang": "en", "text": f"Refund to {i} please, and post the form to {a}.",
                         "pii": [{"kind": "iban", "value": i}, {"kind": "address", "value": a}], "negative": None})
        for lang, text, cat in negatives(0):
            rows.append({"split": split, "lang": lang, "text": text, "pii": [], "negative": cat})
    for n, row in enumerate(rows):
        row["id"] = f"pii-{n:04d}"
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({"id": row["id"], **{k: v for k, v in row.items() if k != "id"}},
                                ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows -> {OUT}")


if __name__ == "__main__":
    main()
