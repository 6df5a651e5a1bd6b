"""Administration pages: accounts, their roles, tokens, locks, sessions and passwords.

Every rule is the members service's (``accounts``, ``administration``): only administrators
pass, an administrator cannot demote or lock themselves, a role is bound to the right kind of
state. A new API token is shown on the page that answers the form which issued it, and on no
other: only its hash is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import DomainError, FieldError, InvalidInput
from epibridge.i18n import LANGUAGES, N_
from epibridge.inputs import Id
from epibridge.members import accounts, administration
from epibridge.members import service as members
from epibridge.members.schemas import IssuedToken, UserCreate
from epibridge.notifications.outbox import service as outbox
from epibridge.security import ACCOUNT_ROLES, Principal
from epibridge.web.account_forms import (
    KIND_NAMES,
    ROLE_NAMES,
    STANDING_NAMES,
    TOKEN_STATE_NAMES,
    failure,
    names,
    validated,
)
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.form_input import act

router = APIRouter(prefix="/admin", include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = 50
MAX_TOKEN_DAYS = 3650

DONE = {
    "role": N_("The role was changed."),
    "locked": N_("The account was locked: its sessions ended and its tokens stop working."),
    "unlocked": N_("The account was unlocked."),
    "revoked": N_("The token was revoked."),
    "sessions": N_("Every browser session of the account was ended."),
    "password": N_("The password was set; the account's browser sessions were ended."),
}
BAD_DAYS = N_("A token lasts from 1 to 3650 days.")
BAD_DAYS_FIELD = N_("a whole number of days from 1 to 3650")


def _names(web: Web) -> dict[str, Any]:
    return {
        "role_names": names(web, ROLE_NAMES),
        "kind_names": names(web, KIND_NAMES),
        "standing_names": names(web, STANDING_NAMES),
        "token_state_names": names(web, TOKEN_STATE_NAMES),
        "roles": [r for r in ROLE_NAMES if r in ACCOUNT_ROLES],
        "languages": LANGUAGES,
    }


def _list_context(
    web: Web, role: str | None, state: str | None, cursor: str | None
) -> dict[str, Any]:
    principal = web.require()
    now = utcnow()
    with read_session(web.sessions) as session:
        page = administration.list_accounts(
            session, actor=principal, role=role, state=state, cursor=cursor, limit=PAGE
        )
        rows = [
            (user, administration.standing(user, now), accounts.to_read(session, user))
            for user in page.items
        ]
        state_names = members.state_names(session, on=now.date(), lang=web.lang)
    return {
        "rows": rows,
        "next_cursor": page.next_cursor,
        "state_names": state_names,
        "chosen_role": role or "",
        "chosen_state": (state or "").upper(),
        "form": {},
        "errors": {},
        **_names(web),
    }


@router.get("/accounts", response_class=HTMLResponse)
@page_errors
def accounts_page(
    web: WebDep, role: str | None = None, state: str | None = None, cursor: str | None = None
) -> Response:
    return web.render("admin/accounts.html", _list_context(web, role, state, cursor or None))


@router.post("/accounts", response_class=HTMLResponse)
@page_errors
def create_account(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    values = {
        key: text(form, key) or None
        for key in ("name", "role", "state", "display_name", "email", "language")
    }
    password = form.get("password")
    values["password"] = password if isinstance(password, str) and password else None
    try:
        data = validated(UserCreate, {k: v for k, v in values.items() if v is not None})
        with write_session(web.sessions) as session:
            user, issued = accounts.create_user(
                session,
                actor=principal,
                data=data,
                token_ttl_days=web.app.state.settings.token_ttl_days,
            )
            name = user.name
    except DomainError as exc:
        context = _list_context(web, None, None, None)
        shown = {k: v for k, v in values.items() if k != "password"}
        context.update({"form": shown, **failure(web, exc)})
        return web.render("admin/accounts.html", context, exc.status)
    return web.render(
        "admin/account.html", {**_account_context(web, name), "issued": issued, "created": True}
    )


def _account_context(web: Web, name: str) -> dict[str, Any]:
    principal = web.require()
    now = utcnow()
    with read_session(web.sessions) as session:
        user = administration.get_account(session, actor=principal, name=name)
        tokens = [
            (t, administration.token_state(t, now))
            for t in administration.tokens_of(session, actor=principal, name=name)
        ]
        subscriptions = outbox.list_subscriptions(
            session, actor=principal, owner=name, limit=PAGE
        ).items
        state_names = members.state_names(session, on=now.date(), lang=web.lang)
        standing = administration.standing(user, now)
    return {
        "user": user,
        "standing": standing,
        "tokens": tokens,
        "subscriptions": subscriptions,
        "state_names": state_names,
        "is_self": principal.user_id == user.id,
        "issued": None,
        "created": False,
        "done": None,
        "form": {},
        "errors": {},
        **_names(web),
    }


@router.get("/accounts/{name}", response_class=HTMLResponse)
@page_errors
def account_page(web: WebDep, name: str, done: str | None = None) -> Response:
    context = _account_context(web, name)
    context["done"] = web.gettext(DONE[done]) if done in DONE else None
    return web.render("admin/account.html", context)


@router.get("/accounts/{name}/{action:path}")
def account_again(web: WebDep, name: str, action: str) -> Response:
    """The address a form answered from (the language switcher links to it) shows the account."""
    del action
    return web.redirect(f"/admin/accounts/{name}")


def _refused(web: Web, name: str, exc: DomainError, form: dict[str, Any]) -> Response:
    context = _account_context(web, name)
    context.update({"form": form, **failure(web, exc)})
    return web.render("admin/account.html", context, exc.status)


def _changed(
    web: Web,
    name: str,
    done: str,
    change: Callable[..., Any],
    typed: dict[str, Any] | None = None,
    **arguments: Any,
) -> Response:
    """One change to the account ``name`` by the signed-in administrator, then its page saying
    what was done; refused, its page again with the refusal beside what was typed."""
    try:
        act(web, change, name=name, **arguments)
    except DomainError as exc:
        return _refused(web, name, exc, typed or {})
    return web.redirect(f"/admin/accounts/{name}?done={done}")


@router.post("/accounts/{name}/role", response_class=HTMLResponse)
@page_errors
def change_role(web: WebDep, form: FormDep, name: str) -> Response:
    typed = {"role": text(form, "role"), "state": text(form, "state")}
    return _changed(web, name, "role", administration.change_role, typed, **typed)


@router.post("/accounts/{name}/lock", response_class=HTMLResponse)
@page_errors
def lock(web: WebDep, form: FormDep, name: str) -> Response:
    del form
    return _changed(web, name, "locked", administration.lock)


@router.post("/accounts/{name}/unlock", response_class=HTMLResponse)
@page_errors
def unlock(web: WebDep, form: FormDep, name: str) -> Response:
    del form
    return _changed(web, name, "unlocked", administration.unlock)


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(BAD_DAYS, [FieldError("days", BAD_DAYS_FIELD, value)])
    return days


def _issue_token(session: Session, *, actor: Principal, name: str, **token: Any) -> IssuedToken:
    user = administration.get_account(session, actor=actor, name=name)
    return accounts.issue_token(session, actor=actor, user=user, **token)


@router.post("/accounts/{name}/tokens", response_class=HTMLResponse)
@page_errors
def issue_token(web: WebDep, form: FormDep, name: str) -> Response:
    typed = {"label": text(form, "label"), "days": text(form, "days")}
    try:
        days = _days(typed["days"])
        issued = act(web, _issue_token, name=name, ttl_days=days, label=typed["label"] or None)
    except DomainError as exc:
        return _refused(web, name, exc, typed)
    return web.render("admin/account.html", {**_account_context(web, name), "issued": issued})


def _revoke_token(session: Session, *, actor: Principal, name: str, token_id: int) -> None:
    """Revoke one of the account's tokens (an account not found is said so first)."""
    administration.get_account(session, actor=actor, name=name)
    administration.revoke_token(session, actor=actor, token_id=token_id, of=name)


@router.post("/accounts/{name}/tokens/{token_id}/revoke", response_class=HTMLResponse)
@page_errors
def revoke_token(web: WebDep, form: FormDep, name: str, token_id: Id) -> Response:
    del form
    return _changed(web, name, "revoked", _revoke_token, token_id=token_id)


@router.post("/accounts/{name}/sessions", response_class=HTMLResponse)
@page_errors
def end_sessions(web: WebDep, form: FormDep, name: str) -> Response:
    del form
    return _changed(web, name, "sessions", accounts.end_sessions)


@router.post("/accounts/{name}/password", response_class=HTMLResponse)
@page_errors
def set_password(web: WebDep, form: FormDep, name: str) -> Response:
    typed = form.get("password")
    password = typed if isinstance(typed, str) else ""
    return _changed(web, name, "password", accounts.set_password, password=password)
