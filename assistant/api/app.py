"""``replydesk serve``: the HTTP API over the same services as the CLI and the review screen.

One :class:`~assistant.pipeline.Pipeline` per process, built and warmed up at start-up. The JSON shapes are the
CLI's (:mod:`assistant.api.shapes`). Every route but the health check needs ``Authorization: Bearer <token>``
with a role (:mod:`assistant.api.tokens`); the Chatwoot webhook is verified with its own shared secret.

Errors: 401 no or unknown token, 403 missing role, 404 unknown message, 409 a review rule refuses the action,
422 invalid input (``detail[].field`` names the field), 500 ``{"detail", "error_id"}`` with the traceback in
the server log only.
"""

from __future__ import annotations

import logging
import threading
import uuid
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from sqlalchemy import select

from assistant.api import shapes
from assistant.api.inputs import ApproveIn, CheckIn, DraftIn, MessageIn, RejectIn
from assistant.api.tokens import TokenStore
from assistant.review.auth import require
from guardrails.models import ChannelName

log = logging.getLogger("replydesk.api")
API_VERSION = "1.0"

# Who may call what (admins may call everything): the review screen's rules.
ROLES = {
    "check": ("agent", "approver", "trainer", "qa"),
    "triage": ("agent", "approver", "qa"),
    "draft": ("agent", "approver", "qa"),
    "kb": ("agent", "approver", "trainer", "qa"),
    "queue": ("agent", "approver"),
    "review": ("agent", "approver"),  # approve, reject; a second approval needs 'approver' (enforced by the service)
    "posting": ("agent", "approver", "qa"),
}
WARMUP_TEXT = "Hallo, wie setze ich mein Passwort zurück?"

_bearer = HTTPBearer(auto_error=False, description="an API token (replydesk api-token add NAME --role ROLE)")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def role(area: str):
    """A dependency: the calling token's user, if it has one of the area's roles (401/403 otherwise)."""
    allowed = ROLES[area]

    def user(request: Request,
             creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> dict:
        if creds is None:
            raise _unauthorized("missing Authorization: Bearer <token>")
        token = request.app.state.tokens.authenticate(creds.credentials)
        if token is None:
            raise _unauthorized("unknown API token")
        u = token.user()
        try:
            require(u, *allowed)
        except PermissionError as exc:
            raise HTTPException(403, str(exc)) from None
        return u

    return user


def _field(loc) -> str:
    parts = [str(p) for p in loc]
    return ".".join(parts[1:] if parts and parts[0] in ("body", "query", "path", "header") else parts) or "body"


def _validation_response(errors: list[dict]) -> JSONResponse:
    detail = [{"field": _field(e.get("loc", ())), "in": (e.get("loc") or ["body"])[0], "message": e.get("msg"),
               "type": e.get("type")} for e in errors]
    fields = ", ".join(dict.fromkeys(d["field"] for d in detail))
    return JSONResponse({"detail": detail, "message": f"invalid input: {fields}"}, status_code=422)


class _State:
    """What the routes share: built once at start-up."""

    def __init__(self, settings, pipeline, guardrails, db, channel, connector) -> None:
        self.settings, self.pipeline, self.guardrails, self.db = settings, pipeline, guardrails, db
        self.channel, self.connector = channel, connector


def create_app(settings=None, *, pipeline=None, db=None, tokens: TokenStore | None = None, channel=None,
               chatwoot=None, warm: bool = True) -> FastAPI:
    """The API app. Heavy parts (pipeline, models, index) are built in the lifespan, not here: building the
    app (e.g. for the OpenAPI schema) is cheap. Pass ``pipeline``/``db``/``channel`` to share existing ones."""
    from replydesk.settings import get_settings

    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        import anyio.to_thread

        state = await anyio.to_thread.run_sync(_build_state, settings, pipeline, db, channel, chatwoot, warm)
        app.state.rd = state
        yield
        if state.connector is not None and state.connector.client is not None:
            state.connector.client.close()

    app = FastAPI(title="replydesk", version=API_VERSION, lifespan=lifespan,
                  description="Reply drafting for customer-care teams: check, triage, draft, knowledge-base "
                              "search, queue, approve/reject, posting status. JSON shapes as the CLI's --json.")
    app.state.tokens = tokens if tokens is not None else TokenStore.from_env()
    _install_errors(app)
    _routes(app)
    return app


def _build_state(settings, pipeline, db, channel, chatwoot, warm: bool) -> _State:
    from assistant.connectors.chatwoot import ChatwootClient, ChatwootConnector, ChatwootSettings
    from assistant.models import DraftRequest
    from assistant.review.channels import channel_from_settings
    from guardrails.engine import GuardrailEngine
    from guardrails.models import CheckContext

    if pipeline is None:
        from assistant.pipeline import Pipeline
        from replydesk.db import get_database

        db = db or get_database()
        pipeline = Pipeline.from_settings(db, settings)
    db = db or pipeline.db
    guardrails = GuardrailEngine.from_policy(settings.policy_path)  # what `replydesk check` uses
    cw = chatwoot if chatwoot is not None else ChatwootSettings()
    if channel is None:
        channel = channel_from_settings(settings, db=db, chatwoot=cw)
    connector = None
    if cw.webhook_secret is not None:
        client = ChatwootClient(cw.url, cw.api_token.get_secret_value(), cw.timeout_s) if cw.configured else None
        connector = ChatwootConnector(db, pipeline, client, cw)
    if warm:  # load the models and the index now, not on the first request
        guardrails.check("Hallo, danke für deine Nachricht.", CheckContext(channel="twitter", visibility="public"))
        pipeline.run(DraftRequest(text=WARMUP_TEXT, channel="twitter", visibility="public", engine="composer"))
    return _State(settings, pipeline, guardrails, db, channel, connector)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError):
        return _validation_response(list(exc.errors()))

    @app.middleware("http")
    async def catch_all(request: Request, call_next):
        try:
            return await call_next(request)
        except Exception:  # noqa: BLE001 - never a traceback to the client; the log has it
            error_id = uuid.uuid4().hex[:12]
            log.exception("unhandled error %s on %s %s", error_id, request.method, request.url.path)
            return JSONResponse({"detail": "internal error; the server log has the details", "error_id": error_id},
                                status_code=500)


def _review(state: _State, user: dict):
    from assistant.review.service import ReviewService

    return ReviewService(state.db, user, pipeline=state.pipeline, channel=state.channel, settings=state.settings)


def _posting(state: _State, message_id: str) -> dict[str, Any]:
    from assistant.orm import Message
    from assistant.review.orm import Approval

    with state.db.session() as s:
        msg = s.get(Message, message_id)
        if msg is None:
            raise HTTPException(404, f"no message {message_id!r}")
        a = s.scalars(select(Approval).where(Approval.message_id == message_id).order_by(Approval.id.desc())).first()
        approval = None if a is None else {
            "id": a.id, "state": a.state, "attempts": a.attempts, "error": a.error, "channel": a.channel,
            "author": a.author, "needs_second": a.needs_second, "second_approver": a.second_approver,
            "created_at": a.created_at.isoformat() if a.created_at else None,
            "posted_at": a.posted_at.isoformat() if a.posted_at else None,
            "receipt": a.receipt or {},
        }
        return {"message_id": msg.id, "status": msg.status, "approval": approval}


def _review_call(fn, *args, **kw):
    from assistant.review.service import ReviewError

    try:
        return fn(*args, **kw)
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from None
    except ReviewError as exc:
        text = str(exc)
        raise HTTPException(404 if text.startswith("no message") else 409, text) from None


def _state(request: Request) -> _State:
    return request.app.state.rd


State = Annotated[_State, Depends(_state)]


def _routes(app: FastAPI) -> None:
    @app.get("/health", tags=["meta"], summary="liveness (no token needed)")
    def health(state: State) -> dict:
        return {"ok": True, "version": API_VERSION, "engine": state.pipeline.engine}

    @app.post("/check", tags=["drafting"], summary="guardrails on a draft: the JSON of `replydesk check --json`")
    def check(body: CheckIn, state: State, _u: Annotated[dict, Depends(role("check"))]) -> dict:
        from guardrails.models import CheckContext

        ctx = CheckContext(channel=body.channel, visibility=body.visibility, language=body.lang,
                           evidence=body.evidence, customer_message=body.customer_message,
                           customer_name=body.customer_name, address_form=body.address_form, ui_language=body.ui_lang)
        return shapes.check_json(state.guardrails.check(body.text, ctx))

    @app.post("/triage", tags=["drafting"], summary="language, sentiment, intent, risk, SLA, no-reply (with reasons)")
    def triage(body: MessageIn, state: State, _u: Annotated[dict, Depends(role("triage"))]) -> dict:
        from assistant.models import DraftRequest

        req = DraftRequest(text=body.text, channel=body.channel, visibility=body.visibility, handle=body.handle)
        return shapes.triage_json(state.pipeline.context(req))

    @app.post("/draft", tags=["drafting"], summary="draft and check a reply: the JSON of `replydesk draft --json`")
    def draft(body: DraftIn, state: State, _u: Annotated[dict, Depends(role("draft"))]) -> dict:
        from assistant.models import DraftRequest

        extra = {"agent_signoff": body.signoff} if body.signoff is not None else {}
        req = DraftRequest(text=body.text, channel=body.channel, visibility=body.visibility, handle=body.handle,
                           engine=body.engine, force=body.force, **extra)
        try:
            result = state.pipeline.run(req)
        except RuntimeError as exc:  # e.g. engine 'llm' without an LLM configured
            raise HTTPException(422, {"field": "engine", "message": str(exc)}) from None
        return shapes.draft_json(result)

    @app.get("/kb/search", tags=["knowledge base"], summary="hybrid search: the JSON of `replydesk kb search --json`")
    def kb_search(state: State, _u: Annotated[dict, Depends(role("kb"))],
                  q: Annotated[str, Query(min_length=1, max_length=2000, pattern=r"\S", description="the question")],
                  lang: Annotated[str | None, Query(pattern="^(de|en)$")] = None,
                  k: Annotated[int, Query(ge=1, le=50)] = 5,
                  channel: Annotated[ChannelName | None, Query(description="a channel the policy declares")] = None,
                  ) -> list[dict]:
        from knowledge_base.models import SearchFilters

        return shapes.kb_search_json(state.pipeline.kb.search(q, SearchFilters(language=lang, channel=channel), k))

    @app.get("/queue", tags=["review"], summary="the agents' queue (SLA due first, then risk), one page")
    def queue(state: State, _u: Annotated[dict, Depends(role("queue"))],
              channel: Annotated[ChannelName | None, Query(description="a channel the policy declares")] = None,
              visibility: Annotated[str | None, Query(pattern="^(public|private)$")] = None,
              language: Annotated[str | None, Query(pattern="^(de|en)$")] = None,
              status: Annotated[str | None, Query(max_length=32)] = None,
              min_risk: Annotated[float | None, Query(ge=0, le=1)] = None,
              search: Annotated[str | None, Query(max_length=200)] = None,
              page: Annotated[int, Query(ge=0)] = 0,
              page_size: Annotated[int, Query(ge=1, le=500)] = 50) -> dict:
        from assistant.orm import MESSAGE_STATUSES
        from assistant.review.queue import QueueFilters, queue_page

        if status is not None and status not in MESSAGE_STATUSES:
            return _validation_response([{"loc": ("query", "status"), "type": "enum",
                                          "msg": "must be one of " + ", ".join(MESSAGE_STATUSES)}])
        f = QueueFilters(channel=channel, visibility=visibility, language=language, status=status,
                         min_risk=min_risk, search=search)
        return queue_page(state.db, f, page=page, page_size=page_size).model_dump(mode="json")

    @app.post("/messages/{message_id}/approve", tags=["review"],
              summary="approve (or second-approve) a reply; posts it unless a second approver is needed; on a failed "
                      "post, retries it")
    def approve(message_id: str, body: ApproveIn, state: State,
                user: Annotated[dict, Depends(role("review"))]) -> dict:
        from assistant.orm import Draft, Message
        from assistant.review.orm import Approval

        svc = _review(state, user)
        with state.db.session() as s:
            if s.get(Message, message_id) is None:
                raise HTTPException(404, f"no message {message_id!r}")
            waiting = s.scalars(select(Approval).where(Approval.message_id == message_id,
                                                       Approval.state == "awaiting_second")).first()
            failed = s.scalars(select(Approval).where(Approval.message_id == message_id,
                                                      Approval.state == "failed")).first()
            latest = s.scalars(select(Draft).where(Draft.message_id == message_id)
                               .order_by(Draft.version.desc())).first()
        if waiting is not None:
            _review_call(svc.second_approve, waiting.id)
        elif failed is not None:  # its post failed: approving again retries it (same idempotency key)
            _review_call(svc.post, failed.id)
        else:
            text = body.text or (latest.text if latest is not None else None)
            if not text:
                raise HTTPException(409, "this message has no draft yet: send the reply as 'text'")
            _review_call(svc.approve, message_id, text, body.overrides)
        return _posting(state, message_id)

    @app.post("/messages/{message_id}/reject", tags=["review"], summary="reject (do not send) or escalate")
    def reject(message_id: str, body: RejectIn, state: State,
               user: Annotated[dict, Depends(role("review"))]) -> dict:
        _review_call(_review(state, user).reject, message_id, body.reason, escalate=body.escalate)
        return _posting(state, message_id)

    @app.get("/messages/{message_id}/posting", tags=["review"], summary="posting status of a message's reply")
    def posting(message_id: str, state: State, _u: Annotated[dict, Depends(role("posting"))]) -> dict:
        return _posting(state, message_id)

    @app.post("/connectors/chatwoot/webhook", tags=["connectors"],
              summary="Chatwoot webhook (message_created); verified by X-Chatwoot-Signature or ?token=")
    async def chatwoot_webhook(request: Request, background: BackgroundTasks, state: State,
                               token: Annotated[str | None, Query(max_length=500)] = None) -> dict:
        import anyio.to_thread

        from assistant.connectors.chatwoot import ChatwootWebhook, verify_webhook

        connector = state.connector
        if connector is None:
            raise HTTPException(404, "the Chatwoot connector is not configured (REPLYDESK_CHATWOOT_WEBHOOK_SECRET)")
        body = await request.body()
        if not verify_webhook(connector.settings.webhook_secret.get_secret_value(), body, request.headers, token):
            raise HTTPException(401, "webhook signature or token does not match")
        try:
            hook = ChatwootWebhook.model_validate_json(body)
        except ValidationError as exc:
            return _validation_response(list(exc.errors()))
        result = await anyio.to_thread.run_sync(connector.receive, hook)
        if result.get("message_id"):
            background.add_task(connector.process, result["message_id"])
        return result


_openapi_lock = threading.Lock()


def openapi_schema() -> dict:
    """The published schema (no pipeline is built for it)."""
    from replydesk.settings import Settings

    with _openapi_lock:
        return create_app(Settings(), tokens=TokenStore([])).openapi()
