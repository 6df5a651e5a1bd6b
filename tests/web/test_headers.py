"""Security headers on every HTML response, a per-response CSP nonce, HSTS only over HTTPS,
and templates that need no inline script or style (so the policy can forbid them)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy.orm import Session, sessionmaker

from epibridge import charts
from epibridge.web import headers
from tests.helpers import bearer, make_user

TEMPLATES = Path(headers.__file__).parent / "templates"
PASSWORD = "correct-horse-1"


def test_templates_have_no_inline_handlers_styles_or_scripts_without_nonce() -> None:
    found = []
    for template in TEMPLATES.rglob("*.html"):
        html = template.read_text(encoding="utf-8")
        found += [f"{template.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", html)]
        found += [f"{template.name}: style=" for _ in re.findall(r"\sstyle\s*=", html)]
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
            if "src=" not in tag and 'nonce="{{ csp_nonce }}"' not in tag:
                found.append(f"{template.name}: {tag}")
    assert not found, found
    for module in Path(charts.__file__).parent.glob("chart*.py"):  # charts and its two parts
        assert "style=" not in module.read_text(encoding="utf-8"), module.name


def _csp(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[-1] for d in policy.split("; ")}


def test_every_html_response_has_the_headers(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    token = make_user(sessions, "secretariat", "secretariat")
    client = httpx.Client(base_url=live_url)
    nonces = set()
    for path in ("/login", "/", "/states", "/borders", "/login?lang=ru", "/notifications"):
        response = client.get(path, follow_redirects=True)
        assert response.headers["content-type"].startswith("text/html"), path
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in response.headers  # plain HTTP
        policy = _csp(response)
        assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9_-]+)'", policy["script-src"])
        assert nonce and policy["style-src"] == policy["script-src"], policy
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        nonces.add(nonce.group(1))
    assert len(nonces) == 6  # a fresh nonce per response

    api = httpx.get(f"{live_url}/api/v1/states", headers=bearer(token))
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers  # JSON is not rendered

    # The API docs load nothing from elsewhere (issue 14): /docs is under the page policy,
    # /redoc allows inline styles (ReDoc writes them) but no inline script and no other host.
    docs = httpx.get(f"{live_url}/docs")
    assert docs.status_code == 200
    policy = _csp(docs)
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]+'", policy["script-src"]), policy
    assert "unsafe-inline" not in docs.headers["content-security-policy"]
    assert policy["frame-ancestors"] == "'none'"
    redoc = _csp(httpx.get(f"{live_url}/redoc"))
    assert redoc["script-src"] == "'self'" and redoc["style-src"] == "'self' 'unsafe-inline'"
    assert redoc["frame-ancestors"] == "'none'"
    assert not any("http" in value for value in [*policy.values(), *redoc.values()])

    # Over HTTPS (here: a TLS-terminating proxy on this host, X-Forwarded-Proto) HSTS is sent.
    secure = httpx.get(f"{live_url}/login", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["strict-transport-security"].startswith("max-age=31536000")


def test_report_documents_get_a_no_script_policy() -> None:
    policy = headers.policy("/api/v1/reports/7/download", "n")
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'nonce-n'" in headers.policy("/reports", "n")
