"""Problem documents in the client's language (issue 14 contract): a request with
``Accept-Language: ru`` (or ``zh``) that fails gets ``title``, ``detail`` and
``errors[].message`` in that language, with the parameters of each message filled in;
request validation (pydantic's error types) and the services' errors alike. English stays the
default, and what a program reads (``type``, ``status``, ``errors[].field``) never changes.
Over real HTTP, on both backends."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.borders import service as borders
from epibridge.borders.models import Crossing
from epibridge.borders.service.crossings import REGISTRY_ACTOR
from epibridge.db import write_session
from tests.helpers import bearer, make_user
from tests.web.test_pages import PASSWORD, _csrf, _sign_in

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
HAN = re.compile(r"[\u4e00-\u9fff]")
SCRIPT = {"ru": CYRILLIC, "zh": HAN}


def _problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.fixture
def admin(sessions: sessionmaker[Session]) -> dict[str, str]:
    return bearer(make_user(sessions, "admin", "admin"))


BAD_USER = {"name": "x" * 80, "role": "emperor", "state": 42, "extra": True}


def test_request_validation_in_russian(live_url: str, admin: dict[str, str]) -> None:
    response = httpx.post(
        f"{live_url}/api/v1/users", json=BAD_USER, headers={**admin, "Accept-Language": "ru"}
    )
    problem = _problem(response, 422)
    assert response.headers["content-language"] == "ru"
    assert problem["title"] == "Неверные данные"
    assert problem["type"].endswith("/invalid-input") and problem["status"] == 422
    assert problem["detail"].startswith("запрос неверен (")
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    # string_too_long with its ctx parameter, enum with its choices, string_type, extra_forbidden
    assert messages["name"] == "Максимальная длина строки — 64 симв."
    assert (
        messages["role"]
        == "Ожидается 'focal_point', 'secretariat', 'observer', 'admin' или 'system'"
    )
    assert messages["state"] == "Ожидается строка"
    assert messages["extra"] == "Лишние поля не допускаются"
    assert all(CYRILLIC.search(m) for m in messages.values()), messages


def test_missing_field_and_query_parsing_in_chinese(live_url: str, admin: dict[str, str]) -> None:
    headers = {**admin, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    missing = _problem(httpx.post(f"{live_url}/api/v1/users", json={}, headers=headers), 422)
    assert missing["title"] == "输入无效" and missing["detail"].startswith("请求无效（")
    assert {e["field"]: e["message"] for e in missing["errors"]} == {
        "name": "必填字段",
        "role": "必填字段",
    }
    parsing = _problem(
        httpx.get(f"{live_url}/api/v1/notifications", params={"limit": "many"}, headers=headers),
        422,
    )
    assert [e["field"] for e in parsing["errors"]] == ["limit"]
    assert parsing["errors"][0]["message"] == "应为有效的整数，无法将字符串解析为整数"


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_service_errors_with_parameters(live_url: str, admin: dict[str, str], lang: str) -> None:
    headers = {**admin, "Accept-Language": lang}
    # InvalidInput raised by the accounts service, its detail a message id with {role}
    unbound = {"name": "fp-nowhere", "role": "focal_point"}
    problem = _problem(httpx.post(f"{live_url}/api/v1/users", json=unbound, headers=headers), 422)
    expected = {
        "ru": ("роль focal_point должна быть привязана к государству", "обязательно для этой роли"),
        "zh": ("角色 focal_point 必须绑定到一个国家", "该角色必填"),
    }[lang]
    assert (problem["detail"], problem["errors"][0]["message"]) == expected
    assert problem["errors"][0]["field"] == "state"
    # NotFound with the id as its parameter, and its title
    missing = _problem(httpx.get(f"{live_url}/api/v1/signals/987654", headers=headers), 404)
    assert "987654" in missing["detail"] and SCRIPT[lang].search(missing["detail"])
    assert missing["title"] == {"ru": "Не найдено", "zh": "未找到"}[lang]
    # the paging helper's refusal (a domain error raised before any service runs)
    cursor = _problem(
        httpx.get(f"{live_url}/api/v1/notifications", params={"cursor": "nope"}, headers=headers),
        422,
    )
    assert cursor["errors"][0]["field"] == "cursor"
    assert SCRIPT[lang].search(cursor["detail"]) and SCRIPT[lang].search(
        cursor["errors"][0]["message"]
    )


def test_english_stays_the_default(live_url: str, admin: dict[str, str]) -> None:
    for headers in ({}, {"Accept-Language": "de-DE, fr;q=0.5"}, {"Accept-Language": "*"}):
        response = httpx.post(f"{live_url}/api/v1/users", json={}, headers={**admin, **headers})
        problem = _problem(response, 422)
        assert response.headers["content-language"] == "en"
        assert problem["title"] == "Invalid input"
        assert problem["detail"] == "the request is not valid (name, role)"
        assert [e["message"] for e in problem["errors"]] == ["Field required", "Field required"]
    unbound = {"name": "fp-nowhere", "role": "focal_point"}
    problem = _problem(httpx.post(f"{live_url}/api/v1/users", json=unbound, headers=admin), 422)
    assert problem["detail"] == "role focal_point must be bound to a state"


def test_unauthenticated_and_unknown_route_in_russian(live_url: str) -> None:
    ru = {"Accept-Language": "ru", "Accept": "application/json"}
    denied = _problem(httpx.get(f"{live_url}/api/v1/users", headers=ru), 401)
    assert denied["title"] == "Требуется вход" and CYRILLIC.search(denied["detail"])
    assert denied["errors"][0] == {"field": "Authorization", "message": "отсутствует"}
    nowhere = _problem(httpx.get(f"{live_url}/api/v1/nowhere", headers=ru), 404)
    assert nowhere["title"] == "Не найдено" and nowhere["detail"] == "Не найдено"


def test_a_refused_permission_in_russian(live_url: str, sessions: sessionmaker[Session]) -> None:
    focal_point = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    response = httpx.get(
        f"{live_url}/api/v1/users", headers={**focal_point, "Accept-Language": "ru"}
    )
    problem = _problem(response, 403)
    assert problem["title"] == "Запрещено"
    assert problem["detail"] == "роли focal_point не разрешено действие administer"
    english = _problem(httpx.get(f"{live_url}/api/v1/users", headers=focal_point), 403)
    assert english["detail"] == "role focal_point may not administer"


@pytest.mark.parametrize(
    ("lang", "detail", "too_big", "not_whole"),
    [
        ("ru", "проверьте выделенные поля", "Значение должно быть не больше 4", "не целое число"),
        ("zh", "请检查突出显示的字段", "值必须小于或等于 4", "不是整数"),
    ],
)
def test_a_form_refused_on_a_page_says_why_in_the_pages_language(
    live_url: str,
    sessions: sessionmaker[Session],
    lang: str,
    detail: str,
    too_big: str,
    not_whole: str,
) -> None:
    with write_session(sessions) as session:
        borders.load_registry(session, actor=REGISTRY_ACTOR)
        crossing_id = session.execute(
            select(Crossing.id).where(Crossing.code == "KAZ-CHN-khorgos-road")
        ).scalar_one()
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    page = client.get(f"/borders/crossings/{crossing_id}", params={"lang": lang})
    form = {"side": "KAZ", "direction": "outbound", "traffic": "freight", "status": "closed"}
    bad_level = client.post(
        f"/borders/crossings/{crossing_id}/status",
        data={"csrf_token": _csrf(page.text), **form, "measures_c8": "9"},
    )
    assert bad_level.status_code == 422
    # the summary links each field (by its translated label) and says what is wrong with it
    assert detail in bad_level.text
    assert '<a href="#measures_c8">' in bad_level.text and f"</a>: {too_big}</li>" in bad_level.text
    bad_wait = client.post(
        f"/borders/crossings/{crossing_id}/status",
        data={"csrf_token": _csrf(page.text), **form, "wait_minutes": "soon"},
    )
    assert bad_wait.status_code == 422 and '<a href="#wait_minutes">' in bad_wait.text
    assert f"</a>: {not_whole}</li>" in bad_wait.text
