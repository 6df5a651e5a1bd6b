"""The report routes over real HTTP: generate, list, download, and refusals as problems."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import bearer, make_user
from tests.reports import scenario
from tests.reports.helpers import has_phrase, pdf_text


def _problem(response: httpx.Response, code: int, field: str) -> dict[str, Any]:
    assert response.status_code == code, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def test_generate_list_and_download_reports(sessions: sessionmaker[Session], live_url: str) -> None:
    scenario.seed(sessions, detect=False)
    kaz = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    sec = bearer(make_user(sessions, "sec", "secretariat"))
    mng = bearer(make_user(sessions, "obs-mng", "observer", "MNG"))
    with httpx.Client(base_url=live_url, timeout=120) as client:
        made = client.post(
            "/api/v1/reports",
            json={"week": "2024-W21", "lang": "ru", "state": "KAZ", "format": "pdf"},
            headers=kaz,
        )
        assert made.status_code == 201, made.text
        pdf_report = made.json()
        assert pdf_report["filename"] == "sitrep-2024-W21-KAZ-ru.pdf"
        assert pdf_report["created_by"] == "user:fp-kaz"
        made = client.post("/api/v1/reports", json={"week": "2024-W21"}, headers=sec)
        assert made.status_code == 201, made.text
        assert made.json()["format"] == "pdf" and made.json()["state"] is None
        html = client.post(
            "/api/v1/reports", json={"week": "2024-W21", "lang": "zh", "format": "html"},
            headers=sec,
        ).json()  # fmt: skip

        listed = client.get("/api/v1/reports", params={"limit": 2}, headers=kaz).json()
        assert [r["id"] for r in listed["items"]] == [html["id"], made.json()["id"]]
        rest = client.get(
            "/api/v1/reports", params={"limit": 2, "cursor": listed["next_cursor"]}, headers=kaz
        ).json()
        assert [r["id"] for r in rest["items"]] == [pdf_report["id"]]
        assert rest["next_cursor"] is None
        only = client.get("/api/v1/reports", params={"state": "KAZ"}, headers=sec).json()
        assert [r["id"] for r in only["items"]] == [pdf_report["id"]]

        got = client.get(pdf_report["links"]["download"], headers=sec)
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/pdf"
        assert 'filename="sitrep-2024-W21-KAZ-ru.pdf"' in got.headers["content-disposition"]
        assert got.headers["etag"] == f'"{pdf_report["digest"]}"'
        text = pdf_text(got.content)
        assert "Оперативная сводка" in text and "Казахстан" in text
        assert not has_phrase(text, scenario.CHN_EVENT)
        page = client.get(f"/api/v1/reports/{html['id']}/download", headers=kaz)
        assert page.headers["content-type"].startswith("text/html")
        assert "疫情形势报告" in page.text
        one = client.get(f"/api/v1/reports/{html['id']}", headers=kaz).json()
        assert one["lang"] == "zh" and one["size_bytes"] == len(page.content)

        _problem(
            client.post("/api/v1/reports", json={"week": "2024-W99"}, headers=sec), 422, "week"
        )
        _problem(
            client.post("/api/v1/reports", json={"week": "2024-W21", "state": "XXX"}, headers=sec),
            422,
            "state",
        )
        _problem(client.post("/api/v1/reports", json={"week": "21"}, headers=sec), 422, "week")
        assert (
            client.post("/api/v1/reports", json={"week": "2024-W21"}, headers=mng).status_code
            == 403
        )
        assert client.get("/api/v1/reports", headers=mng).status_code == 403
        assert client.get("/api/v1/reports").status_code == 401
        _problem(client.get("/api/v1/reports/999/download", headers=sec), 404, "id")
        after = client.get("/api/v1/reports", headers=sec).json()
        assert len(after["items"]) == 3  # the refused requests stored nothing
