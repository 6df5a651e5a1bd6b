"""The assistance part of the scenario: Kazakhstan asks for vaccine and tests for its measles
response, Russia answers and pledges part of the vaccine, so the request stays open with what
remains. The texts say SYNTHETIC; the dates run from today (assistance has no past dates)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import LineIn, OfferCreate, RequestCreate
from epibridge.demo_scenario.cast import Cast, Timeline

NOTE = "SYNTHETIC demo request for the measles response in Almaty region."


@dataclass(frozen=True)
class Assistance:
    request_id: int
    offer_id: int


def play(session: Session, cast: Cast, time: Timeline, *, event_id: int) -> Assistance:
    request = assistance.create_request(
        session,
        actor=cast.fp("KAZ"),
        data=RequestCreate(
            state="KAZ",
            urgency="immediate",  # type: ignore[arg-type]
            delivery_point="Regional vaccine store, Taldykorgan (synthetic)",
            delivery_latitude=45.02,
            delivery_longitude=78.37,
            needed_by=time.days(21),
            event_id=event_id,
            note=NOTE,
            lines=[
                LineIn(item="vaccine", quantity=200_000, unit="dose", note="MR vaccine"),
                LineIn(item="test-rapid", quantity=5_000, unit="test", note="Measles IgM"),
            ],
        ),
        today=time.today,
    )
    offer = assistance.create_offer(
        session,
        actor=cast.fp("RUS"),
        data=OfferCreate(
            state="RUS",
            request_id=request.id,
            available_from=time.days(2),
            expected_delivery=time.days(9),
            note="SYNTHETIC demo pledge: part of the vaccine asked for.",
            commit=True,
            lines=[LineIn(item="vaccine", quantity=80_000, unit="dose", note="MR vaccine")],
        ),
        today=time.today,
    )
    return Assistance(request.id, offer.id)
