"""What clients send and read: determinations, directory entries, communication tests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from epibridge.inputs import InputModel
from epibridge.notifications.schemas import WhoDeterminationRead
from epibridge.notifications.statuses import WhoDetermination
from epibridge.preparedness.statuses import AnswerTime

#: A language a duty officer speaks: an ISO 639-1 or 639-2 code (``ru``, ``kk``, ``uzb``).
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
Phone = Annotated[str, Field(min_length=3, max_length=64, pattern=r"^\+?[0-9 ()./-]{3,64}$")]


class DeterminationWrite(InputModel):
    """WHO's determination on an event, as the Secretariat records it."""

    model_config = ConfigDict(extra="forbid")

    determination: WhoDetermination
    determined_on: date | None = Field(
        default=None, description="The day WHO's Director-General determined it."
    )
    ended_on: date | None = Field(default=None, description="The day the determination ended.")
    source: str | None = Field(
        default=None, max_length=500, description="Where it was announced (a URL, a statement)."
    )


class DirectoryEntryWrite(InputModel):
    """A state's IHR contacts; every field may be left empty (not known yet)."""

    model_config = ConfigDict(extra="forbid")

    focal_point_name: str | None = Field(default=None, max_length=300)
    focal_point_email: str | None = Field(default=None, max_length=320)
    duty_phone: Phone | None = Field(default=None, description="24/7 duty line.")
    languages: list[LanguageCode] = Field(default_factory=list, max_length=12)
    authority_name: str | None = Field(
        default=None, max_length=300, description="The National IHR Authority (article 4)."
    )
    authority_email: str | None = Field(default=None, max_length=320)
    authority_phone: Phone | None = None


class DirectoryEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    state: str
    focal_point_name: str | None = None
    focal_point_email: str | None = None
    duty_phone: str | None = None
    languages: list[str] = Field(default_factory=list)
    authority_name: str | None = None
    authority_email: str | None = None
    authority_phone: str | None = None
    updated_at: datetime | None = None
    confirmed_on: date | None = None
    #: Not confirmed in the last year (or never): the yearly reminder is due.
    confirmation_due: bool = True


class CommunicationTestCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class CommunicationTestRead(BaseModel):
    """A communication test; ``test`` is always true, so no reader takes it for an event."""

    id: int
    test: bool = True
    label: str = "TEST"
    launched_at: datetime
    launched_by: str
    note: str | None
    states: list[str]
    answered: int


class TestAnswerRead(BaseModel):
    state: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    minutes: int | None
    answer_time: AnswerTime


class CommunicationTestReport(BaseModel):
    """Who answered within 1 hour, within 24 hours, later, and not at all."""

    test: CommunicationTestRead
    answers: list[TestAnswerRead]
    counts: dict[AnswerTime, int]


__all__ = [
    "CommunicationTestCreate",
    "CommunicationTestRead",
    "CommunicationTestReport",
    "DeterminationWrite",
    "DirectoryEntryRead",
    "DirectoryEntryWrite",
    "TestAnswerRead",
    "WhoDeterminationRead",
]
