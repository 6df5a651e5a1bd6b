"""More problem documents in the client's language (issue 14, point 6): the refusals whose
reasons used to be English sentences inside a translated frame. A disease code the ICD-10 check
refuses, a malformed JSON body (the json module's reason), a CAP alert refused by its parser or
the CAP 1.2 schema (libxml2's reason), and a serial interval R_t cannot use: each message in
Russian and Chinese with its values, the English unchanged. Over real HTTP, on both backends."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.api.test_problem_language import SCRIPT, _problem
from tests.helpers import bearer, make_user
from tests.notifications.factory import event_body

URL = "/api/v1/notifications"
ALERT = (
    Path(__file__).parents[1] / "notifications" / "fixtures" / "cap" / "Oasis_AmberAlert.xml"
).read_bytes()


@pytest.fixture
def kaz(sessions: sessionmaker[Session]) -> dict[str, str]:
    return bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))


@pytest.fixture
def system(sessions: sessionmaker[Session]) -> dict[str, str]:
    return {
        **bearer(make_user(sessions, "sys-kaz", "system", "KAZ")),
        "Content-Type": "application/xml",
    }


NOT_ICD10 = {
    "en": "'XYZ' is not an ICD-10 code: expected a letter, two digits and an optional "
    "subdivision (e.g. 'A00', 'A98.4', 'U07.1'), or 'unknown'",
    "ru": "'XYZ' — не код МКБ-10: ожидаются буква, две цифры и, при необходимости, подрубрика "
    "(например, 'A00', 'A98.4', 'U07.1') или 'unknown'",
    "zh": "'XYZ' 不是 ICD-10 代码：应为一个字母、两位数字及可选的细分（如 'A00'、'A98.4'、"
    "'U07.1'），或 'unknown'",
}
NOT_INFECTIOUS = {
    "en": "'Z99' is not an infectious-disease code: accepted are A00-B99, J09-J18, U04 and U07, "
    "or 'unknown'",
    "ru": "'Z99' — не код инфекционного заболевания: допускаются A00-B99, J09-J18, U04 и U07 "
    "или 'unknown'",
    "zh": "'Z99' 不是传染病代码：接受 A00-B99、J09-J18、U04 和 U07，或 'unknown'",
}


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
def test_a_refused_disease_code_in_the_clients_language(
    live_url: str, kaz: dict[str, str], lang: str
) -> None:
    headers = {**kaz, "Accept-Language": lang}
    # a notification's body (the service's check)
    created = _problem(
        httpx.post(live_url + URL, json=event_body(disease="Z99"), headers=headers), 422
    )
    assert {"field": "disease", "message": NOT_INFECTIOUS[lang], "value": "Z99"} in created[
        "errors"
    ]
    # the Annex 2 instrument (the detail is the reason itself)
    annex2 = _problem(
        httpx.get(f"{live_url}{URL}/annex2", params={"disease": "XYZ"}, headers=headers), 422
    )
    assert annex2["detail"] == NOT_ICD10[lang]
    assert annex2["errors"] == [{"field": "disease", "message": NOT_ICD10[lang], "value": "XYZ"}]
    # a series selection of the epidemic database
    series = _problem(
        httpx.get(
            f"{live_url}/api/v1/data/series",
            params={"state": "KAZ", "disease": "XYZ"},
            headers=headers,
        ),
        422,
    )
    assert {"field": "disease", "message": NOT_ICD10[lang], "value": "XYZ"} in series["errors"]


MALFORMED = {
    "en": "malformed JSON: Expecting value",
    "ru": "неверный JSON: ожидается значение",
    "zh": "JSON 格式错误：应为一个值",
}
NOT_A_PROPERTY = {
    "en": "malformed JSON: Expecting property name enclosed in double quotes",
    "ru": "неверный JSON: ожидается имя свойства в двойных кавычках",
    "zh": "JSON 格式错误：应为用双引号括起的属性名",
}


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
def test_a_malformed_json_body_says_why_in_the_clients_language(
    live_url: str, sessions: sessionmaker[Session], lang: str
) -> None:
    headers = {
        **bearer(make_user(sessions, "admin", "admin")),
        "Accept-Language": lang,
        "Content-Type": "application/json",
    }
    for body, expected in ((b'{"name": ', MALFORMED), (b'{"name": "x",}', NOT_A_PROPERTY)):
        problem = _problem(
            httpx.post(f"{live_url}/api/v1/users", content=body, headers=headers), 422
        )
        assert [e["message"] for e in problem["errors"]] == [expected[lang]], body
        if lang != "en":
            assert SCRIPT[lang].search(problem["detail"])


def _alert(**changes: bytes) -> bytes:
    """The OASIS example, sent by a Kazakh system, with some elements' texts replaced."""
    xml = ALERT.replace(b"<sender>hsas@dhs.gov</sender>", b"<sender>alerts@example.kz</sender>")
    for old, new in changes.items():
        xml = xml.replace(old.encode(), new)
    return xml


CAP_REFUSALS = {
    # the CAP 1.2 schema (libxml2's message, read back into its parts)
    "status": (
        {"<status>Actual</status>": b"<status>Rumour</status>"},
        "/alert/status",
        {
            "en": "line 8: Element 'status': [facet 'enumeration'] The value 'Rumour' is not an "
            "element of the set {'Actual', 'Exercise', 'System', 'Test', 'Draft'}.",
            "ru": "строка 8: элемент status: значение 'Rumour' не входит в набор {'Actual', "
            "'Exercise', 'System', 'Test', 'Draft'}",
            "zh": "第 8 行：元素 status：值 'Rumour' 不在集合 {'Actual', 'Exercise', 'System', "
            "'Test', 'Draft'} 之中",
        },
    ),
    "unexpected": (
        {"<status>": b"<bogus>x</bogus><status>"},
        "/alert/bogus",
        {
            "en": "line 8: Element 'bogus': This element is not expected. Expected is ( status ).",
            "ru": "строка 8: элемент bogus здесь не ожидается; ожидается: status",
            "zh": "第 8 行：此处不应出现元素 bogus；应为：status",
        },
    ),
    # a malformed document: the frame is translated, libxml2's own words are kept
    "malformed": (
        {"</identifier>": b"</identifer>"},
        None,
        {
            "en": "line 5: malformed XML: ",
            "ru": "строка 5: неверный XML: ",
            "zh": "第 5 行：XML 格式错误：",
        },
    ),
}


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
@pytest.mark.parametrize("case", sorted(CAP_REFUSALS))
def test_a_refused_cap_alert_says_why_in_the_clients_language(
    live_url: str, system: dict[str, str], lang: str, case: str
) -> None:
    changes, field, expected = CAP_REFUSALS[case]
    response = httpx.post(
        f"{live_url}{URL}/cap",
        content=_alert(**changes),
        headers={**system, "Accept-Language": lang},
    )
    problem = _problem(response, 422)
    assert (
        problem["detail"]
        == {
            "en": "the CAP alert is not valid CAP 1.2",
            "ru": "оповещение не соответствует CAP 1.2",
            "zh": "该警报不是有效的 CAP 1.2",
        }[lang]
    )
    first = problem["errors"][0]
    assert first["message"].startswith(expected[lang]), first
    if field is not None:
        assert first["field"] == field and first["message"] == expected[lang]


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_a_cap_time_without_offset_in_the_clients_language(
    live_url: str, system: dict[str, str], lang: str
) -> None:
    # The schema's pattern lets a references' time through: the parser refuses it.
    reference = b"<references>a@b.kz,x,2024-01-01T00:00:00</references>"
    xml = _alert(
        **{
            "<msgType>Alert</msgType>": b"<msgType>Update</msgType>",
            "<scope>Public</scope>": b"<scope>Public</scope>" + reference,
        }
    )
    response = httpx.post(
        f"{live_url}{URL}/cap", content=xml, headers={**system, "Accept-Language": lang}
    )
    problem = _problem(response, 422)
    message = problem["errors"][0]["message"]
    assert {
        "ru": "у времени '2024-01-01T00:00:00' нет смещения от UTC",
        "zh": "时间 '2024-01-01T00:00:00' 没有 UTC 偏移",
    }[lang] in message, problem


@pytest.mark.parametrize(
    ("lang", "detail", "mean", "std"),
    [
        (
            "en",
            "the serial interval is not valid",
            "must be greater than 1",
            "must be greater than 0",
        ),
        ("ru", "серийный интервал задан неверно", "должно быть больше 1", "должно быть больше 0"),
        ("zh", "序列间隔无效", "必须大于 1", "必须大于 0"),
    ],
)
def test_a_serial_interval_rt_cannot_use_in_the_clients_language(
    live_url: str, kaz: dict[str, str], lang: str, detail: str, mean: str, std: str
) -> None:
    response = httpx.get(
        f"{live_url}/api/v1/data/rt",
        params={"state": "KAZ", "disease": "A09", "mean_si": "0.5", "std_si": "0"},
        headers={**kaz, "Accept-Language": lang},
    )
    problem = _problem(response, 422)
    assert problem["detail"] == detail
    assert problem["errors"] == [
        {"field": "mean_si", "message": mean, "value": 0.5},
        {"field": "std_si", "message": std, "value": 0.0},
    ]
