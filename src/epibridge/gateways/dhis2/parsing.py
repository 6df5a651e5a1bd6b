"""Reading a dataValueSets body (DHIS2 JSON, DHIS2 CSV, ADX XML) into one frame of text.

Every format becomes the same columns (``COLUMNS``, all text, missing values null) so that
the translation (``translate``) is one set of joins whatever was sent. A body that cannot be
read at all is refused whole (``InvalidInput`` naming the body and where it broke); a value
that is readable but wrong is the epidemic database's checks' business. JSON is read by Polars
into columns (compact JSON's ``dataValues`` as JSON Lines, in parallel, see ``_lines``), and by
the standard library when Polars cannot; CSV is read by Polars; ADX by lxml with entities, DTDs
and network access off (a document with a DOCTYPE is refused).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, replace

import polars as pl
from lxml import etree

from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_

COLUMNS = (
    "dataElement",
    "period",
    "orgUnit",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "value",
    "comment",
)
#: DHIS2's CSV layout, in its order (the header line is optional, as in DHIS2).
CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
    "deleted",
)
ADX_NS = "urn:ihe:qrph:adx:2015"
_SCHEMA = dict.fromkeys(COLUMNS, pl.String)


@dataclass(frozen=True)
class Parsed:
    """The values as sent, and whether their periods are ADX intervals (``start/duration``)."""

    values: pl.DataFrame
    data_set: str = ""
    intervals: bool = False
    #: SHA-256 and length of the body (``read``), recorded with the submission.
    digest: str = ""
    size_bytes: int = 0


def _unreadable(kind: str, reason: str) -> InvalidInput:
    return InvalidInput(
        N_("the body is not readable {kind}: nothing was imported"),
        [FieldError("body", N_("unreadable: {reason}"), params={"reason": reason[:300]})],
        params={"kind": kind},
    )


def _text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None if value is None else json.dumps(value)[:200]
    return str(value).lower() if isinstance(value, bool) else str(value)


_HEAD = ("dataSet", "period", "orgUnit", "attributeOptionCombo")
_DOCUMENT = {**dict.fromkeys(_HEAD, pl.String), "dataValues": pl.List(pl.Struct(_SCHEMA))}


_VALUES_OPEN = re.compile(rb'"dataValues"\s*:\s*\[')


def _lines(body: bytes) -> tuple[pl.DataFrame, dict[str, str | None]] | None:
    """Compact JSON's values read as JSON Lines by Polars, or None to read the body otherwise.

    Polars reads JSON Lines on every core but one JSON document on one; DHIS2's data exchange
    sends one line. The array's ``}, {`` / ``},{`` become line breaks and the head (the body
    with an empty array) is read by the standard library. A break cut inside a string or a
    nested value leaves a line that is not one whole object (its text ends inside the string
    or the nesting), which Polars refuses, and the body is then read whole: a cut never
    changes a value. A body with line breaks of its own in the array is read whole too.
    """
    opened = _VALUES_OPEN.search(body)
    end = body.rfind(b"]")
    if opened is None or end < opened.end():
        return None
    array = body[opened.end() : end].strip(b" \t")
    if b"\n" in array or b"\r" in array:
        return None
    try:
        head = json.loads(body[: opened.end()] + body[end:])
    except (ValueError, RecursionError):
        return None
    if not isinstance(head, dict) or head.get("dataValues") != []:
        return None
    lines = array.replace(b"}, {", b"}\n{").replace(b"},{", b"}\n{")
    try:
        values = pl.read_ndjson(io.BytesIO(lines), schema=_SCHEMA) if lines else _empty()
    except (pl.exceptions.PolarsError, ValueError, OverflowError):
        return None
    if lines and values.height != lines.count(b"\n") + 1:
        return None
    return values, {name: _text(head.get(name)) for name in _HEAD}


def _columnar(body: bytes) -> tuple[pl.DataFrame, dict[str, str | None]] | None:
    """The values read by Polars straight into columns (no Python object per value)."""
    try:
        document = pl.read_json(io.BytesIO(body), schema=_DOCUMENT)
    except (pl.exceptions.PolarsError, ValueError, OverflowError):
        return None
    if document.height != 1 or document["dataValues"].null_count():
        return None
    head = {name: document[name][0] for name in _HEAD}
    values = document.select(pl.col("dataValues").explode()).unnest("dataValues")
    return values, head


def _decoded(body: bytes) -> tuple[pl.DataFrame, dict[str, str | None]]:
    """The slow, always-readable way: the standard library, then columns."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, a 5000-digit number
        raise _unreadable("JSON", str(exc)) from None
    values = document.get("dataValues") if isinstance(document, dict) else None
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        raise _unreadable("JSON", "expected an object with a dataValues array of objects")
    frame = pl.DataFrame({c: [_text(v.get(c)) for v in values] for c in COLUMNS}, schema=_SCHEMA)
    return frame, {name: _text(document.get(name)) for name in _HEAD}


def read_json(body: bytes) -> Parsed:
    """DHIS2's JSON: ``{dataSet, period, orgUnit, attributeOptionCombo, dataValues: [...]}``."""
    found = _lines(body) or _columnar(body) or _decoded(body)
    frame, head = found
    if frame.height == 0:
        frame = _empty()
    fills = [
        pl.col(name).fill_null(pl.lit(head[name]))
        for name in ("period", "orgUnit", "attributeOptionCombo")
        if head[name] is not None
    ]
    if fills:
        frame = frame.with_columns(fills)
    return Parsed(frame, data_set=head["dataSet"] or "")


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_SCHEMA)


def read_csv(body: bytes) -> Parsed:
    """DHIS2's CSV layout; a first line starting ``dataelement`` is the header."""
    if not body.strip():
        return Parsed(_empty())
    try:
        raw = pl.read_csv(
            io.BytesIO(body),
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=True,
            encoding="utf8",
        )
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise _unreadable("CSV", str(exc).splitlines()[0] if str(exc) else "CSV") from None
    if raw.width < 6:
        raise _unreadable("CSV", "expected at least 6 columns: " + ",".join(CSV_COLUMNS[:6]))
    raw = raw.select(raw.columns[: len(CSV_COLUMNS)])
    raw.columns = list(CSV_COLUMNS[: raw.width])
    first = raw.row(0)[0] if raw.height else None
    if first is not None and first.strip().lower() == "dataelement":
        raw = raw.slice(1)
    named = {
        "dataElement": "dataelement",
        "period": "period",
        "orgUnit": "orgunit",
        "categoryOptionCombo": "categoryoptioncombo",
        "attributeOptionCombo": "attributeoptioncombo",
        "value": "value",
        "comment": "comment",
    }
    frame = raw.select(
        (pl.col(src) if src in raw.columns else pl.lit(None, pl.String)).alias(name)
        for name, src in named.items()
    )
    return Parsed(frame)


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
)
#: Attributes of an ADX dataValue that are not its disaggregation.
_ADX_OWN = {"dataElement", "value"}


def _combo(attributes: dict[str, str]) -> str:
    """The category option combo of an ADX value: named, or its disaggregation written out."""
    if "categoryOptionCombo" in attributes:
        return attributes["categoryOptionCombo"]
    parts = sorted((k, v) for k, v in attributes.items() if k not in _ADX_OWN)
    return ";".join(f"{k}={v}" for k, v in parts) or "default"


def read_adx(body: bytes) -> Parsed:
    """ADX 1.0 (``urn:ihe:qrph:adx:2015``): groups of an org unit and a period of values."""
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise _unreadable("ADX XML", str(exc)) from None
    if root.getroottree().docinfo.doctype:
        raise _unreadable("ADX XML", "a DOCTYPE is not accepted")
    if root.tag != f"{{{ADX_NS}}}adx":
        raise _unreadable("ADX XML", f"the root element must be adx in {ADX_NS}")
    columns: dict[str, list[str | None]] = {c: [] for c in COLUMNS}
    data_set = ""
    for group in root.iterchildren(f"{{{ADX_NS}}}group"):
        g = group.attrib
        data_set = data_set or g.get("dataSet", "")
        for value in group.iterchildren(f"{{{ADX_NS}}}dataValue"):
            v = dict(value.attrib)
            other = {k: x for k, x in g.items() if k not in ("orgUnit", "period", "dataSet")}
            v.pop("comment", None)
            columns["dataElement"].append(v.get("dataElement"))
            columns["period"].append(g.get("period"))
            columns["orgUnit"].append(g.get("orgUnit"))
            columns["categoryOptionCombo"].append(_combo(v))
            columns["attributeOptionCombo"].append(
                ";".join(f"{k}={x}" for k, x in sorted(other.items()) if k != "completeDate")
                or None
            )
            columns["value"].append(v.get("value"))
            columns["comment"].append(None)
    return Parsed(pl.DataFrame(columns, schema=_SCHEMA), data_set=data_set, intervals=True)


def read(body: bytes, media_type: str) -> Parsed:
    """The body in the format its Content-Type names (JSON when none is given)."""
    kind = media_type.split(";")[0].strip().lower()
    if kind in ("application/adx+xml", "application/xml", "text/xml"):
        parsed = read_adx(body)
    elif kind in ("application/csv", "text/csv"):
        parsed = read_csv(body)
    else:
        parsed = read_json(body)
    return replace(parsed, digest=hashlib.sha256(body).hexdigest(), size_bytes=len(body))
