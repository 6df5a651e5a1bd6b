"""Draft documents: numbered versions with their differences, and members' amendments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit, i18n
from epibridge.consultations import diff
from epibridge.consultations.models import Amendment, Consultation, Document, Version
from epibridge.consultations.outcomes import OUTCOMES
from epibridge.consultations.schemas import AmendmentCreate, DocumentCreate, VersionCreate
from epibridge.consultations.service.common import (
    DOCUMENT_ENTITY,
    authorize_convenor,
    clock,
    load,
    load_document,
    open_decision,
    participant_states,
    require_current_version,
    require_local,
    require_member_say,
    require_not_adopted,
    require_open,
    require_visible,
)
from epibridge.consultations.statuses import AmendmentStatus, DecisionStatus, DocumentStatus
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.notifications.outbox.service import publish
from epibridge.security import Principal, Visibility


def clean_texts(texts: dict[str, str], *, field: str = "texts") -> dict[str, str]:
    """Keep the languages given with some text; at least one is required."""
    kept = {lang: text.strip() for lang, text in texts.items() if text and text.strip()}
    if not kept:
        raise InvalidInput(
            "a version needs its text in at least one language (en, ru or zh)",
            [FieldError(field, "no text in any language")],
        )
    return dict(sorted(kept.items()))


def document_snapshot(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "consultation_id": document.consultation_id,
        "kind": document.kind,
        "title": document.title,
        "status": document.status,
        "current_version": document.current_version,
        "number": document.number,
    }


def publish_about(
    session: Session,
    consultation: Consultation,
    *,
    actor: str,
    topic: str,
    entity_id: int,
    payload: dict[str, Any],
) -> None:
    """Tell a consultation's participants about one of its documents (members-only)."""
    publish(
        session,
        actor=actor,
        topic=topic,
        entity=DOCUMENT_ENTITY,
        entity_id=entity_id,
        payload=payload,
        visibility=Visibility.MEMBERS,
        states=participant_states(consultation),
    )


def _announce_version(
    session: Session,
    consultation: Consultation,
    document: Document,
    version: Version,
    *,
    actor: str,
) -> None:
    publish_about(
        session,
        consultation,
        actor=actor,
        topic="consultation.version_created",
        entity_id=document.id,
        payload={
            **document_snapshot(document),
            "version": version.number,
            "languages": sorted(version.texts),
            "note": version.note,
        },
    )


def check_may_draft(actor: Principal, consultation: Consultation) -> bool:
    """Raise unless ``actor`` may start a draft now: the convenor, in an open consultation.
    Returns whether on the chair's behalf."""
    on_behalf = authorize_convenor(actor, consultation)
    require_open(consultation, act="draft")
    return on_behalf


def check_may_revise(actor: Principal, consultation: Consultation, document: Document) -> bool:
    """Raise unless ``actor`` may make a new version now: the convenor, of a document not
    adopted, in an open consultation. Returns whether on the chair's behalf."""
    on_behalf = authorize_convenor(actor, consultation)
    require_not_adopted(document)
    require_open(consultation, act="version")
    return on_behalf


def create_document(
    session: Session,
    *,
    actor: Principal,
    consultation_id: int,
    data: DocumentCreate,
    now: datetime | None = None,
) -> Document:
    """Start a draft document in a consultation, with its first version."""
    moment = clock(now)
    consultation = load(session, consultation_id, lock=True)
    on_behalf = check_may_draft(actor, consultation)
    texts = clean_texts(data.texts)
    document = Document(
        consultation_id=consultation.id,
        kind=data.kind,
        title=data.title,
        status=DocumentStatus.DRAFT,
        current_version=1,
        created_at=moment,
        created_by=actor.actor,
    )
    session.add(document)
    session.flush()
    version = Version(
        document_id=document.id,
        number=1,
        texts=texts,
        note=data.note,
        created_at=moment,
        created_by=actor.actor,
    )
    session.add(version)
    consultation.updated_at = moment
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="create_document",
        entity=DOCUMENT_ENTITY,
        entity_id=document.id,
        state={**document_snapshot(document), "texts": texts, "on_behalf": on_behalf},
    )
    _announce_version(session, consultation, document, version, actor=actor.actor)
    return document


def create_version(
    session: Session,
    *,
    actor: Principal,
    document_id: int,
    data: VersionCreate,
    now: datetime | None = None,
) -> Version:
    """Make the next version of a draft, incorporating the amendments named."""
    moment = clock(now)
    document = load_document(session, document_id, lock=True)
    consultation = load(session, document.consultation_id)
    on_behalf = check_may_revise(actor, consultation, document)
    require_current_version(
        document, data.based_on, advice=N_("base the new version on it"), field="based_on"
    )
    texts = clean_texts(data.texts)
    current = get_version(session, document_id=document.id, number=document.current_version)
    if texts == current.texts:
        raise InvalidInput(
            "the new version is identical to the current one",
            [FieldError("texts", "no change from the current version")],
        )
    amendments = _amendments_to_incorporate(session, document, data.incorporates)
    number = document.current_version + 1
    version = Version(
        document_id=document.id,
        number=number,
        texts=texts,
        note=data.note,
        created_at=moment,
        created_by=actor.actor,
    )
    session.add(version)
    for amendment in amendments:
        amendment.status = AmendmentStatus.INCORPORATED
        amendment.incorporated_in = number
    withdrawn = open_decision(session, document.id)
    if withdrawn is not None:
        withdrawn.status = DecisionStatus.WITHDRAWN
        withdrawn.closed_at = moment
        withdrawn.closed_by = actor.actor
        params = {"version": withdrawn.version_number, "number": number}
        withdrawn.outcome = i18n.message(OUTCOMES["withdrawn"], params)
        withdrawn.outcome_message = {"id": OUTCOMES["withdrawn"], "params": params}
    document.current_version = number
    document.status = DocumentStatus.DRAFT
    consultation.updated_at = moment
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="create_version",
        entity=DOCUMENT_ENTITY,
        entity_id=document.id,
        state={
            "version": number,
            "texts": texts,
            "note": data.note,
            "incorporates": [a.id for a in amendments],
            "withdrawn_decision": withdrawn.id if withdrawn else None,
            "on_behalf": on_behalf,
        },
    )
    _announce_version(session, consultation, document, version, actor=actor.actor)
    return version


def _amendments_to_incorporate(
    session: Session, document: Document, ids: list[int]
) -> list[Amendment]:
    found = {
        a.id: a
        for a in session.execute(
            select(Amendment).where(Amendment.id.in_(ids), Amendment.document_id == document.id)
        ).scalars()
    }
    errors = []
    for index, amendment_id in enumerate(ids):
        amendment = found.get(amendment_id)
        if amendment is None:
            errors.append(
                FieldError(
                    f"incorporates[{index}]", "not an amendment of this document", amendment_id
                )
            )
        elif amendment.status != AmendmentStatus.PROPOSED:
            errors.append(
                FieldError(
                    f"incorporates[{index}]",
                    N_("already incorporated in version {incorporated_in}"),
                    amendment_id,
                    params={"incorporated_in": amendment.incorporated_in},
                )
            )
    if errors:
        raise InvalidInput("the amendments to incorporate are not valid", errors)
    return [found[i] for i in dict.fromkeys(ids)]


def propose_amendment(
    session: Session,
    *,
    actor: Principal,
    document_id: int,
    data: AmendmentCreate,
    now: datetime | None = None,
) -> Amendment:
    """Propose, for a participating member state, an amendment to the current version."""
    moment = clock(now)
    document = load_document(session, document_id, lock=True)
    consultation = load(session, document.consultation_id)
    require_local(actor, consultation)
    state, on_behalf = require_member_say(
        session,
        actor=actor,
        consultation=consultation,
        document=document,
        state=data.state,
        version=data.version,
        advice=N_("amend the current one"),
        act="amendment",
    )
    texts = {lang: t.strip() for lang, t in data.texts.items() if t and t.strip()}
    amendment = Amendment(
        document_id=document.id,
        version_number=data.version,
        state_iso3=state,
        proposed_by=actor.actor,
        on_behalf=on_behalf,
        reason=data.reason,
        texts=dict(sorted(texts.items())),
        status=AmendmentStatus.PROPOSED,
        created_at=moment,
    )
    session.add(amendment)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="propose_amendment",
        entity=DOCUMENT_ENTITY,
        entity_id=document.id,
        state={
            "amendment": amendment.id,
            "version": data.version,
            "state": state,
            "reason": data.reason,
            "texts": amendment.texts,
            "on_behalf": on_behalf,
        },
    )
    return amendment


def get_document(
    session: Session, *, actor: Principal, document_id: int, consultation_id: int | None = None
) -> Document:
    """Return one document the caller may see (of ``consultation_id`` when given)."""
    document = load_document(session, document_id)
    if consultation_id is not None and document.consultation_id != consultation_id:
        raise NotFound(
            N_("document {document_id} does not belong to consultation {consultation_id}"),
            [FieldError("document_id", "not in this consultation", document_id)],
            params={"document_id": document_id, "consultation_id": consultation_id},
        )
    require_visible(actor, load(session, document.consultation_id))
    return document


def list_documents(session: Session, *, consultation_id: int) -> list[Document]:
    return list(
        session.execute(
            select(Document)
            .where(Document.consultation_id == consultation_id)
            .order_by(Document.id)
        ).scalars()
    )


def get_version(session: Session, *, document_id: int, number: int) -> Version:
    version = session.execute(
        select(Version).where(Version.document_id == document_id, Version.number == number)
    ).scalar_one_or_none()
    if version is None:
        raise NotFound(
            N_("document {document_id} has no version {number}"),
            [FieldError("version", "no such version", number)],
            params={"document_id": document_id, "number": number},
        )
    return version


def list_versions(session: Session, *, document_id: int) -> list[Version]:
    return list(
        session.execute(
            select(Version).where(Version.document_id == document_id).order_by(Version.number)
        ).scalars()
    )


def list_amendments(session: Session, *, document_id: int) -> list[Amendment]:
    return list(
        session.execute(
            select(Amendment).where(Amendment.document_id == document_id).order_by(Amendment.id)
        ).scalars()
    )


def compare_versions(
    session: Session, *, document_id: int, from_version: int, to_version: int
) -> list[dict[str, Any]]:
    """Return what changed, per language, from one version of a document to another."""
    old = get_version(session, document_id=document_id, number=from_version)
    new = get_version(session, document_id=document_id, number=to_version)
    return diff.compare(old.texts, new.texts, old_number=old.number, new_number=new.number)
