"""Pages of preparedness: WHO's determination on an event's page, a state's directory entry,
communication tests (launch, acknowledge, report). The rules are the service's; a refusal
comes back as its 403, 404, 409 or 422 and is shown as a page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import InvalidInput
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.preparedness import service
from epibridge.preparedness.schemas import (
    CommunicationTestCreate,
    DeterminationWrite,
    DirectoryEntryWrite,
)
from epibridge.preparedness.statuses import AnswerTime
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.form_input import pydantic_problems

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]

ANSWER_NAMES = {
    AnswerTime.WITHIN_1_HOUR: N_("Within 1 hour"),
    AnswerTime.WITHIN_24_HOURS: N_("Within 24 hours"),
    AnswerTime.LATER: N_("Later than 24 hours"),
    AnswerTime.NOT_AT_ALL: N_("Not at all"),
}
ENTRY_FIELDS = (
    "focal_point_name",
    "focal_point_email",
    "duty_phone",
    "authority_name",
    "authority_email",
    "authority_phone",
)


def _invalid(exc: ValidationError, detail: str) -> InvalidInput:
    return InvalidInput(detail, pydantic_problems(exc))


@router.post("/notifications/{event_id}/who-determination")
@page_errors
def record_determination(web: WebDep, form: FormDep, event_id: Id) -> Response:
    principal = web.require()
    values = {
        name: text(form, name) or None
        for name in ("determination", "determined_on", "ended_on", "source")
    }
    try:
        data = DeterminationWrite.model_validate(values)
    except ValidationError as exc:
        return web.error(_invalid(exc, N_("the determination is not valid")))
    with write_session(web.sessions) as session:
        service.record_determination(session, actor=principal, event_id=event_id, data=data)
    return web.redirect(f"/notifications/{event_id}?done=determination")


def _form_errors(exc: ValidationError, lang: str) -> dict[str, str]:
    """The first problem of each form field (``languages[1]`` is the field ``languages``)."""
    out: dict[str, str] = {}
    for problem in pydantic_problems(exc):
        out.setdefault(problem.field.split("[")[0].split(".")[0], problem.message_in(lang))
    return out


def _entry_form(
    web: Web, iso3: str, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    with read_session(web.sessions) as session:
        name = members.get_state(session, iso3=iso3).name(web.lang)
    shown = {key: "" if value is None else value for key, value in values.items()}
    return web.render(
        "directory/edit.html",
        {"iso3": iso3, "state_name": name, "values": shown, "errors": errors},
        status,
    )


@router.get("/directory/{state}/edit", response_class=HTMLResponse)
@page_errors
def edit_entry_page(web: WebDep, state: str) -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        entry = service.get_entry(session, actor=principal, state=state)
        service.require_editor(principal, entry.state)
    values = entry.model_dump()
    values["languages"] = ", ".join(entry.languages)
    return _entry_form(web, entry.state, values, {})


@router.post("/directory/{state}/edit", response_class=HTMLResponse)
@page_errors
def save_entry(web: WebDep, form: FormDep, state: str) -> Response:
    principal = web.require()
    values: dict[str, Any] = {name: text(form, name) or None for name in ENTRY_FIELDS}
    languages = text(form, "languages")
    payload = {
        **values,
        "languages": [
            c.strip().lower() for c in languages.replace(";", ",").split(",") if c.strip()
        ],
    }
    shown = {**values, "languages": languages}
    try:
        data = DirectoryEntryWrite.model_validate(payload)
        with write_session(web.sessions) as session:
            saved = service.save_entry(session, actor=principal, state=state, data=data)
    except ValidationError as exc:
        return _entry_form(web, state.upper(), shown, _form_errors(exc, web.lang), 422)
    except InvalidInput as exc:
        return _entry_form(web, state.upper(), shown, web.field_errors(exc.errors), 422)
    return web.redirect(f"/directory?done=saved#state-{saved.state}")


@router.post("/directory/{state}/confirm")
@page_errors
def confirm_entry(web: WebDep, form: FormDep, state: str) -> Response:
    del form
    principal = web.require()
    with write_session(web.sessions) as session:
        confirmed = service.confirm_entry(session, actor=principal, state=state)
    return web.redirect(f"/directory?done=confirmed#state-{confirmed.state}")


@router.get("/preparedness/tests", response_class=HTMLResponse)
@page_errors
def tests_page(web: WebDep, cursor: str = "") -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        page = service.list_tests(session, actor=principal, cursor=cursor or None, limit=25)
        open_ids = {t.id for t in service.unanswered(session, actor=principal, limit=25)}
    return web.render(
        "preparedness/tests.html",
        {
            "tests": page.items,
            "next_cursor": page.next_cursor,
            "open_ids": open_ids,
            "may_launch": principal.role.value == "secretariat",
        },
    )


@router.post("/preparedness/tests")
@page_errors
def launch_test(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    try:
        data = CommunicationTestCreate.model_validate({"note": text(form, "note") or None})
    except ValidationError as exc:
        return web.error(_invalid(exc, N_("the communication test is not valid")))
    with write_session(web.sessions) as session:
        test = service.launch(session, actor=principal, data=data)
        test_id = test.id
    return web.redirect(f"/preparedness/tests/{test_id}?done=launched")


@router.get("/preparedness/tests/{test_id}", response_class=HTMLResponse)
@page_errors
def test_page(web: WebDep, test_id: Id, done: str = "") -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        found = service.report(session, actor=principal, test_id=test_id)
        names = members.state_names(session, on=utcnow().date(), lang=web.lang)
    own = next((a for a in found.answers if a.state == principal.state), None)
    return web.render(
        "preparedness/test.html",
        {
            "report": found,
            "state_names": names,
            "answer_names": {k: web.gettext(v) for k, v in ANSWER_NAMES.items()},
            "own": own,
            "done": done,
        },
    )


@router.post("/preparedness/tests/{test_id}/acknowledge")
@page_errors
def acknowledge_test(web: WebDep, form: FormDep, test_id: Id) -> Response:
    del form
    principal = web.require()
    with write_session(web.sessions) as session:
        service.acknowledge(session, actor=principal, test_id=test_id)
    return web.redirect(f"/preparedness/tests/{test_id}?done=acknowledged")
