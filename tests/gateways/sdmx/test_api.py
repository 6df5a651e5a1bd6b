"""The SDMX routes over real HTTP, read back with sdmx1 and checked by the SDMX schemas."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import sdmx
from sqlalchemy.orm import Session, sessionmaker

from tests.gateways.sdmx.support import (
    assert_valid,
    data_schema,
    load,
    official_schema,
    read_structures,
    values_by_series,
)
from tests.helpers import bearer, make_user

CSV = "application/vnd.sdmx.data+csv;version=2.0.0"
XML = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"


def test_structures_are_valid_sdmx_ml_that_sdmx1_reads(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    load(sessions)
    token = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    get = lambda path, **params: httpx.get(  # noqa: E731
        f"{live_url}/api/sdmx/{path}", params=params, headers=bearer(token)
    )
    whole = get("dataflow/SCO/EPI_OBS/1.0", references="all")
    assert whole.status_code == 200, whole.text
    assert whole.headers["content-type"].startswith("application/vnd.sdmx.structure+xml")
    schema = official_schema()
    assert_valid(schema, whole.content)
    message = read_structures(whole.content)
    flow = message.dataflow["EPI_OBS"]
    dsd = message.structure["EPI_OBS"]
    assert flow.structure is dsd and flow.maintainer.id == "SCO"
    assert [d.id for d in dsd.dimensions] == [
        "FREQ", "REF_AREA", "AREA", "DISEASE", "METRIC", "CLASSIFICATION", "AGE", "SEX",
        "TIME_PERIOD",
    ]  # fmt: skip
    assert dsd.measures[0].id == "OBS_VALUE"
    assert {a.id for a in dsd.attributes} == {"UNIT_MEASURE", "SYNTHETIC", "OBS_STATUS"}
    states = message.codelist["CL_STATE"]
    assert states["KAZ"].name.localizations["ru"] == "Казахстан"
    assert {"J11", "U071", "_U"} <= {c.id for c in message.codelist["CL_DISEASE"]}
    assert {c.id for c in message.codelist["CL_AGE"]} == {"_T", "Y_GE65"}
    assert "KZ-75" in message.codelist["CL_AREA"]
    area = dsd.dimensions.get("AREA")
    assert area.local_representation.enumerated is message.codelist["CL_AREA"]

    # Each resource alone, and as SDMX REST's references= widen it.
    sex = get("codelist/SCO/CL_SEX/latest")
    assert_valid(schema, sex.content)
    alone = read_structures(sex.content)
    assert list(alone.codelist) == ["CL_SEX"] and not alone.structure
    assert {c.id for c in alone.codelist["CL_SEX"]} == {"F", "M", "_U", "_T"}
    children = read_structures(get("datastructure/SCO/EPI_OBS", references="children").content)
    assert list(children.structure) == ["EPI_OBS"] and not children.dataflow
    assert "CL_METRIC" in children.codelist and "CS_EPI" in children.concept_scheme
    assert list(read_structures(get("dataflow").content).dataflow) == ["EPI_OBS"]

    missing = get("codelist/SCO/CL_NOPE/1.0")
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "resourceID"
    bad = get("dataflow/SCO/EPI_OBS/1.0", references="cousins")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "references"
    assert httpx.get(f"{live_url}/api/sdmx/dataflow").status_code == 401


def test_data_read_back_by_sdmx1_has_the_series_numbers(
    live_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    load(sessions)
    token = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    headers = bearer(token)
    structure = httpx.get(
        f"{live_url}/api/sdmx/dataflow/SCO/EPI_OBS/1.0", params={"references": "all"},
        headers=headers,
    )  # fmt: skip
    dsd = read_structures(structure.content).structure["EPI_OBS"]
    key = "W+M...J11+U071.CASES+DEATHS.CONFIRMED+_T._T+Y_GE65."
    url = f"{live_url}/api/sdmx/data/SCO,EPI_OBS,1.0/{key}"
    as_csv = httpx.get(url, params={"format": "sdmx-csv"}, headers=headers)
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith(CSV)
    as_xml = httpx.get(url, headers={**headers, "Accept": XML})
    assert as_xml.headers["content-type"].startswith(XML)
    assert_valid(data_schema(tmp_path), as_xml.content)

    from_csv = values_by_series(
        sdmx.read_sdmx(io.BytesIO(as_csv.content), format="csv", structure=dsd)
    )
    from_xml = values_by_series(sdmx.read_sdmx(io.BytesIO(as_xml.content), structure=dsd))
    assert from_csv == from_xml
    # The same numbers as the series route, for each series of the answer.
    expected: dict[tuple[str, ...], list[object]] = {}
    for freq, granularity in (("W", "week"), ("M", "month")):
        for state, disease, metric, classification, area, age, sex in (
            ("KAZ", "J11", "cases", "confirmed", "", "", ""),
            ("KGZ", "J11", "cases", "confirmed", "", "", ""),
            ("KAZ", "U07.1", "deaths", "all", "KZ-75", "65+", "female"),
        ):
            params = {
                "state": state, "disease": disease, "metric": metric,
                "classification": classification, "area": area, "age_group": age, "sex": sex,
                "granularity": granularity,
            }  # fmt: skip
            body = httpx.get(f"{live_url}/api/v1/data/series", params=params, headers=headers)
            points = body.json()["series"][0]["points"]
            sdmx_key = (
                freq, state, area or "_Z", disease.replace(".", ""), metric.upper(),
                "_T" if classification == "all" else classification.upper(),
                "Y_GE65" if age else "_T", "F" if sex else "_T",
            )  # fmt: skip
            expected[sdmx_key] = [(_period(p["period_start"], freq), p["value"]) for p in points]
    assert from_xml == expected
    assert expected[("W", "KAZ", "_Z", "J11", "CASES", "CONFIRMED", "_T", "_T")] == [
        ("2024-W01", 5), ("2024-W02", 7), ("2024-W03", None),
    ]  # fmt: skip
    assert expected[("M", "KAZ", "KZ-75", "U071", "DEATHS", "_T", "Y_GE65", "F")] == [
        ("2024-01", 3), ("2024-02", 4),
    ]  # fmt: skip
    # The synthetic series says so, in both formats.
    assert "KGZ,_Z,J11,CASES,CONFIRMED,_T,_T,2024-W01,2,NUMBER,Y,A" in as_csv.text
    assert 'REF_AREA="KAZ"' in as_xml.text and 'SYNTHETIC="N"' in as_xml.text

    days = httpx.get(
        f"{live_url}/api/sdmx/data/EPI_OBS/D.KAZ.KZ-75.U071.DEATHS._T.Y_GE65.F",
        params={"startPeriod": "2024-01-30", "endPeriod": "2024-W05", "format": "sdmx-csv"},
        headers=headers,
    )
    assert [line.split(",")[11:13] for line in days.text.splitlines()[1:]] == [
        ["2024-01-30", "2"], ["2024-02-01", "4"],
    ]  # fmt: skip


def _period(start: str, freq: str) -> str:
    from datetime import date

    day = date.fromisoformat(start)
    if freq == "W":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return start[:7]


def test_bad_queries_are_problems_naming_the_parameter(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    load(sessions)
    headers = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))

    def get(path: str, **params: str) -> httpx.Response:
        return httpx.get(f"{live_url}/api/sdmx/data/{path}", params=params, headers=headers)

    cases = [
        (get("EPI_OBS/W.KAZ"), 400, "key"),
        (get("EPI_OBS/W.KAZ._Z.XYZ.CASES..."), 400, "key.DISEASE"),
        (get("EPI_OBS/W.KAZ._Z.J11.CASES.ALL.."), 400, "key.CLASSIFICATION"),
        (get("EPI_OBS/all", startPeriod="2024-13"), 400, "startPeriod"),
        (get("EPI_OBS/all", startPeriod="2024-02", endPeriod="2024-01"), 400, "endPeriod"),
        (get("OTHER,EPI_OBS,1.0/all"), 404, "flowRef"),
        (get("EPI_OBS/W.UZB......"), 404, "key"),
        (get("EPI_OBS/all", format="json"), 422, "format"),
    ]
    for response, status, field in cases:
        assert response.status_code == status, (field, response.text)
        problem = response.json()
        assert problem["errors"][0]["field"] == field, problem
    refused = httpx.get(
        f"{live_url}/api/sdmx/data/EPI_OBS/all",
        headers={**headers, "Accept": "application/json", "Accept-Language": "ru"},
    )
    assert refused.status_code == 406 and refused.json()["errors"][0]["field"] == "Accept"
    russian = httpx.get(
        f"{live_url}/api/sdmx/data/EPI_OBS/W.KAZ._Z.XYZ.CASES...",
        headers={**headers, "Accept-Language": "ru"},
    ).json()
    assert "XYZ" in russian["detail"] and "DISEASE" in russian["detail"]
    assert russian["detail"] != "'XYZ' is not a code of DISEASE"
    # Observers do not read the members' data, nor the code lists read from it.
    observer = bearer(make_user(sessions, "obs", "observer", "MNG"))
    for path in ("data/EPI_OBS/all", "codelist/SCO/CL_STATE"):
        assert httpx.get(f"{live_url}/api/sdmx/{path}", headers=observer).status_code == 403
