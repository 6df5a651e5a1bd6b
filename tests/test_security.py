"""The one permission check: every role x action x own/other state."""

from __future__ import annotations

import pytest

from epibridge.security import (
    Action,
    PermissionDenied,
    Principal,
    Role,
    Visibility,
    authorize,
    can_see,
    decide,
    hash_password,
    hash_token,
    new_token,
    operator_principal,
    verify_password,
)

OWN, OTHER = "KAZ", "RUS"

PRINCIPALS = {
    Role.FOCAL_POINT: Principal(1, "fp-kaz", Role.FOCAL_POINT, OWN),
    Role.SYSTEM: Principal(2, "system-kaz", Role.SYSTEM, OWN),
    Role.SECRETARIAT: Principal(3, "sec", Role.SECRETARIAT, None),
    Role.OBSERVER: Principal(4, "obs-mng", Role.OBSERVER, "MNG"),
    Role.ADMIN: Principal(5, "admin", Role.ADMIN, None),
    Role.OPERATOR: operator_principal("alice"),
}

# (role, action, target state) -> allowed?
EXPECTED: dict[tuple[Role, Action, str | None], bool] = {}
for role in Role:
    for action in Action:
        for target in (OWN, OTHER, None):
            EXPECTED[(role, action, target)] = False
for target in (OWN, OTHER, None):
    for role in (Role.FOCAL_POINT, Role.SYSTEM, Role.SECRETARIAT, Role.ADMIN):
        EXPECTED[(role, Action.READ_MEMBERS, target)] = True
    for role in Role:
        EXPECTED[(role, Action.READ_PARTNERS, target)] = True
    for role in (Role.FOCAL_POINT, Role.SECRETARIAT):
        EXPECTED[(role, Action.CONTRIBUTE, target)] = True
    EXPECTED[(Role.SECRETARIAT, Action.COORDINATE, target)] = True
    EXPECTED[(Role.SECRETARIAT, Action.READ_AUDIT, target)] = True
    EXPECTED[(Role.ADMIN, Action.READ_AUDIT, target)] = True
    EXPECTED[(Role.ADMIN, Action.ADMINISTER, target)] = True
    # Webhooks: every role but observers (docs/delivery.md, "Who may hold a webhook").
    for role in (Role.FOCAL_POINT, Role.SYSTEM, Role.SECRETARIAT, Role.ADMIN):
        EXPECTED[(role, Action.RECEIVE_WEBHOOKS, target)] = True
# Writing a state's data: only that state's focal points and systems, and the Secretariat.
EXPECTED[(Role.FOCAL_POINT, Action.WRITE_STATE, OWN)] = True
EXPECTED[(Role.SYSTEM, Action.WRITE_STATE, OWN)] = True
EXPECTED[(Role.SECRETARIAT, Action.WRITE_STATE, OWN)] = True
EXPECTED[(Role.SECRETARIAT, Action.WRITE_STATE, OTHER)] = True
# The operator (the console, the system's components) may do everything; a write still names
# the state whose data it changes.
for action in Action:
    for target in (OWN, OTHER, None):
        EXPECTED[(Role.OPERATOR, action, target)] = (action, target) != (Action.WRITE_STATE, None)


@pytest.mark.parametrize(
    ("role", "action", "target"),
    sorted(EXPECTED, key=lambda k: (k[0].value, k[1].value, str(k[2]))),
    ids=lambda v: str(v.value if hasattr(v, "value") else v),
)
def test_permission_matrix(role: Role, action: Action, target: str | None) -> None:
    decision = decide(PRINCIPALS[role], action, target)
    assert decision.allowed is EXPECTED[(role, action, target)]
    if not decision.allowed:
        assert decision.reason
        with pytest.raises(PermissionDenied):
            authorize(PRINCIPALS[role], action, target)


def test_secretariat_writes_are_marked_on_behalf() -> None:
    assert decide(PRINCIPALS[Role.SECRETARIAT], Action.WRITE_STATE, OTHER).on_behalf
    assert not decide(PRINCIPALS[Role.FOCAL_POINT], Action.WRITE_STATE, OWN).on_behalf


def test_focal_point_refusal_names_both_states() -> None:
    reason = decide(PRINCIPALS[Role.FOCAL_POINT], Action.WRITE_STATE, OTHER).reason
    assert "KAZ" in reason and "RUS" in reason


@pytest.mark.parametrize(
    ("role", "visibility", "visible"),
    [
        (None, Visibility.PUBLIC, True),
        (None, Visibility.PARTNERS, False),
        (None, Visibility.MEMBERS, False),
        (Role.OBSERVER, Visibility.PARTNERS, True),
        (Role.OBSERVER, Visibility.MEMBERS, False),
        (Role.FOCAL_POINT, Visibility.MEMBERS, True),
        (Role.SECRETARIAT, Visibility.MEMBERS, True),
        (Role.SYSTEM, Visibility.MEMBERS, True),
    ],
)
def test_visibility(role: Role | None, visibility: Visibility, visible: bool) -> None:
    principal = PRINCIPALS[role] if role else None
    assert can_see(principal, visibility) is visible


def test_tokens_are_random_and_hashed() -> None:
    first, second = new_token(), new_token()
    assert first != second and first.startswith("eb_") and len(first) > 40
    assert hash_token(first) != first and len(hash_token(first)) == 64


def test_passwords_use_argon2() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2")
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong horse")
    assert not verify_password("not-a-hash", "correct horse")
