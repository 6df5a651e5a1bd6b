"""The demo organization's accounts: one of each role, a focal point for every member state.

Loading again issues fresh tokens and passwords (the old ones stop working), so the printed
credentials are always the ones that work.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import NotFound
from epibridge.members import accounts
from epibridge.members import service as org
from epibridge.members.schemas import UserCreate
from epibridge.members.statuses import MembershipStatus
from epibridge.security import Role, new_password, system_principal

#: The demo loader is one of epibridge's components: its audit entries say ``system:demo``.
DEMO_ACTOR = system_principal("demo")


@dataclass(frozen=True)
class DemoCredential:
    name: str
    role: str
    state: str | None
    password: str
    token: str


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


def load_demo_accounts(session: Session, *, token_ttl_days: int) -> list[DemoCredential]:
    credentials = []
    for data in demo_accounts(session):
        password = new_password()
        try:
            user = accounts.get_user(session, name=data.name)
        except NotFound:
            user, issued = accounts.create_user(
                session,
                actor=DEMO_ACTOR,
                data=data.model_copy(update={"password": password}),
                token_ttl_days=token_ttl_days,
            )
        else:
            accounts.revoke(session, actor=DEMO_ACTOR, name=user.name, deactivate=False)
            accounts.set_password(session, actor=DEMO_ACTOR, name=user.name, password=password)
            issued = accounts.issue_token(
                session, actor=DEMO_ACTOR, user=user, ttl_days=token_ttl_days, label="demo"
            )
        credentials.append(
            DemoCredential(user.name, user.role, user.state_iso3, password, issued.token)
        )
    return credentials
