"""What the writers act on in the behaviour test, created as the operator."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import write_session
from epibridge.notifications.outbox.models import OutboxMessage


def seed(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """What the writers act on, created as the operator: requests, events, a consultation..."""
    from epibridge.assistance import service as assistance
    from epibridge.assistance.schemas import CommitmentCreate, OfferCreate, RequestCreate
    from epibridge.borders import service as borders
    from epibridge.borders.schemas import LaneCreate, StatusReportCreate
    from epibridge.db import utcnow
    from epibridge.members import accounts
    from epibridge.notifications import service as notifications
    from epibridge.notifications.outbox import service as outbox
    from epibridge.notifications.outbox.schemas import SubscriptionCreate
    from epibridge.notifications.schemas import NotificationCreate, VerificationCreate
    from epibridge.preparedness import service as preparedness
    from epibridge.preparedness.schemas import CommunicationTestCreate, DirectoryEntryWrite
    from epibridge.reports import service as reports
    from epibridge.reports.schemas import ReportCreate
    from epibridge.reports.weeks import previous_week
    from epibridge.timeliness import service as timeliness
    from epibridge.timeliness.schemas import FactorCreate
    from tests.consultations import scenario
    from tests.helpers import OPERATOR, make_user
    from tests.notifications.factory import event_body

    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    today = date.today()
    now = utcnow()
    made: dict[str, Any] = {"sessions": sessions, "now": now}
    made["request_data"] = RequestCreate.model_validate(
        {
            "state": "KGZ",
            "urgency": "immediate",
            "delivery_point": "Bishkek",
            "needed_by": today + timedelta(days=10),
            "lines": [{"item": "ppe-respirator", "quantity": 10, "unit": "piece"}],
        }
    )
    made["offer_data"] = OfferCreate.model_validate(
        {"state": "CHN", "lines": [{"item": "ppe-respirator", "quantity": 6, "unit": "piece"}]}
    )
    made["report_data"] = StatusReportCreate.model_validate(
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
        first = borders.list_crossings(session, state="KAZ", limit=1).items[0]
        made["crossing"] = crossing = first.id
        made["lane_data"] = LaneCreate(
            kind="green",
            name="synthetic",
            states=["KAZ", "CHN"],
            crossing_ids=[crossing],
            valid_from=today,
        )
        made["lane"] = borders.create_lane(session, actor=OPERATOR, data=made["lane_data"]).id
        request = assistance.create_request(session, actor=OPERATOR, data=made["request_data"])
        offer = assistance.create_offer(session, actor=OPERATOR, data=made["offer_data"])
        made["request"], made["offer"] = request.id, offer.id
        made["commitment_data"] = CommitmentCreate(
            request_line_id=request.lines[0].id, offer_line_id=offer.lines[0].id, quantity=1
        )
        made["commitment"] = assistance.commit(
            session, actor=OPERATOR, data=made["commitment_data"]
        ).id
        event = notifications.create(
            session,
            actor=OPERATOR,
            data=NotificationCreate.model_validate(event_body(state="KAZ", status="notified")),
        )
        made["event"] = event.id
        made["draft"] = notifications.create(
            session,
            actor=OPERATOR,
            data=NotificationCreate.model_validate(event_body(state="KAZ", status="draft")),
        ).id
        made["verification"] = notifications.request_verification(
            session, actor=OPERATOR, event_id=event.id, data=VerificationCreate(question="?")
        ).id
        subscription, _ = outbox.create_subscription(
            session,
            actor=OPERATOR,
            data=SubscriptionCreate(owner="fp-kaz", kind="email", email="fp@example.org"),
        )
        made["subscription"] = subscription.id
        # A filled-in directory entry (to confirm; only KAZ's focal point writes it), a test
        # (to acknowledge), a factor (to withdraw).
        preparedness.save_entry(
            session,
            actor=accounts.principal_of(accounts.get_user(session, name="fp-kaz")),
            state="KAZ",
            data=DirectoryEntryWrite(focal_point_name="Synthetic focal point"),
        )
        made["communication_test"] = preparedness.launch(
            session, actor=OPERATOR, data=CommunicationTestCreate(note="synthetic")
        ).id
        made["factor"] = (
            timeliness.add_factor(
                session,
                actor=OPERATOR,
                event_id=event.id,
                data=FactorCreate.model_validate(
                    {
                        "kind": "bottleneck",
                        "stage": "notify",
                        "category": "surveillance",
                        "description": "synthetic",
                    }
                ),
            )
            .factors[0]
            .id
        )
        made["rendered"] = reports.build(
            session, actor=OPERATOR, data=ReportCreate(week=previous_week(today).label)
        )
    decided = scenario.under_decision(sessions)
    made["cons"], made["document"] = decided.consultation_id, decided.document_id
    made.update(_federation_hub(sessions))
    return made


def _federation_hub(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """This database as the federation hub, and a state's node key to add to it."""
    from epibridge.db import utcnow
    from epibridge.federation import keys, trust
    from tests.helpers import OPERATOR

    with write_session(sessions) as session:
        keys_dir = trust.keys_dir_of(session)
        trust.init_node(
            session,
            principal=OPERATOR,
            node_id="hub",
            url="https://hub.example.org",
            state=None,
            hub=True,
            keys_dir=keys_dir,
            now=utcnow(),
        )
    return {"fed_keys": keys_dir, "fed_kaz_key": keys.jwk_line(keys.generate(keys_dir).key)}


def footprint(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with write_session(sessions) as session:
        return (
            session.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
            session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one(),
        )
