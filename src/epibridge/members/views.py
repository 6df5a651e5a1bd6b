"""Turn profile rows into the read models the API, CLI and web share."""

from __future__ import annotations

from datetime import date

from epibridge.members import service
from epibridge.members.models import Chairmanship, State
from epibridge.members.schemas import ChairRead, StateDetail, StateRead, StatusRead


def state_read(item: service.StateOnDate, lang: str = "en") -> StateRead:
    return StateRead(
        iso3=item.state.iso3,
        iso2=item.state.iso2,
        name=item.state.name(lang),
        names=item.state.names,
        founding=item.state.founding,
        status=item.status,
        status_since=item.status_since,
    )


def state_detail(state: State, on: date, lang: str = "en") -> StateDetail:
    period = service.status_on(state, on)
    return StateDetail(
        **state_read(
            service.StateOnDate(
                state,
                period.status if period else None,
                period.valid_from if period else None,
            ),
            lang,
        ).model_dump(),
        history=[StatusRead.model_validate(s) for s in state.statuses],
    )


def chair_read(chair: Chairmanship, state: State, lang: str = "en") -> ChairRead:
    return ChairRead(
        iso3=chair.state_iso3,
        name=state.name(lang),
        valid_from=chair.valid_from,
        valid_until=chair.valid_until,
        summit=chair.summit,
    )
