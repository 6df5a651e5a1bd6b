"""The OpenAPI document tells the truth about errors: what is declared is what is answered.

Clients (and the fuzzer, tests/api/test_fuzz.py) generate code and checks from /openapi.json,
so every problem status an operation can answer must be declared there with the schema the
body really has.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema_rs
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.app import create_app
from epibridge.settings import Settings
from tests.helpers import bearer, make_user
from tests.support.server import live_server

PROBLEM = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document, generated once for the tests that read it (seconds each time)."""
    path = tmp_path_factory.mktemp("openapi") / "x.db"
    settings = Settings(database_url=f"sqlite:///{path}", secret_key="test-secret")
    return create_app(settings).openapi()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1")
        for method, operation in item.items()
    ]


def test_every_operation_declares_its_problems(spec: dict[str, Any]) -> None:
    operations = _operations(spec)
    assert len(operations) > 100
    missing: list[str] = []
    for method, path, operation in operations:
        responses = operation["responses"]
        takes_input = bool(operation.get("parameters")) or "requestBody" in operation
        authenticated = {"bearer": []} in operation.get("security", [])
        needs = {"422"} if takes_input else set()
        if authenticated:
            needs.add("401")
        if "{" in path:
            needs.add("404")
        if "requestBody" in operation:
            needs.add("413")
        missing.extend(f"{method} {path}: {code}" for code in sorted(needs - set(responses)))
        for code, response in responses.items():
            if code.startswith("4"):
                schema = response.get("content", {}).get(PROBLEM, {}).get("schema")
                if schema != {"$ref": PROBLEM_REF} or set(response["content"]) != {PROBLEM}:
                    missing.append(f"{method} {path}: {code} without the problem schema")
    assert missing == []


def test_private_routes_need_the_bearer_scheme(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    operation = spec["paths"]["/api/v1/audit"]["get"]
    assert operation["security"] == [{"bearer": []}]
    assert set(operation["responses"]) >= {"200", "401", "403", "422"}
    public = spec["paths"]["/api/v1/states"]["get"]
    assert "security" not in public and "401" not in public["responses"]
    feed = spec["paths"]["/api/v1/feeds/{audience}.atom"]["get"]
    assert feed["security"] == [{}, {"bearer": []}]


def test_fastapi_validation_schema_is_gone(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert "HTTPValidationError" not in str(spec["paths"])
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "instance", "errors"}
    assert set(schemas["ProblemFieldError"]["properties"]) == {"field", "message", "value"}


def test_posts_declare_the_idempotency_key(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        if method != "POST":
            continue
        names = [p["name"] for p in operation.get("parameters", [])]
        assert "Idempotency-Key" in names, path
        assert {"400", "409", "422"} <= set(operation["responses"]), path


def _check_against_spec(spec: dict[str, Any], method: str, path: str, response: Any) -> None:
    """The status is declared for the operation and the body validates against its schema."""
    declared = spec["paths"][path][method.lower()]["responses"]
    code = str(response.status_code)
    assert code in declared, f"{method} {path} answered undeclared {code}"
    media_type = response.headers["content-type"].split(";")[0]
    content = declared[code]["content"]
    assert media_type in content
    root = {"components": spec["components"], **content[media_type]["schema"]}
    jsonschema_rs.validator_for(root).validate(response.json())


def test_real_errors_validate_against_the_declared_schema(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    secretariat = make_user(sessions, "sec", "secretariat")
    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    small = settings.model_copy(update={"max_body_bytes": 4096})
    with live_server(small) as base:
        spec = httpx.get(f"{base}/openapi.json", timeout=60).json()
        cases: list[tuple[str, str, dict[str, Any], int]] = [
            ("GET", "/api/v1/audit", {}, 401),
            ("GET", "/api/v1/audit", {"headers": bearer("not-a-token")}, 401),
            ("GET", "/api/v1/audit", {"headers": bearer(fp)}, 403),
            ("GET", "/api/v1/audit", {"headers": bearer(secretariat), "params": {"limit": 0}}, 422),
            ("GET", "/api/v1/notifications/{event_id}", {"headers": bearer(secretariat)}, 404),
            ("GET", "/api/v1/states/{iso3}", {}, 404),
            (
                "POST",
                "/api/v1/users",
                {"headers": bearer(secretariat), "content": b'{"name": '},
                422,
            ),
            (
                "POST",
                "/api/v1/users",
                {"headers": bearer(secretariat), "json": {"name": "x" * 8000}},
                413,
            ),
            (
                "POST",
                "/api/v1/users",
                {"headers": {**bearer(secretariat), "Idempotency-Key": "k" * 300}, "json": {}},
                400,
            ),
        ]
        concrete = {"{event_id}": "999999", "{iso3}": "XXX"}
        for method, path, kwargs, status in cases:
            url = path
            for name, value in concrete.items():
                url = url.replace(name, value)
            response = httpx.request(method, base + url, **kwargs)
            assert response.status_code == status, (method, url, response.text)
            _check_against_spec(spec, method, path, response)


def test_a_conflict_validates_against_the_declared_schema(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    admin = make_user(sessions, "admin", "admin")
    spec = httpx.get(f"{live_url}/openapi.json", timeout=60).json()
    payload = {"name": "fp-rus", "role": "focal_point", "state": "RUS"}
    first = httpx.post(f"{live_url}/api/v1/users", json=payload, headers=bearer(admin))
    assert first.status_code == 201
    again = httpx.post(f"{live_url}/api/v1/users", json=payload, headers=bearer(admin))
    assert again.status_code == 409
    _check_against_spec(spec, "POST", "/api/v1/users", again)


def test_declared_security_is_enforced(live_url: str) -> None:
    """Every operation that declares the bearer scheme as required refuses an anonymous call."""
    spec = httpx.get(f"{live_url}/openapi.json", timeout=60).json()
    let_through: list[str] = []
    with httpx.Client(base_url=live_url, timeout=30) as client:
        for method, path, operation in _operations(spec):
            if operation.get("security") != [{"bearer": []}]:
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = client.request(method, url)
            if response.status_code != 401:
                let_through.append(f"{method} {path}: {response.status_code}")
            else:
                assert response.headers["www-authenticate"] == "Bearer"
                _check_against_spec(spec, method, path, response)
    assert let_through == []
