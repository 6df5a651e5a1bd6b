"""Posted MeasureReports into the epidemic database: the CSV submission's one way in.

The rows read from the resources (``reading``) become one JSON observation file handed to
``epidata.ingest.ingest`` as one submission: the same checks, revisions, audit entry and
outbox message as an uploaded file, every row or none. The database's refusals name rows and
columns of that file; here they are named again as the elements they came from.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from epibridge.epidata.ingest import IngestOptions, ingest
from epibridge.epidata.schemas import BadRow, SubmissionRead
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import FieldError, InvalidInput
from epibridge.gateways.fhir import export, searchset
from epibridge.gateways.fhir.reading import Reading, Row, read_report
from epibridge.i18n import N_, Phrase
from epibridge.security import Principal

Json = dict[str, Any]
FILENAME = "fhir-measurereport.json"


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def parse(body: bytes) -> Json:
    """The posted JSON object, or the refusal naming what is wrong with it."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        reason: str = N_("not UTF-8 text: the encoding must be UTF-8")
    except RecursionError:
        reason = N_("nested too deeply")
    except ValueError as exc:  # JSONDecodeError, NaN, an integer over 4300 digits
        error = FieldError(
            "body", N_("malformed JSON: {error}"), params={"error": Phrase(str(exc))}
        )
        raise InvalidInput(N_("the body is not a FHIR JSON resource"), [error]) from None
    else:
        if isinstance(value, dict):
            return value
        reason = N_("a JSON object (a FHIR resource)")
    raise InvalidInput(N_("the body is not a FHIR JSON resource"), [FieldError("body", reason)])


@dataclass(frozen=True)
class Entry:
    """One imported MeasureReport: its path in the request and the resource."""

    path: str
    resource: Json


def entries(body: Json, *, bundle: bool) -> list[Entry]:
    """The MeasureReports of a request: the one posted, or a transaction Bundle's entries."""
    if not bundle:
        return [Entry("MeasureReport", body)]
    problems = []
    if body.get("resourceType") != "Bundle":
        problems.append(
            FieldError("Bundle.resourceType", N_("a Bundle"), _text(body, "resourceType"))
        )
    elif body.get("type") != "transaction":
        problems.append(FieldError("Bundle.type", N_("a transaction Bundle"), _text(body, "type")))
    found = body.get("entry")
    if not problems and (not isinstance(found, list) or not found):
        problems.append(FieldError("Bundle.entry", N_("a transaction has at least one entry")))
    if problems:
        raise InvalidInput(N_("the Bundle cannot be imported"), problems)
    result = []
    for i, entry in enumerate(found):
        at = f"Bundle.entry[{i}]"
        request = entry.get("request") if isinstance(entry, dict) else None
        if isinstance(request, dict) and (
            request.get("method") != "POST" or request.get("url") != "MeasureReport"
        ):
            problems.append(FieldError(f"{at}.request", N_("POST MeasureReport")))
        resource = entry.get("resource") if isinstance(entry, dict) else None
        result.append(Entry(f"{at}.resource", resource if isinstance(resource, dict) else {}))
    if problems:
        raise InvalidInput(N_("the Bundle cannot be imported"), problems)
    return result


def _text(body: Json, key: str) -> object:
    value = body.get(key)
    return value if isinstance(value, str | int | float) else None


def read(found: list[Entry]) -> Reading:
    """The rows of the reports, or the refusal listing every element that cannot be placed."""
    reading = Reading()
    for entry in found:
        read_report(reading, entry.resource, entry.path)
    states = {state for state, _ in reading.states}
    if len(states) > 1:
        first = reading.states[0][0]
        reading.problems += [
            FieldError(where, N_("every report of one request comes from one state"), state)
            for state, where in reading.states
            if state != first
        ]
    if reading.problems:
        raise InvalidInput(
            N_("the MeasureReport was refused: {count} problem(s); nothing was written"),
            reading.problems,
            params={"count": len(reading.problems)},
        )
    return reading


def _located(exc: InvalidInput, rows: list[Row], reporter: str) -> InvalidInput:
    located = []
    for error in exc.errors:
        path = reporter if error.field in ("state", "file") else "MeasureReport"
        if isinstance(error, BadRow) and 2 <= error.row < len(rows) + 2:
            path = rows[error.row - 2].paths.get(error.field, path)
        located.append(FieldError(path, error.message_id, error.value, params=error.params))
    return InvalidInput(
        N_("the MeasureReport was refused: {count} problem(s); nothing was written"),
        located,
        params={"count": len(located)},
    )


def submit(
    sessions: sessionmaker[Session],
    *,
    actor: Principal,
    reading: Reading,
    max_bytes: int | None,
) -> SubmissionRead:
    """Land the rows as one submission of their state: all of them, or none and the refusal."""
    state, reporter = reading.states[0]
    body = json.dumps([row.record for row in reading.rows], ensure_ascii=False).encode()
    try:
        return ingest(
            sessions,
            actor=actor,
            file=io.BytesIO(body),
            state=state,
            file_format="json",
            filename=FILENAME,
            options=IngestOptions(max_bytes=max_bytes),
        )
    except InvalidInput as exc:
        raise _located(exc, reading.rows, reporter) from None


def read_back(
    session: Session,
    *,
    principal: Principal,
    base: str,
    reading: Reading,
    index: int,
    now: datetime,
) -> Json:
    """The report at ``index`` (-1: the one posted) as it now reads back from the database.

    The answer to a create is the stored counts in epibridge's own MeasureReport (every
    stratum the state holds for that period), one group per disease and metric: the posted
    text is not echoed, since it may carry elements this server neither reads nor keeps, and
    the database normalizes codes (``j11`` is ``J11``) and whole numbers (``5.0`` is 5).
    """
    prefix = f"Bundle.entry[{index}]." if index >= 0 else "MeasureReport."
    groups: dict[tuple[str, ...], None] = {}
    for row in reading.rows:
        if row.paths["value"].startswith(prefix):
            r = row.record
            groups[(r["disease"], r["metric"], r["area"], r["period_start"], r["period_end"])] = (
                None
            )
    resources = []
    for disease, metric, area, first, last in groups:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
        days = (end - start).days
        selector = SeriesSelector(
            disease=disease,
            states=(reading.states[0][0],),
            metric=metric.lower(),
            area=area,
            granularity="day" if days == 0 else "week" if days == 6 else "month",
            start=start,
            end=end,
        )
        found = searchset.reports(session, principal=principal, selector=selector)
        resources += [export.measure_report(base, selector, r, now=now) for r in found]
    first_resource = resources[0]
    first_resource["group"] = [group for resource in resources for group in resource["group"]]
    return first_resource
