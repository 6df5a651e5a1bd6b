"""Sign-in and sign-out pages, and the cookie as a credential for the API.

Sign-ins are checked by ``members.signin.authenticate_password``, which counts each attempt
before verifying it (so parallel guesses cannot outrun the lockout) and opens a server-side
session on success. Every refusal (unknown name, wrong password, locked or deactivated
account) gets the same page with the same status, so the answer tells a guesser nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from epibridge.errors import InvalidInput
from epibridge.members import signin
from epibridge.security import Principal
from epibridge.web import session as web_session
from epibridge.web.context import Web, get_web, posted_form, text

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]


def _safe_next(value: str | None) -> str:
    """Only a path on this site: a sign-in link must not send anyone elsewhere."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(web: WebDep, next: str = "/") -> Response:
    return web.render("login.html", {"next": _safe_next(next), "error": None, "name": ""})


@router.post("/login", response_class=HTMLResponse)
def login(web: WebDep, form: FormDep) -> Response:
    try:
        name = text(form, "name")
        next_url = _safe_next(text(form, "next"))
    except InvalidInput as exc:  # an unpublishable character: a page naming the field
        return web.error(exc)
    password = form.get("password")
    outcome = signin.authenticate_password(
        web.sessions, name=name, password=password if isinstance(password, str) else ""
    )
    if outcome.principal is None or outcome.browser is None:
        error = web.gettext("Wrong user name or password.")
        return web.render(
            "login.html", {"next": next_url, "error": error, "name": name}, status=401
        )
    web.session = web_session.signed_in(outcome.browser)
    web.principal = outcome.principal
    web.cookie_changed = True
    return web.redirect(next_url)


@router.post("/logout")
def logout(web: WebDep, form: FormDep) -> Response:
    """End the server-side session, so a copy of the cookie is worthless too."""
    del form
    if web.session.sid is not None:
        signin.sign_out(web.sessions, session_id=web.session.sid)
    web.session = web_session.WebSession()
    web.principal = None
    web.cookie_changed = True
    return web.redirect("/login")


def session_principal(request: Request) -> Principal | None:
    """Resolve an API request's caller from the browser cookie (no bearer token given).

    An unsafe method with a cookie must carry the session's CSRF token in ``X-CSRF-Token``:
    the cookie is sent by the browser on any site's behalf, the header only by our own pages.
    """
    key = request.app.state.secret_key
    current = web_session.decode(key, request.cookies.get(web_session.COOKIE))
    principal = web_session.principal_for(request.app.state.sessions, key, current)
    if principal is not None and request.method not in web_session.SAFE_METHODS:
        web_session.check_csrf(current, request.headers.get(web_session.CSRF_HEADER))
    return principal
