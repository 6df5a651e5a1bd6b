"""One call per service writer, with arguments that would succeed for an entitled principal."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tests.principals.replica_writers import replica_writers


def _q(name: str) -> str:
    return f"epibridge.{name}"


def _fhir_reading() -> Any:
    """One MeasureReport of KAZ read into rows, as the FHIR gateway hands them to ingest."""
    from epibridge.gateways.fhir import importing

    resource = {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": "http://x/api/fhir/Measure/J11-cases",
        "reporter": {"identifier": {"system": "urn:iso:std:iso:3166", "value": "KAZ"}},
        "period": {"start": "2024-01-01", "end": "2024-01-07"},
        "group": [{"measureScore": {"value": 5}}],
    }
    return importing.read(importing.entries(resource, bundle=False))


def writers(seed: dict[str, Any]) -> dict[str, Callable[[Session, Any], object]]:
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
    from epibridge.epidata.ingest import ingest
    from epibridge.federation import hub, join, trust
    from epibridge.gateways.dhis2 import parsing as dhis2_parsing
    from epibridge.gateways.dhis2 import service as dhis2
    from epibridge.gateways.edxl import de as edxl_de
    from epibridge.gateways.edxl import exports as edxl_exports
    from epibridge.gateways.edxl import rm_import
    from epibridge.gateways.fhir import importing as fhir_importing
    from epibridge.members import accounts, administration
    from epibridge.members import service as members
    from epibridge.members.schemas import UserCreate
    from epibridge.notifications import schemas as ns
    from epibridge.notifications import service as notifications
    from epibridge.notifications.outbox import dead_letters
    from epibridge.notifications.outbox import service as outbox
    from epibridge.notifications.outbox.schemas import SubscriptionCreate, SubscriptionUpdate
    from epibridge.preparedness import service as preparedness
    from epibridge.preparedness.schemas import (
        CommunicationTestCreate,
        DeterminationWrite,
        DirectoryEntryWrite,
    )
    from epibridge.reports import service as reports
    from epibridge.timeliness import service as timeliness
    from epibridge.timeliness.schemas import ActionRecord, FactorCreate, MilestonesUpdate
    from epibridge.timeliness.statuses import EarlyAction
    from tests.consultations.scenario import DEADLINE, NOW, TEXT_EN
    from tests.notifications.factory import event_body
    from tests.notifications.test_service import _alert

    csv = b"state,area,disease,metric,classification,period_start,period_end,value\n"
    csv += b"KAZ,,J11,cases,all,2024-01-01,2024-01-07,5\n"
    crossing, event, doc, cons = seed["crossing"], seed["event"], seed["document"], seed["cons"]
    return {
        **replica_writers(seed),
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
        _q("consultations.service.closing.close_consultation"): lambda s, a: (
            consultations.close_consultation(
                s,
                actor=a,
                consultation_id=cons,
                data=cs.ConsultationClose(outcome="withdrawn", reason="synthetic"),  # type: ignore[arg-type]
                now=NOW,
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
        _q("epidata.ingest.ingest"): lambda s, a: ingest(
            seed["sessions"], actor=a, file=io.BytesIO(csv), state="KAZ", filename="x.csv"
        ),
        _q("epidata.reference.load"): lambda s, a: reference.load(s, actor=a),
        _q("gateways.fhir.importing.submit"): lambda s, a: fhir_importing.submit(
            seed["sessions"], actor=a, reading=_fhir_reading(), max_bytes=None
        ),
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
        _q("members.accounts.end_sessions"): lambda s, a: accounts.end_sessions(
            s, actor=a, name="fp-kaz"
        ),
        _q("members.accounts.set_password"): lambda s, a: accounts.set_password(
            s, actor=a, name="fp-kaz", password="synthetic-password"
        ),
        _q("members.administration.change_role"): lambda s, a: administration.change_role(
            s, actor=a, name="fp-kaz", role="secretariat", state=None
        ),
        _q("members.administration.lock"): lambda s, a: administration.lock(
            s, actor=a, name="fp-kaz"
        ),
        _q("members.administration.unlock"): lambda s, a: administration.unlock(
            s, actor=a, name="fp-kaz"
        ),
        _q("members.administration.revoke_token"): lambda s, a: administration.revoke_token(
            s, actor=a, token_id=1
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
        _q("notifications.service.discarding.discard"): lambda s, a: notifications.discard(
            s, actor=a, event_id=seed["draft"], data=ns.NotificationDiscard(reason="synthetic")
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
        _q("notifications.service.reminders.remind_due"): lambda s, a: notifications.remind_due(
            s, actor=a, every=timedelta(0)
        ),
        _q("reports.service.weekly.generate_weekly"): lambda s, a: reports.generate_weekly(
            seed["sessions"], actor=a, today=date(2024, 6, 3), langs=["en"], format="html"
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
        _q("gateways.edxl.de.import_distribution"): lambda s, a: edxl_de.import_distribution(
            s, actor=a, xml=edxl_de.envelope(_alert(identifier="kz-sanepid-edxl"))
        ),
        _q("gateways.edxl.rm_import.import_message"): lambda s, a: rm_import.import_message(
            s, actor=a, xml=edxl_exports.request_xml(s, actor=a, request_id=seed["request"])
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
        _q("preparedness.service.communication.launch"): lambda s, a: preparedness.launch(
            s, actor=a, data=CommunicationTestCreate(note="synthetic")
        ),
        _q("preparedness.service.communication.acknowledge"): lambda s, a: preparedness.acknowledge(
            s, actor=a, test_id=seed["communication_test"]
        ),
        _q("preparedness.service.determinations.record_determination"): lambda s, a: (
            preparedness.record_determination(
                s,
                actor=a,
                event_id=event,
                data=DeterminationWrite.model_validate({"determination": "none"}),
            )
        ),
        _q("preparedness.service.directory.save_entry"): lambda s, a: preparedness.save_entry(
            s, actor=a, state="KAZ", data=DirectoryEntryWrite(focal_point_name="Synthetic")
        ),
        _q("preparedness.service.directory.confirm_entry"): lambda s, a: preparedness.confirm_entry(
            s, actor=a, state="KAZ"
        ),
        _q("preparedness.service.directory.remind_unconfirmed"): lambda s, a: (
            preparedness.remind_unconfirmed(s, actor=a)
        ),
        _q("timeliness.service.records.set_milestones"): lambda s, a: timeliness.set_milestones(
            s,
            actor=a,
            event_id=event,
            data=MilestonesUpdate(
                emergence_date=seed["now"].date() - timedelta(days=3),
                emergence_source="synthetic",
            ),
        ),
        _q("timeliness.service.records.record_action"): lambda s, a: timeliness.record_action(
            s,
            actor=a,
            event_id=event,
            action=EarlyAction.INVESTIGATION,
            data=ActionRecord.model_validate({"outcome": "not_needed"}),
        ),
        _q("timeliness.service.records.add_factor"): lambda s, a: timeliness.add_factor(
            s,
            actor=a,
            event_id=event,
            data=FactorCreate.model_validate(
                {
                    "kind": "enabler",
                    "stage": "respond",
                    "category": "surveillance",
                    "description": "synthetic",
                }
            ),
        ),
        _q("timeliness.service.records.remove_factor"): lambda s, a: timeliness.remove_factor(
            s, actor=a, event_id=event, factor_id=seed["factor"]
        ),
        _q("gateways.dhis2.service.load_mapping"): lambda s, a: dhis2.load_mapping(
            s, principal=a, state="KAZ", document={}
        ),
        _q("gateways.dhis2.service.import_values"): lambda s, a: dhis2.import_values(
            seed["sessions"],
            principal=a,
            parsed=dhis2_parsing.read(b'{"dataValues": []}', "application/json"),
            request=dhis2.ImportRequest(state="KAZ", id_schemes={}),
        ),
        **_federation(seed, hub, join, trust),
        **_federation_writers(seed, csv),
        _q("federation.transport.service.export_pending"): lambda s, a: _export(s, a),
    }


def _export(session: Session, actor: Any) -> object:
    from epibridge.federation.transport import service as transport
    from epibridge.settings import Settings

    return transport.export_pending(session, actor=actor, settings=Settings())


def _federation(seed: dict[str, Any], hub: Any, join: Any, trust: Any) -> dict[str, Any]:
    """The hub's trust operations on the seeded hub; join/accept as a national node would."""
    now, folder = seed["now"], seed["fed_keys"]
    return {
        _q("federation.trust.init_node"): lambda s, a: trust.init_node(
            s,
            principal=a,
            node_id="n",
            url="https://n.example.org",
            state="KAZ",
            hub=False,
            keys_dir=folder,
            now=now,
        ),
        _q("federation.hub.add_node"): lambda s, a: hub.add_node(
            s,
            principal=a,
            node_id="kaz-node",
            state="KAZ",
            url="https://kaz.example.org",
            jwk=seed["fed_kaz_key"],
            keys_dir=folder,
            now=now,
        ),
        _q("federation.hub.revoke"): lambda s, a: hub.revoke(
            s, principal=a, node_id="kaz-node", kid=None, keys_dir=folder, now=now
        ),
        _q("federation.hub.rotate"): lambda s, a: hub.rotate(
            s, principal=a, keys_dir=folder, overlap=timedelta(days=7), now=now
        ),
        _q("federation.join.accept_trust_list"): lambda s, a: join.accept_trust_list(
            s, principal=a, token="x.y.z", now=now
        ),
        _q("federation.join.join"): lambda s, a: join.join(
            s, principal=a, hub_key=seed["fed_kaz_key"], token="x.y.z", now=now
        ),
    }


def _federation_writers(
    seed: dict[str, Any], csv: bytes
) -> dict[str, Callable[[Session, Any], object]]:
    """Sharing settings and the replicas federation lands (feddata)."""
    from datetime import UTC, datetime

    from epibridge.assistance.service import replicas as assistance_replicas
    from epibridge.consultations.service import convened_replicas
    from epibridge.consultations.service import replicas as consultation_replicas
    from epibridge.epidata import replicas as epidata_replicas
    from epibridge.federation import sharing
    from epibridge.federation.sharing_schemas import SharingUpdate

    now = seed["now"] if isinstance(seed["now"], datetime) else datetime.now(UTC)
    listing = {"visibility": "members", "note": None, "created_at": now, "created_by": "n"}
    listing |= {"on_behalf": False, "updated_at": now}
    lines = [{"line_no": 1, "item": "ppe-respirator", "unit": "piece", "quantity": 1, "note": None}]
    request = {"state": "KAZ", "urgency": "immediate", "delivery_point": "Almaty"}
    request |= {"delivery_latitude": None, "delivery_longitude": None, "status": "open"}
    request |= {"needed_by": now.date(), "lines": lines, **listing}
    offer = {"message_kind": "OfferUnsolicitedResource", "state": "KAZ", "status": "open"}
    offer |= {"available_from": None, "expected_delivery": None, "lines": lines, **listing}
    commitment = {"request_line_no": 1, "offer_line_no": 1, "quantity": 1, "status": "pledged"}
    commitment |= {"expected_delivery": None, "pledged_on": now.date(), "note": None}
    commitment |= {k: None for k in ("dispatched_on", "delivered_on", "confirmed_on")}
    commitment |= {"released_on": None, "created_at": now, "created_by": "n", "updated_at": now}
    position = {"state": "KAZ", "position": "support", "reasons": None, "recorded_by": "n"}
    position |= {"on_behalf": False, "recorded_at": now, "changes": 0}
    signature = {"state": "KAZ", "signed_by": "n", "signed_at": now}
    origin = {"origin_node": "kaz-node", "origin_id": "1"}
    return {
        _q("federation.sharing.set_sharing"): lambda s, a: sharing.set_sharing(
            s, principal=a, state="KAZ", data=SharingUpdate(level="all")
        ),
        _q("federation.sharing.release_due"): lambda s, a: sharing.release_due(s, actor=a),
        _q("epidata.replicas.land_replica"): lambda s, a: epidata_replicas.land_replica(
            s, principal=a, state="KAZ", content=csv, filename="r.csv", **origin
        ),
        _q("assistance.service.replicas.upsert_request"): lambda s, a: (
            assistance_replicas.upsert_request(s, actor=a, values=request, **origin)
        ),
        _q("assistance.service.replicas.upsert_offer"): lambda s, a: (
            assistance_replicas.upsert_offer(s, actor=a, values=offer, request_id=None, **origin)
        ),
        _q("assistance.service.replicas.upsert_commitment"): lambda s, a: (
            assistance_replicas.upsert_commitment(
                s,
                actor=a,
                values=commitment,
                request_id=seed["request"],
                offer_id=seed["offer"],
                **origin,
            )
        ),
        _q("consultations.service.replicas.upsert_position"): lambda s, a: (
            consultation_replicas.upsert_position(
                s, actor=a, decision_id=seed.get("decision", 1), values=position, **origin
            )
        ),
        _q("consultations.service.convened_replicas.upsert_consultation"): lambda s, a: (
            convened_replicas.upsert_consultation(
                s, actor=a, values={"convening_state": "KAZ"}, **origin
            )
        ),
        _q("consultations.service.replicas.upsert_signature"): lambda s, a: (
            consultation_replicas.upsert_signature(
                s, actor=a, document_id=seed["document"], values=signature, **origin
            )
        ),
    }
