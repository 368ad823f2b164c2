"""500 messages through the LLM engine against a loopback OpenAI-compatible server that injects faults at random
(429, 500, 503, malformed and truncated bodies, empty answers, answers slower than the timeout). Every message
must end with a draft (LLM or composer fallback, reason stored) or an explicit error state; retries are bounded."""

from __future__ import annotations

import json
import random

from sqlalchemy import func, select

from assistant.drafting.llm import LLMDrafter
from assistant.inbox import InboundIn, import_messages
from assistant.orm import Draft, Message
from assistant.pipeline import Pipeline
from assistant.worker import drain
from replydesk.settings import Settings
from tests.support.openai_server import FakeOpenAIServer

GOOD = json.dumps({"reply": "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung "
                            "bis morgen. ^FW", "cited_passages": []})
N = 500


def test_500_messages_under_random_llm_faults(env):
    rng = random.Random(500)
    faults = [("429", 0), ("500",), ("503",), ("malformed",), ("truncated",), ("empty",), ("sleep", 0.5, GOOD)]
    db = env["db"]
    import_messages(db, [InboundIn(id=f"fault-{i}", channel="twitter", visibility="public", author="@anna_s",
                                   text="@FunkWerk mein Paket ist seit 5 Tagen unterwegs, wo bleibt es?")
                         for i in range(N)])
    with FakeOpenAIServer(default=lambda _p: GOOD) as server:
        # 40 % of all requests fail in one of seven ways; the rest answer well
        for _ in range(N * 3):
            server.script.append(rng.choice(faults) if rng.random() < 0.4 else ("ok", GOOD))
        settings = Settings(data_dir=env["settings"].data_dir, llm_base_url=server.base_url, llm_model="gpt-4o-mini",
                            llm_timeout_s=0.3, llm_max_retries=3)
        drafter = LLMDrafter.from_settings(settings)
        drafter.max_wait_s = 0.01  # keep the test fast; the backoff logic itself is tested elsewhere
        p = env["pipeline"]
        pipeline = Pipeline(db, env["kb"], p.guardrails, p.composer, drafter, engine="llm", settings=settings)
        drafted = drain(pipeline, concurrency=4)
        requests = len(server.requests)
    with db.session() as s:
        ids = [m for (m,) in s.execute(select(Message.id).where(Message.external_id.like("fault-%")))]
        per_message = dict(s.execute(select(Draft.message_id, func.count()).where(Draft.message_id.in_(ids))
                                     .group_by(Draft.message_id)).all())
        statuses = dict(s.execute(select(Message.status, func.count()).where(Message.id.in_(ids))
                                  .group_by(Message.status)).all())
        engines = dict(s.execute(select(Draft.engine, func.count()).where(Draft.message_id.in_(ids))
                                 .group_by(Draft.engine)).all())
        fallbacks = s.scalar(select(func.count()).select_from(Draft).where(
            Draft.message_id.in_(ids), Draft.fallback_reason.is_not(None)))
    print(f"\nfault run: {requests} requests, statuses {statuses}, engines {engines}, fallbacks {fallbacks}")
    assert len(ids) == N
    assert set(statuses) <= {"drafted", "error"} and sum(statuses.values()) == N  # nothing lost
    assert all(per_message.get(i, 0) <= 1 for i in ids)  # nothing drafted twice
    assert drafted == statuses.get("drafted", 0) == len(per_message)
    assert engines.get("llm", 0) > N * 0.5 and fallbacks == engines.get("composer", 0)
    assert requests <= N * 4 * 3  # retries bounded: attempts × (1 + max_revisions) per message
