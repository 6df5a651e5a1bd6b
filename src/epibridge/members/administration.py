"""What administrators do to accounts after creating them: roles, locks and single tokens.

Creating an account, issuing a token, revoking all of them and setting a password are in
``accounts``; this module adds the rest an administrator's page needs. Every change is for
administrators only (``Action.ADMINISTER``) and audited in the same transaction. An
administrator cannot change their own role or lock themselves out: the last administrator
would otherwise be one click away from an organization nobody can administer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit, paging
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.members import accounts, browser_sessions
from epibridge.members import service as org
from epibridge.members.models import ApiToken, User
from epibridge.members.statuses import AccountStanding, TokenState
from epibridge.paging import Page
from epibridge.security import (
    ACCOUNT_ROLES,
    Action,
    Principal,
    Role,
    authorize,
    decide,
    require_principal,
)

UNKNOWN_ROLE = N_("Choose one of the account roles.")
UNKNOWN_ROLE_FIELD = N_("not an account role")
UNKNOWN_ACCOUNT = N_("There is no account with this name.")
UNKNOWN_ACCOUNT_FIELD = N_("unknown account")
SELF = N_("You cannot change your own role or lock your own account: ask another administrator.")
SELF_FIELD = N_("your own account")
UNKNOWN_TOKEN = N_("There is no such token.")
UNKNOWN_TOKEN_FIELD = N_("unknown token")
TOKEN_REVOKED = N_("This token was revoked already.")
TOKEN_REVOKED_FIELD = N_("already revoked")


def role_of(value: str | None, *, field: str = "role") -> Role:
    """The account role ``value`` names, or the error naming ``field``."""
    try:
        role = Role((value or "").strip())
    except ValueError:
        role = None
    if role is None or role not in ACCOUNT_ROLES:
        raise InvalidInput(UNKNOWN_ROLE, [FieldError(field, UNKNOWN_ROLE_FIELD, value)])
    return role


def standing(user: User, now: datetime | None = None) -> AccountStanding:
    """Whether the account can sign in now (locked by an administrator, locked out, active)."""
    if not user.is_active:
        return AccountStanding.LOCKED
    if user.locked_until is not None and user.locked_until > (now or utcnow()):
        return AccountStanding.LOCKED_OUT
    return AccountStanding.ACTIVE


def token_state(token: ApiToken, now: datetime | None = None) -> TokenState:
    if token.revoked_at is not None:
        return TokenState.REVOKED
    if token.expires_at <= (now or utcnow()):
        return TokenState.EXPIRED
    return TokenState.ACTIVE


def list_accounts(
    session: Session,
    *,
    actor: Principal,
    role: str | None = None,
    state: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[User]:
    """Accounts in order of their names, one page at a time (administrators)."""
    authorize(actor, Action.ADMINISTER)
    query = select(User)
    if role:
        query = query.where(User.role == role_of(role))
    if state:
        query = query.where(User.state_iso3 == org.require_state(session, state))
    return paging.page(
        session, query, paging.Order(User.id, key=User.name), cursor=cursor, limit=limit
    )


def get_account(session: Session, *, actor: Principal, name: str) -> User:
    """One account by name (administrators)."""
    authorize(actor, Action.ADMINISTER)
    return _account(session, name)


def _account(session: Session, name: str) -> User:
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise NotFound(UNKNOWN_ACCOUNT, [FieldError("name", UNKNOWN_ACCOUNT_FIELD, name)])
    return user


def _not_self(actor: Principal, user: User) -> None:
    if actor.kind == "user" and actor.user_id == user.id:
        raise Conflict(SELF, [FieldError("name", SELF_FIELD, user.name)])


def change_role(
    session: Session, *, actor: Principal, name: str, role: str, state: str | None
) -> User:
    """Give an account another role (and the state that role is bound to, if any).

    The binding rule is the one of account creation (``accounts.bound_state``). The new role
    applies at the account's next request: pages and tokens read the account every time.
    """
    authorize(actor, Action.ADMINISTER)
    user = _account(session, name)
    _not_self(actor, user)
    new_role = role_of(role)
    new_state = accounts.bound_state(session, new_role, (state or "").strip() or None)
    before = {"role": user.role, "state": user.state_iso3}
    if before == {"role": new_role, "state": new_state}:
        return user
    user.role = new_role
    user.state_iso3 = new_state
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="change_role",
        entity="user",
        entity_id=user.id,
        state={**user.audit_state(), "before": before},
    )
    return user


def lock(session: Session, *, actor: Principal, name: str) -> User:
    """Lock an account: no sign-in, no token and no delivery until it is unlocked.

    Its browser sessions end at once; its tokens are kept (not revoked) and work again after
    unlocking, so a lock is a pause, not an ending.
    """
    authorize(actor, Action.ADMINISTER)
    user = _account(session, name)
    _not_self(actor, user)
    now = utcnow()
    ended = 0
    if user.is_active:
        user.is_active = False
        user.deactivated_at = now
        ended = browser_sessions.end_all(session, user_id=user.id, reason="deactivated", now=now)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="lock",
        entity="user",
        entity_id=user.id,
        state={**user.audit_state(), "sessions_ended": ended},
    )
    return user


def unlock(session: Session, *, actor: Principal, name: str) -> User:
    """Unlock an account: active again, and a lockout after wrong passwords lifted."""
    authorize(actor, Action.ADMINISTER)
    user = _account(session, name)
    before = standing(user)
    user.is_active = True
    user.deactivated_at = None
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="unlock",
        entity="user",
        entity_id=user.id,
        state={**user.audit_state(), "before": before},
    )
    return user


def tokens_of(session: Session, *, actor: Principal, name: str) -> list[ApiToken]:
    """An account's API tokens, newest first (hints and dates; the tokens are not kept).

    The account itself may see its own; administrators anyone's.
    """
    if require_principal(actor).kind != "user" or actor.name != name:
        authorize(actor, Action.ADMINISTER)
    user = _account(session, name)
    return list(
        session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        ).scalars()
    )


def revoke_token(
    session: Session, *, actor: Principal, token_id: int, of: str | None = None
) -> ApiToken:
    """Revoke one token: its owner may, and administrators may revoke anyone's.

    Someone else's token is "no such token" to an account that may not revoke it, so ids
    cannot be probed; so is a token that is not the account ``of``'s, when it is named.
    """
    require_principal(actor)
    token = session.get(ApiToken, token_id)
    mine = token is not None and actor.kind == "user" and actor.user_id == token.user_id
    if (
        token is None
        or (of is not None and token.user.name != of)
        or not (mine or decide(actor, Action.ADMINISTER).allowed)
    ):
        raise NotFound(UNKNOWN_TOKEN, [FieldError("token_id", UNKNOWN_TOKEN_FIELD, token_id)])
    if token.revoked_at is not None:
        raise Conflict(TOKEN_REVOKED, [FieldError("token_id", TOKEN_REVOKED_FIELD, token_id)])
    token.revoked_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="revoke_token",
        entity="api_token",
        entity_id=token.id,
        state={"user": token.user.name, "hint": token.hint, "revoked_at": token.revoked_at},
    )
    return token
