"""Every failure of the FHIR routes as an OperationOutcome, the error model FHIR clients read.

The rest of the API answers RFC 9457 problems; a FHIR client expects ``OperationOutcome``
(``application/fhir+json``) instead. The content is the same error model: the service's
message ids, rendered in the Accept-Language, each issue naming where the problem is in
``expression`` (a FHIRPath into the posted resource such as
``Bundle.entry[2].resource.group[0].stratifier[1].stratum[0].measureScore.value``, or the
search parameter). A route class catches the errors so that dependencies (authentication,
query parsing) answer the same way; anything unforeseen stays the app's 500 problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from epibridge import i18n
from epibridge.api.problems import _encodable, language_of
from epibridge.errors import DomainError, FieldError
from epibridge.gateways.fhir.codes import MEDIA_TYPE
from epibridge.i18n import N_
from epibridge.security import PermissionDenied
from epibridge.validation_messages import field_error

#: FHIR's issue-type code for each HTTP status the routes answer.
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
}


class FhirResponse(Response):
    """A FHIR JSON answer (``application/fhir+json``)."""

    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(_encodable(content, 10_000), ensure_ascii=False).encode()


def _issue(code: str, text: str, error: FieldError | None = None, lang: str = "en") -> dict:
    issue: dict[str, Any] = {"severity": "error", "code": code, "details": {"text": text}}
    if error is not None:
        issue["details"]["text"] = error.message_in(lang)
        issue["expression"] = [error.field]
        shown = "" if error.value is None else str(_encodable(error.value, 200))
        if shown.strip():  # a FHIR string is never empty
            issue["diagnostics"] = shown
    return issue


def outcome(
    status: int, detail: str, errors: list[FieldError], *, lang: str, params: Any = None
) -> FhirResponse:
    """The OperationOutcome: the detail first, then one issue per field error."""
    code = ISSUE_CODES.get(status, "exception")
    issues = [_issue(code, i18n.message(detail, params, lang))]
    issues += [_issue(code, "", e, lang) for e in errors]
    body = {"resourceType": "OperationOutcome", "issue": issues}
    return FhirResponse(body, status_code=status, headers={"Content-Language": lang})


def from_exception(request: Request, exc: Exception) -> FhirResponse | None:
    """The OperationOutcome of an error the routes answer themselves; None for the others."""
    lang = language_of(request)
    if isinstance(exc, DomainError):
        response = outcome(
            exc.status, exc.detail_id, list(exc.errors), lang=lang, params=exc.params
        )
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if isinstance(exc, PermissionDenied):
        text = i18n.text_in(exc.args[0] if exc.args else str(exc), lang)
        return outcome(403, text, [], lang=lang)
    if isinstance(exc, RequestValidationError):
        errors = [field_error(e, value=e.get("input")) for e in exc.errors()]
        return outcome(
            422,
            N_("the request is not valid ({fields})"),
            errors,
            lang=lang,
            params={"fields": [e.field for e in errors[:5]]},
        )
    if isinstance(exc, HTTPException):
        return outcome(exc.status_code, str(exc.detail), [], lang=lang)
    return None


class FhirRoute(APIRoute):
    """A route whose refusals are OperationOutcomes, including its dependencies'."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except (DomainError, PermissionDenied, RequestValidationError, HTTPException) as exc:
                response = from_exception(request, exc)
                assert response is not None
                return response

        return answer
