"""The registry of crossings: loading the shipped file, creating, reading, listing."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from epibridge import audit, paging
from epibridge.borders.models import Crossing
from epibridge.borders.schemas import (
    CrossingCreate,
    CrossingRead,
    CrossingUpdate,
    RegistryDocument,
    RegistryResult,
)
from epibridge.borders.service.common import authorize_registry, get_crossing
from epibridge.borders.service.lanes import lanes_for
from epibridge.borders.service.neighbours import share_land_border
from epibridge.borders.service.status import current_reports
from epibridge.borders.statuses import LAND_KINDS
from epibridge.borders.views import crossing_read
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.paging import Page
from epibridge.security import Principal, system_principal
from epibridge.validation_messages import field_errors

#: The registry loader as a component (tests and set-up scripts); commands act as the operator.
REGISTRY_ACTOR = system_principal("borders-registry")


def read_registry() -> list[CrossingCreate]:
    """Read and validate the shipped registry of crossings."""
    text = (resources.files("epibridge.borders") / "data" / "crossings.yaml").read_text(
        encoding="utf-8"
    )
    document = RegistryDocument.model_validate(yaml.safe_load(text))
    items = []
    for index, raw in enumerate(document.crossings):
        merged: dict[str, Any] = {
            "approximate": document.defaults.approximate,
            "capacity": document.defaults.capacity.model_dump(),
            **raw,
        }
        try:
            items.append(CrossingCreate.model_validate(merged))
        except ValidationError as exc:
            raise InvalidInput(
                N_("crossing {index} ({code}) of the registry is not valid"),
                field_errors(exc.errors(), prefix=f"crossings.{index}."),
                params={"index": index, "code": raw.get("code")},
            ) from exc
    return items


def _validated(session: Session, data: CrossingCreate) -> dict[str, Any]:
    state_a = members.require_state(session, data.state_a, field="state_a")
    state_b = members.require_state(session, data.state_b, field="state_b")
    if state_a == state_b:
        raise InvalidInput(
            "a crossing joins two different states",
            [FieldError("state_b", "same as state_a", data.state_b)],
        )
    if data.kind in LAND_KINDS and not share_land_border(state_a, state_b):
        raise InvalidInput(
            N_(
                "{state_a} and {state_b} share no land border, so there is no {kind} "
                "crossing between them (only air and sea crossings may join them)"
            ),
            [
                FieldError(
                    "state_b",
                    N_("no land border with {state}"),
                    data.state_b,
                    params={"state": state_a},
                )
            ],
            params={"state_a": state_a, "state_b": state_b, "kind": data.kind},
        )
    return {
        "code": data.code,
        "name": data.name,
        "kind": data.kind,
        "state_a": state_a,
        "name_a": data.name_a,
        "state_b": state_b,
        "name_b": data.name_b,
        "latitude": data.latitude,
        "longitude": data.longitude,
        "approximate": data.approximate,
        "trucks_per_day": data.capacity.trucks_per_day,
        "trains_per_day": data.capacity.trains_per_day,
        "travellers_per_day": data.capacity.travellers_per_day,
        "capacity_note": data.capacity.note,
        "opening_hours": data.opening_hours,
        "source": data.source,
        "note": data.note,
        "names": data.names.model_dump(exclude_none=True) if data.names else None,
    }


def _audit(session: Session, actor: str, action: str, crossing: Crossing) -> None:
    state = {c.name: getattr(crossing, c.name) for c in Crossing.__table__.columns}
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="border_crossing",
        entity_id=crossing.id,
        state=state,
    )


def create_crossing(session: Session, *, actor: Principal, data: CrossingCreate) -> Crossing:
    """Add a crossing to the registry (administrators and the Secretariat)."""
    authorize_registry(actor)
    values = _validated(session, data)
    if session.execute(select(Crossing.id).where(Crossing.code == data.code)).first():
        raise Conflict(
            N_("a crossing with code '{code}' already exists"),
            [FieldError("code", "already taken", data.code)],
            params={"code": data.code},
        )
    now = utcnow()
    crossing = Crossing(**values, created_at=now, updated_at=now)
    session.add(crossing)
    session.flush()
    _audit(session, actor.actor, "create", crossing)
    return crossing


def update_crossing(
    session: Session, *, actor: Principal, crossing_id: int, data: CrossingUpdate
) -> Crossing:
    """Correct a crossing's names, position, capacity, hours or source (registry keepers)."""
    authorize_registry(actor)
    crossing = get_crossing(session, crossing_id=crossing_id)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "name_a", "name_b", "latitude", "longitude", "approximate", "source"):
        if key in changes and changes[key] is None:
            raise InvalidInput(
                N_("{key} cannot be emptied"), [FieldError(key, "required")], params={"key": key}
            )
    if "names" in changes:
        names = data.names
        changes["names"] = names.model_dump(exclude_none=True) if names else None
    capacity = changes.pop("capacity", None)
    if capacity is not None:
        changes.update(
            trucks_per_day=capacity.get("trucks_per_day"),
            trains_per_day=capacity.get("trains_per_day"),
            travellers_per_day=capacity.get("travellers_per_day"),
            capacity_note=capacity.get("note"),
        )
    for key, value in changes.items():
        setattr(crossing, key, value)
    crossing.updated_at = utcnow()
    session.flush()
    _audit(session, actor.actor, "update", crossing)
    return crossing


def load_registry(session: Session, *, actor: Principal) -> RegistryResult:
    """Create or update every crossing of the shipped registry (by code)."""
    authorize_registry(actor)
    items = read_registry()
    prepared = [_validated(session, item) for item in items]
    existing = {c.code: c for c in session.execute(select(Crossing)).scalars()}
    created = updated = unchanged = 0
    now = utcnow()
    for values in prepared:
        crossing = existing.get(values["code"])
        if crossing is None:
            crossing = Crossing(**values, created_at=now, updated_at=now)
            session.add(crossing)
            session.flush()
            _audit(session, actor.actor, "create", crossing)
            created += 1
            continue
        changed = {k: v for k, v in values.items() if getattr(crossing, k) != v}
        if not changed:
            unchanged += 1
            continue
        for key, value in changed.items():
            setattr(crossing, key, value)
        crossing.updated_at = now
        session.flush()
        _audit(session, actor.actor, "update", crossing)
        updated += 1
    return RegistryResult(created=created, updated=updated, unchanged=unchanged)


def list_crossings(
    session: Session,
    *,
    state: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    conflict_only: bool = False,
    at: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[CrossingRead]:
    """List crossings with their status now, filtered, one page at a time."""
    moment = at or utcnow()
    query = select(Crossing)
    if state:
        code = members.require_state(session, state, field="state")
        query = query.where(or_(Crossing.state_a == code, Crossing.state_b == code))
    if kind:
        query = query.where(Crossing.kind == kind)

    def reads(rows: list[Crossing]) -> list[CrossingRead]:
        ids = [c.id for c in rows]
        reports = current_reports(session, crossing_ids=ids, at=moment)
        lanes = lanes_for(session, crossing_ids=ids, on=moment.date())
        return [crossing_read(c, reports.get(c.id, []), lanes.get(c.id, [])) for c in rows]

    def wanted(read: CrossingRead) -> bool:
        # The status each side reports is computed, not a column: filtered on the reads.
        return (not status or read.status == status) and (not conflict_only or read.conflict)

    return paging.page(
        session,
        query,
        paging.Order(Crossing.id),
        cursor=cursor,
        limit=limit,
        convert=reads,
        keep=wanted if status or conflict_only else None,
    )
