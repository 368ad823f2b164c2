"""Written promise set for ``unapproved-promise`` by meaning (issue 11). See README.md next to this file.

Each group: one cited passage (what the composer or an LLM would cite), drafts whose promise that passage states
for this case (paraphrased, German and English, also across languages), drafts that promise money, credit, cost
coverage or a guarantee the passage does not state (another case, more than it says, or a passage that merely
mentions refunds), and drafts that only mention a refund or an option without promising (must not be flagged).
Groups are the cross-validation unit.
"""

GROUPS = [
    # (group id, evidence passage, [supported promises], [unsupported promises], [no promise at all])
    ("p01", "Widerruf: Geräte schickst du nach dem Widerruf mit dem kostenlosen Rücksendeetikett zurück. "
            "Den Kaufpreis erstatten wir innerhalb von 14 Tagen, nachdem das Gerät bei uns eingegangen ist.",
     ["Sobald das Gerät bei uns eingegangen ist, erstatten wir dir den Kaufpreis innerhalb von 14 Tagen.",
      "Once the device has reached us, we refund the purchase price within 14 days."],
     ["Wir erstatten dir zusätzlich die Versandkosten deiner Bestellung.",
      "We will also refund your first month's fee as a goodwill gesture."],
     ["Den Widerruf kannst du online erklären; das Rücksendeetikett findest du in deinem Konto."]),
    ("p02", "Ungewolltes Abo: Bei einem ungewollten Drittanbieter-Abo erstatten wir den Betrag nach Prüfung innerhalb "
            "von 10 Werktagen. Die Drittanbietersperre ist kostenlos.",
     ["Das ungewollte Abo prüfen wir und erstatten dir den Betrag innerhalb von 10 Werktagen.",
      "For the unwanted subscription we check it and refund the amount within 10 working days."],
     ["Die Roaming-Kosten aus deinem Urlaub erstatten wir dir vollständig.",
      "We'll refund you the full amount of your last three invoices."],
     ["Die Drittanbietersperre richtest du in deinem Konto unter Einstellungen ein."]),
    ("p03", "Lost parcel: If the parcel stays lost after the carrier's search, we send you a replacement free of charge.",
     ["If the carrier can't find the parcel, we'll send you a replacement at no cost.",
      "Bleibt das Paket verschollen, schicken wir dir kostenlos Ersatz."],
     ["We will refund the parcel and add a 20 euro voucher for the trouble.",
      "Für die Verspätung schreiben wir dir 15 Euro gut."],
     ["The carrier is searching for the parcel; we'll update you by Friday."]),
    ("p04", "Outage compensation: We credit the compensation automatically on your next invoice once the outage "
            "has been recorded.",
     ["Once the outage is recorded, the compensation is credited automatically on your next invoice.",
      "Die Entschädigung für die Störung schreiben wir dir automatisch auf der nächsten Rechnung gut."],
     ["For the outage we'll waive your monthly fee for the next three months.",
      "Wegen der Störung übernehmen wir die Kosten für deinen neuen Router."],
     ["The outage in your area was fixed at 2 pm; the status page shows details."]),
    ("p05", "Double payment: If you paid twice or too much, the credit shows up on your next invoice. On request we "
            "transfer it within 5–7 working days.",
     ["Because you paid twice, the extra amount is credited on your next invoice.",
      "Den doppelt gezahlten Betrag schreiben wir dir auf der nächsten Rechnung gut, auf Wunsch überweisen wir ihn."],
     ["Because of the mistake, this month's bill is on us.",
      "Für den Ärger zahlst du diesen Monat nichts."],
     ["Your invoice lists every payment we received this month."]),
    ("p06", "Damaged delivery: After your report we send you a replacement free of charge within 3 working days. "
            "Send the damaged item back with the free return label.",
     ["We'll send you a free replacement within 3 working days of your report.",
      "Nach deiner Meldung schicken wir dir innerhalb von 3 Werktagen kostenlos Ersatz."],
     ["We'll also refund the full price of the damaged item on top of the replacement.",
      "Zusätzlich bekommst du einen Gutschein über 25 Euro."],
     ["Please report the damage with a photo in your account."]),
    ("p07", "Refund status: Refunds reach your account within 5–7 working days after approval. You can see the status "
            "of your refund in your account.",
     [],
     ["We will refund you the full amount.",
      "Wir erstatten Ihnen den vollen Betrag.",
      "You'll get your money back for the whole year."],
     ["You can see the status of your refund in your account.",
      "Den Stand Ihrer Erstattung sehen Sie in Ihrem Konto."]),
    ("p08", "Erstattungen: Erstattungen kommen innerhalb von 5–7 Werktagen nach Freigabe auf das hinterlegte Konto. "
            "Fragen zu Erstattungen beantwortet das Abrechnungsteam.",
     [],
     ["Wir erstatten dir die komplette Rechnung.",
      "We'll reimburse the repair costs in full.",
      "Die Kosten für den Techniker übernehmen wir."],
     ["Fragen zu Erstattungen beantwortet dir das Abrechnungsteam per DM."]),
    ("p09", "Repair: Repairs under warranty are free of charge. Outside the warranty we send you a cost estimate first.",
     ["The repair is covered by the warranty, so it's free of charge for you.",
      "Reparaturen in der Gewährleistung sind für dich kostenlos."],
     ["The repair outside the warranty is on us this time.",
      "Auch außerhalb der Garantie übernehmen wir die Reparaturkosten."],
     ["Outside the warranty you'll get a cost estimate before we start."]),
    ("p10", "Premium loan device: Premium customers get a loan device free of charge, shipped within 2 working days.",
     ["As a premium customer you get a free loan device, shipped within 2 working days.",
      "Als Premium-Kunde bekommst du kostenlos ein Leihgerät, verschickt innerhalb von 2 Werktagen."],
     ["We guarantee your repaired phone will be back tomorrow.",
      "Wir garantieren dir, dass die Reparatur morgen fertig ist."],
     ["Your repair is in progress; the workshop expects to finish it this week."]),
    ("p11", "Itemised bill: You can switch on the itemised bill in your account free of charge; it applies from your "
            "next invoice.",
     ["The itemised bill is free; switch it on in your account and it applies from the next invoice.",
      "Den Einzelverbindungsnachweis gibt es kostenlos, er gilt ab der nächsten Rechnung."],
     ["We'll credit you the charges you don't recognise on the bill.",
      "Die unklaren Posten auf deiner Rechnung schreiben wir dir gut."],
     ["Your bill lists each call with date and duration once the itemised bill is on."]),
    ("p12", "Technician no-show: If our technician misses the booked appointment, we credit 20 euros on your next "
            "invoice.",
     ["Since our technician missed the appointment, we'll credit 20 euros on your next invoice.",
      "Weil unser Techniker den Termin verpasst hat, schreiben wir dir 20 Euro auf der nächsten Rechnung gut."],
     ["We'll cover the day of work you lost because of the missed appointment.",
      "Den Verdienstausfall durch den geplatzten Termin übernehmen wir."],
     ["The technician will come on Friday between 8 and 12."]),
    ("p13", "Tariff upgrade: Upgrading is possible any time, free of charge, and applies from the next day.",
     ["You can upgrade any time at no charge; it applies from the next day.",
      "Ein Tarifwechsel nach oben ist jederzeit kostenlos und gilt ab dem nächsten Tag."],
     ["We'll give you the bigger tariff for the price of your current one.",
      "Du bekommst den größeren Tarif drei Monate gratis."],
     ["The bigger tariff has 40 GB and costs 10 euros more per month."]),
    ("p14", "Delivery: Orders arrive in 2–4 working days. Track your parcel with the link in your confirmation.",
     [],
     ["We guarantee that your parcel arrives tomorrow.",
      "Die Versandkosten erstatten wir dir wegen der Verspätung.",
      "Für die lange Wartezeit bekommst du einen Rabatt auf die nächste Bestellung."],
     ["Your parcel is on its way and should arrive within 2–4 working days."]),
    ("p15", "Moving: When you move, we switch your line to the new address; the switch itself is free of charge.",
     ["Switching your line to the new address is free of charge.",
      "Die Umschaltung auf die neue Adresse ist für dich kostenlos."],
     ["We'll cover your costs for the new installation at the new flat.",
      "Die Installation in der neuen Wohnung übernehmen wir komplett."],
     ["Tell us the new address two weeks ahead so we can plan the switch."]),
    ("p16", "Data request: We reply within 1 month, free of charge, via an encrypted download.",
     ["Your data copy is free of charge and comes within a month as an encrypted download.",
      "Die Auskunft ist kostenlos; du bekommst sie innerhalb eines Monats als verschlüsselten Download."],
     ["As an apology for the delay we'll give you a month free.",
      "Als Entschuldigung erlassen wir dir die Grundgebühr für einen Monat."],
     ["You can request a copy of your data in your account settings."]),
]


def rows():
    """(group, evidence, draft, kind) with kind in supported | unsupported | none."""
    for gid, evidence, sup, unsup, none in GROUPS:
        for d in sup:
            yield gid, evidence, d, "supported"
        for d in unsup:
            yield gid, evidence, d, "unsupported"
        for d in none:
            yield gid, evidence, d, "none"
