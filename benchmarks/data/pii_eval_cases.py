"""Value makers for ``benchmarks/data/make_pii_eval.py``, one per PII kind (e-mail, phone, IBAN, card, IP, German
identifiers, birth date, address): synthetic but valid values (check digits computed here, phone numbers that the
numbering plans accept), written in the formats people use.

All draw from the one seeded :data:`rng`, shared with the script's templates and hard negatives, so the order of
calls fixes the output: keep it.
"""

from __future__ import annotations

import random
import string

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.de import idnr, vat

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
