"""Dependencies every router uses: settings, sessions and the authenticated principal.

The ones that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency on its
thread pool, and each such hop cost a create about as much CPU as one of its SQL statements.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from epibridge.api import idempotency
from epibridge.db import read_session, write_session
from epibridge.errors import FieldError, Unauthenticated
from epibridge.members import accounts
from epibridge.security import Principal
from epibridge.settings import Settings


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_now(request: Request) -> datetime:
    """The moment the request's rules apply at, from the app's clock (tests inject one)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


async def get_sessions(request: Request) -> sessionmaker[Session]:
    return request.app.state.sessions


def get_read_session(request: Request) -> Iterator[Session]:
    with read_session(request.app.state.sessions) as session:
        yield session


def get_write_session(request: Request) -> Iterator[Session]:
    """A session whose transaction commits only when the route returns normally.

    Under an ``Idempotency-Key`` the same transaction marks the key's reservation committed
    (``idempotency.fence``), so the write and "this key's write happened" are one commit.
    """
    with write_session(request.app.state.sessions) as session:
        yield session
        idempotency.fence(session, request.scope.get("state", {}).get(idempotency.STATE_KEY))


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "the Authorization header must be 'Bearer TOKEN'",
            [FieldError("Authorization", "malformed")],
        )
    return token.strip()


def get_optional_principal(request: Request) -> Principal | None:
    """The caller if authenticated, else None (public routes)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = _bearer_token(request)
    if token is None:
        resolver = getattr(request.app.state, "session_principal", None)
        principal = resolver(request) if resolver else None
    else:
        with read_session(request.app.state.sessions) as session:
            principal = accounts.authenticate_token(session, token)
    request.state.principal = principal
    return principal


async def get_principal(
    principal: Annotated[Principal | None, Depends(get_optional_principal)],
) -> Principal:
    if principal is None:
        raise Unauthenticated(
            "this route needs an API token: send 'Authorization: Bearer TOKEN'",
            [FieldError("Authorization", "missing")],
        )
    return principal


SettingsDep = Annotated[Settings, Depends(get_settings)]
Now = Annotated[datetime, Depends(get_now)]
ReadSession = Annotated[Session, Depends(get_read_session, scope="function")]
WriteSession = Annotated[Session, Depends(get_write_session, scope="function")]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]


def _gateway_credentials(header: str) -> tuple[str, str | None]:
    """The token (and, for Basic, the account name) of a gateway's Authorization header."""
    scheme, _, rest = header.strip().partition(" ")
    rest = rest.strip()
    if scheme.lower() in ("apitoken", "bearer") and rest:
        return rest, None
    if scheme.lower() == "basic" and rest:
        try:
            name, colon, token = base64.b64decode(rest, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            colon = ""
        if colon and name and token:
            return token, name
    raise Unauthenticated(
        "the Authorization header must be 'ApiToken TOKEN', 'Bearer TOKEN' or Basic with the "
        "account name and the token as password",
        [FieldError("Authorization", "malformed")],
    )


def get_gateway_principal(request: Request) -> Principal:
    """The caller of a gateway route (DHIS2, FHIR, ...): an account's API token.

    National systems send it the way their software can: ``ApiToken TOKEN`` (DHIS2's own
    scheme), ``Bearer TOKEN``, or HTTP Basic with the account's name and the token as the
    password (a name that is not the token's account is refused).
    """
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthenticated(
            "this route needs an API token: send 'Authorization: ApiToken TOKEN'",
            [FieldError("Authorization", "missing")],
        )
    token, name = _gateway_credentials(header)
    with read_session(request.app.state.sessions) as session:
        principal = accounts.authenticate_token(session, token)
    if name is not None and name != principal.name:
        raise Unauthenticated(
            "the token is not valid", [FieldError("Authorization", "unknown token")]
        )
    request.state.principal = principal
    return principal


GatewayPrincipal = Annotated[Principal, Depends(get_gateway_principal)]
