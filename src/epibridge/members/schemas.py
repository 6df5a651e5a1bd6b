"""Pydantic models of the organization profile (the YAML file) and of the API's state views."""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from epibridge.i18n import Language
from epibridge.inputs import InputModel
from epibridge.members.statuses import MembershipStatus
from epibridge.security import ACCOUNT_ROLES
from epibridge.vocabulary import choice_of

#: The roles an account can have: ``operator`` is the console's own principal, never stored.
AccountRole = choice_of(*ACCOUNT_ROLES)
LocalizedText = dict[str, str]


def _require_english(names: LocalizedText) -> LocalizedText:
    if "en" not in names:
        raise ValueError("an English name ('en') is required")
    return names


class ProfileStatus(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    status: MembershipStatus
    valid_from: date = Field(alias="from")
    valid_until: date | None = Field(default=None, alias="until")
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _period_in_order(self) -> ProfileStatus:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"'until' {self.valid_until} is before 'from' {self.valid_from}")
        return self


class ProfileState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    iso3: str = Field(pattern=r"^[A-Z]{3}$")
    name: LocalizedText
    founding: bool = False
    statuses: list[ProfileStatus] = Field(min_length=1)

    _check_name = field_validator("name")(_require_english)

    @model_validator(mode="after")
    def _statuses_do_not_overlap(self) -> ProfileState:
        ordered = sorted(self.statuses, key=lambda s: s.valid_from)
        for before, after in pairwise(ordered):
            if before.valid_until is None or before.valid_until >= after.valid_from:
                raise ValueError(
                    f"{self.iso3}: status {before.status} from {before.valid_from} overlaps "
                    f"{after.status} from {after.valid_from}"
                )
        return self


class ProfileBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: LocalizedText
    kind: Literal["council", "permanent"]
    seat: str | None = None
    seat_state: str | None = None
    established: date | None = None
    source: str | None = None


class ProfileChairmanship(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    state: str
    valid_from: date = Field(alias="from")
    valid_until: date | None = Field(default=None, alias="until")
    summit: str | None = None
    source: str | None = None


class ProfileOrganization(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: LocalizedText
    founded: date
    founded_in: str | None = None
    official_languages: list[str]
    interface_languages: list[str] = ["en"]
    decision_rule: Literal["consensus", "majority"] = "consensus"
    participation: float = Field(default=1.0, gt=0, le=1)
    sources: list[str] = []


class ProfileDocument(BaseModel):
    """A whole organization profile as shipped in YAML."""

    model_config = ConfigDict(extra="forbid")

    organization: ProfileOrganization
    bodies: list[ProfileBody] = []
    states: list[ProfileState]
    chairmanships: list[ProfileChairmanship] = []

    @model_validator(mode="after")
    def _references_resolve(self) -> ProfileDocument:
        codes = [s.iso3 for s in self.states]
        duplicates = {c for c in codes if codes.count(c) > 1}
        if duplicates:
            raise ValueError(f"states listed twice: {sorted(duplicates)}")
        known = set(codes)
        for chair in self.chairmanships:
            if chair.state not in known:
                raise ValueError(f"chairmanship names {chair.state}, which is not in 'states'")
        for body in self.bodies:
            if body.seat_state and body.seat_state not in known:
                raise ValueError(f"body {body.code} is seated in unknown state {body.seat_state}")
        ordered = sorted(self.chairmanships, key=lambda c: c.valid_from)
        for before, after in pairwise(ordered):
            if before.valid_until is None or before.valid_until >= after.valid_from:
                raise ValueError(
                    f"chairmanship of {before.state} from {before.valid_from} overlaps the one "
                    f"of {after.state} from {after.valid_from}"
                )
        return self


class StatusRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: MembershipStatus
    valid_from: date
    valid_until: date | None
    source: str | None = None
    note: str | None = None


class StateRead(BaseModel):
    """A state as the API lists it; ``status`` is its status on the date asked about."""

    iso3: str
    iso2: str
    name: str
    names: LocalizedText
    founding: bool
    status: MembershipStatus | None
    status_since: date | None


class StateDetail(StateRead):
    history: list[StatusRead]


class ChairRead(BaseModel):
    iso3: str
    name: str
    valid_from: date
    valid_until: date | None
    summit: str | None


class BodyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    names: LocalizedText
    kind: str
    seat: str | None
    seat_state_iso3: str | None
    established: date | None


class OrganizationRead(BaseModel):
    code: str
    names: LocalizedText
    founded: date
    official_languages: list[str]
    interface_languages: list[str]
    decision_rule: str
    chair: ChairRead | None
    member_count: int
    bodies: list[BodyRead]


class UserCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    role: AccountRole
    state: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    language: Language = "en"
    password: str | None = Field(default=None, min_length=8, max_length=200)


class UserRead(BaseModel):
    id: int
    name: str
    role: AccountRole
    state: str | None
    display_name: str | None
    email: str | None
    language: str
    is_active: bool
    created_at: datetime
    active_tokens: int


class IssuedToken(BaseModel):
    """A token as shown once, when it is issued."""

    token: str
    hint: str
    expires_at: datetime


class SessionsEnded(BaseModel):
    """How many browser sessions of the account were ended."""

    name: str
    sessions_ended: int
