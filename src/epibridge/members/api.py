"""Routes of the organization profile and of user accounts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from epibridge.api.deps import CurrentPrincipal, ReadSession, SettingsDep, WriteSession
from epibridge.db import utcnow
from epibridge.errors import NotFound
from epibridge.i18n import N_, Language
from epibridge.members import accounts, service, views
from epibridge.members.schemas import (
    BodyRead,
    ChairRead,
    IssuedToken,
    OrganizationRead,
    SessionsEnded,
    StateDetail,
    StateRead,
    UserCreate,
    UserRead,
)
from epibridge.members.statuses import MembershipStatus
from epibridge.security import Action, authorize

router = APIRouter(prefix="/api/v1", tags=["organization"])
users_router = APIRouter(prefix="/api/v1/users", tags=["accounts"])

Lang = Annotated[Language, Query(description="Language of names.")]
OnDate = Annotated[
    date | None, Query(description="The date to answer for (YYYY-MM-DD); default today.")
]


@router.get("/organization", response_model=OrganizationRead)
def get_organization(session: ReadSession, on: OnDate = None) -> OrganizationRead:
    """Describe the organization: names, languages, decision rule, chair, bodies."""
    day = on or utcnow().date()
    organization = service.get_organization(session)
    chair = service.chair_on(session, on=day)
    return OrganizationRead(
        code=organization.code,
        names=organization.names,
        founded=organization.founded,
        official_languages=organization.official_languages,
        interface_languages=organization.interface_languages,
        decision_rule=organization.decision_rule,
        chair=views.chair_read(chair, service.get_state(session, iso3=chair.state_iso3))
        if chair
        else None,
        member_count=len(service.members_on(session, on=day)),
        bodies=[BodyRead.model_validate(b) for b in service.list_bodies(session)],
    )


@router.get("/states", response_model=list[StateRead])
def list_states(
    session: ReadSession,
    on: OnDate = None,
    status: Annotated[
        MembershipStatus | None,
        Query(description="Only states holding this status on the date."),
    ] = None,
    lang: Lang = "en",
) -> list[StateRead]:
    """List the states with their status on a date (all statuses unless one is given)."""
    day = on or utcnow().date()
    return [
        views.state_read(item, lang) for item in service.list_states(session, on=day, status=status)
    ]


@router.get("/states/{iso3}", response_model=StateDetail)
def get_state(session: ReadSession, iso3: str, on: OnDate = None, lang: Lang = "en") -> StateDetail:
    """Show one state with its whole status history."""
    state = service.get_state(session, iso3=iso3)
    return views.state_detail(state, on or utcnow().date(), lang)


@router.get(
    "/chair",
    response_model=ChairRead,
    responses={404: {"description": "no chairmanship is recorded for the date"}},
)
def get_chair(session: ReadSession, on: OnDate = None, lang: Lang = "en") -> ChairRead:
    """Name the state chairing the organization on a date."""
    day = on or utcnow().date()
    chair = service.chair_on(session, on=day)
    if chair is None:
        raise NotFound(N_("no chairmanship is recorded for {day}"), params={"day": day})
    return views.chair_read(chair, service.get_state(session, iso3=chair.state_iso3), lang)


@router.get("/chairmanships", response_model=list[ChairRead])
def list_chairmanships(session: ReadSession, lang: Lang = "en") -> list[ChairRead]:
    """List every chairmanship period in order."""
    return [
        views.chair_read(c, service.get_state(session, iso3=c.state_iso3), lang)
        for c in service.list_chairmanships(session)
    ]


@users_router.get("/me", response_model=UserRead)
def whoami(session: ReadSession, principal: CurrentPrincipal) -> UserRead:
    """Show the account the token belongs to."""
    return accounts.to_read(session, accounts.get_user(session, name=principal.name))


@users_router.get("", response_model=list[UserRead])
def list_users(
    session: ReadSession,
    principal: CurrentPrincipal,
    role: str | None = None,
    state: str | None = None,
) -> list[UserRead]:
    """List accounts (administrators only)."""
    authorize(principal, Action.ADMINISTER)
    return [
        accounts.to_read(session, u) for u in accounts.list_users(session, role=role, state=state)
    ]


class CreatedUser(UserRead):
    token: IssuedToken


@users_router.post("", response_model=CreatedUser, status_code=status.HTTP_201_CREATED)
def create_user(
    session: WriteSession, principal: CurrentPrincipal, settings: SettingsDep, data: UserCreate
) -> CreatedUser:
    """Create an account and return its first API token (shown only in this response)."""
    user, issued = accounts.create_user(
        session, actor=principal, data=data, token_ttl_days=settings.token_ttl_days
    )
    return CreatedUser(**accounts.to_read(session, user).model_dump(), token=issued)


@users_router.post("/{name}/revoke", response_model=UserRead)
def revoke_user(
    session: WriteSession, principal: CurrentPrincipal, name: str, deactivate: bool = False
) -> UserRead:
    """Revoke every token of an account, and deactivate it when asked."""
    accounts.revoke(session, actor=principal, name=name, deactivate=deactivate)
    return accounts.to_read(session, accounts.get_user(session, name=name))


@users_router.post("/{name}/sessions/end", response_model=SessionsEnded)
def end_user_sessions(
    session: WriteSession, principal: CurrentPrincipal, name: str
) -> SessionsEnded:
    """End every browser session of an account at once (administrators)."""
    ended = accounts.end_sessions(session, actor=principal, name=name)
    return SessionsEnded(name=name, sessions_ended=ended)
