"""A consultation held on the other nodes: its convener's node sends it whole, they replicate it.

The convener's node is authoritative for the consultation itself: its delegations, agenda and
deadlines, its documents with their versions and the decisions put to its members. Every
other node taking part holds a read-only replica (``origin_node``/``origin_id`` on the
consultation, its documents and decisions) so that a member state can give its position, and
sign, on its own node. Positions and signatures are not part of the snapshot: each is authored
by its state's node and travels on its own (``replicas.upsert_position``, ``upsert_signature``).
Amendments and record entries stay on the convener's node.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.consultations.models import (
    AgendaItem,
    Consultation,
    Decision,
    Document,
    Participant,
    Version,
)
from epibridge.consultations.service.common import ENTITY
from epibridge.consultations.statuses import ConsultationStatus
from epibridge.security import Action, Principal, authorize

CONSULTATION_FIELDS = (
    "topic",
    "description",
    "status",
    "convened_on",
    "convenor_kind",
    "convening_state",
    "convened_by",
    "convened_at",
    "requested_by_state",
    "closed_at",
    "closed_by",
    "closing_outcome",
    "closing_reason",
    "deadlines",
    "created_at",
    "updated_at",
)
DOCUMENT_FIELDS = (
    "kind",
    "title",
    "status",
    "current_version",
    "number",
    "adopted_at",
    "adopted_version",
    "created_at",
    "created_by",
)
VERSION_FIELDS = ("texts", "note", "created_at", "created_by")
DECISION_FIELDS = (
    "version_number",
    "procedure",
    "decision_rule",
    "participation",
    "member_states",
    "deadline",
    "status",
    "opened_at",
    "opened_by",
    "closed_at",
    "closed_by",
    "outcome",
    "outcome_message",
)
#: Only a convened consultation travels: a request not yet answered is the chair's business.
TRAVELS = (ConsultationStatus.OPEN, ConsultationStatus.CLOSED)


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value


def _pick(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in fields}


def _ref(here: str, row: Any) -> dict[str, str]:
    return {"node": here, "id": str(row.id)}


def snapshot(session: Session, *, consultation_id: int, here: str) -> dict[str, Any] | None:
    """The consultation as its convener's node (``here``) sends it; None for a replica, a
    consultation not convened, or one that is gone."""
    row = session.get(Consultation, consultation_id)
    if row is None or row.origin_node is not None or row.status not in TRAVELS:
        return None
    documents = session.execute(
        select(Document).where(Document.consultation_id == row.id).order_by(Document.id)
    ).scalars()
    return {
        "ref": _ref(here, row),
        **_pick(row, CONSULTATION_FIELDS),
        "participants": [{"state": p.state_iso3, "role": p.role.value} for p in row.participants],
        "agenda": [
            {"position": a.position, "title": a.title, "description": a.description}
            for a in row.agenda
        ],
        "documents": [_document(session, here, d) for d in documents],
    }


def _document(session: Session, here: str, document: Document) -> dict[str, Any]:
    versions = session.execute(
        select(Version).where(Version.document_id == document.id).order_by(Version.number)
    ).scalars()
    decisions = session.execute(
        select(Decision).where(Decision.document_id == document.id).order_by(Decision.id)
    ).scalars()
    return {
        "ref": _ref(here, document),
        **_pick(document, DOCUMENT_FIELDS),
        "versions": [{"number": v.number, **_pick(v, VERSION_FIELDS)} for v in versions],
        "decisions": [{"ref": _ref(here, d), **_pick(d, DECISION_FIELDS)} for d in decisions],
    }


def _by_origin(session: Session, model: type[Any], origin_node: str, origin_id: str) -> Any:
    return session.execute(
        select(model).where(model.origin_node == origin_node, model.origin_id == origin_id)
    ).scalar_one_or_none()


def _authorize_convener(actor: Principal, values: dict[str, Any]) -> None:
    """Only the convener's node sends its consultation: the chair's, or the Secretariat's."""
    if values.get("convening_state"):
        authorize(actor, Action.WRITE_STATE, values["convening_state"])
    else:
        authorize(actor, Action.COORDINATE)


def upsert_consultation(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    origin_id: str,
    values: dict[str, Any],
) -> Consultation:
    """Hold (or refresh) the convener's consultation, its documents, versions and decisions."""
    _authorize_convener(actor, values)
    row = _by_origin(session, Consultation, origin_node, origin_id)
    fresh = row is None
    if row is None:
        row = Consultation(origin_node=origin_node, origin_id=origin_id, event_ids=[])
        session.add(row)
    for name in CONSULTATION_FIELDS:
        setattr(row, name, values[name])
    _participants(row, values["participants"])
    _agenda(row, values["agenda"])
    session.flush()
    for document in values["documents"]:
        _upsert_document(session, row, origin_node, document)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="replicate" if fresh else "refresh_replica",
        entity=ENTITY,
        entity_id=row.id,
        state={"origin_node": origin_node, "origin_id": origin_id, "status": values["status"]},
    )
    return row


def _participants(row: Consultation, wanted: list[dict[str, Any]]) -> None:
    # Changed in place: a delegation removed and added again in one flush would break the
    # (consultation, state) uniqueness, as the insert may run before the delete.
    roles = {p["state"]: p["role"] for p in wanted}
    row.participants = [p for p in row.participants if p.state_iso3 in roles]
    held = {p.state_iso3: p for p in row.participants}
    for state, role in roles.items():
        if state in held:
            held[state].role = role
        else:
            row.participants.append(Participant(state_iso3=state, role=role))


def _agenda(row: Consultation, wanted: list[dict[str, Any]]) -> None:
    items = {a["position"]: a for a in wanted}
    row.agenda = [a for a in row.agenda if a.position in items]
    held = {a.position: a for a in row.agenda}
    for position, item in items.items():
        found = held.get(position)
        if found is None:
            row.agenda.append(AgendaItem(position=position, title=item["title"]))
            found = row.agenda[-1]
        found.title, found.description = item["title"], item["description"]


def _held_or_new(session: Session, model: Any, origin_node: str, origin_id: str) -> Any:
    """The replica of ``origin_id`` of ``origin_node``, or a new one added to the session."""
    row = _by_origin(session, model, origin_node, origin_id)
    if row is None:
        row = model(origin_node=origin_node, origin_id=origin_id)
        session.add(row)
    return row


def _upsert_document(
    session: Session, consultation: Consultation, origin_node: str, values: dict[str, Any]
) -> None:
    row = _held_or_new(session, Document, origin_node, values["ref"]["id"])
    row.consultation_id = consultation.id
    for name in DOCUMENT_FIELDS:
        setattr(row, name, values[name])
    session.flush()
    held = {
        v.number: v
        for v in session.execute(select(Version).where(Version.document_id == row.id)).scalars()
    }
    for version in values["versions"]:
        found = held.get(version["number"])
        if found is None:
            found = Version(document_id=row.id, number=version["number"])
            session.add(found)
        for name in VERSION_FIELDS:
            setattr(found, name, version[name])
    for decision in values["decisions"]:
        found = _held_or_new(session, Decision, origin_node, decision["ref"]["id"])
        found.document_id = row.id
        for name in DECISION_FIELDS:
            setattr(found, name, decision[name])
    session.flush()
