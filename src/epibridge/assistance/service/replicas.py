"""Read-only replicas of requests, offers and commitments received from other nodes.

The node where a record was made is authoritative: elsewhere it is a replica carrying
``origin_node``/``origin_id``, stored or refreshed only by ``upsert_*`` as that node's
principal (so a node may only write its own state's records), and refused to every local
edit (``refuse_replica``). ``snapshot`` is what federation sends of a local record; a record
is referred to across nodes as {"node": origin (None: the sender), "id": its id there}.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.assistance.models import (
    AssistanceOffer,
    AssistanceRequest,
    Commitment,
    OfferLine,
    RequestLine,
)
from epibridge.assistance.service import common
from epibridge.assistance.statuses import CommitmentStatus
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.security import Principal

MODELS: dict[str, type[Any]] = {
    "assistance_request": AssistanceRequest,
    "assistance_offer": AssistanceOffer,
    "assistance_commitment": Commitment,
}
_LISTING = ("visibility", "status", "note", "created_at", "created_by", "on_behalf", "updated_at")
REQUEST_FIELDS = (
    "state",
    "urgency",
    "delivery_point",
    "delivery_latitude",
    "delivery_longitude",
    "needed_by",
    *_LISTING,
)
OFFER_FIELDS = ("message_kind", "state", "available_from", "expected_delivery", *_LISTING)
COMMITMENT_FIELDS = (
    "quantity",
    "status",
    "expected_delivery",
    "pledged_on",
    "dispatched_on",
    "delivered_on",
    "confirmed_on",
    "released_on",
    "note",
    "created_at",
    "created_by",
    "updated_at",
)


def refuse_replica(row: Any, actor: Principal, what: str) -> None:
    """A replica changes only on its origin node: refuse any local edit, naming that node."""
    node = getattr(row, "origin_node", None)
    if node is None or (actor.kind == "federation" and actor.name == node):
        return
    raise Conflict(
        N_("{what} {id} is a read-only replica of node {node}: change it on that node"),
        [FieldError("origin_node", N_("read-only replica"), node)],
        params={"what": what, "id": row.id, "node": node},
    )


def ref_of(row: Any) -> dict[str, str | None]:
    """How a peer names this record: its origin and id there (node None: this sender's own)."""
    if row.origin_node is None:
        return {"node": None, "id": str(row.id)}
    return {"node": row.origin_node, "id": row.origin_id}


def local_id(session: Session, *, entity: str, node: str | None, ref_id: str) -> int | None:
    """The local row a reference names: a local record (node None) or a replica of ``node``."""
    model = MODELS[entity]
    if node is None:
        found = session.get(model, int(ref_id)) if ref_id.isdigit() else None
        return found.id if found is not None and found.origin_node is None else None
    return session.execute(
        select(model.id).where(model.origin_node == node, model.origin_id == ref_id)
    ).scalar_one_or_none()


def receipt_here(commitment: Commitment, request: AssistanceRequest) -> bool:
    """Whether receipt of ``commitment`` is confirmed here although it is a replica: the
    requesting state speaks for its receipt on its own node, where its request is local."""
    return commitment.origin_node is not None and request.origin_node is None


def receipt(
    session: Session, *, commitment_id: int, note: str | None = None
) -> dict[str, Any] | None:
    """The receipt a requester's node sends for a replica commitment it confirmed (else None)."""
    row = session.get(Commitment, commitment_id)
    if row is None or row.status != CommitmentStatus.CONFIRMED or row.confirmed_on is None:
        return None
    request = session.get(AssistanceRequest, row.request_id)
    if request is None or not receipt_here(row, request):
        return None
    return {
        "request": ref_of(request),
        "commitment": ref_of(row),
        "confirmed_on": row.confirmed_on.isoformat(),
        "note": note,
    }


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _lines(lines: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "line_no": x.line_no,
            "item": x.item,
            "unit": x.unit,
            "quantity": x.quantity,
            "note": x.note,
        }
        for x in lines
    ]


def snapshot(session: Session, *, entity: str, entity_id: str) -> dict[str, Any] | None:
    """What a peer needs to hold a replica of a local record (None: a replica, or gone)."""
    model = MODELS.get(entity)
    row = session.get(model, int(entity_id)) if model and entity_id.isdigit() else None
    if row is None or row.origin_node is not None:
        return None
    if isinstance(row, AssistanceRequest):
        body = {k: _value(getattr(row, k)) for k in REQUEST_FIELDS}
        return {"ref": ref_of(row), **body, "lines": _lines(row.lines)}
    if isinstance(row, AssistanceOffer):
        request = session.get(AssistanceRequest, row.request_id) if row.request_id else None
        body = {k: _value(getattr(row, k)) for k in OFFER_FIELDS}
        return {
            "ref": ref_of(row),
            "request": ref_of(request) if request else None,
            **body,
            "lines": _lines(row.lines),
        }
    request = session.get(AssistanceRequest, row.request_id)
    offer = session.get(AssistanceOffer, row.offer_id)
    request_line = session.get(RequestLine, row.request_line_id)
    offer_line = session.get(OfferLine, row.offer_line_id)
    return {
        "ref": ref_of(row),
        "request": ref_of(request),
        "request_line_no": request_line.line_no if request_line else None,
        "offer": ref_of(offer),
        "offer_line_no": offer_line.line_no if offer_line else None,
        **{k: _value(getattr(row, k)) for k in COMMITMENT_FIELDS},
    }


def _replica(session: Session, model: type[Any], origin_node: str, origin_id: str) -> Any:
    return session.execute(
        select(model).where(model.origin_node == origin_node, model.origin_id == origin_id)
    ).scalar_one_or_none()


def _audit(session: Session, actor: Principal, entity: str, row: Any, fresh: bool) -> None:
    audit.record(
        session,
        actor=actor.actor,
        action="replicate" if fresh else "refresh_replica",
        entity=entity,
        entity_id=row.id,
        state={"origin_node": row.origin_node, "origin_id": row.origin_id},
    )


def upsert_request(
    session: Session, *, actor: Principal, origin_node: str, origin_id: str, values: dict[str, Any]
) -> AssistanceRequest:
    """Store or refresh the replica of a peer's request (its lines never change after)."""
    common.authorize_state(actor, values["state"])
    row = _replica(session, AssistanceRequest, origin_node, origin_id)
    fresh = row is None
    if row is None:
        row = AssistanceRequest(origin_node=origin_node, origin_id=origin_id)
        row.lines = [RequestLine(**line) for line in values["lines"]]
        session.add(row)
    for key in REQUEST_FIELDS:
        setattr(row, key, values[key])
    session.flush()
    _audit(session, actor, "assistance_request", row, fresh)
    return row


def upsert_offer(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    origin_id: str,
    values: dict[str, Any],
    request_id: int | None,
) -> AssistanceOffer:
    """Store or refresh the replica of a peer's offer (``request_id``: the local request)."""
    common.authorize_offerer(actor, values["state"])
    row = _replica(session, AssistanceOffer, origin_node, origin_id)
    fresh = row is None
    if row is None:
        row = AssistanceOffer(origin_node=origin_node, origin_id=origin_id)
        row.lines = [OfferLine(**line) for line in values["lines"]]
        session.add(row)
    for key in OFFER_FIELDS:
        setattr(row, key, values[key])
    row.request_id = request_id
    session.flush()
    _audit(session, actor, "assistance_offer", row, fresh)
    return row


def _line(session: Session, model: type[Any], parent: str, parent_id: int, line_no: int) -> int:
    found = session.execute(
        select(model.id).where(getattr(model, parent) == parent_id, model.line_no == line_no)
    ).scalar_one_or_none()
    if found is None:
        raise InvalidInput(
            N_("the commitment names line {line} that its request or offer does not have"),
            [FieldError("line_no", "unknown line", line_no)],
            params={"line": line_no},
        )
    return found


def upsert_commitment(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    origin_id: str,
    values: dict[str, Any],
    request_id: int,
    offer_id: int,
) -> Commitment:
    """Store or refresh the replica of a peer's commitment between local rows (resolved)."""
    offer = session.get(AssistanceOffer, offer_id)
    assert offer is not None
    common.authorize_offerer(actor, offer.state)
    request_line = _line(session, RequestLine, "request_id", request_id, values["request_line_no"])
    offer_line = _line(session, OfferLine, "offer_id", offer_id, values["offer_line_no"])
    row = _replica(session, Commitment, origin_node, origin_id)
    fresh = row is None
    if row is None:
        row = Commitment(origin_node=origin_node, origin_id=origin_id)
    row.request_id, row.offer_id = request_id, offer_id
    row.request_line_id, row.offer_line_id = request_line, offer_line
    session.add(row)
    for key in COMMITMENT_FIELDS:
        setattr(row, key, values[key])
    session.flush()
    _audit(session, actor, "assistance_commitment", row, fresh)
    return row
