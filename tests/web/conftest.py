"""Browser fixtures shared by every Chromium test of the web UI.

One Chromium per test session (starting it costs more than most tests); each test gets its own
database and live server (``site``) and its own browser contexts, so nothing leaks between tests.
Browser tests run on SQLite only: what they check (pages, forms, scripts) does not depend on the
database, which the HTTP page tests cover on both backends.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import create_db_engine, make_sessionmaker
from epibridge.settings import Settings
from tests.support.server import live_server
from tests.web.browsing import ARGS, CHROMIUM, Site


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def site_settings(sqlite_template: Path, tmp_path: Path) -> Settings:
    path = tmp_path / "browser.db"
    shutil.copyfile(sqlite_template, path)
    shutil.copytree(sqlite_template.parent / "var", tmp_path / "var", dirs_exist_ok=True)
    return Settings(
        database_url=f"sqlite:///{path}", var_dir=tmp_path / "var", secret_key="browser-test"
    )


@pytest.fixture
def site(site_settings: Settings) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """A live server on a fresh SQLite database, and sessions on that database."""
    engine = create_db_engine(site_settings.database_url)
    try:
        with live_server(site_settings) as base:
            yield base, make_sessionmaker(engine, audit=audit.trail_for(site_settings))
    finally:
        engine.dispose()


@pytest.fixture
def web(
    site: tuple[str, sessionmaker[Session]], browser: Browser, artifacts_dir: Path
) -> Iterator[Site]:
    """The site with helpers to sign people in and take screenshots (see ``browsing.Site``)."""
    base, sessions = site
    shots = artifacts_dir / "screenshots"
    helper = Site(base=base, sessions=sessions, browser=browser, shots=shots)
    try:
        yield helper
    finally:
        helper.close()
