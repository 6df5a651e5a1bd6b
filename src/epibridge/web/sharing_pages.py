"""The sharing page: what a state's node lets other nodes see of its observations and signals.

Everyone reading members' data sees a state's settings; the state's focal point, the
Secretariat and an admin change them (``federation.sharing.may_set``: the form is offered
exactly when saving would be accepted). The rules are the sharing service's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import InvalidInput
from epibridge.federation import sharing
from epibridge.federation.sharing_models import SharingLevel
from epibridge.federation.sharing_schemas import SharingUpdate
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.form_input import pydantic_problems

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]

LEVEL_NAMES = {
    SharingLevel.ALL: N_("Every row, as reported (areas, ages, sexes)"),
    SharingLevel.TOTALS: N_("National totals only (whole state, all ages, everyone)"),
    SharingLevel.DISEASES: N_("Every row of the diseases listed only"),
    SharingLevel.NOTHING: N_("No observations"),
}


def _page(
    web: Web, state: str, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        read = sharing.get(session, principal=principal, state=state)
        names = members.state_names(
            session, on=utcnow().date(), lang=web.lang, status=MembershipStatus.MEMBER
        )
    return web.render(
        "federation/sharing.html",
        {
            "read": read,
            "state_name": names.get(read.state, read.state),
            "state_names": names,
            "level_names": {k.value: web.gettext(v) for k, v in LEVEL_NAMES.items()},
            "editable": sharing.may_set(principal, read.state),
            "values": values
            or {
                "level": read.level.value,
                "diseases": ", ".join(read.diseases),
                "embargo_until": str(read.embargo_until or ""),
                "signals": read.signals,
            },
            "errors": errors,
            "done": web.request.query_params.get("done", ""),
        },
        status,
    )


@router.get("/federation/sharing", response_class=HTMLResponse)
@page_errors
def own_sharing_page(web: WebDep, state: str = "") -> Response:
    """The chosen state's page, or the caller's own state's; the list of states otherwise."""
    principal = web.require()
    chosen = (state or principal.state or "").strip().upper()
    if not chosen:
        with read_session(web.sessions) as session:
            names = members.state_names(
                session, on=utcnow().date(), lang=web.lang, status=MembershipStatus.MEMBER
            )
        chosen = min(names) if names else ""
    with read_session(web.sessions) as session:
        code = members.require_state(session, chosen)
    return web.redirect(f"/federation/sharing/{code}")


@router.get("/federation/sharing/{state}", response_class=HTMLResponse)
@page_errors
def sharing_page(web: WebDep, state: str) -> Response:
    return _page(web, state, {}, {})


@router.post("/federation/sharing/{state}", response_class=HTMLResponse)
@page_errors
def save_sharing(web: WebDep, form: FormDep, state: str) -> Response:
    principal = web.require()
    listed = text(form, "diseases")
    values: dict[str, Any] = {
        "level": text(form, "level"),
        "diseases": listed,
        "embargo_until": text(form, "embargo_until"),
        "signals": form.get("signals") == "on",
    }
    try:
        data = SharingUpdate.model_validate(
            {
                **values,
                "diseases": [c.strip() for c in listed.replace(";", ",").split(",") if c.strip()],
                "embargo_until": values["embargo_until"] or None,
            }
        )
        with write_session(web.sessions) as session:
            saved = sharing.set_sharing(session, principal=principal, state=state, data=data)
    except ValidationError as exc:
        errors = {p.field.split("[")[0]: p.message_in(web.lang) for p in pydantic_problems(exc)}
        return _page(web, state, values, errors, 422)
    except InvalidInput as exc:
        errors = {e.field.split("[")[0]: e.message_in(web.lang) for e in exc.errors}
        return _page(web, state, values, errors, 422)
    return web.redirect(f"/federation/sharing/{saved.state}?done=saved")
