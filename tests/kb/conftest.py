from __future__ import annotations

import pytest

from knowledge_base.models import ArticleIn, ReplyBlock


def make_articles() -> list[ArticleIn]:
    def blocks(prefix: str) -> list[ReplyBlock]:
        return [ReplyBlock(id=f"{prefix}-en", language="en", kind="answer", text="See the article.")]

    return [
        ArticleIn(id="delivery-delayed", title="Lieferung verspätet", language="de", status="published",
                  tags=["delivery"], blocks=blocks("a"),
                  body="## Lieferzeit\nBestellungen aus dem Shop kommen in 2–4 Werktagen. Pakete werden mit DHL "
                       "verschickt.\n\n## Sendungsverfolgung\nDen Stand der Sendung siehst du unter "
                       "funkwerk.example/sendung. Ist das Paket nach 7 Tagen nicht da, forschen wir beim "
                       "Versanddienst nach."),
        ArticleIn(id="password-reset", title="Passwort zurücksetzen", language="de", status="published",
                  tags=["account"], body="## So geht's\nKlicke in Mein FunkWerk auf 'Passwort vergessen'. Du "
                  "bekommst eine E-Mail mit einem Link, der 24 Stunden gilt."),
        ArticleIn(id="roaming-outside-eu", title="Roaming outside the EU", language="en", status="published",
                  tags=["roaming"], body="## Travel packs\nOutside the EU, calls and data are charged per use. "
                  "Book a travel pack in the FunkWerk App before your trip to the USA, Turkey or Switzerland."),
        ArticleIn(id="invoice-explained", title="Rechnung verstehen", language="de", status="published",
                  tags=["billing"], body="## Aufbau\nDie Rechnung zeigt Grundgebühr, Verbindungen und "
                  "Drittanbieter-Leistungen. Sie steht jeden Monat am 5. in Mein FunkWerk bereit."),
        ArticleIn(id="secret-draft", title="Unveröffentlichter Entwurf zur Lieferung", language="de",
                  status="draft", body="Lieferung Paket Sendung verspätet Entwurf."),
        ArticleIn(id="wifi-calling", title="WiFi calling", language="en", status="published", channels=["email"],
                  body="## WiFi calling\nMake calls over WiFi when the mobile signal indoors is weak."),
    ]


@pytest.fixture
def kb(db, tmp_path):
    from knowledge_base.service import KnowledgeBase
    from replydesk.settings import Settings

    knowledge = KnowledgeBase(db, Settings(data_dir=tmp_path / "data"))
    knowledge.store.save_many(make_articles())
    knowledge.sync()
    return knowledge
