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

#: Functions found by the scan that only read (or render without storing).
READERS = {
    f"epibridge.{name}"
    for name in (
        "assistance.service.board.board",
        "assistance.service.commitments.get_commitment",
        "assistance.service.commitments.list_commitments",
        "assistance.service.commitments.suggest_matches",
        "assistance.service.common.load_request",
        "assistance.service.common.load_offer",
        "assistance.service.common.check_event",
        "assistance.service.offers.get_offer",
        "assistance.service.offers.list_offers",
        "assistance.service.requests.get_request",
        "assistance.service.requests.list_requests",
        "consultations.service.documents.get_document",
        "consultations.service.parts.event_ids",
        "consultations.service.reading.get",
        "consultations.service.reading.list_record",
        "consultations.service.reading.list_",
        "detection.service.rt.series_rt",
        "detection.service.series.load_sco",
        "detection.service.series.load_references",
        "detection.service.series.series_thresholds",
        "detection.service.signals.get",
        "detection.service.signals.list_signals",
        "epidata.queries.series",
        "epidata.queries.series_json",
        "epidata.queries.totals",
        "epidata.queries.increases",
        "epidata.reference.list_datasets",
        "epidata.reference.get_dataset",
        "epidata.revisions.history",
        "epidata.service.get",
        "epidata.service.list_submissions",
        "notifications.outbox.dead_letters.list_deliveries",
        "notifications.outbox.service.get_subscription",
        "notifications.outbox.service.list_subscriptions",
        "notifications.service.cap_export.export",
        "notifications.service.common.load_event",
        "notifications.service.queries.get",
        "notifications.service.queries.list_events",
        "notifications.service.reads.get",
        "notifications.service.reads.timeline",
        "reports.service.content.gather",
        "reports.service.reports.build",
        "reports.service.reports.get",
        "reports.service.reports.list_",
    )
}

#: Writers' helpers that write the audit entry or message of a change their caller authorized.
HELPERS = {
    "epibridge.assistance.service.common.record",
    "epibridge.detection.service.common.publish",
}

#: Writers not called below, and why; each still has the typed ``actor`` checked above.
NOT_CALLED = {
    "epibridge.detection.service.signals.confirm": "needs a stored signal (a detection run)",
    "epibridge.detection.service.signals.dismiss": "needs a stored signal (a detection run)",
}


def _q(name: str) -> str:
    return f"epibridge.{name}"


def _writers(seed: dict[str, Any]) -> dict[str, Callable[[Session, Any], object]]:
    """One call per writer, with arguments that would succeed for an entitled principal."""
    from epibridge.assistance import service as assistance
    from epibridge.assistance.schemas import CommitmentStatusUpdate, RequestUpdate
    from epibridge.borders import service as borders
    from epibridge.borders.schemas import CrossingCreate, CrossingUpdate, LaneUpdate
    from epibridge.consultations import schemas as cs
    from epibridge.consultations import service as consultations
    from epibridge.detection import service as detection
    from epibridge.detection.schemas import RunOptions
    from epibridge.epidata import reference
    from epibridge.epidata import service as epidata
    from epibridge.members import accounts
    from epibridge.members import service as members
    from epibridge.members.schemas import UserCreate
    from epibridge.notifications import schemas as ns
    from epibridge.notifications import service as notifications
    from epibridge.notifications.outbox import dead_letters
    from epibridge.notifications.outbox import service as outbox
    from epibridge.notifications.outbox.schemas import SubscriptionCreate, SubscriptionUpdate
    from epibridge.reports import service as reports
    from tests.consultations.scenario import DEADLINE, NOW, TEXT_EN
    from tests.notifications.factory import event_body
    from tests.notifications.test_service import _alert

    csv = b"state,area,disease,metric,classification,period_start,period_end,value\n"
    csv += b"KAZ,,J11,cases,all,2024-01-01,2024-01-07,5\n"
    crossing, event, doc, cons = seed["crossing"], seed["event"], seed["document"], seed["cons"]
    return {
        _q("assistance.service.requests.create_request"): lambda s, a: assistance.create_request(
            s, actor=a, data=seed["request_data"]
        ),
        _q("assistance.service.requests.update_request"): lambda s, a: assistance.update_request(
            s, actor=a, request_id=seed["request"], data=RequestUpdate(note="synthetic")
        ),
        _q("assistance.service.requests.cancel_request"): lambda s, a: assistance.cancel_request(
            s, actor=a, request_id=seed["request"], reason="synthetic test"
        ),
        _q("assistance.service.offers.create_offer"): lambda s, a: assistance.create_offer(
            s, actor=a, data=seed["offer_data"]
        ),
        _q("assistance.service.offers.withdraw_offer"): lambda s, a: assistance.withdraw_offer(
            s, actor=a, offer_id=seed["offer"], reason="synthetic test"
        ),
        _q("assistance.service.commitments.commit"): lambda s, a: assistance.commit(
            s, actor=a, data=seed["commitment_data"]
        ),
        _q("assistance.service.commitments.change_status"): lambda s, a: assistance.change_status(
            s,
            actor=a,
            commitment_id=seed["commitment"],
            data=CommitmentStatusUpdate(status="dispatched"),
        ),
        _q("borders.service.crossings.load_registry"): lambda s, a: borders.load_registry(
            s, actor=a
        ),
        _q("borders.service.crossings.create_crossing"): lambda s, a: borders.create_crossing(
            s,
            actor=a,
            data=CrossingCreate.model_validate(
                {
                    "code": "TEST-1",
                    "name": "Test crossing",
                    "kind": "road",
                    "state_a": "KAZ",
                    "name_a": "A",
                    "state_b": "CHN",
                    "name_b": "B",
                    "latitude": 44.0,
                    "longitude": 80.0,
                    "source": "test fixture (synthetic)",
                }
            ),
        ),
        _q("borders.service.crossings.update_crossing"): lambda s, a: borders.update_crossing(
            s, actor=a, crossing_id=crossing, data=CrossingUpdate(note="synthetic")
        ),
        _q("borders.service.status.report_status"): lambda s, a: borders.report_status(
            s, actor=a, crossing_id=crossing, data=seed["report_data"]
        ),
        _q("borders.service.lanes.create_lane"): lambda s, a: borders.create_lane(
            s, actor=a, data=seed["lane_data"]
        ),
        _q("borders.service.lanes.update_lane"): lambda s, a: borders.update_lane(
            s, actor=a, lane_id=seed["lane"], data=LaneUpdate(name="synthetic")
        ),
        _q("borders.service.lanes.delete_lane"): lambda s, a: borders.delete_lane(
            s, actor=a, lane_id=seed["lane"]
        ),
        _q("consultations.service.consultations.convene"): lambda s, a: consultations.convene(
            s, actor=a, data=cs.ConsultationCreate(topic="synthetic test"), now=NOW
        ),
        _q("consultations.service.consultations.request"): lambda s, a: consultations.request(
            s,
            actor=a,
            data=cs.ConsultationRequest(state="RUS", topic="synthetic", reason="synthetic"),
            now=NOW,
        ),
        _q("consultations.service.consultations.respond"): lambda s, a: consultations.respond(
            s, actor=a, consultation_id=cons, data=cs.RequestResponse(accept=False), now=NOW
        ),
        _q("consultations.service.consultations.set_agenda"): lambda s, a: consultations.set_agenda(
            s, actor=a, consultation_id=cons, items=[cs.AgendaItemIn(title="x")], now=NOW
        ),
        _q("consultations.service.consultations.add_record_entry"): lambda s, a: (
            consultations.add_record_entry(
                s, actor=a, consultation_id=cons, data=cs.RecordEntryCreate(text="x"), now=NOW
            )
        ),
        _q("consultations.service.documents.create_document"): lambda s, a: (
            consultations.create_document(
                s,
                actor=a,
                consultation_id=cons,
                data=cs.DocumentCreate(
                    kind="joint_statement", title="synthetic", texts={"en": TEXT_EN}
                ),
                now=NOW,
            )
        ),
        _q("consultations.service.documents.create_version"): lambda s, a: (
            consultations.create_version(
                s,
                actor=a,
                document_id=doc,
                data=cs.VersionCreate(based_on=1, texts={"en": TEXT_EN + " Again."}),
                now=NOW,
            )
        ),
        _q("consultations.service.documents.propose_amendment"): lambda s, a: (
            consultations.propose_amendment(
                s,
                actor=a,
                document_id=doc,
                data=cs.AmendmentCreate(state="RUS", version=1, reason="synthetic"),
                now=NOW,
            )
        ),
        _q("consultations.service.decisions.put_to_decision"): lambda s, a: (
            consultations.put_to_decision(
                s,
                actor=a,
                document_id=doc,
                data=cs.DecisionCreate(version=1, deadline=DEADLINE),
                now=NOW,
            )
        ),
        _q("consultations.service.decisions.record_position"): lambda s, a: (
            consultations.record_position(
                s,
                actor=a,
                document_id=doc,
                data=cs.PositionCreate(state="RUS", version=1, position="support"),
                now=NOW,
            )
        ),
        _q("consultations.service.decisions.close_decision"): lambda s, a: (
            consultations.close_decision(s, actor=a, document_id=doc, now=DEADLINE)
        ),
        _q("consultations.service.decisions.close_due_decisions"): lambda s, a: (
            consultations.close_due_decisions(s, actor=a, now=DEADLINE)
        ),
        _q("consultations.service.signatures.sign"): lambda s, a: consultations.sign(
            s, actor=a, document_id=doc, data=cs.SignatureCreate(state="KAZ"), now=DEADLINE
        ),
        _q("detection.service.runs.run"): lambda s, a: detection.run(
            seed["sessions"], options=RunOptions(), actor=a
        ),
        _q("detection.service.storing.store_findings"): lambda s, a: (
            detection.storing.store_findings(s, findings=[], run_id="x", as_of=seed["now"], actor=a)
        ),
        _q("epidata.service.check_file"): lambda s, a: epidata.check_file(
            s, actor=a, state="KAZ", stream=io.BytesIO(csv), filename="x.csv"
        ),
        _q("epidata.service.submit"): lambda s, a: epidata.submit(
            s, actor=a, state="KAZ", stream=io.BytesIO(csv), filename="x.csv"
        ),
        _q("epidata.reference.load"): lambda s, a: reference.load(s, actor=a),
        _q("members.accounts.create_user"): lambda s, a: accounts.create_user(
            s,
            actor=a,
            data=UserCreate(name="mallory", role="admin"),  # type: ignore[arg-type]
            token_ttl_days=1,
        ),
        _q("members.accounts.issue_token"): lambda s, a: accounts.issue_token(
            s, actor=a, user=accounts.get_user(s, name="fp-kaz"), ttl_days=1
        ),
        _q("members.accounts.revoke"): lambda s, a: accounts.revoke(
            s, actor=a, name="fp-kaz", deactivate=True
        ),
        _q("members.accounts.set_password"): lambda s, a: accounts.set_password(
            s, actor=a, name="fp-kaz", password="synthetic-password"
        ),
        _q("members.service.load_profile"): lambda s, a: members.load_profile(
            s, actor=a, document=members.read_profile("sco")
        ),
        _q("notifications.service.events.create"): lambda s, a: notifications.create(
            s, actor=a, data=ns.NotificationCreate.model_validate(event_body(state="KAZ"))
        ),
        _q("notifications.service.events.notify"): lambda s, a: notifications.notify(
            s, actor=a, event_id=seed["draft"]
        ),
        _q("notifications.service.events.update"): lambda s, a: notifications.update(
            s, actor=a, event_id=event, data=ns.NotificationUpdate(deaths=1, reason="synthetic")
        ),
        _q("notifications.service.events.close"): lambda s, a: notifications.close(
            s, actor=a, event_id=event, data=ns.NotificationClose(reason="synthetic")
        ),
        _q("notifications.service.events.assess_annex2"): lambda s, a: notifications.assess_annex2(
            s, actor=a, event_id=event, data=ns.Annex2Answers(serious_impact=False)
        ),
        _q("notifications.service.interactions.acknowledge"): lambda s, a: (
            notifications.acknowledge(s, actor=a, event_id=event)
        ),
        _q("notifications.service.interactions.assess"): lambda s, a: notifications.assess(
            s,
            actor=a,
            event_id=event,
            data=ns.AssessmentCreate(
                likelihood="likely",  # type: ignore[arg-type]
                consequence="moderate",  # type: ignore[arg-type]
                rationale="synthetic",
            ),
        ),
        _q("notifications.service.interactions.comment"): lambda s, a: notifications.comment(
            s, actor=a, event_id=event, data=ns.CommentCreate(body="synthetic")
        ),
        _q("notifications.service.interactions.remind"): lambda s, a: notifications.remind(
            s, actor=a, event_id=event
        ),
        _q("notifications.service.verification.request_verification"): lambda s, a: (
            notifications.request_verification(
                s, actor=a, event_id=event, data=ns.VerificationCreate(question="synthetic?")
            )
        ),
        _q("notifications.service.verification.answer_verification"): lambda s, a: (
            notifications.answer_verification(
                s,
                actor=a,
                event_id=event,
                verification_id=seed["verification"],
                data=ns.VerificationAnswer(verified=True, answer="synthetic"),
            )
        ),
        _q("notifications.service.cap_import.import_alert"): lambda s, a: (
            notifications.import_alert(s, actor=a, xml=_alert())
        ),
        _q("notifications.outbox.service.create_subscription"): lambda s, a: (
            outbox.create_subscription(
                s,
                actor=a,
                data=SubscriptionCreate(owner="fp-kaz", kind="email", email="x@example.org"),
            )
        ),
        _q("notifications.outbox.service.update_subscription"): lambda s, a: (
            outbox.update_subscription(
                s,
                actor=a,
                subscription_id=seed["subscription"],
                data=SubscriptionUpdate(active=False),
            )
        ),
        _q("notifications.outbox.service.delete_subscription"): lambda s, a: (
            outbox.delete_subscription(s, actor=a, subscription_id=seed["subscription"])
        ),
        _q("notifications.outbox.dead_letters.replay"): lambda s, a: dead_letters.replay(
            s, actor=a
        ),
        _q("reports.service.reports.store"): lambda s, a: reports.store(
            s, actor=a, rendered=seed["rendered"]
        ),
    }


def test_every_writer_is_called_or_excused() -> None:
    """A new service function must be classified here: reader, helper, or a writer called."""
    writers = set(_writers(_FAKE_SEED))
    found = set(service_functions()) - NAME_RECORDERS - ANONYMOUS_READERS - READERS - HELPERS
    assert found - set(NOT_CALLED) == writers
    assert not (writers - set(service_functions()))


class _AnySeed(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return 0


_FAKE_SEED = _AnySeed()


def _seed(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """What the writers act on, created as the operator: requests, events, a consultation..."""
    from epibridge.assistance import service as assistance
    from epibridge.assistance.schemas import CommitmentCreate, OfferCreate, RequestCreate
    from epibridge.borders import service as borders
    from epibridge.borders.schemas import LaneCreate, StatusReportCreate
    from epibridge.db import utcnow
    from epibridge.notifications import service as notifications
    from epibridge.notifications.outbox import service as outbox
    from epibridge.notifications.outbox.schemas import SubscriptionCreate
    from epibridge.notifications.schemas import NotificationCreate, VerificationCreate
    from epibridge.reports import service as reports
    from epibridge.reports.schemas import ReportCreate
    from epibridge.reports.weeks import previous_week
    from tests.consultations import scenario
    from tests.helpers import OPERATOR, make_user
    from tests.notifications.factory import event_body

    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    today = date.today()
    now = utcnow()
    seed: dict[str, Any] = {"sessions": sessions, "now": now}
    seed["request_data"] = RequestCreate.model_validate(
        {
            "state": "KGZ",
            "urgency": "immediate",
            "delivery_point": "Bishkek",
            "needed_by": today + timedelta(days=10),
            "lines": [{"item": "ppe-respirator", "quantity": 10, "unit": "piece"}],
        }
    )
    seed["offer_data"] = OfferCreate.model_validate(
        {"state": "CHN", "lines": [{"item": "ppe-respirator", "quantity": 6, "unit": "piece"}]}
    )
    seed["report_data"] = StatusReportCreate.model_validate(
        {
            "side": "KAZ",
            "direction": "outbound",
            "traffic": "freight",
            "status": "open",
            "measures_c8": 1,
            "effective_from": now,
        }
    )
    with write_session(sessions) as session:
        borders.load_registry(session, actor=OPERATOR)
        seed["crossing"] = crossing = borders.list_crossings(session, state="KAZ", limit=1)[0][0].id
        seed["lane_data"] = LaneCreate(
            kind="green",
            name="synthetic",
            states=["KAZ", "CHN"],
            crossing_ids=[crossing],
            valid_from=today,
        )
        seed["lane"] = borders.create_lane(session, actor=OPERATOR, data=seed["lane_data"]).id
        request = assistance.create_request(session, actor=OPERATOR, data=seed["request_data"])
        offer = assistance.create_offer(session, actor=OPERATOR, data=seed["offer_data"])
        seed["request"], seed["offer"] = request.id, offer.id
        seed["commitment_data"] = CommitmentCreate(
            request_line_id=request.lines[0].id, offer_line_id=offer.lines[0].id, quantity=1
        )
        seed["commitment"] = assistance.commit(
            session, actor=OPERATOR, data=seed["commitment_data"]
        ).id
        event = notifications.create(
            session,
            actor=OPERATOR,
            data=NotificationCreate.model_validate(event_body(state="KAZ", status="notified")),
        )
        seed["event"] = event.id
        seed["draft"] = notifications.create(
            session,
            actor=OPERATOR,
            data=NotificationCreate.model_validate(event_body(state="KAZ", status="draft")),
        ).id
        seed["verification"] = notifications.request_verification(
            session, actor=OPERATOR, event_id=event.id, data=VerificationCreate(question="?")
        ).id
        subscription, _ = outbox.create_subscription(
            session,
            actor=OPERATOR,
            data=SubscriptionCreate(owner="fp-kaz", kind="email", email="fp@example.org"),
        )
        seed["subscription"] = subscription.id
        seed["rendered"] = reports.build(
            session, actor=OPERATOR, data=ReportCreate(week=previous_week(today).label)
        )
    decided = scenario.under_decision(sessions)
    seed["cons"], seed["document"] = decided.consultation_id, decided.document_id
    return seed


def _footprint(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with write_session(sessions) as session:
        return (
            session.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
            session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one(),
        )


def test_writers_refuse_what_is_not_a_principal(sessions: sessionmaker[Session]) -> None:
    seed = _seed(sessions)
    before = _footprint(sessions)
    failures = []
    for name, call in _writers(seed).items():
        for fake in ("cli", LOOKALIKE):
            try:
                with write_session(sessions) as session:
                    call(session, fake)
            except (TypeError, PermissionDenied, Forbidden):
                pass
            except Exception as exc:  # every other outcome is a failure, reported below
                failures.append(f"{name} with {fake!r}: {type(exc).__name__}: {exc}")
            else:
                failures.append(f"{name} accepted {fake!r}")
            if _footprint(sessions) != before:
                failures.append(f"{name} wrote with {fake!r}")
                before = _footprint(sessions)
    assert not failures, "\n".join(failures)


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
