"""The forms of assistance and consultations say pydantic's refusals in the reader's language,
in the one vocabulary of pydantic errors (``validation_messages``) the API speaks too: a field
too long, a version below one, in Russian and Chinese, through the real app over HTTP."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.validation_messages import field_error
from tests.helpers import make_user
from tests.web.test_consultation_pages import _seed
from tests.web.test_pages import PASSWORD, _csrf, _sign_in

LANGS = ("ru", "zh")


def _listed(page: str) -> dict[str, str]:
    """The problems a refused form lists: each field's label and its message."""
    found = re.findall(r"<li><strong>(.*?)</strong>: (.*?)</li>", page)
    return {html.unescape(label): html.unescape(message) for label, message in found}


def _said(kind: str, lang: str, **ctx: object) -> str:
    """pydantic's ``kind`` of error as ``validation_messages`` says it in ``lang``."""
    return field_error({"type": kind, "loc": ("field",), "ctx": ctx}).message_in(lang)


def _post(client: httpx.Client, path: str, lang: str, data: dict[str, str]) -> httpx.Response:
    form = client.get(path, params={"lang": lang}).text
    return client.post(path, params={"lang": lang}, data={"csrf_token": _csrf(form), **data})


@pytest.mark.parametrize("lang", LANGS)
def test_an_assistance_request_too_long_is_said_in_the_readers_language(
    live_url: str, sessions: sessionmaker[Session], lang: str
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    kaz = _sign_in(live_url, "fp-kaz")
    posted = _post(
        kaz,
        "/assistance/requests/new",
        lang,
        {
            "state": "KAZ",
            "urgency": "immediate",
            "delivery_point": "Astana (synthetic) " + "x" * 300,
            "needed_by": "2099-01-01",
            "line-0-item": "ppe-gloves",
            "line-0-quantity": "100",
            "note": "",
        },
    )
    assert posted.status_code == 422, posted.text[:500]
    listed = _listed(posted.text)
    label = {"ru": "Пункт доставки", "zh": "交付地点"}[lang]
    expected = _said("string_too_long", lang, max_length=300)
    assert listed.get(label) == expected, listed
    # The reader's words, not pydantic's English, with the limit of the field.
    assert "300" in expected and expected != _said("string_too_long", "en", max_length=300)
    # Nothing else was wrong.
    assert list(listed) == [label]


@pytest.mark.parametrize("lang", LANGS)
def test_a_consultation_form_says_pydantic_refusals_in_the_readers_language(
    live_url: str, sessions: sessionmaker[Session], lang: str
) -> None:
    cid, did, _ = _seed(sessions)
    make_user(sessions, "sec", "secretariat", password=PASSWORD)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    # A topic too long on the convening form.
    sec = _sign_in(live_url, "sec")
    convened = _post(sec, "/consultations/new", lang, {"topic": "T" * 301, "participants": "KAZ"})
    assert convened.status_code == 422, convened.text[:500]
    topic = {"ru": "Тема", "zh": "议题"}[lang]
    too_long = _said("string_too_long", lang, max_length=300)
    assert _listed(convened.text) == {topic: too_long}
    # A negative version on a position: pydantic's bound, said in the reader's words.
    kaz = _sign_in(live_url, "fp-kaz")
    path = f"/consultations/{cid}/documents/{did}"
    page = kaz.get(path, params={"lang": lang}).text
    position = kaz.post(
        f"{path}/position",
        params={"lang": lang},
        data={"csrf_token": _csrf(page), "state": "KAZ", "version": "-2", "position": "support"},
    )
    assert position.status_code == 422, position.text[:500]
    at_least_one = _said("greater_than_equal", lang, ge=1)
    assert at_least_one in _listed(position.text).values(), _listed(position.text)
    assert at_least_one != _said("greater_than_equal", "en", ge=1)
