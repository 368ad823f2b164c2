"""Write ``benchmarks/data/pii_eval.jsonl``: the PII evaluation set for ``benchmarks/bench_pii.py``.

Written before the detector was tuned. Values are synthetic but valid (check digits computed here, phone numbers
that the numbering plans accept); sentences are the kind customers and agents write (German and English). Each row:
``{"id", "split", "lang", "text", "pii": [{"kind", "value"}], "negative": category or null}``.

The split is by *sentence template and value*: dev and holdout use disjoint templates (the ``H`` lists) and
different random values, so tuning on dev cannot learn a holdout sentence. Run: ``python benchmarks/data/make_pii_eval.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the value makers beside this script, however it is run

from pii_eval_cases import (  # noqa: E402
    address,
    card_value,
    date_value,
    digits,
    email,
    health_no,
    iban_value,
    id_card,
    ip_value,
    pension_no,
    phone,
    rng,
    spelled_email,
    tax_id,
    vat_id,
)

OUT = Path(__file__).with_name("pii_eval.jsonl")

# The value makers (one per kind) and the seeded rng they share with the templates below: pii_eval_cases.py.

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
