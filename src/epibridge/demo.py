"""The demo organization's accounts: one of each role, a focal point for every member state.

The database keeps only hashes of passwords and tokens, so the plain credentials live in one
place, ``<var dir>/demo-credentials.txt`` (created with mode 0600). Loading again reads that
file and keeps every password and token that still works, so a browser tab or a script set
up with them goes on working; ``reset`` issues fresh ones and revokes the old tokens.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import NotFound, Unauthenticated
from epibridge.members import accounts
from epibridge.members import service as org
from epibridge.members.models import User
from epibridge.members.schemas import UserCreate
from epibridge.members.statuses import MembershipStatus
from epibridge.security import Role, new_password, system_principal, verify_password

#: The demo loader is one of epibridge's components: its audit entries say ``system:demo``.
DEMO_ACTOR = system_principal("demo")
CREDENTIALS_FILE = "demo-credentials.txt"
_HEADER = (
    "# SYNTHETIC demo accounts, written by `epibridge demo load` (kept across loads;\n"
    "# `epibridge demo load --reset` issues new ones). name, role, state, password, API token\n"
)


@dataclass(frozen=True)
class DemoCredential:
    name: str
    role: str
    state: str | None
    password: str
    token: str
    #: True when the password and token are the ones of the previous load.
    kept: bool = False


def demo_accounts(session: Session) -> list[UserCreate]:
    """The accounts a demo gets, derived from the profile loaded in ``session``."""
    today = utcnow().date()
    wanted = [
        UserCreate(name="admin", role="admin", display_name="Demo administrator"),
        UserCreate(name="secretariat", role="secretariat", display_name="Demo Secretariat analyst"),
    ]
    for state in org.members_on(session, on=today):
        code = state.iso3.lower()
        wanted.append(
            UserCreate(
                name=f"fp-{code}",
                role=Role.FOCAL_POINT,
                state=state.iso3,
                display_name=f"Demo focal point of {state.name()}",
                email=f"fp-{code}@demo.invalid",
            )
        )
    wanted.append(
        UserCreate(
            name="system-kaz", role=Role.SYSTEM, state="KAZ", display_name="Demo system of KAZ"
        )
    )
    # Prefer an observer that takes part (Afghanistan's participation is on hold).
    observers = sorted(
        org.list_states(session, on=today, status=MembershipStatus.OBSERVER),
        key=lambda item: item.state.iso3 == "AFG",
    )
    if observers:
        wanted.append(
            UserCreate(
                name=f"observer-{observers[0].state.iso3.lower()}",
                role=Role.OBSERVER,
                state=observers[0].state.iso3,
                display_name=f"Demo observer of {observers[0].state.name()}",
            )
        )
    return wanted


def load_border_registry(session: Session) -> int:
    """Load the shipped registry of real border crossings; return how many there are."""
    from epibridge.borders.service import crossings

    result = crossings.load_registry(session, actor=DEMO_ACTOR)
    return result.created + result.updated + result.unchanged


def credentials_path(var_dir: Path) -> Path:
    return var_dir / CREDENTIALS_FILE


def read_credentials(path: Path) -> dict[str, tuple[str, str]]:
    """Each account's (password, token) from a credentials file; nothing if there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    found = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) != 5:
            continue
        found[fields[0]] = (fields[3], fields[4])
    return found


def write_credentials(path: Path, credentials: list[DemoCredential]) -> None:
    """Write the file readable by its owner only: created 0600, then moved into place, so
    there is no moment when it exists with wider rights."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(_HEADER)
        for c in credentials:
            out.write(f"{c.name}\t{c.role}\t{c.state or '-'}\t{c.password}\t{c.token}\n")
    os.replace(partial, path)


def _token_works(session: Session, user: User, token: str) -> bool:
    try:
        return accounts.authenticate_token(session, token).name == user.name
    except Unauthenticated:
        return False


def _refresh(
    session: Session, user: User, known: tuple[str, str] | None, *, reset: bool, ttl: int
) -> DemoCredential:
    """Keep what still works of ``known``; issue the rest (everything on ``reset``)."""
    password, token = known if known and not reset else ("", "")
    kept_password = bool(password) and bool(user.password_hash)
    kept_password = kept_password and verify_password(user.password_hash or "", password)
    if not kept_password:
        password = new_password()
        accounts.set_password(session, actor=DEMO_ACTOR, name=user.name, password=password)
    kept_token = bool(token) and _token_works(session, user, token)
    if not kept_token:
        if reset:
            accounts.revoke(session, actor=DEMO_ACTOR, name=user.name, deactivate=False)
        token = accounts.issue_token(
            session, actor=DEMO_ACTOR, user=user, ttl_days=ttl, label="demo"
        ).token
    return DemoCredential(
        user.name, user.role, user.state_iso3, password, token, kept_password and kept_token
    )


def load_demo_accounts(
    session: Session,
    *,
    token_ttl_days: int,
    known: Mapping[str, tuple[str, str]] | None = None,
    reset: bool = False,
) -> list[DemoCredential]:
    """Create the missing demo accounts; keep the ``known`` credentials that still work."""
    credentials = []
    for data in demo_accounts(session):
        try:
            user = accounts.get_user(session, name=data.name)
        except NotFound:
            password = new_password()
            user, issued = accounts.create_user(
                session,
                actor=DEMO_ACTOR,
                data=data.model_copy(update={"password": password}),
                token_ttl_days=token_ttl_days,
            )
            credential = DemoCredential(
                user.name, user.role, user.state_iso3, password, issued.token
            )
        else:
            credential = _refresh(
                session, user, (known or {}).get(data.name), reset=reset, ttl=token_ttl_days
            )
        credentials.append(credential)
    return credentials
