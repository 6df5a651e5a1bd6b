"""Search over real HTTP, on both backends, the page and GET /api/v1/search alike: each reader
finds only what it may read, pages walk every hit once, bad input names its parameter."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import bearer, make_user
from tests.search.seed import build
from tests.web.test_pages import PASSWORD, _sign_in


def _links(html: str) -> list[str]:
    return re.findall(
        r'<li class="hit \w+">\s*<span class="tag">[^<]*</span>\s*<a href="([^"]+)"', html
    )


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
    kaz = _sign_in(live_url, "fp-kaz").get("/search", params={"q": "cholera"})
    rus = _sign_in(live_url, "fp-rus").get("/search", params={"q": "cholera", "lang": "ru"})
    observer = _sign_in(live_url, "obs-mng").get("/search", params={"q": "cholera"})
    assert kaz.status_code == rus.status_code == observer.status_code == 200
    draft = f"/notifications/{world.draft}"
    assert draft in _links(kaz.text) and draft not in _links(rus.text)
    assert "Synthetic draft: cholera in Shymkent" not in rus.text
    assert f"/consultations/{world.consultation}" in _links(rus.text)
    assert "/data/curve?state=KAZ" in _links(rus.text)  # the signal, on its series' curve
    assert "Сигнал обнаружения" in rus.text and "Консультация" in rus.text
    assert _links(observer.text) == [f"/notifications/{world.shared}", "/assistance?state=KGZ"]
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
