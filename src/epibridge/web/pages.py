"""Server-rendered pages of the browser UI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from epibridge.db import read_session, utcnow
from epibridge.members import service, views

_HERE = Path(__file__).parent


def mount(app: FastAPI) -> None:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    templates = Jinja2Templates(env=environment)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, on: date | None = None) -> HTMLResponse:
        day = on or utcnow().date()
        with read_session(app.state.sessions) as session:
            organization = service.get_organization(session)
            members = [
                views.state_read(item)
                for item in service.list_states(session, on=day, status="member")
            ]
            others = [
                views.state_read(item)
                for item in service.list_states(session, on=day)
                if item.status != "member"
            ]
            chair = service.chair_on(session, on=day)
            chair_name = service.get_state(session, iso3=chair.state_iso3).name() if chair else None
        return templates.TemplateResponse(
            request,
            "home.html",
            {
                "organization": organization,
                "members": members,
                "others": others,
                "day": day,
                "chair_name": chair_name,
            },
        )
