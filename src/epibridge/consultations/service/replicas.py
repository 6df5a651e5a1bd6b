"""Positions and signatures made on another node, held here as read-only replicas.

A state's position or signature is authoritative on the node where it was recorded; it lands
here on the decision or document it names, when this node holds that decision or document
(its own, or a replica marked with ``origin_node``). A node that holds neither stores
nothing: the consultation is not one it takes part in through this node. The latest statement
of a state replaces what was held for it, and a replica refuses local edits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.consultations.models import Decision, Document, Position, Signature
from epibridge.consultations.service.common import DOCUMENT_ENTITY
from epibridge.errors import Conflict, FieldError
from epibridge.i18n import N_
from epibridge.security import Action, Principal, authorize

MODELS: dict[str, type[Any]] = {
    "consultation_decision": Decision,
    "consultation_document": Document,
}


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


def author_node(session: Session, state: str) -> str | None:
    """The node a state's positions and signatures are authored on: its own national node
    when it runs one (the trust list); None: wherever the consultation is held."""
    from epibridge.federation.node_identity import node_of_state

    return node_of_state(session, state)


def authored_here(session: Session, state: str) -> bool:
    """Whether this node is ``state``'s own node (it then authors the state's say)."""
    from epibridge.federation.node_identity import this_node_id

    node = author_node(session, state)
    return node is not None and node == this_node_id(session)


def require_author_here(session: Session, state: str, *, signature: bool = False) -> None:
    """A state that runs its own node speaks there: its positions and signatures are refused
    on any other node (the hub included), naming the node where they are given."""
    from epibridge.federation.node_identity import this_node_id

    node = author_node(session, state)
    if node is None or node == this_node_id(session):
        return
    raise Conflict(
        N_("{state} signs on its own node {node}")
        if signature
        else N_("{state} records its positions on its own node {node}"),
        [FieldError("state", N_("given on the state's own node"), node)],
        params={"state": state, "node": node},
    )


def ref_of(row: Any) -> dict[str, str | None]:
    if row.origin_node is None:
        return {"node": None, "id": str(row.id)}
    return {"node": row.origin_node, "id": row.origin_id}


def local_id(session: Session, *, entity: str, node: str | None, ref_id: str) -> int | None:
    """The local decision or document a reference names, or None when not held here."""
    model = MODELS[entity]
    if node is None:
        found = session.get(model, int(ref_id)) if ref_id.isdigit() else None
        return found.id if found is not None and found.origin_node is None else None
    return session.execute(
        select(model.id).where(model.origin_node == node, model.origin_id == ref_id)
    ).scalar_one_or_none()


def _when(value: date | datetime) -> str:
    return value.isoformat()


def position_snapshot(session: Session, *, position_id: int) -> dict[str, Any] | None:
    """What a peer needs to hold a local position (None: a replica, or gone)."""
    row = session.get(Position, position_id)
    if row is None or row.origin_node is not None:
        return None
    decision = session.get(Decision, row.decision_id)
    assert decision is not None
    return {
        "ref": ref_of(row),
        "decision": ref_of(decision),
        "state": row.state_iso3,
        "position": row.position.value,
        "reasons": row.reasons,
        "recorded_by": row.recorded_by,
        "on_behalf": row.on_behalf,
        "recorded_at": _when(row.recorded_at),
        "changes": row.changes,
    }


def signature_snapshot(session: Session, *, document_id: int, state: str) -> dict[str, Any] | None:
    """What a peer needs to hold a local signature (None: a replica, or gone)."""
    row = session.execute(
        select(Signature).where(Signature.document_id == document_id, Signature.state_iso3 == state)
    ).scalar_one_or_none()
    if row is None or row.origin_node is not None:
        return None
    document = session.get(Document, row.document_id)
    assert document is not None
    return {
        "ref": ref_of(row),
        "document": ref_of(document),
        "state": row.state_iso3,
        "signed_by": row.signed_by,
        "signed_at": _when(row.signed_at),
    }


def _held(session: Session, model: type[Any], parent: str, parent_id: int, state: str) -> Any:
    return session.execute(
        select(model).where(getattr(model, parent) == parent_id, model.state_iso3 == state)
    ).scalar_one_or_none()


def upsert_position(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    origin_id: str,
    decision_id: int,
    values: dict[str, Any],
) -> Position:
    """Hold the origin's statement of a state's position on a decision held here."""
    authorize(actor, Action.WRITE_STATE, values["state"])
    row = _held(session, Position, "decision_id", decision_id, values["state"])
    if row is not None and row.origin_node is None and authored_here(session, values["state"]):
        return row  # this node speaks for the state: its own position stands
    if row is None:
        row = Position(decision_id=decision_id, state_iso3=values["state"])
        session.add(row)
    row.origin_node, row.origin_id = origin_node, origin_id
    for key in ("position", "reasons", "recorded_by", "on_behalf", "recorded_at", "changes"):
        setattr(row, key, values[key])
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="replicate_position",
        entity=DOCUMENT_ENTITY,
        entity_id=decision_id,
        state={**values, "origin_node": origin_node, "origin_id": origin_id},
    )
    return row


def upsert_signature(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    origin_id: str,
    document_id: int,
    values: dict[str, Any],
) -> Signature:
    """Hold the origin's record of a state's signature of a document held here."""
    authorize(actor, Action.WRITE_STATE, values["state"])
    row = _held(session, Signature, "document_id", document_id, values["state"])
    if row is None:
        row = Signature(document_id=document_id, state_iso3=values["state"])
        session.add(row)
    row.origin_node, row.origin_id = origin_node, origin_id
    row.signed_by, row.signed_at = values["signed_by"], values["signed_at"]
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="replicate_signature",
        entity=DOCUMENT_ENTITY,
        entity_id=document_id,
        state={**values, "origin_node": origin_node, "origin_id": origin_id},
    )
    return row
