"""One permission check with no way around it: services take a ``Principal`` and nothing else.

Every module under ``epibridge`` below the faces (API, CLI, web) is imported; every public
function taking a ``session`` (or ``sessions``) and an ``actor`` (or ``principal``) is a service
function and must type that parameter ``Principal``. The writers among them are then called
with a plain string (the old ``"cli"`` actors) and with an object that merely looks like a
principal: each must raise before it writes anything.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import epibridge
from epibridge.audit import AuditEntry
from epibridge.db import write_session
from epibridge.errors import Forbidden
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import (
    Action,
    PermissionDenied,
    Principal,
    Role,
    Visibility,
    authorize,
    can_see,
    decide,
    operator_principal,
    system_principal,
)

#: The faces: they receive the caller (a dependency, ``--as``, a cookie) and hand it on.
FACES = ("epibridge.api", "epibridge.web", "epibridge.cli", "epibridge.app")
FACE_MODULES = (".api", ".cli", ".cli_system", ".views")

#: Helpers that only write the audit/outbox *name* of an actor their caller has authorized.
NAME_RECORDERS = {
    "epibridge.audit.record",
    "epibridge.notifications.outbox.service.publish",
    "epibridge.notifications.service.common.publish",
    "epibridge.notifications.service.common.record",
    "epibridge.notifications.service.versioning.add_version",
    "epibridge.consultations.service.documents.publish_about",
}

#: Public feeds: ``None`` is an anonymous reader, who sees less than anyone signed in.
ANONYMOUS_READERS = {
    "epibridge.notifications.outbox.feeds.list_feed_messages",
    "epibridge.notifications.outbox.feeds.build_feed",
}


def _annotation(fn: Callable[..., Any], name: str) -> Any:
    # Only the actor's annotation is evaluated (others may name TYPE_CHECKING-only classes).
    raw = fn.__annotations__.get(name)
    return eval(raw, fn.__globals__) if isinstance(raw, str) else raw


def service_functions() -> dict[str, tuple[Callable[..., Any], str]]:
    """Every public function below the faces that takes a session and an actor/principal."""
    found: dict[str, tuple[Callable[..., Any], str]] = {}
    for info in pkgutil.walk_packages(epibridge.__path__, "epibridge."):
        if info.name.startswith(FACES) or info.name.endswith(FACE_MODULES):
            continue
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != info.name:
                continue
            params = inspect.signature(fn).parameters
            who = [p for p in ("actor", "principal") if p in params]
            if who and {"session", "sessions"} & set(params):
                found[f"{info.name}.{name}"] = (fn, who[0])
    return found


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
        annotation = _annotation(fn, param)
        if annotation is not Principal:
            wrong[qualified] = f"{param}: {annotation}"
    assert not wrong, wrong


def test_the_exceptions_are_what_they_claim() -> None:
    found = service_functions()
    for qualified in NAME_RECORDERS:
        fn, param = found[qualified]
        assert _annotation(fn, param) is str, qualified
    for qualified in ANONYMOUS_READERS:
        fn, param = found[qualified]
        assert _annotation(fn, param) == Principal | None, qualified


LOOKALIKE = SimpleNamespace(
    user_id=0, name="root", role=Role.OPERATOR, state=None, kind="operator", actor="operator:root"
)
FAKES = ["cli", "system:worker", "operator:root", LOOKALIKE, 0]


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


# --- the writers, called with what is not a principal ------------------------------------


def _writers(seed: dict[str, Any]) -> dict[str, Callable[[Session, Any], object]]:
    """One call per writer, with arguments that would succeed for an entitled principal."""
    from epibridge.assistance import service as assistance
    from epibridge.assistance.schemas import OfferCreate, RequestCreate
    from epibridge.borders import service as borders
    from epibridge.borders.schemas import CrossingUpdate, LaneCreate, StatusReportCreate
    from epibridge.consultations import service as consultations
    from epibridge.consultations.schemas import ConsultationCreate
    from epibridge.detection import service as detection
    from epibridge.detection.schemas import RunOptions
    from epibridge.epidata import reference
    from epibridge.epidata import service as epidata
    from epibridge.members import accounts
    from epibridge.members import service as members
    from epibridge.members.schemas import UserCreate
    from epibridge.notifications import service as notifications
    from epibridge.notifications.outbox import dead_letters
    from epibridge.notifications.outbox import service as outbox
    from epibridge.notifications.outbox.schemas import SubscriptionCreate, SubscriptionUpdate
    from epibridge.notifications.schemas import NotificationCreate
    from tests.notifications.factory import event_body

    today = date.today()
    request = RequestCreate.model_validate(
        {
            "state": "KGZ",
            "urgency": "immediate",
            "delivery_point": "Bishkek",
            "needed_by": today + timedelta(days=10),
            "lines": [{"item": "ppe-respirator", "quantity": 10, "unit": "piece"}],
        }
    )
    offer = OfferCreate.model_validate(
        {"state": "CHN", "lines": [{"item": "ppe-respirator", "quantity": 6, "unit": "piece"}]}
    )
    csv = b"state,area,disease,metric,classification,period_start,period_end,value\n"
    csv += b"KAZ,,J11,cases,all,2024-01-01,2024-01-07,5\n"
    crossing = seed["crossing"]
    return {
        "assistance.create_request": lambda s, a: assistance.create_request(
            s, actor=a, data=request
        ),
        "assistance.create_offer": lambda s, a: assistance.create_offer(s, actor=a, data=offer),
        "assistance.cancel_request": lambda s, a: assistance.cancel_request(
            s, actor=a, request_id=seed["request"], reason="synthetic test"
        ),
        "assistance.withdraw_offer": lambda s, a: assistance.withdraw_offer(
            s, actor=a, offer_id=seed["offer"], reason="synthetic test"
        ),
        "borders.load_registry": lambda s, a: borders.load_registry(s, actor=a),
        "borders.update_crossing": lambda s, a: borders.update_crossing(
            s, actor=a, crossing_id=crossing, data=CrossingUpdate(note="synthetic")
        ),
        "borders.report_status": lambda s, a: borders.report_status(
            s,
            actor=a,
            crossing_id=crossing,
            data=StatusReportCreate.model_validate(
                {
                    "side": "KAZ",
                    "direction": "outbound",
                    "traffic": "freight",
                    "status": "open",
                    "measures_c8": 1,
                    "effective_from": seed["now"],
                }
            ),
        ),
        "borders.create_lane": lambda s, a: borders.create_lane(
            s,
            actor=a,
            data=LaneCreate(
                kind="green",
                name="synthetic",
                states=["KAZ", "CHN"],
                crossing_ids=[crossing],
                valid_from=today,
            ),
        ),
        "consultations.convene": lambda s, a: consultations.convene(
            s,
            actor=a,
            data=ConsultationCreate(topic="synthetic test", participants=["KAZ", "CHN"]),
        ),
        "consultations.close_due_decisions": lambda s, a: consultations.close_due_decisions(
            s, actor=a
        ),
        "detection.store_findings": lambda s, a: detection.storing.store_findings(
            s, findings=[], run_id="x", as_of=seed["now"], actor=a
        ),
        "epidata.check_file": lambda s, a: epidata.check_file(
            s, actor=a, state="KAZ", stream=io.BytesIO(csv), filename="x.csv"
        ),
        "epidata.reference.load": lambda s, a: reference.load(s, actor=a),
        "members.create_user": lambda s, a: accounts.create_user(
            s,
            actor=a,
            data=UserCreate(name="mallory", role="admin"),  # type: ignore[arg-type]
            token_ttl_days=1,
        ),
        "members.issue_token": lambda s, a: accounts.issue_token(
            s, actor=a, user=accounts.get_user(s, name="fp-kaz"), ttl_days=1
        ),
        "members.revoke": lambda s, a: accounts.revoke(s, actor=a, name="fp-kaz", deactivate=True),
        "members.set_password": lambda s, a: accounts.set_password(
            s, actor=a, name="fp-kaz", password="synthetic-password"
        ),
        "members.load_profile": lambda s, a: members.load_profile(
            s, actor=a, document=members.read_profile("sco")
        ),
        "notifications.create": lambda s, a: notifications.create(
            s, actor=a, data=NotificationCreate.model_validate(event_body(state="KAZ"))
        ),
        "notifications.remind": lambda s, a: notifications.remind(
            s, actor=a, event_id=seed["event"]
        ),
        "outbox.create_subscription": lambda s, a: outbox.create_subscription(
            s,
            actor=a,
            data=SubscriptionCreate(owner="fp-kaz", kind="email", email="x@example.org"),
        ),
        "outbox.update_subscription": lambda s, a: outbox.update_subscription(
            s,
            actor=a,
            subscription_id=seed["subscription"],
            data=SubscriptionUpdate(active=False),
        ),
        "outbox.delete_subscription": lambda s, a: outbox.delete_subscription(
            s, actor=a, subscription_id=seed["subscription"]
        ),
        "outbox.replay": lambda s, a: dead_letters.replay(s, actor=a),
        "detection.run": lambda s, a: detection.run(
            seed["sessions"], options=RunOptions(), actor=a
        ),
    }


def _seed(sessions: sessionmaker[Session]) -> dict[str, Any]:
    from epibridge.assistance import service as assistance
    from epibridge.assistance.schemas import OfferCreate, RequestCreate
    from epibridge.borders import service as borders
    from epibridge.db import utcnow
    from epibridge.notifications import service as notifications
    from epibridge.notifications.outbox import service as outbox
    from epibridge.notifications.outbox.schemas import SubscriptionCreate
    from epibridge.notifications.schemas import NotificationCreate
    from tests.helpers import OPERATOR, make_user
    from tests.notifications.factory import event_body

    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    today = date.today()
    with write_session(sessions) as session:
        borders.load_registry(session, actor=OPERATOR)
        crossing = borders.list_crossings(session, state="KAZ", limit=1)[0][0].id
        request = assistance.create_request(
            session,
            actor=OPERATOR,
            data=RequestCreate.model_validate(
                {
                    "state": "KGZ",
                    "urgency": "immediate",
                    "delivery_point": "Bishkek",
                    "needed_by": today + timedelta(days=10),
                    "lines": [{"item": "ppe-respirator", "quantity": 10, "unit": "piece"}],
                }
            ),
        )
        offer = assistance.create_offer(
            session,
            actor=OPERATOR,
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "lines": [{"item": "ppe-respirator", "quantity": 6, "unit": "piece"}],
                }
            ),
        )
        event = notifications.create(
            session,
            actor=OPERATOR,
            data=NotificationCreate.model_validate(event_body(state="KAZ", status="notified")),
        )
        subscription, _ = outbox.create_subscription(
            session,
            actor=OPERATOR,
            data=SubscriptionCreate(owner="fp-kaz", kind="email", email="fp@example.org"),
        )
        return {
            "sessions": sessions,
            "crossing": crossing,
            "request": request.id,
            "offer": offer.id,
            "event": event.id,
            "subscription": subscription.id,
            "now": utcnow(),
        }


def _footprint(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with write_session(sessions) as session:
        return (
            session.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
            session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one(),
        )


def test_writers_refuse_what_is_not_a_principal(sessions: sessionmaker[Session]) -> None:
    seed = _seed(sessions)
    before = _footprint(sessions)
    for name, call in _writers(seed).items():
        for fake in ("cli", LOOKALIKE):
            with (
                pytest.raises((TypeError, PermissionDenied, Forbidden)),
                write_session(sessions) as session,
            ):
                call(session, fake)
            assert _footprint(sessions) == before, f"{name} wrote with actor {fake!r}"
