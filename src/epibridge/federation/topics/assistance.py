"""Assistance requests, offers and commitments travel as whole-record snapshots.

Every local change of a record (its outbox topics ``assistance.*``) sends the record as it is
now; the receiver keeps one read-only replica per origin record, refreshed by each snapshot,
so a replayed or late snapshot never makes two. An offer names its request and a commitment
its request and offer by reference ({"node", "id"}) and line numbers: a record this node does
not hold yet is answered "too early" (425, ``refs.not_held``) and comes again with the
sender's next push or our next pull.

The requesting state confirms receipt of a commitment on its own node, where the commitment
is a replica: that step travels as ``assistance.receipt`` to the commitment's node, which
applies it (as the requester's node) and sends the confirmed commitment to everyone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from epibridge.assistance.models import Commitment
from epibridge.assistance.schemas import CommitmentStatusUpdate
from epibridge.assistance.service import commitments, replicas
from epibridge.assistance.statuses import (
    CommitmentStatus,
    MessageKind,
    OfferStatus,
    RequestStatus,
    Urgency,
)
from epibridge.errors import DomainError
from epibridge.federation import refs
from epibridge.federation.messages import Envelope, Outgoing, Refused, node_principal
from epibridge.i18n import N_, Text
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import PermissionDenied, Visibility

TOPICS = {
    "assistance_request": "assistance.request",
    "assistance_offer": "assistance.offer",
    "assistance_commitment": "assistance.commitment",
}


class Ref(BaseModel):
    """A record on some node: ``node`` null means the sending node's own."""

    model_config = ConfigDict(extra="forbid")
    node: str | None = Field(default=None, max_length=64)
    id: str = Field(min_length=1, max_length=64)


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: int = Field(ge=1)
    item: str = Field(min_length=1, max_length=64)
    unit: str = Field(min_length=1, max_length=16)
    quantity: int = Field(gt=0)
    note: str | None = Field(default=None, max_length=2000)


class _Listing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: Ref
    visibility: Visibility
    note: str | None = Field(default=None, max_length=2000)
    created_at: datetime
    created_by: str = Field(max_length=200)
    on_behalf: bool
    updated_at: datetime
    lines: list[Line] = Field(min_length=1, max_length=200)


class RequestBody(_Listing):
    """``assistance.request``: a state's request as it is now on its node."""

    state: str = Field(min_length=3, max_length=3)
    urgency: Urgency
    delivery_point: str = Field(min_length=1, max_length=300)
    delivery_latitude: float | None = Field(default=None, ge=-90, le=90)
    delivery_longitude: float | None = Field(default=None, ge=-180, le=180)
    needed_by: date
    status: RequestStatus


class OfferBody(_Listing):
    """``assistance.offer``: an offer (answering a request or unsolicited) as it is now."""

    message_kind: MessageKind
    state: str | None = Field(default=None, min_length=3, max_length=3)
    request: Ref | None = None
    available_from: date | None = None
    expected_delivery: date | None = None
    status: OfferStatus


class CommitmentBody(BaseModel):
    """``assistance.commitment``: part of an offer line pledged to a request line, and its step."""

    model_config = ConfigDict(extra="forbid")
    ref: Ref
    request: Ref
    request_line_no: int = Field(ge=1)
    offer: Ref
    offer_line_no: int = Field(ge=1)
    quantity: int = Field(gt=0)
    status: CommitmentStatus
    expected_delivery: date | None = None
    pledged_on: date
    dispatched_on: date | None = None
    delivered_on: date | None = None
    confirmed_on: date | None = None
    released_on: date | None = None
    note: str | None = Field(default=None, max_length=4000)
    created_at: datetime
    created_by: str = Field(max_length=200)
    updated_at: datetime


class ReceiptBody(BaseModel):
    """``assistance.receipt``: the requesting state confirms receipt of a commitment."""

    model_config = ConfigDict(extra="forbid")
    request: Ref
    commitment: Ref
    confirmed_on: date
    note: str | None = Field(default=None, max_length=2000)


RECEIPT = "assistance.receipt"

BODY_MODELS: dict[str, type[BaseModel]] = {
    "assistance.request": RequestBody,
    "assistance.offer": OfferBody,
    "assistance.commitment": CommitmentBody,
    RECEIPT: ReceiptBody,
}


def build(session: Session, message: OutboxMessage) -> list[Outgoing]:
    """The record as it is now, for every local change of it; for a replica, only the
    requester's receipt of a commitment (nothing else of a replica is sent back)."""
    topic = TOPICS.get(message.entity, "")
    body = replicas.snapshot(session, entity=message.entity, entity_id=message.entity_id)
    if body is None and message.entity == "assistance_commitment" and message.entity_id.isdigit():
        note = (message.payload or {}).get("step_note")
        topic, body = (
            RECEIPT,
            replicas.receipt(session, commitment_id=int(message.entity_id), note=note),
        )
    if body is None:
        return []
    return [
        Outgoing(
            topic=topic,
            body=refs.named(session, body),
            # Routed by visibility alone: the outbox addresses a change to the states concerned
            # (webhooks), but every node allowed to see the record lists it, as the hub does.
            visibility=Visibility(message.visibility),
        )
    ]


def parse_body(model: type[BaseModel], envelope: Envelope, own: str = "ref") -> Any:
    """The body as its model, refused (422 naming the field) when it does not fit; ``own``
    names the sender's own record the body is about."""
    try:
        body = model.model_validate(envelope.body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise Refused(422, first["msg"], field_name=f"body.{where}") from None
    refs.require_own(envelope, getattr(body, own).model_dump(), f"body.{own}")
    return body


def _values(body: BaseModel, drop: tuple[str, ...]) -> dict[str, Any]:
    values = body.model_dump(exclude={"ref", *drop})
    if "lines" in values:
        values["lines"] = [dict(line) for line in values["lines"]]
    return values


def _resolve(session: Session, envelope: Envelope, entity: str, ref: Ref, where: str) -> int:
    owner = refs.owner(session, envelope, ref.model_dump())
    found = replicas.local_id(session, entity=entity, node=owner, ref_id=ref.id)
    if found is None:
        raise refs.unknown(envelope, entity.removeprefix("assistance_"), ref.model_dump(), where)
    return found


def applied(envelope: Envelope, store: Any) -> None:
    """Store a replica as the origin's principal; a rule's refusal is the message's (422)."""
    try:
        store(node_principal(envelope.origin_node, envelope.origin_state))
    except PermissionDenied as exc:
        raise Refused(422, exc.args[0] if exc.args else str(exc), field_name="body.state") from None
    except DomainError as exc:
        raise Refused(422, Text(exc.detail_id, exc.params), field_name="body") from None


def apply_request(session: Session, envelope: Envelope) -> None:
    body: RequestBody = parse_body(RequestBody, envelope)
    applied(
        envelope,
        lambda actor: replicas.upsert_request(
            session,
            actor=actor,
            origin_node=envelope.origin_node,
            origin_id=body.ref.id,
            values=_values(body, ()),
        ),
    )


def apply_offer(session: Session, envelope: Envelope) -> None:
    body: OfferBody = parse_body(OfferBody, envelope)
    request_id = (
        _resolve(session, envelope, "assistance_request", body.request, "body.request")
        if body.request
        else None
    )
    applied(
        envelope,
        lambda actor: replicas.upsert_offer(
            session,
            actor=actor,
            origin_node=envelope.origin_node,
            origin_id=body.ref.id,
            values=_values(body, ("request",)),
            request_id=request_id,
        ),
    )


def apply_commitment(session: Session, envelope: Envelope) -> None:
    body: CommitmentBody = parse_body(CommitmentBody, envelope)
    request_id = _resolve(session, envelope, "assistance_request", body.request, "body.request")
    offer_id = _resolve(session, envelope, "assistance_offer", body.offer, "body.offer")
    applied(
        envelope,
        lambda actor: replicas.upsert_commitment(
            session,
            actor=actor,
            origin_node=envelope.origin_node,
            origin_id=body.ref.id,
            values=_values(body, ("request", "offer")),
            request_id=request_id,
            offer_id=offer_id,
        ),
    )


def apply_receipt(session: Session, envelope: Envelope) -> None:
    """Confirm receipt of this node's own commitment; elsewhere the origin's snapshot follows."""
    body: ReceiptBody = parse_body(ReceiptBody, envelope, own="request")
    if refs.owner(session, envelope, body.commitment.model_dump()) is not None:
        return  # another node's commitment: its node applies the receipt and sends the result
    found = replicas.local_id(
        session, entity="assistance_commitment", node=None, ref_id=body.commitment.id
    )
    request_id = _resolve(session, envelope, "assistance_request", body.request, "body.request")
    commitment = session.get(Commitment, found) if found is not None else None
    if commitment is None or commitment.request_id != request_id:
        raise Refused(
            422,
            Text(
                N_("the receipt names commitment {id}, which is not one of its request here"),
                {"id": body.commitment.id},
            ),
            field_name="body.commitment",
        )
    if commitment.status == CommitmentStatus.CONFIRMED:
        return  # confirmed already (the same receipt by another path): nothing to do
    update = CommitmentStatusUpdate.model_validate(
        {"status": CommitmentStatus.CONFIRMED.value, "on": body.confirmed_on, "note": body.note}
    )
    applied(
        envelope,
        lambda actor: commitments.change_status(
            session, actor=actor, commitment_id=commitment.id, data=update
        ),
    )


BUILDERS = {
    topic: build
    for topic in (
        "assistance.requested",
        "assistance.request_updated",
        "assistance.request_cancelled",
        "assistance.offered",
        "assistance.offer_withdrawn",
        "assistance.committed",
        "assistance.status_changed",
        "assistance.released",
    )
}
APPLIERS = {
    "assistance.request": apply_request,
    "assistance.offer": apply_offer,
    "assistance.commitment": apply_commitment,
    RECEIPT: apply_receipt,
}
