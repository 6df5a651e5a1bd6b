"""Green lanes (priority freight) and fast lanes (essential personnel) agreed between states."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from epibridge import audit, paging
from epibridge.borders.models import Crossing, Lane, LaneCrossing
from epibridge.borders.schemas import LaneCreate, LaneUpdate
from epibridge.borders.service.common import authorize_any_state
from epibridge.borders.views import lane_read
from epibridge.db import utcnow
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.notifications.outbox.service import publish
from epibridge.paging import Page
from epibridge.security import Principal, Visibility


def _states(session: Session, codes: list[str]) -> list[str]:
    found = []
    for index, code in enumerate(codes):
        normalized = members.require_state(session, code, field=f"states.{index}")
        if normalized in found:
            raise InvalidInput(
                "a state is named twice", [FieldError(f"states.{index}", "duplicate", code)]
            )
        found.append(normalized)
    return found


def _crossings(session: Session, ids: list[int], states: list[str]) -> list[int]:
    if len(set(ids)) != len(ids):
        raise InvalidInput(
            "a crossing is named twice", [FieldError("crossing_ids", "duplicates", ids)]
        )
    rows = {
        c.id: c for c in session.execute(select(Crossing).where(Crossing.id.in_(ids))).scalars()
    }
    errors = []
    for index, crossing_id in enumerate(ids):
        crossing = rows.get(crossing_id)
        if crossing is None:
            errors.append(FieldError(f"crossing_ids.{index}", "unknown crossing", crossing_id))
        elif crossing.state_a not in states or crossing.state_b not in states:
            errors.append(
                FieldError(
                    f"crossing_ids.{index}",
                    N_(
                        "crossing {name} joins {state_a} and {state_b}, not only states of the "
                        "lane ({states})"
                    ),
                    crossing_id,
                    params={
                        "name": crossing.name,
                        "state_a": crossing.state_a,
                        "state_b": crossing.state_b,
                        "states": states,
                    },
                )
            )
    if errors:
        raise InvalidInput("the lane names crossings it cannot cover", errors)
    return ids


def _record(session: Session, actor: str, action: str, lane: Lane, topic: str) -> None:
    state = lane_read(lane).model_dump(mode="json")
    audit.record(
        session, actor=actor, action=action, entity="border_lane", entity_id=lane.id, state=state
    )
    publish(
        session,
        actor=actor,
        topic=topic,
        entity="border_lane",
        entity_id=lane.id,
        payload={"lane": state, "action": action},
        visibility=Visibility.PUBLIC,
        states=lane.states,
    )


def create_lane(session: Session, *, actor: Principal, data: LaneCreate) -> Lane:
    """Record a lane agreed between states over a set of crossings."""
    states = _states(session, data.states)
    authorize_any_state(actor, states)
    if data.valid_until is not None and data.valid_until < data.valid_from:
        raise InvalidInput(
            "the lane ends before it begins",
            [FieldError("valid_until", "before valid_from", data.valid_until.isoformat())],
        )
    ids = _crossings(session, data.crossing_ids, states)
    now = utcnow()
    lane = Lane(
        kind=data.kind,
        name=data.name,
        states=states,
        documents_accepted=data.documents_accepted,
        checks=data.checks,
        hours=data.hours,
        target_minutes=data.target_minutes,
        agreement=data.agreement,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        created_at=now,
        created_by=actor.actor,
        updated_at=now,
        crossings=[LaneCrossing(crossing_id=i) for i in ids],
    )
    session.add(lane)
    session.flush()
    _record(session, actor.actor, "create", lane, "border.lane_agreed")
    return lane


def get_lane(session: Session, *, lane_id: int) -> Lane:
    lane = session.get(Lane, lane_id)
    if lane is None:
        raise NotFound(
            N_("no lane with id {id}"),
            [FieldError("lane_id", "unknown lane", lane_id)],
            params={"id": lane_id},
        )
    return lane


def update_lane(session: Session, *, actor: Principal, lane_id: int, data: LaneUpdate) -> Lane:
    """Change the rules or crossings of a lane (a party to it, or the Secretariat)."""
    lane = get_lane(session, lane_id=lane_id)
    authorize_any_state(actor, lane.states)
    changes = data.model_dump(exclude_unset=True)
    until = changes.get("valid_until")
    if until is not None and until < lane.valid_from:
        raise InvalidInput(
            "the lane would end before it begins",
            [FieldError("valid_until", "before valid_from", str(until))],
        )
    for key in ("name", "target_minutes"):
        if key in changes and changes[key] is None:
            raise InvalidInput(
                N_("{key} cannot be emptied"), [FieldError(key, "required")], params={"key": key}
            )
    if changes.get("crossing_ids") is not None:
        ids = _crossings(session, changes.pop("crossing_ids"), lane.states)
        lane.crossings = [LaneCrossing(crossing_id=i) for i in ids]
    else:
        changes.pop("crossing_ids", None)
    for key, value in changes.items():
        setattr(lane, key, value if key != "documents_accepted" else (value or []))
    lane.updated_at = utcnow()
    session.flush()
    _record(session, actor.actor, "update", lane, "border.lane_changed")
    return lane


def delete_lane(session: Session, *, actor: Principal, lane_id: int) -> None:
    """Remove a lane (a party to it, or the Secretariat); the audit log keeps what it was."""
    lane = get_lane(session, lane_id=lane_id)
    authorize_any_state(actor, lane.states)
    _record(session, actor.actor, "delete", lane, "border.lane_removed")
    session.delete(lane)
    session.flush()


def list_lanes(
    session: Session,
    *,
    state: str | None = None,
    kind: str | None = None,
    crossing_id: int | None = None,
    active_on: date | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Lane]:
    """List lanes in id order, filtered, one page at a time."""
    query = select(Lane).options(selectinload(Lane.crossings))
    if kind:
        query = query.where(Lane.kind == kind)
    if crossing_id is not None:
        query = query.where(Lane.crossings.any(LaneCrossing.crossing_id == crossing_id))
    if active_on is not None:
        query = query.where(
            Lane.valid_from <= active_on,
            or_(Lane.valid_until.is_(None), Lane.valid_until >= active_on),
        )
    code = members.require_state(session, state, field="state") if state else None
    return paging.page(
        session,
        query,
        paging.Order(Lane.id),
        cursor=cursor,
        limit=limit,
        # JSON lists are filtered here: the same code on SQLite and PostgreSQL.
        keep=(lambda lane: code in lane.states) if code else None,
    )


def lanes_for(session: Session, *, crossing_ids: list[int], on: date) -> dict[int, list[Lane]]:
    """The lanes in force on ``on`` over each of ``crossing_ids``."""
    found: dict[int, list[Lane]] = defaultdict(list)
    if not crossing_ids:
        return found
    rows = session.execute(
        select(LaneCrossing.crossing_id, Lane)
        .join(Lane, Lane.id == LaneCrossing.lane_id)
        .where(
            LaneCrossing.crossing_id.in_(crossing_ids),
            Lane.valid_from <= on,
            or_(Lane.valid_until.is_(None), Lane.valid_until >= on),
        )
        .order_by(Lane.id)
    ).all()
    for crossing_id, lane in rows:
        found[crossing_id].append(lane)
    return found
