"""Helpers for Chromium tests: sign a person in, watch for CSP breaks and outside requests,
and write screenshots where the user guides find them.

Screenshots go to ``<artifacts>/screenshots/<lang>/<name>.png`` (``Site.shoot``); the user guides
in ``docs/guide/`` name them by that path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import make_user

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-1"
LOCALES = {"en": "en-GB", "ru": "ru-RU", "zh": "zh-CN"}
SIGN_IN = {"en": "Sign in", "ru": "Войти", "zh": "登录"}

#: Reports every Content-Security-Policy violation of a page, before any page script runs.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  var where = location.pathname + ": " + e.violatedDirective;
  window.__reportCsp(where + " " + (e.blockedURI || "inline"));
});
"""


def watch_csp(context: BrowserContext) -> list[str]:
    """Collect the CSP violations of every page of ``context`` (DOM events and console)."""
    found: list[str] = []
    context.csp = found  # type: ignore[attr-defined]
    context.expose_function("__reportCsp", lambda text: found.append(text))
    context.add_init_script(CSP_LISTENER)

    def on_page(page: Page) -> None:
        page.on(
            "console",
            lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
        )

    context.on("page", on_page)
    return found


@dataclass
class Site:
    """A live server, its database sessions and the shared Chromium."""

    base: str
    sessions: sessionmaker[Session]
    browser: Browser
    shots: Path
    contexts: list[BrowserContext] = field(default_factory=list)

    def user(self, name: str, role: str, state: str | None = None) -> str:
        """Create an account with the test password; return its name."""
        make_user(self.sessions, name, role, state, password=PASSWORD)
        return name

    def sign_in(self, name: str, *, lang: str = "en", width: int = 1280) -> Page:
        """A new browser context signed in as ``name``, reading in ``lang``.

        The page records requests to any other host (``page.outside``) and CSP violations
        (``page.context.csp``); ``close`` asserts both stayed empty.
        """
        context = self.browser.new_context(
            viewport={"width": width, "height": 900}, locale=LOCALES[lang]
        )
        outside: list[str] = []
        base = self.base
        context.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
        watch_csp(context)
        self.contexts.append(context)
        page = context.new_page()
        page.outside = outside  # type: ignore[attr-defined]
        page.goto(f"{self.base}/login?lang={lang}")
        page.locator("input[name=name]").fill(name)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name=SIGN_IN[lang]).click()
        expect(page.locator("header .user")).to_contain_text(name)
        return page

    def go(self, page: Page, path: str) -> Page:
        """Open ``path`` on the site and check it answered 200."""
        response = page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        return page

    def shoot(self, page: Page, name: str) -> Path:
        """A full-page screenshot in ``screenshots/<page language>/<name>.png``."""
        lang = page.locator("html").get_attribute("lang") or "en"
        folder = self.shots / lang
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        """Close every context; fail if a page reached another host or broke the CSP."""
        problems = []
        for context in self.contexts:
            for page in context.pages:
                problems += [f"outside request: {u}" for u in getattr(page, "outside", [])]
            problems += [f"CSP: {v}" for v in getattr(context, "csp", [])]
            context.close()
        self.contexts.clear()
        assert problems == [], problems
