"""The API documentation works with no network, and unknown addresses answer each client in
its own terms.

- ``/docs`` and ``/redoc`` name no other host: every ``src`` and ``href`` of their HTML is this
  site's, and each of those assets is served (from the fastapi-offline package);
- in Chromium with every request to another host aborted, Swagger UI lists every operation of
  the OpenAPI document and ReDoc renders it, with no request leaving the site;
- a browser asking for an unknown address gets an HTML page in its language (Accept-Language),
  an API client (an /api/ path, or JSON in Accept) the problem document.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Route, expect
from sqlalchemy.orm import Session, sessionmaker

from epibridge import i18n
from epibridge.web.pages import NO_PAGE
from tests.web.browsing import watch_csp

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href", "spec-url", "data-openapi") and v]


def links(page: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    return parser.urls


def test_docs_and_redoc_name_no_other_host(live_url: str) -> None:
    host = urlsplit(live_url).netloc
    for path, needed in (("/docs", 4), ("/redoc", 3)):
        page = httpx.get(live_url + path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        urls = links(page.text)
        assert len(urls) >= needed, urls  # the scripts, the stylesheet, the icon, the document
        for url in urls:
            absolute = urljoin(live_url + path, url)
            assert urlsplit(absolute).netloc == host, f"{path} names {url}"
            asset = httpx.get(absolute)
            assert asset.status_code == 200 and asset.content, url
        assert "http://" not in page.text and "https://" not in page.text
    bundle = httpx.get(live_url + "/docs/assets/swagger-ui-bundle.js")
    assert "javascript" in bundle.headers["content-type"] and len(bundle.content) > 500_000


def test_an_unknown_address_answers_browsers_with_a_page_and_api_clients_with_a_problem(
    live_url: str,
) -> None:
    for lang, title in (("ru", "Не найдено"), ("zh", "未找到"), ("en", "Not found")):
        page = httpx.get(
            f"{live_url}/no/such/page", headers={"Accept": BROWSER, "Accept-Language": lang}
        )
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["content-language"] == lang
        assert f'<html lang="{lang}"' in page.text and title in page.text
        assert i18n.translations(lang).gettext(NO_PAGE) in page.text
    assert (
        "По этому адресу нет страницы"
        in httpx.get(
            f"{live_url}/nowhere", headers={"Accept": BROWSER, "Accept-Language": "ru-RU,ru;q=0.9"}
        ).text
    )
    for path, accept in (
        ("/no/such/page", "application/json"),
        ("/no/such/page", "*/*"),
        ("/api/v1/no-such-route", BROWSER),
    ):
        problem = httpx.get(live_url + path, headers={"Accept": accept, "Accept-Language": "ru"})
        assert problem.status_code == 404, path
        assert problem.headers["content-type"] == "application/problem+json"
        assert problem.json()["status"] == 404 and problem.json()["instance"] == path


@pytest.mark.browser
def test_swagger_ui_and_redoc_render_with_other_hosts_blocked(
    site: tuple[str, sessionmaker[Session]], browser: Browser, artifacts_dir: Path
) -> None:
    base, _ = site
    # Swagger UI lists an operation under each of its tags.
    operations = sum(
        max(len(operation.get("tags", [])), 1)
        for item in httpx.get(base + "/openapi.json").json()["paths"].values()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    violations = watch_csp(context)
    elsewhere: list[str] = []

    def only_this_site(route: Route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_site)
    page = context.new_page()
    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)

    page.goto(base + "/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    expect(page.locator(".opblock")).to_have_count(operations)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/health")).to_be_visible()
    page.screenshot(path=str(shots / "api-docs.png"))
    assert violations == [] and elsewhere == []

    page.goto(base + "/redoc")
    title = page.get_by_role("heading", level=1, name=re.compile(r"^epibridge \("))
    expect(title).to_be_visible(timeout=20_000)
    tags = {
        tag
        for item in httpx.get(base + "/openapi.json").json()["paths"].values()
        for operation in item.values()
        for tag in operation.get("tags", [])
    }
    expect(page.get_by_role("menuitem", name="notifications", exact=True)).to_be_visible()
    assert len(tags) > 5 and page.get_by_role("menuitem").count() >= len(tags)
    page.screenshot(path=str(shots / "api-redoc.png"))
    assert elsewhere == []
    # Only ReDoc's footer logo (cdn.redoc.ly) is refused, and the page hides it.
    assert all("cdn.redoc.ly" in v for v in violations), violations

    # A dead link in a Russian browser: a Russian page, with the site's own navigation.
    response = page.goto(base + "/no/such/page")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Не найдено")
    expect(page.get_by_role("alert")).to_contain_text("По этому адресу нет страницы")
    context.close()
