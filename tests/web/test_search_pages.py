"""Search over real HTTP, on both backends, the page and GET /api/v1/search alike: each reader
finds only what it may read, each hit links to its own page, pages walk every hit once, bad
input names its parameter."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.detection import service as detection
from tests.helpers import OPERATOR, bearer, make_user
from tests.search.seed import build
from tests.web.test_pages import PASSWORD, _sign_in

HIT = re.compile(
    r'<li class="hit \w+">\s*<span class="tag">[^<]*</span>\s*<a href="([^"]+)">([^<]*)<'
)


def _links(html: str) -> list[str]:
    return [href for href, _ in HIT.findall(html)]


def _heading(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found, html[:300]
    return found.group(1)


def test_the_page_shows_each_reader_what_it_may_read(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    world = build(sessions)
    for name, role, state in (
        ("fp-kaz", "focal_point", "KAZ"),
        ("fp-rus", "focal_point", "RUS"),
        ("obs-mng", "observer", "MNG"),
    ):
        make_user(sessions, name, role, state, password=PASSWORD)
    reader = _sign_in(live_url, "fp-kaz")
    kaz = reader.get("/search", params={"q": "cholera"})
    rus = _sign_in(live_url, "fp-rus").get("/search", params={"q": "cholera", "lang": "ru"})
    observer = _sign_in(live_url, "obs-mng").get("/search", params={"q": "cholera"})
    assert kaz.status_code == rus.status_code == observer.status_code == 200
    draft = f"/notifications/{world.draft}"
    assert draft in _links(kaz.text) and draft not in _links(rus.text)
    assert "Synthetic draft: cholera in Shymkent" not in rus.text
    assert f"/consultations/{world.consultation}" in _links(rus.text)
    with read_session(sessions) as session:
        signals = detection.list_signals(session, principal=OPERATOR, state="KAZ").items
    assert len(signals) == world.signals > 0
    assert {f"/signals/{s.id}" for s in signals} <= set(_links(rus.text))  # each to its page
    assert f"/assistance/requests/{world.request}" in _links(rus.text)
    assert "Сигнал обнаружения" in rus.text and "Консультация" in rus.text
    assert _links(observer.text) == [
        f"/notifications/{world.shared}",
        f"/assistance/requests/{world.request}",
    ]
    # Every link opens the page of the record it names: by its title, or a signal or request
    # (whose title is made of its contents) by its number.
    hits = HIT.findall(kaz.text)
    assert len({link.split("/")[1] for link, _ in hits}) == 4  # every kind
    for link, title in hits:
        shown = reader.get(link)
        assert shown.status_code == 200, (link, shown.status_code)
        number = link.rsplit("/", 1)[1]
        named = {"signals": f"Signal #{number}:", "requests": f"Request #{number}:"}
        assert named.get(link.split("/")[-2], title) in _heading(shown.text), link
    none = _sign_in(live_url, "fp-rus").get("/search", params={"q": "Shymkent", "lang": "en"})
    assert "Nothing you may read matches “Shymkent”." in none.text
    short = _sign_in(live_url, "fp-rus").get("/search", params={"q": "x", "lang": "zh"})
    assert short.status_code == 422 and "<strong>q</strong>" in short.text
    assert "请至少输入两个字符进行搜索。" in short.text
    empty = _sign_in(live_url, "fp-rus").get("/search")
    assert empty.status_code == 200 and 'role="search"' in empty.text


def test_the_api_pages_and_refuses_like_every_list(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    world = build(sessions)
    token = make_user(sessions, "sec", "secretariat")
    observer = make_user(sessions, "obs-mng", "observer", "MNG")
    url = f"{live_url}/api/v1/search"
    everything = httpx.get(url, params={"q": "cholera", "limit": 50}, headers=bearer(token))
    assert everything.status_code == 200, everything.text
    all_hits = [(h["kind"], h["id"]) for h in everything.json()["items"]]
    assert len(all_hits) == 6 and everything.json()["next_cursor"] is None
    walked, cursor = [], None
    while True:
        params = {"q": "cholera", "limit": 4, **({"cursor": cursor} if cursor else {})}
        page = httpx.get(url, params=params, headers=bearer(token)).json()
        walked += [(h["kind"], h["id"]) for h in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == all_hits
    first = everything.json()["items"][0]
    assert httpx.get(live_url + first["api_path"], headers=bearer(token)).status_code == 200
    seen = httpx.get(url, params={"q": "cholera"}, headers=bearer(observer)).json()["items"]
    assert [(h["kind"], h["id"]) for h in seen] == [
        ("event", world.shared),
        ("request", world.request),
    ]
    assert (
        httpx.get(
            url, params={"q": "cholera", "kind": "signal"}, headers=bearer(observer)
        ).status_code
        == 403
    )
    for params, field in (
        ({"q": "x"}, "q"),
        ({}, "q"),
        ({"q": "cholera", "kind": "lane"}, "kind"),
        ({"q": "cholera", "cursor": "forged"}, "cursor"),
        ({"q": "cholera", "limit": 0}, "limit"),
    ):
        refused = httpx.get(url, params=params, headers={**bearer(token), "Accept-Language": "en"})
        assert refused.status_code == 422, (params, refused.status_code)
        assert refused.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in refused.json()["errors"]], refused.json()
    assert httpx.get(url, params={"q": "cholera"}).status_code == 401
