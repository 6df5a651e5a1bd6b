"""Finding the service functions, and how each one that takes an actor is classified.

Every module under ``epibridge`` below the faces (API, CLI, web) is imported; every public
function taking a ``session`` (or ``sessions``) and an ``actor`` (or ``principal``) is a service
function. The sets below say which only read, which only record a name their caller has
authorized, and which writers the behaviour test does not call (with the reason).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import epibridge
from epibridge.security import Role

FACES = ("epibridge.api", "epibridge.web", "epibridge.cli", "epibridge.app")
FACE_MODULES = (".api", "_api", ".cli", ".cli_system", ".views")

#: Helpers that only write the audit/outbox *name* of an actor their caller has authorized.
NAME_RECORDERS = {
    "epibridge.audit.chain.record",
    "epibridge.notifications.outbox.service.publish",
    "epibridge.notifications.service.common.publish",
    "epibridge.notifications.service.common.record",
    "epibridge.notifications.service.versioning.add_version",
    "epibridge.consultations.service.documents.publish_about",
    "epibridge.consultations.service.consultations.announce",
}

#: Public feeds: ``None`` is an anonymous reader, who sees less than anyone signed in.
ANONYMOUS_READERS = {
    "epibridge.notifications.outbox.feeds.list_feed_messages",
    "epibridge.notifications.outbox.feeds.build_feed",
}


def annotation(fn: Callable[..., Any], name: str) -> Any:
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


LOOKALIKE = SimpleNamespace(
    user_id=0, name="root", role=Role.OPERATOR, state=None, kind="operator", actor="operator:root"
)
FAKES = ["cli", "system:worker", "operator:root", LOOKALIKE, 0]

#: Functions found by the scan that only read (or render without storing).
READERS = {
    f"epibridge.{name}"
    for name in (
        "assistance.service.board.board",
        "gateways.dhis2.service.get_mapping",
        "gateways.dhis2.service.read_values",
        "epidata.values.current_values",
        "consultations.service.positions.can_record_position",
        "consultations.service.positions.position_states",
        "notifications.service.dashboard.situation",
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
        "audit.listing.list_entries",
        "consultations.service.common.require_member_say",
        "consultations.service.decisions.check_may_record_position",
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
        "epidata.queries.identities",
        "gateways.sdmx.model.read",
        "gateways.sdmx.output.structure",
        "gateways.sdmx.query.read",
        "epidata.queries.totals",
        "epidata.queries.increases",
        "epidata.overview.overview",
        "epidata.overview.diseases_with_data",
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
        "notifications.service.common.load_for_change",
        "notifications.service.queries.get",
        "notifications.service.queries.list_events",
        "notifications.service.reads.get",
        "notifications.service.reads.timeline",
        "reports.service.content.gather",
        "reports.service.reports.build",
        "reports.service.reports.get",
        "reports.service.reports.list_",
        # What a page may offer: the rules asked, their refusal caught (nothing written).
        "assistance.service.abilities.commitment_steps",
        "assistance.service.abilities.offer_abilities",
        "assistance.service.abilities.request_abilities",
        "consultations.service.abilities.can_convene",
        "consultations.service.abilities.can_draft",
        "consultations.service.abilities.document_abilities",
        "consultations.service.consultations.authorize_chair",
        "consultations.service.decisions.check_may_close",
        "consultations.service.decisions.check_may_put_to_decision",
        "consultations.service.decisions.check_may_use_silence",
        "consultations.service.signatures.check_may_sign",
        "consultations.service.closing.check_may_close_consultation",
        "consultations.service.closing.closing_outcomes",
        "audit.listing.check",
        "audit.listing.vocabulary",
        "members.administration.get_account",
        "members.administration.list_accounts",
        "members.administration.tokens_of",
        "members.directory.directory",
        "search.service.search",
        # Reads of the reporting triangle and what is computed from it (nothing stored).
        "detection.service.corrected.correct",
        "epidata.queries.readable_states",
        # The FHIR gateway's searchset: the series queries laid out as MeasureReports.
        "epidata.queries.strata",
        "gateways.fhir.importing.read_back",
        "gateways.fhir.searchset.bundle",
        "gateways.fhir.searchset.reports",
        "nowcasting.outlook.outlook",
        "nowcasting.service.nowcast",
        "nowcasting.service.reporting_delay",
        "nowcasting.service.selected_triangles",
        "nowcasting.service.triangle",
        "nowcasting.track_record.backtest",
        "preparedness.service.communication.get_test",
        "preparedness.service.communication.list_tests",
        "preparedness.service.communication.report",
        "preparedness.service.communication.unanswered",
        "preparedness.service.directory.entries",
        "preparedness.service.directory.get_entry",
        # Gathered and rendered for the reader, not stored (``reports.store`` stores).
        "reports.service.delays.delay_lines",
        "reports.service.quarterly.build_quarterly",
        "reports.service.timeliness_section.quarterly",
        "reports.service.timeliness_section.weekly_section",
        "timeliness.service.reads.timeline",
        "timeliness.service.records.get",
        "timeliness.service.scorecard.events",
        "timeliness.service.scorecard.missed",
        "timeliness.service.scorecard.scorecard",
        "timeliness.service.scorecard.table",
        # The EDXL gateway's exports: the assistance and notifications reads, as XML.
        "gateways.edxl.exports.request_xml",
        "gateways.edxl.exports.offer_xml",
        "gateways.edxl.exports.commitment_xml",
        "gateways.edxl.de.distribution_xml",
        "federation.transport.service.status",
        "federation.trust.list_nodes",
        # What federation reads to build messages (feddata): nothing stored.
        "federation.sharing.get",
        "epidata.replicas.submission",
        "epidata.replicas.submission_rows",
        "epidata.replicas.rows_for_periods",
        "epidata.replicas.local_submissions_between",
    )
}

#: Writers' helpers that write the audit entry or message of a change their caller authorized.
HELPERS = {
    "epibridge.assistance.service.common.record",
    "epibridge.detection.service.common.publish",
    # Signs and publishes the next trust list for add_node/revoke/rotate, which authorized.
    "epibridge.federation.hub.issue_trust_list",
}

#: Writers not called below, and why; each still has the typed ``actor`` checked above.
NOT_CALLED = {
    "epibridge.detection.service.signals.confirm": "needs a stored signal (a detection run)",
    "epibridge.detection.service.signals.dismiss": "needs a stored signal (a detection run)",
    "epibridge.federation.transport.sync.sync_once": "talks to peer nodes over HTTP "
    "(tests/federation/test_three_nodes*.py)",
    "epibridge.federation.transport.sync.export_all": "export_pending in transactions of its "
    "own (export_pending is called here)",
}
