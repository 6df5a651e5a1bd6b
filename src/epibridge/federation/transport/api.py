"""The routes peers call: the inbox (one signed message) and the pull of the log.

Neither takes an API token: the message, or the pull request, is signed by the calling
node's key and checked against the trust list, which is what authenticates it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from epibridge.api.deps import ReadSession, SettingsDep
from epibridge.db import write_session
from epibridge.errors import DomainError, FieldError, InvalidInput, TooEarly, Unauthenticated
from epibridge.federation.messages import TOO_EARLY, Refused
from epibridge.federation.transport import loop, service
from epibridge.federation.transport.sync import AUTH_SCHEME, PAGE, ROUTE_HEADER
from epibridge.i18n import N_

router = APIRouter(prefix="/api/v1/federation", tags=["federation"])
JOSE = "application/jose"
JOSE_JSON = "application/jose+json"
_REFUSALS = {
    401: {"description": "The signature, key or node is not trusted; nothing was stored."},
    422: {"description": "The message's content is refused; nothing was stored."},
    425: {
        "description": "The message names a record not held here yet; nothing was stored and "
        "its id is not remembered: send it again later."
    },
}


class InboxReceipt(BaseModel):
    id: str
    status: Literal["stored", "duplicate"]
    origin_node: str
    topic: str


def problem_of(refused: Refused) -> DomainError:
    """The problem a refusal answers: 401 for signatures and keys, 425 for a message ahead of
    the record it names (the sender retries it), 422 for content."""
    error = FieldError(refused.field_name, refused.reason)
    if refused.status == TOO_EARLY:
        return TooEarly(
            N_("the message came before the record it names; send it again later: {reason}"),
            [error],
            params={"reason": refused.reason},
        )
    if refused.status == 401:
        return Unauthenticated(
            N_("the message is refused: {reason}"), [error], params={"reason": refused.reason}
        )
    return InvalidInput(
        N_("the message is refused: {reason}"), [error], params={"reason": refused.reason}
    )


async def _message(request: Request) -> str:
    media = request.headers.get("content-type", "text/plain").split(";")[0].strip().lower()
    if media not in ("text/plain", JOSE, JOSE_JSON):
        raise InvalidInput(
            N_("send the message as application/jose, application/jose+json or text/plain"),
            [FieldError("Content-Type", N_("not a JWS media type"), media)],
        )
    raw = await request.body()
    try:
        text = raw.decode("ascii" if media != JOSE_JSON else "utf-8").strip()
    except UnicodeDecodeError:
        raise InvalidInput(
            N_("the message is not a JWS"), [FieldError("body", N_("not a JWS"))]
        ) from None
    if not text:
        raise InvalidInput(N_("the message is not a JWS"), [FieldError("body", N_("empty"))])
    return text


@router.post(
    "/inbox",
    response_model=InboxReceipt,
    status_code=201,
    responses={
        200: {"model": InboxReceipt, "description": "already received (replay)"},
        **_REFUSALS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                JOSE: {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
                JOSE_JSON: {"schema": {"type": "object"}},
            },
        }
    },
)
def inbox(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str, Depends(_message)],
    route: Annotated[
        str | None,
        Header(
            alias=ROUTE_HEADER,
            description="Who may see the message, signed by its origin (needed by the hub).",
        ),
    ] = None,
) -> InboxReceipt | JSONResponse:
    """Receive one signed message from a peer node (compact or JSON serialization)."""
    try:
        received = service.accept_in(
            request.app.state.sessions, token=token, settings=settings, route=route
        )
    except Refused as exc:
        raise problem_of(exc) from None
    envelope = received.envelope
    receipt = InboxReceipt(
        id=envelope.id,
        status="duplicate" if received.duplicate else "stored",
        origin_node=envelope.origin_node,
        topic=envelope.topic,
    )
    if received.duplicate:
        return JSONResponse(receipt.model_dump(), status_code=200)
    loop.wake()
    return receipt


@router.get(
    "/messages",
    response_class=Response,
    responses={
        200: {"content": {JOSE: {"schema": {"type": "string"}}}, "description": "signed page"},
        401: _REFUSALS[401],
    },
)
def messages(
    request: Request,
    session: ReadSession,
    settings: SettingsDep,
    authorization: Annotated[
        str, Header(description=f"'{AUTH_SCHEME} <JWS>': the pull request signed by the caller")
    ],
    after: Annotated[int, Query(ge=0, le=2**62, description="Last seq already read.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Messages at most.")] = PAGE,
) -> Response:
    """A peer's page of this node's log after ``after``, signed by this node."""
    scheme, _, token = authorization.partition(" ")
    if scheme != AUTH_SCHEME or not token.strip():
        raise Unauthenticated(
            N_("the Authorization header must be '{scheme} JWS'"),
            [FieldError("Authorization", N_("malformed"))],
            params={"scheme": AUTH_SCHEME},
        )
    try:
        node_id, answer, _ = service.answer_pull(
            session, settings=settings, request_token=token.strip(), after=after, limit=limit
        )
    except Refused as exc:
        raise problem_of(exc) from None
    row = session.get(service.Peer, node_id)
    if row is None or row.pushed_seq < after:
        with write_session(request.app.state.sessions) as writing:
            service.acknowledge_pull(writing, node_id=node_id, after=after)
    return Response(content=answer, media_type=JOSE)
