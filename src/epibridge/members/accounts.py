"""Rules of user accounts: creation, API tokens, passwords, ending browser sessions.

Password sign-in with its lockout is ``members.signin``; the browser sessions themselves are
``members.browser_sessions``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, InvalidInput, NotFound, Unauthenticated
from epibridge.i18n import N_
from epibridge.members import browser_sessions
from epibridge.members import service as org
from epibridge.members.models import ApiToken, User
from epibridge.members.schemas import IssuedToken, UserCreate, UserRead
from epibridge.members.statuses import MembershipStatus
from epibridge.security import (
    STATE_BOUND_ROLES,
    Action,
    Principal,
    Role,
    authorize,
    hash_password,
    hash_token,
    new_token,
)

#: Why a role and a state do not go together (message ids, shown in the reader's language).
STATE_REQUIRED = N_("role {role} must be bound to a state")
STATE_REQUIRED_FIELD = N_("required for this role")
NOT_OBSERVER = N_("an observer account must belong to an observer or partner state")
NOT_OBSERVER_FIELD = N_("not an observer or partner state today")
NOT_MEMBER = N_("a {role} account must belong to a member state")
NOT_MEMBER_FIELD = N_("not a member state today")
NOT_BOUND = N_("role {role} is not bound to a state")
NOT_BOUND_FIELD = N_("must be empty for this role")
NAME_TAKEN = N_("a user named '{name}' already exists")
NAME_TAKEN_FIELD = N_("already taken")
PASSWORD_SHORT = N_("A password has at least 8 characters.")
PASSWORD_SHORT_FIELD = N_("at least 8 characters")


def bound_state(session: Session, role: Role, state: str | None) -> str | None:
    """The state an account of ``role`` is bound to (normalized), or the error naming ``state``.

    Focal points and system accounts belong to a member state today, observers to an observer
    or partner state; the Secretariat and administrators to none. Creating an account and
    changing its role both ask this.
    """
    if role not in STATE_BOUND_ROLES:
        if state:
            raise InvalidInput(
                NOT_BOUND,
                [FieldError("state", NOT_BOUND_FIELD, state)],
                params={"role": role.value},
            )
        return None
    if not state:
        raise InvalidInput(
            STATE_REQUIRED,
            [FieldError("state", STATE_REQUIRED_FIELD)],
            params={"role": role.value},
        )
    code = org.require_state(session, state)
    status = org.status_on(org.get_state(session, iso3=code), utcnow().date())
    is_member = status is not None and status.status == MembershipStatus.MEMBER
    if role is Role.OBSERVER and (status is None or is_member):
        raise InvalidInput(NOT_OBSERVER, [FieldError("state", NOT_OBSERVER_FIELD, state)])
    if role in (Role.FOCAL_POINT, Role.SYSTEM) and not is_member:
        raise InvalidInput(
            NOT_MEMBER,
            [FieldError("state", NOT_MEMBER_FIELD, state)],
            params={"role": role.value},
        )
    return code


def create_user(
    session: Session, *, actor: Principal, data: UserCreate, token_ttl_days: int
) -> tuple[User, IssuedToken]:
    """Create an account and issue its first API token."""
    authorize(actor, Action.ADMINISTER)
    role = Role(data.role)
    state = bound_state(session, role, data.state)
    if session.execute(select(User.id).where(User.name == data.name)).first():
        raise Conflict(
            NAME_TAKEN,
            [FieldError("name", NAME_TAKEN_FIELD, data.name)],
            params={"name": data.name},
        )
    user = User(
        name=data.name,
        role=role.value,
        state_iso3=state,
        display_name=data.display_name,
        email=data.email,
        language=data.language,
        password_hash=hash_password(data.password) if data.password else None,
        created_at=utcnow(),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            NAME_TAKEN,
            [FieldError("name", NAME_TAKEN_FIELD, data.name)],
            params={"name": data.name},
        ) from exc
    audit.record(
        session,
        actor=actor.actor,
        action="create",
        entity="user",
        entity_id=user.id,
        state=user.audit_state(),
    )
    issued = issue_token(session, actor=actor, user=user, ttl_days=token_ttl_days)
    return user, issued


def issue_token(
    session: Session,
    *,
    actor: Principal,
    user: User,
    ttl_days: int,
    label: str | None = None,
) -> IssuedToken:
    """Issue a new API token for ``user``; the plain token is returned once and never stored."""
    authorize(actor, Action.ADMINISTER)
    token = new_token()
    now = utcnow()
    record = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        hint=token[:8],
        label=label,
        created_at=now,
        expires_at=now + timedelta(days=ttl_days),
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="issue_token",
        entity="api_token",
        entity_id=record.id,
        state={"user": user.name, "hint": record.hint, "expires_at": record.expires_at},
    )
    return IssuedToken(token=token, hint=record.hint, expires_at=record.expires_at)


def get_user(session: Session, *, name: str) -> User:
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise NotFound(
            N_("no user named '{name}'"),
            [FieldError("name", "unknown user", name)],
            params={"name": name},
        )
    return user


def revoke(session: Session, *, actor: Principal, name: str, deactivate: bool) -> int:
    """Revoke every active token of a user (and optionally deactivate the account)."""
    authorize(actor, Action.ADMINISTER)
    user = get_user(session, name=name)
    now = utcnow()
    active = session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).scalars()
    count = 0
    for token in active:
        token.revoked_at = now
        count += 1
    ended = 0
    if deactivate:
        user.is_active = False
        user.deactivated_at = now
        ended = browser_sessions.end_all(session, user_id=user.id, reason="deactivated", now=now)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="revoke",
        entity="user",
        entity_id=user.id,
        state={**user.audit_state(), "tokens_revoked": count, "sessions_ended": ended},
    )
    return count


def to_read(session: Session, user: User) -> UserRead:
    now = utcnow()
    active_tokens = session.execute(
        select(func.count())
        .select_from(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
    ).scalar_one()
    return UserRead(
        id=user.id,
        name=user.name,
        role=user.role,
        state=user.state_iso3,
        display_name=user.display_name,
        email=user.email,
        language=user.language,
        is_active=user.is_active,
        created_at=user.created_at,
        active_tokens=active_tokens,
    )


def list_users(
    session: Session, *, role: str | None = None, state: str | None = None
) -> list[User]:
    query = select(User).order_by(User.name)
    if role:
        query = query.where(User.role == role)
    if state:
        query = query.where(User.state_iso3 == state.upper())
    return list(session.execute(query).scalars())


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id, name=user.name, role=Role(user.role), state=user.state_iso3)


def authenticate_token(session: Session, token: str) -> Principal:
    """Return the principal a bearer token belongs to, or raise ``Unauthenticated``."""
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        raise Unauthenticated(
            "the token is not valid", [FieldError("Authorization", "unknown token")]
        )
    api_token, user = row
    if api_token.revoked_at is not None:
        raise Unauthenticated("the token was revoked", [FieldError("Authorization", "revoked")])
    if api_token.expires_at <= utcnow():
        raise Unauthenticated("the token has expired", [FieldError("Authorization", "expired")])
    if not user.is_active:
        raise Unauthenticated(
            "the account is deactivated", [FieldError("Authorization", "inactive")]
        )
    return principal_of(user)


def set_password(session: Session, *, actor: Principal, name: str, password: str) -> None:
    authorize(actor, Action.ADMINISTER)
    if len(password) < 8:
        raise InvalidInput(PASSWORD_SHORT, [FieldError("password", PASSWORD_SHORT_FIELD)])
    user = get_user(session, name=name)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    # Whoever knew the old password may be signed in with it: a new password ends every session.
    ended = browser_sessions.end_all(session, user_id=user.id, reason="password", now=utcnow())
    audit.record(
        session,
        actor=actor.actor,
        action="set_password",
        entity="user",
        entity_id=user.id,
        state={**user.audit_state(), "sessions_ended": ended},
    )


def end_sessions(session: Session, *, actor: Principal, name: str) -> int:
    """End every browser session of an account at once (administrators); return how many."""
    authorize(actor, Action.ADMINISTER)
    user = get_user(session, name=name)
    ended = browser_sessions.end_all(session, user_id=user.id, reason="ended", now=utcnow())
    audit.record(
        session,
        actor=actor.actor,
        action="end_sessions",
        entity="user",
        entity_id=user.id,
        state={"name": user.name, "sessions_ended": ended},
    )
    return ended
