"""A truthful OpenAPI: every operation declares the problem documents it can answer.

FastAPI only documents the success response and its own 422 shape (``HTTPValidationError``),
which is not what this API sends (api/problems.py renders every error as RFC 9457
``application/problem+json``). Writing the 4xx responses by hand on 111 routes would drift, so
they are derived from what each route depends on:

- 400: every POST, whose ``Idempotency-Key`` header (declared here too) may be malformed, and
  every route with a body (one that cannot be decoded at all);
- 401: the route resolves the caller (``get_principal`` / ``get_optional_principal``): a missing,
  malformed, unknown, revoked or expired token;
- 403: the route resolves the caller and so runs the permission check;
- 404: the route has a path parameter, or its query or JSON body names other records
  (``*_id``, ``*_ids``): it looks something up;
- 409: every POST (a request with the same ``Idempotency-Key`` still being processed);
- 413: the route takes a body (api/limits.py counts every body);
- 422: the route takes parameters or a body.

A route that raises something else (a 409 on a state change, a 404 with no path id) says so
with ``responses={409: {"description": "..."}}``; any 4xx a route declares gets the problem
schema. No route answers 415 today (a file in an unknown format is a 422 naming ``file``).
Fuzzing (tests/api/test_fuzz.py) checks that every status the API answers is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field

from epibridge.api.deps import get_optional_principal, get_principal
from epibridge.api.idempotency import MAX_KEY_LENGTH
from epibridge.api.problems import PROBLEM_MEDIA_TYPE

#: The versioned API and the gateways beside it (/api/sdmx, ...): one error model for all.
PREFIX = "/api/"
SECURITY_SCHEME = "bearer"

#: Operations that resolve the caller but never refuse one who is authenticated.
NEVER_FORBIDDEN: frozenset[tuple[str, str]] = frozenset({("GET", "/api/v1/users/me")})

DESCRIPTIONS: dict[int, str] = {
    400: "Bad request: a malformed Idempotency-Key header or a body that cannot be decoded",
    401: "Unauthenticated: the bearer token is missing, malformed, unknown, revoked or expired",
    403: "Forbidden: the caller's role or state may not do this",
    404: "Not found: nothing with this id (or not visible to the caller)",
    409: "Conflict: the state of the resource forbids it, or a request with this "
    "Idempotency-Key is still being processed",
    413: "Content too large: the body is over the size limit",
    415: "Unsupported media type: the upload's format is not one this route reads",
    422: "Invalid input: the problem names each offending field",
}


class ProblemFieldError(BaseModel):
    """One offending field (or row/column) of the input."""

    field: str = Field(description="Where: a parameter, a dotted body path or a row/column")
    message: str
    value: Any = Field(default=None, description="The value refused, when it can be echoed")


class Problem(BaseModel):
    """An RFC 9457 problem document: how every error of this API is answered."""

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str
    instance: str | None = Field(default=None, description="The path of the request")
    errors: list[ProblemFieldError] = Field(default_factory=list)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def statuses_for(
    route: Any, method: str, operation: dict[str, Any], schemas: dict[str, Any]
) -> set[int]:
    """The problem statuses ``route`` can answer to ``method``, from its dependencies."""
    calls = set(_calls(route.dependant))
    codes: set[int] = set()
    if get_principal in calls or get_optional_principal in calls:
        codes.add(401)
        if (method, route.path_format) not in NEVER_FORBIDDEN:
            codes.add(403)
    if _flat(route.dependant, "path_params") or _names_an_id(operation, schemas):
        codes.add(404)
    # A body read by the route itself (CAP's XML) is declared in openapi_extra, so look there too.
    takes_body = "requestBody" in operation
    if takes_body:
        codes |= {400, 413}  # 400: a body that cannot even be decoded
    if method == "POST":
        codes |= {400, 409}
    if takes_body or operation.get("parameters"):
        codes.add(422)
    return codes


def _names_an_id(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether the query or JSON body refers to other records (``*_id``, ``*_ids``)."""
    content = operation.get("requestBody", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    names = list(schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}))
    names += [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    return any(name.endswith(("_id", "_ids")) for name in names)


def _flat(dependant: Dependant, kind: str) -> list[Any]:
    fields = list(getattr(dependant, kind))
    for sub in dependant.dependencies:
        fields.extend(_flat(sub, kind))
    return fields


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _declare(operation: dict[str, Any], codes: set[int]) -> None:
    responses = operation.setdefault("responses", {})
    for code in codes:
        responses.setdefault(str(code), {"description": DESCRIPTIONS[code]})
    operation["responses"] = responses = dict(sorted(responses.items()))
    for code, response in responses.items():
        if code.startswith("4"):
            framework = response.get("description") in (None, "", "Validation Error")
            # A gateway's own error format (FHIR's OperationOutcome) stays declared beside the
            # problem document; FastAPI's default 422 body is never what we answer.
            own = {} if framework else dict(response.get("content", {}))
            own.pop("application/json", None)
            response["content"] = {**own, **_problem_content()}
            if framework:
                response["description"] = DESCRIPTIONS.get(int(code), "Client error")
    if "401" in responses:
        responses["401"]["headers"] = {
            "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}
        }


def _idempotency_header(operation: dict[str, Any]) -> None:
    parameters = operation.setdefault("parameters", [])
    if any(p.get("name", "").lower() == "idempotency-key" for p in parameters):
        return
    parameters.append(
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Retry-safe POST: a retry with the same key gets the first response",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
        }
    )


def _add_components(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    generated = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(generated.pop("$defs", {}))
    schemas["Problem"] = generated
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: 'Authorization: Bearer TOKEN' (see POST /api/v1/users)",
    }


def annotate(schema: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Declare the problem responses, the bearer scheme and Idempotency-Key on ``schema``."""
    _add_components(schema)
    schemas = schema["components"]["schemas"]
    paths = schema.get("paths", {})
    for route in iter_route_contexts(routes):  # also the routes of included routers
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        if not route.path_format.startswith(PREFIX):
            continue
        calls = set(_calls(route.dependant))
        for method in sorted(route.methods):
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            if method == "POST":
                _idempotency_header(operation)
            _declare(operation, statuses_for(route, method, operation, schemas))
            if get_principal in calls:
                operation["security"] = [{SECURITY_SCHEME: []}]
            elif get_optional_principal in calls:
                operation["security"] = [{}, {SECURITY_SCHEME: []}]
    return schema


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and /openapi.json) answer the annotated document."""
    generate = app.openapi
    done: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI caches it until the routes change
        if not done or done[0] is not schema:
            annotate(schema, app.routes)
            done[:] = [schema]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
