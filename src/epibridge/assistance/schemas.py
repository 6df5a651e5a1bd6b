"""Pydantic models of assistance: the catalogue, requests, offers, commitments and the board.

Message kinds are those of OASIS EDXL-RM 1.0 (Emergency Data Exchange Language Resource
Messaging): RequestResource, ResponseToRequestResource, OfferUnsolicitedResource,
CommitResource, ReleaseResource and ReportResourceDeploymentStatus.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from epibridge.assistance.statuses import (
    ASSISTANCE_VISIBILITY,
    COMMITMENT_STEPS,
    CommitmentStatus,
    MessageKind,
    OfferStatus,
    RequestStatus,
    Urgency,
)
from epibridge.inputs import Id, InputModel
from epibridge.security import Visibility
from epibridge.vocabulary import choice_of

VisibilityName = choice_of(*ASSISTANCE_VISIBILITY)
CommitmentStep = choice_of(*COMMITMENT_STEPS)
#: The EDXL-RM message each commitment status change is.
STATUS_MESSAGE: dict[CommitmentStatus, MessageKind] = {
    CommitmentStatus.PLEDGED: MessageKind.COMMIT_RESOURCE,
    CommitmentStatus.DISPATCHED: MessageKind.REPORT_RESOURCE_DEPLOYMENT_STATUS,
    CommitmentStatus.DELIVERED: MessageKind.REPORT_RESOURCE_DEPLOYMENT_STATUS,
    CommitmentStatus.CONFIRMED: MessageKind.REPORT_RESOURCE_DEPLOYMENT_STATUS,
    CommitmentStatus.RELEASED: MessageKind.RELEASE_RESOURCE,
}


class CatalogueItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    category: str
    unit: str
    names: dict[str, str] = Field(
        default_factory=dict, description="The name in other languages, by language code."
    )


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[CatalogueItem]
    #: Units and categories named in other languages: {"piece": {"ru": "шт.", ...}}.
    units: dict[str, dict[str, str]] = {}
    categories: dict[str, dict[str, str]] = {}


class LineIn(InputModel):
    """One line of a request or offer; ``unit`` must be the catalogue's unit of the item."""

    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=64, description="Catalogue code of the item.")
    quantity: int = Field(description="Whole number of the item's unit, more than zero.")
    unit: str = Field(min_length=1, max_length=16)
    note: str | None = Field(default=None, max_length=2000)


#: The free text of a request or an offer, and of a change to a request.
ListingNote = Annotated[str | None, Field(max_length=4000)]
#: The lines of a request or an offer: at least one, each item once (checked by the service).
ListingLines = Annotated[list[LineIn], Field(min_length=1, max_length=200)]


class RequestCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    state: str = Field(min_length=3, max_length=3, description="ISO3 of the requesting state.")
    urgency: Urgency
    delivery_point: str = Field(min_length=1, max_length=300)
    delivery_latitude: float | None = Field(default=None, ge=-90, le=90)
    delivery_longitude: float | None = Field(default=None, ge=-180, le=180)
    needed_by: date
    event_id: Id | None = Field(default=None, description="The notification event it answers.")
    visibility: VisibilityName = Visibility.MEMBERS
    note: ListingNote = None
    lines: ListingLines


class RequestUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    urgency: Urgency | None = None
    delivery_point: str | None = Field(default=None, min_length=1, max_length=300)
    needed_by: date | None = None
    note: ListingNote = None


class OfferCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    state: str | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        description="ISO3 of the offering state; empty: the Secretariat's own offer.",
    )
    request_id: Id | None = Field(
        default=None, description="The request answered (ResponseToRequestResource)."
    )
    available_from: date | None = None
    expected_delivery: date | None = None
    visibility: VisibilityName = Visibility.MEMBERS
    note: ListingNote = None
    commit: bool = Field(
        default=False,
        description="When answering a request, pledge every line to it at once (CommitResource).",
    )
    lines: ListingLines


class CommitmentCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    request_line_id: Id
    offer_line_id: Id
    quantity: int
    expected_delivery: date | None = None
    note: str | None = Field(default=None, max_length=2000)


class CommitmentStatusUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    status: CommitmentStep
    on: date | None = Field(default=None, description="When it happened (default today).")
    expected_delivery: date | None = None
    note: str | None = Field(default=None, max_length=2000)


class RequestLineRead(BaseModel):
    id: int
    line_no: int
    item: str
    item_name: str
    unit: str
    quantity: int
    pledged: int = Field(description="Committed and not released (any later stage included).")
    delivered: int
    confirmed: int
    remaining: int = Field(description="Still needed: quantity less what is committed.")
    overdue: bool
    note: str | None


class RequestRead(BaseModel):
    id: int
    origin_node: str | None = Field(
        default=None, description="The node this read-only replica came from; null: local."
    )
    message_kind: MessageKind = MessageKind.REQUEST_RESOURCE
    state: str
    urgency: Urgency
    delivery_point: str
    delivery_latitude: float | None
    delivery_longitude: float | None
    needed_by: date
    event_id: int | None
    visibility: VisibilityName
    status: RequestStatus
    note: str | None
    lines: list[RequestLineRead]
    remaining_total: int
    overdue: bool
    created_at: datetime
    created_by: str
    on_behalf: bool


class OfferLineRead(BaseModel):
    id: int
    line_no: int
    item: str
    item_name: str
    unit: str
    quantity: int
    committed: int
    remaining: int = Field(description="Still available to commit.")
    note: str | None


class OfferRead(BaseModel):
    id: int
    origin_node: str | None = Field(
        default=None, description="The node this read-only replica came from; null: local."
    )
    message_kind: MessageKind
    state: str | None
    offered_by: str = Field(description="The offering state's ISO3, or SECRETARIAT.")
    request_id: int | None
    available_from: date | None
    expected_delivery: date | None
    visibility: VisibilityName
    status: OfferStatus
    note: str | None
    lines: list[OfferLineRead]
    remaining_total: int
    created_at: datetime
    created_by: str
    on_behalf: bool


class CommitmentRead(BaseModel):
    id: int
    origin_node: str | None = Field(
        default=None, description="The node this read-only replica came from; null: local."
    )
    message_kind: MessageKind
    request_id: int
    request_line_id: int
    offer_id: int
    offer_line_id: int
    requesting_state: str
    offered_by: str
    item: str
    unit: str
    quantity: int
    status: CommitmentStatus
    expected_delivery: date | None
    needed_by: date
    pledged_on: date
    dispatched_on: date | None
    delivered_on: date | None
    confirmed_on: date | None
    released_on: date | None
    overdue: bool
    overdue_reason: str | None
    note: str | None


class NeedRead(BaseModel):
    """An open need on the board: a request line with something still remaining."""

    request_id: int
    line_id: int
    state: str
    urgency: Urgency
    needed_by: date
    delivery_point: str
    item: str
    item_name: str
    unit: str
    quantity: int
    remaining: int
    overdue: bool


class BoardTotals(BaseModel):
    open_needs: int
    overdue_needs: int
    active_pledges: int
    overdue_pledges: int


class BoardRead(BaseModel):
    as_of: date
    totals: BoardTotals
    needs: list[NeedRead]
    pledges: list[CommitmentRead]
    truncated: bool = Field(description="True when a section holds more than `limit` rows.")
