"""Turning consultation rows into the read models the API and the CLI show."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from epibridge.consultations import diff, service
from epibridge.consultations.models import (
    Amendment,
    Consultation,
    Decision,
    Document,
    RecordEntry,
    Version,
)
from epibridge.consultations.schemas import (
    AgendaItemRead,
    AmendmentRead,
    ConsultationRead,
    ConsultationSummary,
    DeadlineItem,
    DecisionRead,
    DocumentRead,
    DocumentSummary,
    LanguageChange,
    ParticipantRead,
    PositionRead,
    RecordEntryRead,
    SignatureRead,
    Tally,
    VersionRead,
)
from epibridge.consultations.statuses import DocumentStatus, ParticipantRole


def summaries(session: Session, rows: list[Consultation]) -> list[ConsultationSummary]:
    counted = service.counts(session, [c.id for c in rows])
    return [_summary(c, *counted.get(c.id, (0, 0))) for c in rows]


def _summary(c: Consultation, documents: int, open_decisions: int) -> ConsultationSummary:
    return ConsultationSummary(
        id=c.id,
        origin_node=c.origin_node,
        topic=c.topic,
        status=c.status,
        convened_on=c.convened_on,
        convenor_kind=c.convenor_kind,
        convening_state=c.convening_state,
        requested_by_state=c.requested_by_state,
        participant_count=sum(1 for p in c.participants if p.role == ParticipantRole.MEMBER),
        document_count=documents,
        open_decisions=open_decisions,
        created_at=c.created_at,
    )


def document_summary(d: Document) -> DocumentSummary:
    return DocumentSummary(
        id=d.id,
        origin_node=d.origin_node,
        kind=d.kind,
        title=d.title,
        status=d.status,
        current_version=d.current_version,
        number=d.number,
    )


def consultation_read(session: Session, c: Consultation) -> ConsultationRead:
    documents = service.list_documents(session, consultation_id=c.id)
    counted = service.counts(session, [c.id]).get(c.id, (0, 0))
    return ConsultationRead(
        **_summary(c, *counted).model_dump(),
        description=c.description,
        convened_by=c.convened_by,
        convened_at=c.convened_at,
        requested_by=c.requested_by,
        request_reason=c.request_reason,
        responded_by=c.responded_by,
        response_reason=c.response_reason,
        closed_at=c.closed_at,
        closed_by=c.closed_by,
        closing_outcome=c.closing_outcome,
        closing_reason=c.closing_reason,
        event_ids=list(c.event_ids),
        deadlines=[DeadlineItem.model_validate(d) for d in c.deadlines],
        participants=participants(c),
        agenda=agenda(c),
        documents=[document_summary(d) for d in documents],
        record_entries=_record_count(session, c.id),
    )


def _record_count(session: Session, consultation_id: int) -> int:
    return session.execute(
        select(func.count())
        .select_from(RecordEntry)
        .where(RecordEntry.consultation_id == consultation_id)
    ).scalar_one()


def participants(c: Consultation) -> list[ParticipantRead]:
    return [
        ParticipantRead(state=p.state_iso3, role=p.role, has_say=p.role == ParticipantRole.MEMBER)
        for p in sorted(c.participants, key=lambda p: (p.role, p.state_iso3))
    ]


def agenda(c: Consultation) -> list[AgendaItemRead]:
    return [
        AgendaItemRead(position=i.position, title=i.title, description=i.description)
        for i in c.agenda
    ]


def record_entry(e: RecordEntry) -> RecordEntryRead:
    return RecordEntryRead(
        id=e.id,
        at=e.at,
        author=e.author,
        state=e.state_iso3,
        kind=e.kind,
        agenda_position=e.agenda_position,
        text=e.text,
    )


def versions(session: Session, document: Document) -> list[VersionRead]:
    """Every version with what changed from the one before it."""
    rows = service.list_versions(session, document_id=document.id)
    incorporated: dict[int, list[int]] = {}
    for a in service.list_amendments(session, document_id=document.id):
        if a.incorporated_in is not None:
            incorporated.setdefault(a.incorporated_in, []).append(a.id)
    out = []
    previous: Version | None = None
    for v in rows:
        out.append(version_read(document, v, previous, incorporated.get(v.number, [])))
        previous = v
    return out


def version_read(
    document: Document, v: Version, previous: Version | None, incorporated: list[int]
) -> VersionRead:
    changes = (
        diff.compare(previous.texts, v.texts, old_number=previous.number, new_number=v.number)
        if previous is not None
        else diff.compare({}, v.texts, old_number=0, new_number=v.number)
    )
    return VersionRead(
        number=v.number,
        languages=sorted(v.texts),
        texts=v.texts,
        note=v.note,
        created_at=v.created_at,
        created_by=v.created_by,
        superseded=v.number < document.current_version,
        incorporated_amendments=incorporated,
        changes=[LanguageChange.model_validate(c) for c in changes],
    )


def amendment_read(a: Amendment) -> AmendmentRead:
    return AmendmentRead(
        id=a.id,
        document_id=a.document_id,
        version=a.version_number,
        state=a.state_iso3,
        proposed_by=a.proposed_by,
        on_behalf=a.on_behalf,
        reason=a.reason,
        texts=a.texts,
        status=a.status,
        incorporated_in=a.incorporated_in,
        created_at=a.created_at,
    )


def decision_read(d: Decision) -> DecisionRead:
    return DecisionRead(
        id=d.id,
        document_id=d.document_id,
        version=d.version_number,
        procedure=d.procedure,
        decision_rule=d.decision_rule,
        deadline=d.deadline,
        status=d.status,
        opened_at=d.opened_at,
        opened_by=d.opened_by,
        closed_at=d.closed_at,
        closed_by=d.closed_by,
        outcome=d.outcome,
        outcome_message=d.outcome_message,
        member_states=list(d.member_states),
        positions=[
            PositionRead(
                state=p.state_iso3,
                origin_node=p.origin_node,
                position=p.position,
                reasons=p.reasons,
                recorded_by=p.recorded_by,
                on_behalf=p.on_behalf,
                recorded_at=p.recorded_at,
                changes=p.changes,
            )
            for p in d.positions
        ],
        tally=Tally.model_validate(service.tally(d)),
    )


def document_read(session: Session, d: Document) -> DocumentRead:
    decisions = service.list_decisions(session, document_id=d.id)
    signatures = service.list_signatures(session, document_id=d.id)
    published: dict[str, str] = {}
    languages: list[str] = []
    if d.adopted_version is not None:
        adopted = service.get_version(session, document_id=d.id, number=d.adopted_version)
        published = adopted.texts
        languages = sorted(adopted.texts)
    else:
        languages = sorted(
            service.get_version(session, document_id=d.id, number=d.current_version).texts
        )
    signers = {s.state_iso3 for s in signatures}
    deciding = decisions[-1].member_states if decisions else []
    return DocumentRead(
        **document_summary(d).model_dump(),
        consultation_id=d.consultation_id,
        adopted_at=d.adopted_at,
        adopted_version=d.adopted_version,
        languages=languages,
        published_texts=published,
        created_at=d.created_at,
        created_by=d.created_by,
        versions=list(range(1, d.current_version + 1)),
        decision=decision_read(decisions[-1]) if decisions else None,
        signatures=[
            SignatureRead(
                state=s.state_iso3,
                origin_node=s.origin_node,
                signed_by=s.signed_by,
                signed_at=s.signed_at,
            )
            for s in signatures
        ],
        unsigned=[s for s in deciding if s not in signers]
        if d.status == DocumentStatus.ADOPTED
        else [],
    )
