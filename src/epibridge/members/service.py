"""Rules of the organization profile: loading it, and who was what on which date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import pycountry
import yaml
from pydantic import ValidationError
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from epibridge import audit
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.members.models import Body, Chairmanship, Organization, State, StateStatus
from epibridge.members.schemas import ProfileDocument
from epibridge.members.statuses import MembershipStatus
from epibridge.security import Action, Principal, authorize, system_principal
from epibridge.validation_messages import field_errors

#: The profile loader (``epibridge db upgrade`` on a new database) is one of epibridge's
#: components: its audit entry says ``system:profile``.
PROFILE_ACTOR = system_principal("profile")


def read_profile(profile: str) -> ProfileDocument:
    """Read a profile by its shipped name (``sco``) or from a YAML file path."""
    path = Path(profile)
    if path.suffix in {".yaml", ".yml"}:
        if not path.is_file():
            raise InvalidInput(
                N_("profile file {profile} does not exist"), params={"profile": profile}
            )
        text = path.read_text(encoding="utf-8")
    else:
        shipped = resources.files("epibridge.members") / "profiles" / f"{profile}.yaml"
        if not shipped.is_file():
            raise InvalidInput(
                N_("no profile named '{profile}' is shipped; give a .yaml path"),
                params={"profile": profile},
            )
        text = shipped.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:
        # PyYAML raises ValueError for impossible dates such as 2001-13-01.
        raise InvalidInput(
            N_("profile {profile} is not valid YAML: {error}"),
            params={"profile": profile, "error": exc},
        ) from exc
    try:
        document = ProfileDocument.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(
            N_("profile {profile} is not valid"),
            field_errors(exc.errors()),
            params={"profile": profile},
        ) from exc
    for state in document.states:
        if pycountry.countries.get(alpha_3=state.iso3) is None:
            raise InvalidInput(
                N_("profile {profile} names an unknown country"),
                [FieldError("states.iso3", "not an ISO 3166-1 alpha-3 code", state.iso3)],
                params={"profile": profile},
            )
    return document


def profile_loaded(session: Session) -> bool:
    return session.execute(select(Organization.id).limit(1)).first() is not None


def load_profile(session: Session, *, actor: Principal, document: ProfileDocument) -> Organization:
    """Load a profile into an empty database (the tables of a new database)."""
    authorize(actor, Action.ADMINISTER)
    if profile_loaded(session):
        raise InvalidInput("an organization profile is already loaded in this database")
    org_doc = document.organization
    organization = Organization(
        code=org_doc.code,
        names=org_doc.name,
        founded=org_doc.founded,
        official_languages=org_doc.official_languages,
        interface_languages=org_doc.interface_languages,
        decision_rule=org_doc.decision_rule,
        participation=org_doc.participation,
        profile_digest=audit.digest_of(document.model_dump(mode="json")),
    )
    session.add(organization)
    for item in document.states:
        country = pycountry.countries.get(alpha_3=item.iso3)
        state = State(iso3=item.iso3, iso2=country.alpha_2, names=item.name, founding=item.founding)
        state.statuses = [
            StateStatus(
                status=s.status,
                valid_from=s.valid_from,
                valid_until=s.valid_until,
                source=s.source,
                note=s.note,
            )
            for s in item.statuses
        ]
        session.add(state)
    session.flush()
    for body in document.bodies:
        session.add(
            Body(
                code=body.code,
                names=body.name,
                kind=body.kind,
                seat=body.seat,
                seat_state_iso3=body.seat_state,
                established=body.established,
                source=body.source,
            )
        )
    for chair in document.chairmanships:
        session.add(
            Chairmanship(
                state_iso3=chair.state,
                valid_from=chair.valid_from,
                valid_until=chair.valid_until,
                summit=chair.summit,
                source=chair.source,
            )
        )
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="load_profile",
        entity="organization",
        entity_id=organization.code,
        state=document.model_dump(mode="json"),
    )
    return organization


def get_organization(session: Session) -> Organization:
    organization = session.execute(select(Organization)).scalar_one_or_none()
    if organization is None:
        raise NotFound("no organization profile is loaded; run `epibridge db upgrade`")
    return organization


def _active_on(column_from, column_until, on: date):  # type: ignore[no-untyped-def]
    return and_(column_from <= on, or_(column_until.is_(None), column_until >= on))


@dataclass(frozen=True)
class StateOnDate:
    """A state with the status it held on the date asked about (None: none then)."""

    state: State
    status: MembershipStatus | None
    status_since: date | None


def status_on(state: State, on: date) -> StateStatus | None:
    for period in state.statuses:
        if period.valid_from <= on and (period.valid_until is None or period.valid_until >= on):
            return period
    return None


def list_states(
    session: Session, *, on: date, status: MembershipStatus | None = None
) -> list[StateOnDate]:
    """List the states with their status on ``on``; with ``status``, only those holding it."""
    query = select(State).options(selectinload(State.statuses)).order_by(State.iso3)
    if status is not None:
        query = query.where(
            State.statuses.any(
                and_(
                    StateStatus.status == status,
                    _active_on(StateStatus.valid_from, StateStatus.valid_until, on),
                )
            )
        )
    result = []
    for state in session.execute(query).scalars():
        period = status_on(state, on)
        if status is None and period is None:
            continue
        result.append(
            StateOnDate(
                state=state,
                status=period.status if period else None,
                status_since=period.valid_from if period else None,
            )
        )
    return result


def members_on(session: Session, *, on: date) -> list[State]:
    """Return the member states on ``on`` (the date's own decisions included)."""
    return [item.state for item in list_states(session, on=on, status=MembershipStatus.MEMBER)]


def state_names(
    session: Session, *, on: date, lang: str, status: MembershipStatus | None = None
) -> dict[str, str]:
    """Name the states of ``on`` (with ``status``, those holding it) in ``lang``, by ISO3 code."""
    return {
        item.state.iso3: item.state.name(lang)
        for item in list_states(session, on=on, status=status)
    }


def get_state(session: Session, *, iso3: str) -> State:
    code = iso3.upper()
    state = session.execute(
        select(State).options(selectinload(State.statuses)).where(State.iso3 == code)
    ).scalar_one_or_none()
    if state is None:
        raise NotFound(
            N_("no state with code '{iso3}' in the organization profile"),
            [FieldError("iso3", "unknown state", iso3)],
            params={"iso3": iso3},
        )
    return state


def require_state(session: Session, iso3: str, *, field: str = "state") -> str:
    """Return the normalized code of a state in the profile, or fail naming ``field``."""
    code = (iso3 or "").strip().upper()
    if session.get(State, code) is None:
        known = pycountry.countries.get(alpha_3=code) is not None
        reason = (
            "not a state of the organization profile" if known else "not an ISO 3166-1 alpha-3 code"
        )
        raise InvalidInput(
            N_("unknown state '{iso3}'"), [FieldError(field, reason, iso3)], params={"iso3": iso3}
        )
    return code


def chair_on(session: Session, *, on: date) -> Chairmanship | None:
    """Return the chairmanship period covering ``on``, if any."""
    return session.execute(
        select(Chairmanship).where(
            _active_on(Chairmanship.valid_from, Chairmanship.valid_until, on)
        )
    ).scalar_one_or_none()


def list_chairmanships(session: Session) -> list[Chairmanship]:
    return list(session.execute(select(Chairmanship).order_by(Chairmanship.valid_from)).scalars())


def list_bodies(session: Session) -> list[Body]:
    return list(session.execute(select(Body).order_by(Body.kind.desc(), Body.code)).scalars())
