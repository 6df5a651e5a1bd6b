"""The closed vocabularies of assistance (who may see a request or offer: ``Visibility``)."""

from __future__ import annotations

from enum import StrEnum

from epibridge.security import Visibility


class Urgency(StrEnum):
    """EDXL-RM urgency of a request."""

    IMMEDIATE = "immediate"
    EXPECTED = "expected"
    FUTURE = "future"


class RequestStatus(StrEnum):
    """A request is stored open or cancelled; an open one whose lines are all covered reads as
    fulfilled (computed from its commitments, never stored)."""

    OPEN = "open"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


#: What the requests table stores.
STORED_REQUEST_STATUSES = (RequestStatus.OPEN, RequestStatus.CANCELLED)


class OfferStatus(StrEnum):
    OPEN = "open"
    WITHDRAWN = "withdrawn"


class CommitmentStatus(StrEnum):
    """pledged → dispatched → delivered → confirmed; released ends a pledged or dispatched one."""

    PLEDGED = "pledged"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CONFIRMED = "confirmed"
    RELEASED = "released"


#: What a commitment can be moved to (it starts pledged).
COMMITMENT_STEPS = (
    CommitmentStatus.DISPATCHED,
    CommitmentStatus.DELIVERED,
    CommitmentStatus.CONFIRMED,
    CommitmentStatus.RELEASED,
)


class MessageKind(StrEnum):
    """The OASIS EDXL-RM 1.0 message each request, offer and commitment step is."""

    REQUEST_RESOURCE = "RequestResource"
    RESPONSE_TO_REQUEST_RESOURCE = "ResponseToRequestResource"
    OFFER_UNSOLICITED_RESOURCE = "OfferUnsolicitedResource"
    COMMIT_RESOURCE = "CommitResource"
    RELEASE_RESOURCE = "ReleaseResource"
    REPORT_RESOURCE_DEPLOYMENT_STATUS = "ReportResourceDeploymentStatus"


#: What an offer is: the answer to a request, or unsolicited.
OFFER_MESSAGE_KINDS = (
    MessageKind.RESPONSE_TO_REQUEST_RESOURCE,
    MessageKind.OFFER_UNSOLICITED_RESOURCE,
)

#: Requests and offers are shared with members, or with partners too; never public.
ASSISTANCE_VISIBILITY = (Visibility.MEMBERS, Visibility.PARTNERS)
