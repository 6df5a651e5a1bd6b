"""The mapping (who loads it, its checks naming the YAML key, the CLI), and hostile bodies:
every one is a Parsed frame or a 4xx-bound InvalidInput, never anything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from epibridge.audit import AuditEntry
from epibridge.cli import app
from epibridge.db import read_session, write_session
from epibridge.errors import InvalidInput
from epibridge.gateways.dhis2 import parsing, service
from epibridge.security import PermissionDenied, Principal, Role
from epibridge.settings import Settings
from tests.gateways.dhis2.helpers import CASES, MAPPING


def _cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, ["dhis2", "mapping", *args], env=env)
    return result.exit_code, " ".join(result.output.split())


def test_mapping_load_show_and_refusals(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "kaz.yaml"
    path.write_text(yaml.safe_dump(MAPPING))
    code, said = _cli(settings, "load", str(path), "--state", "KAZ")
    assert code == 0 and "KAZ: mapping version 1 (UID): 2 data elements" in said, said
    code, said = _cli(settings, "show", "--state", "KAZ")
    assert code == 0 and f"data element {CASES}: J11 cases" in said
    with read_session(sessions) as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.entity == "dhis2_mapping")
        ).scalar_one()
    assert entry.actor.startswith("operator:") and entry.detail["data_elements"] == 2

    bad = json.loads(json.dumps(MAPPING))
    bad["data_elements"][CASES] = {"disease": "NOPE", "metric": "cases"}
    bad["category_option_combos"]["HllvX50cXC0"]["sex"] = "other"
    bad["org_units"]["ImspTQPwCqd"] = "KG-B"  # a region of Kyrgyzstan
    bad["data_elements"]["short"] = {"disease": "A00", "metric": "cases"}
    path.write_text(yaml.safe_dump(bad))
    code, said = _cli(settings, "load", str(path), "--state", "KAZ")
    assert code == 2
    for key in (
        f"data_elements.{CASES}.disease",
        "category_option_combos.HllvX50cXC0.sex",
        "org_units.ImspTQPwCqd",
        "data_elements.short",
    ):
        assert key in said, said
    path.write_text("data_elements: [unclosed")
    assert _cli(settings, "load", str(path), "--state", "KAZ")[0] == 2

    focal = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
    with write_session(sessions) as session, pytest.raises(PermissionDenied):
        service.load_mapping(session, principal=focal, state="KAZ", document=MAPPING)
    secretariat = Principal(user_id=2, name="sec", role=Role.SECRETARIAT)
    with write_session(sessions) as session:
        read = service.load_mapping(session, principal=secretariat, state="KAZ", document=MAPPING)
    assert read.version == 2 and read.loaded_by == "user:sec"


_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
_VALUE = st.one_of(
    _TEXT,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)
_ROW = st.fixed_dictionaries(
    {"dataElement": _VALUE, "period": _VALUE, "orgUnit": _VALUE},
    optional={"value": _VALUE, "categoryOptionCombo": _VALUE, "comment": _VALUE},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.builds(
            lambda rows: json.dumps({"dataValues": rows}).encode(), st.lists(_ROW, max_size=4)
        ),
        st.binary(max_size=200),
        st.builds(lambda t: t.encode(), _TEXT),
    ),
    st.sampled_from(["application/json", "text/csv", "application/adx+xml"]),
)
def test_hostile_bodies_are_read_or_refused_clearly(body: bytes, media_type: str) -> None:
    try:
        parsed = parsing.read(body, media_type)
    except InvalidInput as exc:
        assert exc.errors[0].field == "body"
        return
    assert parsed.values.columns == list(parsing.COLUMNS)
    assert all(str(dtype) == "String" for dtype in parsed.values.dtypes)


def test_xml_entities_and_doctypes_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE adx [<!ENTITY a "aaaaaaaaaa">]>'
        b'<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="&a;"/></adx>'
    )
    with pytest.raises(InvalidInput):
        parsing.read(bomb, "application/adx+xml")
