"""Who is calling and what they may do: one permission check for every request.

Tokens are random, shown once and stored only as SHA-256 hashes (they carry 256 bits of
entropy, so a slow hash adds nothing); passwords for the web login are hashed with argon2.
``authorize`` is the single place that decides whether a principal may perform an action on a
state's data; API, CLI and web all call it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from epibridge.i18n import N_, Text

TOKEN_PREFIX = "eb_"


class Role(StrEnum):
    FOCAL_POINT = "focal_point"
    SECRETARIAT = "secretariat"
    OBSERVER = "observer"
    ADMIN = "admin"
    SYSTEM = "system"
    #: Not an account: the person at the console (``epibridge`` commands) and the system's own
    #: background components (worker, scheduler, demo loader). They may do everything an
    #: account may, and every audit entry names them.
    OPERATOR = "operator"


#: Roles an account in the users table can have (the operator is never stored).
ACCOUNT_ROLES = frozenset(
    {Role.FOCAL_POINT, Role.SECRETARIAT, Role.OBSERVER, Role.ADMIN, Role.SYSTEM}
)

#: Roles that must be bound to one state.
STATE_BOUND_ROLES = frozenset({Role.FOCAL_POINT, Role.OBSERVER, Role.SYSTEM})


class Action(StrEnum):
    """What a request wants to do, independent of the domain."""

    READ_MEMBERS = "read_members"  # read what is shared with all members and the Secretariat
    READ_PARTNERS = "read_partners"  # read what is shared with observers/partners too
    WRITE_STATE = "write_state"  # create or change data that belongs to a state
    CONTRIBUTE = "contribute"  # comment, assess, acknowledge, take a position
    COORDINATE = "coordinate"  # Secretariat work across states (verification requests, ...)
    READ_AUDIT = "read_audit"
    ADMINISTER = "administer"  # accounts and the organization profile
    #: Hold a webhook subscription: the server POSTs to an address the account chose, so it is
    #: for accounts that run systems (focal points, machines, Secretariat, admins); observers
    #: read what is shared with them by e-mail, the Atom feeds and the API.
    RECEIVE_WEBHOOKS = "receive_webhooks"


class Visibility(StrEnum):
    MEMBERS = "members"
    PARTNERS = "partners"
    PUBLIC = "public"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request, command or background task."""

    user_id: int
    name: str
    role: Role
    state: str | None = None
    #: ``user`` (an account), ``operator`` (a person at the console) or ``system`` (one of
    #: epibridge's own components); it prefixes the name in the audit log.
    kind: str = "user"
    #: Who is really at the keyboard when an account is acted as from the console (``--as``):
    #: the operator's audit name, so every entry written from the CLI names the operator.
    via: str | None = None

    @property
    def actor(self) -> str:
        """How this principal is named in the audit log."""
        own = f"{self.kind}:{self.name}"
        return f"{own} via {self.via}" if self.via else own


def operator_principal(name: str | None = None) -> Principal:
    """The principal every ``epibridge`` command acts as: ``operator:<OS user name>``.

    Whoever can run the command can read the database file or its URL's password anyway, so
    the console is trusted with every action; the audit log still says who it was.
    """
    return Principal(
        user_id=0, name=name or _os_user(), role=Role.OPERATOR, state=None, kind="operator"
    )


def system_principal(component: str) -> Principal:
    """The principal of one of epibridge's own components (``system:worker``, ...)."""
    return Principal(user_id=0, name=component, role=Role.OPERATOR, state=None, kind="system")


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        import os

        return f"uid{os.getuid()}"


#: Which actions each role may take at all (the state check comes on top).
_ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.FOCAL_POINT: frozenset(
        {
            Action.READ_MEMBERS,
            Action.READ_PARTNERS,
            Action.WRITE_STATE,
            Action.CONTRIBUTE,
            Action.RECEIVE_WEBHOOKS,
        }
    ),
    Role.SYSTEM: frozenset(
        {Action.READ_MEMBERS, Action.READ_PARTNERS, Action.WRITE_STATE, Action.RECEIVE_WEBHOOKS}
    ),
    Role.SECRETARIAT: frozenset(
        {
            Action.READ_MEMBERS,
            Action.READ_PARTNERS,
            Action.WRITE_STATE,
            Action.CONTRIBUTE,
            Action.COORDINATE,
            Action.READ_AUDIT,
            Action.RECEIVE_WEBHOOKS,
        }
    ),
    Role.OBSERVER: frozenset({Action.READ_PARTNERS}),
    Role.ADMIN: frozenset(
        {
            Action.READ_MEMBERS,
            Action.READ_PARTNERS,
            Action.READ_AUDIT,
            Action.ADMINISTER,
            Action.RECEIVE_WEBHOOKS,
        }
    ),
    Role.OPERATOR: frozenset(Action),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    on_behalf: bool = False  # the Secretariat writing a state's data, recorded as such


def require_principal(principal: object) -> Principal:
    """Return ``principal`` if it is a ``Principal``; raise ``TypeError`` for anything else.

    A plain string (the old ``"cli"``, ``"system:..."`` actors), None or a look-alike object
    must never pass for someone: the check refuses to decide rather than guess, so no caller
    can skip it by mistake. Rules that look at a role before calling ``authorize`` call this.
    """
    if not isinstance(principal, Principal):
        raise TypeError(
            f"permission checks need a Principal, not {type(principal).__name__} {principal!r}"
        )
    return principal


def decide(principal: Principal, action: Action, state: str | None = None) -> Decision:
    """Decide whether ``principal`` may take ``action`` on data of ``state`` (ISO3 or None)."""
    require_principal(principal)
    if action not in _ROLE_ACTIONS[principal.role]:
        return Decision(
            False,
            Text(
                N_("role {role} may not {action}"),
                {"role": principal.role.value, "action": action.value},
            ),
        )
    if action is Action.WRITE_STATE:
        if state is None:
            return Decision(False, N_("a write must name the state whose data it changes"))
        if principal.role in (Role.SECRETARIAT, Role.OPERATOR):
            return Decision(True, on_behalf=True)
        if principal.state != state:
            return Decision(
                False,
                Text(
                    N_("a {role} of {state} may only write data of {state}, not {other}"),
                    {"role": principal.role.value, "state": principal.state, "other": state},
                ),
            )
    return Decision(True)


def can_see(principal: Principal | None, visibility: Visibility) -> bool:
    """Whether content shared with ``visibility`` is visible to ``principal`` (None: anonymous)."""
    if visibility is Visibility.PUBLIC:
        return True
    if principal is None:
        return False
    require_principal(principal)
    if visibility is Visibility.PARTNERS:
        return Action.READ_PARTNERS in _ROLE_ACTIONS[principal.role]
    return Action.READ_MEMBERS in _ROLE_ACTIONS[principal.role]


class PermissionDenied(Exception):
    """Raised by services when ``authorize`` refuses; the API turns it into 403."""


def authorize(principal: Principal, action: Action, state: str | None = None) -> Decision:
    """Return the decision when allowed; raise ``PermissionDenied`` otherwise."""
    decision = decide(principal, action, state)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    return decision


def new_token() -> str:
    """Return a fresh API token (shown once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_password_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """Return a random password that is easy to type (for demo and newly created accounts)."""
    return secrets.token_urlsafe(12)
