"""What each state lets leave its node: the level of its observations, an embargo, its signals.

Defaults are conservative: a state that set nothing shares national totals only (no
subnational, age or sex detail) and no detection signal; there is no embargo.

The embargo, precisely: with ``embargo_until`` = D, a submission accepted from the moment the
embargo was set (``embargo_since``) until D 00:00 UTC is held back: its
``epidata.submission_accepted`` outbox message yields nothing to send. When the embargo ends
(D 00:00 UTC has passed and ``release_due`` runs, from the scheduler or ``federation sharing
release``; or a focal point clears the date early) one outbox message
``federation.embargo_released`` is published with the window [since, end). Its builder
(``topics.epidata``) re-reads every local submission of the state accepted in that window and
sends it at the sharing level in force at release. Messages go through the outbox, so a
release is lost neither in a crash nor by an offline peer; a submission caught by both its
own message and a release (a lagging exporter) lands twice on the receiver with the same
values, which the revision model stores once (unchanged values make no new version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.errors import FieldError, InvalidInput, reason_of
from epibridge.federation.sharing_models import SharingLevel, SharingSettings
from epibridge.federation.sharing_schemas import SharingRead, SharingUpdate
from epibridge.i18n import N_, Text
from epibridge.members import service as members
from epibridge.notifications.diseases import validate_disease_code
from epibridge.notifications.outbox import service as outbox
from epibridge.security import (
    Action,
    PermissionDenied,
    Principal,
    Role,
    authorize,
    require_principal,
)

ENTITY = "federation_sharing"
RELEASE_TOPIC = "federation.embargo_released"
DEFAULT_LEVEL = SharingLevel.TOTALS


@dataclass(frozen=True)
class Sharing:
    """The settings in force for one state (the defaults when it set nothing)."""

    state: str
    level: SharingLevel = DEFAULT_LEVEL
    diseases: frozenset[str] = field(default_factory=frozenset)
    embargo_until: date | None = None
    embargo_since: datetime | None = None
    signals: bool = False
    configured: bool = False

    def holds(self, accepted_at: datetime) -> bool:
        """Whether a submission accepted at ``accepted_at`` is held back by the embargo."""
        if self.embargo_until is None:
            return False
        since = self.embargo_since or datetime.min.replace(tzinfo=UTC)
        return since <= accepted_at < midnight(self.embargo_until)

    def shares_disease(self, disease: str) -> bool:
        if self.level is SharingLevel.NOTHING:
            return False
        return self.level is not SharingLevel.DISEASES or disease in self.diseases


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def effective(session: Session, state: str) -> Sharing:
    """The settings in force for ``state``; no permission check (builders and readers use it)."""
    row = session.get(SharingSettings, (state or "").upper())
    if row is None:
        return Sharing(state=(state or "").upper())
    return Sharing(
        state=row.state_iso3,
        level=row.level,
        diseases=frozenset(row.diseases or ()),
        embargo_until=row.embargo_until,
        embargo_since=row.embargo_since,
        signals=row.signals,
        configured=True,
    )


def shares_signals(session: Session, state: str | None) -> bool:
    """Whether ``state``'s detection signals leave its node (default: no)."""
    if not state:
        return False
    return effective(session, state).signals


def _read(session: Session, state: str) -> SharingRead:
    now = effective(session, state)
    row = session.get(SharingSettings, state)
    return SharingRead(
        state=state,
        level=now.level,
        diseases=sorted(now.diseases),
        embargo_until=now.embargo_until,
        signals=now.signals,
        configured=now.configured,
        updated_at=row.updated_at if row else None,
        updated_by=row.updated_by if row else None,
    )


def get(session: Session, *, principal: Principal, state: str) -> SharingRead:
    """A state's sharing settings: members and the Secretariat may read them."""
    authorize(principal, Action.READ_MEMBERS)
    return _read(session, members.require_state(session, state))


def may_set(principal: Principal, state: str) -> bool:
    try:
        _authorize_set(principal, state)
    except PermissionDenied:
        return False
    return True


def _authorize_set(principal: Principal, state: str) -> None:
    """The state's focal point, the Secretariat or an admin (and the console) set sharing."""
    require_principal(principal)
    if principal.role is Role.ADMIN:
        authorize(principal, Action.ADMINISTER)
    elif principal.role in (Role.FOCAL_POINT, Role.SECRETARIAT, Role.OPERATOR):
        authorize(principal, Action.WRITE_STATE, state)
    else:
        raise PermissionDenied(
            Text(N_("role {role} may not change sharing settings"), {"role": principal.role})
        )


def _diseases(data: SharingUpdate) -> list[str]:
    errors: list[FieldError] = []
    codes: set[str] = set()
    for index, code in enumerate(data.diseases):
        try:
            codes.add(validate_disease_code(code))
        except ValueError as exc:
            errors.append(FieldError(f"diseases[{index}]", reason_of(exc), code))
    if data.level is SharingLevel.DISEASES and not data.diseases:
        errors.append(FieldError("diseases", N_("list at least one disease for this level")))
    if data.level is not SharingLevel.DISEASES and data.diseases:
        errors.append(
            FieldError("diseases", N_("diseases are listed only at level 'diseases'"), None)
        )
    if errors:
        raise InvalidInput(N_("the sharing settings are invalid"), errors)
    return sorted(codes)


def set_sharing(
    session: Session,
    *,
    principal: Principal,
    state: str,
    data: SharingUpdate,
    now: datetime | None = None,
) -> SharingRead:
    """Replace a state's sharing settings; clearing or shortening an embargo releases it."""
    now = now or utcnow()
    code = members.require_state(session, state)
    _authorize_set(principal, code)
    diseases = _diseases(data)
    row = session.get(SharingSettings, code)
    kept = row is not None and data.embargo_until == row.embargo_until
    if data.embargo_until is not None and not kept and midnight(data.embargo_until) <= now:
        raise InvalidInput(
            N_("the sharing settings are invalid"),
            [FieldError("embargo_until", N_("must be a day after today"), str(data.embargo_until))],
        )
    if row is None:
        row = SharingSettings(state_iso3=code, diseases=[])
        session.add(row)
    if row.embargo_until is not None and data.embargo_until is None:
        _release(session, row, principal.actor, now)
    if data.embargo_until is not None and row.embargo_until is None:
        row.embargo_since = now
    row.level = data.level
    row.diseases = diseases
    row.embargo_until = data.embargo_until
    row.signals = data.signals
    row.updated_at = now
    row.updated_by = principal.actor
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="set",
        entity=ENTITY,
        entity_id=code,
        state={**data.model_dump(mode="json"), "diseases": diseases},
    )
    return _read(session, code)


def _release(session: Session, row: SharingSettings, actor: str, now: datetime) -> None:
    """Publish the window the ending embargo held back, so its builder re-sends it."""
    end = min(now, midnight(row.embargo_until)) if row.embargo_until else now
    since = row.embargo_since or datetime.min.replace(tzinfo=UTC)
    window = {"state": row.state_iso3, "since": since.isoformat(), "until": end.isoformat()}
    outbox.publish(
        session,
        actor=actor,
        topic=RELEASE_TOPIC,
        entity=ENTITY,
        entity_id=row.state_iso3,
        payload=window,
        states=[row.state_iso3],
    )
    audit.record(
        session,
        actor=actor,
        action="release",
        entity=ENTITY,
        entity_id=row.state_iso3,
        state=window,
    )
    row.embargo_until = None
    row.embargo_since = None


def release_due(session: Session, *, actor: Principal, now: datetime | None = None) -> list[str]:
    """End every embargo whose day has come; the states released (the scheduler calls it)."""
    authorize(actor, Action.COORDINATE)
    now = now or utcnow()
    released: list[str] = []
    rows = session.execute(
        select(SharingSettings)
        .where(SharingSettings.embargo_until.is_not(None))
        .order_by(SharingSettings.state_iso3)
    ).scalars()
    for row in rows:
        if row.embargo_until is not None and midnight(row.embargo_until) <= now:
            _release(session, row, actor.actor, now)
            released.append(row.state_iso3)
    session.flush()
    return released
