"""Status reports of each side: validation, non-overlapping periods, history, notification."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from epibridge import audit, paging
from epibridge.borders.models import StatusReport
from epibridge.borders.schemas import StatusReportCreate
from epibridge.borders.service.common import authorize_state, get_crossing
from epibridge.borders.statuses import CrossingStatus
from epibridge.borders.views import report_read
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.i18n import N_, Phrase
from epibridge.notifications.outbox.service import publish
from epibridge.paging import Page
from epibridge.security import Principal, Visibility

TOPIC = "border.status_changed"


def _contradictions(data: StatusReportCreate) -> list[FieldError]:
    errors = []
    if data.effective_until is not None and data.effective_until <= data.effective_from:
        errors.append(
            FieldError(
                "effective_until", "must be after effective_from", data.effective_until.isoformat()
            )
        )
    if data.status == CrossingStatus.CLOSED and data.capacity_share:
        errors.append(
            FieldError("capacity_share", "a closed crossing has no capacity", data.capacity_share)
        )
    if data.status == CrossingStatus.OPEN and data.capacity_share == 0:
        errors.append(FieldError("capacity_share", "an open crossing cannot have zero capacity", 0))
    if data.status == CrossingStatus.OPEN and data.measures_c8 == 4:
        errors.append(FieldError("measures_c8", "4 (border closure) contradicts status open", 4))
    if data.status == CrossingStatus.CLOSED and data.wait_minutes:
        errors.append(
            FieldError("wait_minutes", "no waiting time at a closed crossing", data.wait_minutes)
        )
    return errors


def report_status(
    session: Session, *, actor: Principal, crossing_id: int, data: StatusReportCreate
) -> StatusReport:
    """Record one side's status for one direction and traffic; notify both states."""
    crossing = get_crossing(session, crossing_id=crossing_id, lock=True)
    side = data.side.strip().upper()
    if side not in (crossing.state_a, crossing.state_b):
        raise InvalidInput(
            N_("{side} is not a side of crossing {name}"),
            [
                FieldError(
                    "side",
                    N_("must be {state_a} or {state_b}"),
                    data.side,
                    params={"state_a": crossing.state_a, "state_b": crossing.state_b},
                )
            ],
            params={"side": side, "name": crossing.name},
        )
    on_behalf = authorize_state(actor, side)
    errors = _contradictions(data)
    if errors:
        raise InvalidInput("the status report contradicts itself", errors)

    same_key = (
        StatusReport.crossing_id == crossing.id,
        StatusReport.side == side,
        StatusReport.direction == data.direction,
        StatusReport.traffic == data.traffic,
    )
    overlapping = select(StatusReport).where(
        *same_key,
        or_(
            StatusReport.effective_until.is_(None),
            StatusReport.effective_until > data.effective_from,
        ),
    )
    if data.effective_until is not None:
        overlapping = overlapping.where(StatusReport.effective_from < data.effective_until)
    clashes = list(session.execute(overlapping.order_by(StatusReport.id)).scalars())
    # The one overlap that is a normal change: the open-ended current report, begun earlier,
    # ends where the new one begins.
    superseded = [
        r for r in clashes if r.effective_until is None and r.effective_from < data.effective_from
    ]
    others = [r for r in clashes if r not in superseded]
    if others:
        first = others[0]
        until: str | Phrase = (
            first.effective_until.isoformat() if first.effective_until else Phrase(N_("open-ended"))
        )
        raise Conflict(
            N_(
                "{side} already reported {direction} {traffic} traffic at {name} for an "
                "overlapping period (report {id}: {status}, {start} – {until})"
            ),
            [
                FieldError(
                    "effective_from",
                    N_("overlaps report {id} of the same side, direction and traffic"),
                    data.effective_from.isoformat(),
                    params={"id": first.id},
                )
            ],
            params={
                "side": side,
                "direction": data.direction,
                "traffic": data.traffic,
                "name": crossing.name,
                "id": first.id,
                "status": first.status,
                "start": first.effective_from.isoformat(),
                "until": until,
            },
        )
    now = utcnow()
    report = StatusReport(
        crossing_id=crossing.id,
        side=side,
        direction=data.direction,
        traffic=data.traffic,
        status=data.status,
        capacity_share=data.capacity_share,
        wait_minutes=data.wait_minutes,
        measures_c8=data.measures_c8,
        measures_text=data.measures_text,
        effective_from=data.effective_from,
        effective_until=data.effective_until,
        reported_at=now,
        reported_by=actor.actor,
        on_behalf=on_behalf,
    )
    session.add(report)
    session.flush()
    previous = None
    for old in superseded:
        old.effective_until = data.effective_from
        old.superseded_by = report.id
        previous = old
    session.flush()
    state = report_read(report).model_dump(mode="json")
    audit.record(
        session,
        actor=actor.actor,
        action="report_status",
        entity="border_status_report",
        entity_id=report.id,
        state={**state, "supersedes": previous.id if previous else None},
    )
    publish(
        session,
        actor=actor.actor,
        topic=TOPIC,
        entity="border_crossing",
        entity_id=crossing.id,
        payload={
            "crossing": {
                "id": crossing.id,
                "code": crossing.code,
                "name": crossing.name,
                "kind": crossing.kind,
                "states": [crossing.state_a, crossing.state_b],
            },
            "report": state,
            "previous_status": previous.status if previous else None,
        },
        visibility=Visibility.PUBLIC,
        states=[crossing.state_a, crossing.state_b],
    )
    return report


def current_reports(
    session: Session, *, crossing_ids: list[int], at: datetime | None = None
) -> dict[int, list[StatusReport]]:
    """The reports in force at ``at`` (default now), by crossing."""
    moment = at or utcnow()
    found: dict[int, list[StatusReport]] = defaultdict(list)
    if not crossing_ids:
        return found
    rows = session.execute(
        select(StatusReport)
        .where(
            StatusReport.crossing_id.in_(crossing_ids),
            StatusReport.effective_from <= moment,
            or_(StatusReport.effective_until.is_(None), StatusReport.effective_until > moment),
        )
        .order_by(StatusReport.id)
    ).scalars()
    for row in rows:
        found[row.crossing_id].append(row)
    return found


def history(
    session: Session,
    *,
    crossing_id: int,
    cursor: str | None = None,
    limit: int = 50,
    side: str | None = None,
) -> Page[StatusReport]:
    """Return every report of a crossing, newest first, one page at a time."""
    crossing = get_crossing(session, crossing_id=crossing_id)
    query = select(StatusReport).where(StatusReport.crossing_id == crossing.id)
    if side:
        query = query.where(StatusReport.side == side.upper())
    return paging.page(
        session,
        query,
        paging.Order(StatusReport.id, descending=True),
        cursor=cursor,
        limit=limit,
    )
