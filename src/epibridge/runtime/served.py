"""The application as ``epibridge serve`` runs it: with the worker and the scheduler beside it."""

from __future__ import annotations

from fastapi import FastAPI

from epibridge.runtime.background import BackgroundOptions
from epibridge.settings import Settings


def create_served_app(settings: Settings | None = None) -> FastAPI:
    """Build the app with the background components ``settings`` ask for (the environment's
    when omitted: each process of ``serve --workers N`` builds its own)."""
    from epibridge.app import create_app

    settings = settings or Settings()
    return create_app(settings, background=BackgroundOptions.from_settings(settings))
