"""Services take a ``Principal`` and nothing else; the one check refuses anything else.

Today's services must type their ``actor``/``principal`` ``Principal`` (no ``| str``, no
``| None`` but on the anonymous public feeds); ``authorize``, ``decide`` and ``can_see`` raise
``TypeError`` for a string or a look-alike; the console acts as ``operator:<OS user>``.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import write_session
from epibridge.security import (
    Action,
    Principal,
    Role,
    Visibility,
    authorize,
    can_see,
    decide,
    operator_principal,
    system_principal,
)
from tests.principals.scan import (
    ANONYMOUS_READERS,
    FAKES,
    NAME_RECORDERS,
    annotation,
    service_functions,
)


def test_the_scan_finds_the_services() -> None:
    found = service_functions()
    assert len(found) > 80
    for expected in (
        "epibridge.assistance.service.requests.create_request",
        "epibridge.borders.service.crossings.load_registry",
        "epibridge.epidata.service.check_file",
        "epibridge.epidata.reference.load",
        "epibridge.members.accounts.create_user",
        "epibridge.members.service.load_profile",
        "epibridge.notifications.outbox.service.create_subscription",
        "epibridge.reports.service.reports.store",
        "epibridge.detection.service.runs.run",
        "epibridge.consultations.service.decisions.close_due_decisions",
    ):
        assert expected in found


def test_every_service_actor_is_a_principal() -> None:
    """No ``Principal | str``, no ``str``, no ``Principal | None`` (but the public feeds)."""
    wrong = {}
    for qualified, (fn, param) in service_functions().items():
        if qualified in NAME_RECORDERS or qualified in ANONYMOUS_READERS:
            continue
        typed = annotation(fn, param)
        if typed is not Principal:
            wrong[qualified] = f"{param}: {typed}"
    assert not wrong, wrong


def test_the_exceptions_are_what_they_claim() -> None:
    found = service_functions()
    for qualified in NAME_RECORDERS:
        fn, param = found[qualified]
        assert annotation(fn, param) is str, qualified
    for qualified in ANONYMOUS_READERS:
        fn, param = found[qualified]
        assert annotation(fn, param) == Principal | None, qualified


@pytest.mark.parametrize("fake", [*FAKES, None], ids=repr)
def test_the_check_refuses_what_is_not_a_principal(fake: object) -> None:
    with pytest.raises(TypeError):
        authorize(fake, Action.WRITE_STATE, "KAZ")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        decide(fake, Action.READ_MEMBERS)  # type: ignore[arg-type]
    if fake is not None:  # None is the anonymous reader of public content
        with pytest.raises(TypeError):
            can_see(fake, Visibility.MEMBERS)  # type: ignore[arg-type]


def test_operator_and_components_are_named_and_may_do_everything() -> None:
    operator = operator_principal("alice")
    assert operator.actor == "operator:alice" and operator.role is Role.OPERATOR
    assert system_principal("worker").actor == "system:worker"
    for action in Action:
        assert decide(operator, action, "KAZ").allowed
    assert authorize(operator, Action.WRITE_STATE, "KAZ").on_behalf


def test_console_writes_are_audited_as_the_operator(
    settings: Any, sessions: sessionmaker[Session]
) -> None:
    """Every entry the ``epibridge`` command writes names ``operator:<OS user>``."""
    from tests.members.test_cli import run

    run(settings, "users", "create", "ops-test", "--role", "admin")
    run(settings, "users", "token", "ops-test")
    run(settings, "users", "revoke", "ops-test", "--deactivate")
    with write_session(sessions) as session:
        actors = {
            action: actor
            for action, actor in session.execute(
                select(AuditEntry.action, AuditEntry.actor).order_by(AuditEntry.id)
            )
        }
    operator = operator_principal().actor
    assert operator.startswith("operator:")
    assert actors["create"] == actors["issue_token"] == actors["revoke"] == operator
    # The profile was loaded by ``db upgrade`` (the migrated template): a component.
    assert actors["load_profile"] == "system:profile"
