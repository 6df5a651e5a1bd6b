"""What every page handler gets: the language, the session, the principal, and rendering.

Each language has its own Jinja environment with its catalog installed, so a template's
``_()`` is always the request's language. Service errors become an HTML error page here, not a
problem document: a person is reading.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from epibridge import i18n
from epibridge.assistance import catalogue as assistance_catalogue
from epibridge.borders.views import names_in
from epibridge.consultations.outcomes import outcome_in
from epibridge.errors import DomainError, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.notifications.diseases import disease_name
from epibridge.security import Action, PermissionDenied, Principal, Role, decide
from epibridge.text import first_disallowed, printable
from epibridge.web import session as web_session

_HERE = Path(__file__).parent


class LoginRequired(Exception):
    """Raised by a page that needs a signed-in account; answered with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@functools.cache
def environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = lambda value, form="medium": i18n.fmt_date(value, lang, form)
    env.filters["num"] = lambda value, digits=None: i18n.fmt_number(value, lang, digits)
    env.filters["disease"] = lambda code: (disease_name(code, lang) or code) if code else ""
    env.filters["tojson_attr"] = lambda value: json.dumps(value, default=str)
    # Names the data carries in each language (crossings, catalogue items and units, outcomes).
    env.filters["place"] = lambda crossing, which="name": names_in(crossing, lang)[which]
    env.filters["item"] = lambda code: assistance_catalogue.item_name(code, lang)
    env.filters["unit"] = lambda unit: assistance_catalogue.unit_name(unit, lang)
    env.filters["outcome"] = lambda decision: outcome_in(decision, lang)
    env.filters["localized"] = lambda event, field="title": i18n.localized(event, field, lang)
    env.globals["LANGUAGES"] = i18n.LANGUAGES
    env.globals["LANGUAGE_NAMES"] = i18n.LANGUAGE_NAMES
    return env


@dataclass
class Web:
    """One page request, as the handlers see it."""

    request: Request
    lang: str
    session: web_session.WebSession
    principal: Principal | None
    remember_lang: bool
    cookie_changed: bool

    @property
    def app(self) -> FastAPI:
        return self.request.app

    @property
    def sessions(self):  # type: ignore[no-untyped-def]
        return self.request.app.state.sessions

    def gettext(self, message: str) -> str:
        return i18n.translations(self.lang).gettext(message)

    def field_errors(self, errors: list[FieldError]) -> dict[str, str]:
        """Each field's message in the reader's language (a form shows it by its field)."""
        return field_errors(errors, self.lang)

    def detail(self, exc: DomainError) -> str:
        """A service error's sentence in the reader's language."""
        return exc.detail_in(self.lang)

    def require(self) -> Principal:
        """The signed-in principal; a visitor is sent to the sign-in page."""
        if self.principal is None:
            url = self.request.url
            raise LoginRequired(url.path + (f"?{url.query}" if url.query else ""))
        return self.principal

    def lang_url(self, lang: str) -> str:
        query = {k: v for k, v in self.request.query_params.multi_items() if k != "lang"}
        items = [*query.items(), ("lang", lang)]
        return f"{self.request.url.path}?{urlencode(items)}"

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        page = environment(self.lang).get_template(template)
        html = page.render(
            {
                "lang": self.lang,
                "principal": self.principal,
                "csrf_token": self.session.csrf,
                "csrf_field": web_session.CSRF_FIELD,
                # An inline <script> or <style> needs this nonce (web/headers.py policy).
                "csp_nonce": getattr(self.request.state, "csp_nonce", ""),
                "lang_url": self.lang_url,
                "path": self.request.url.path,
                "reads_members": self.principal is not None
                and decide(self.principal, Action.READ_MEMBERS).allowed,
                "reads_partners": self.principal is not None
                and decide(self.principal, Action.READ_PARTNERS).allowed,
                "writes_data": self.principal is not None
                and decide(self.principal, Action.WRITE_STATE, self.principal.state or "*").allowed,
                "is_secretariat": self.principal is not None
                and self.principal.role in (Role.SECRETARIAT, Role.ADMIN),
                "today": date.today(),
                **context,
            }
        )
        return self.finish(HTMLResponse(html, status_code=status))

    def redirect(self, url: str) -> RedirectResponse:
        return self.finish(RedirectResponse(url, status_code=303))  # type: ignore[return-value]

    def finish(self, response: Response) -> Response:
        if self.cookie_changed:
            set_session_cookie(self.request, response, self.session)
        if self.remember_lang:
            response.set_cookie(
                i18n.LANG_COOKIE, self.lang, max_age=365 * 86400, samesite="lax", httponly=True
            )
        response.headers.setdefault("Content-Language", self.lang)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def error(self, exc: Exception) -> HTMLResponse:
        if isinstance(exc, PermissionDenied):
            status, detail, errors = (
                403,
                i18n.text_in(exc.args[0] if exc.args else exc, self.lang),
                [],
            )
        elif isinstance(exc, DomainError):
            # Messages marked with N_ are message ids: shown in the reader's language.
            status, detail = exc.status, exc.detail_in(self.lang)
            errors = [FieldError(e.field, e.message_in(self.lang), e.value) for e in exc.errors]
        else:
            raise exc
        return self.render(
            "error.html", {"status": status, "detail": detail, "errors": errors}, status
        )


def set_session_cookie(
    request: Request, response: Response, session: web_session.WebSession
) -> None:
    response.set_cookie(
        web_session.COOKIE,
        web_session.encode(request.app.state.secret_key, session),
        max_age=web_session.SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def get_web(request: Request) -> Web:
    """Build the page context: language, session (created if absent) and principal."""
    key = request.app.state.secret_key
    query_lang = request.query_params.get("lang")
    lang = i18n.choose(
        query_lang, request.cookies.get(i18n.LANG_COOKIE), request.headers.get("accept-language")
    )
    current = web_session.decode(key, request.cookies.get(web_session.COOKIE))
    changed = current is None
    session = current or web_session.WebSession()
    principal = web_session.principal_for(request.app.state.sessions, key, current)
    if current is not None and current.sid is not None and principal is None:
        session, changed = web_session.WebSession(csrf=current.csrf), True
    return Web(
        request=request,
        lang=lang,
        session=session,
        principal=principal,
        remember_lang=query_lang in i18n.LANGUAGES,
        cookie_changed=changed,
    )


def page_errors(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Render service errors (invalid input, not found, forbidden) as an HTML page."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        web: Web = kwargs["web"]
        try:
            return handler(*args, **kwargs)
        except (DomainError, PermissionDenied) as exc:
            return web.error(exc)

    wrapper.__signature__ = inspect.signature(handler)  # type: ignore[attr-defined]
    return wrapper


class CsrfFailed(Exception):
    """A form came back without the session's CSRF token; answered with a 403 page."""


async def posted_form(request: Request) -> FormData:
    """The submitted form, after checking its CSRF token against the session's."""
    form = await request.form()
    current = web_session.decode(
        request.app.state.secret_key, request.cookies.get(web_session.COOKIE)
    )
    try:
        web_session.check_csrf(current, str(form.get(web_session.CSRF_FIELD) or ""))
    except DomainError as exc:
        raise CsrfFailed(
            N_("The form has expired or did not come from this site; reload the page and retry.")
        ) from exc
    return form


UNSAFE_FORM = N_(
    "A field holds a character that cannot be published (a control character, NUL or a "
    "lone surrogate): remove it and send the form again."
)
UNSAFE_FIELD = N_("contains a control character, NUL or a lone surrogate")


def text(form: FormData, name: str) -> str:
    """The form field ``name``, trimmed; refused (422 page) when it could not be published."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if first_disallowed(value) is not None:
        raise InvalidInput(UNSAFE_FORM, [FieldError(name, UNSAFE_FIELD, printable(value, 80))])
    return value.strip()


def field_errors(errors: list[FieldError], lang: str = i18n.DEFAULT) -> dict[str, str]:
    """The message of each field, in ``lang``, as a form shows them beside its fields."""
    return {e.field: e.message_in(lang) for e in errors}


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def as_datetime(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None
