"""Observations travel at the level their state shares: every row, national totals, listed
diseases, or nothing; held back while an embargo lasts and re-sent when it ends.

A submission becomes one or more ``epidata.observations`` messages of at most ``CHUNK_ROWS``
rows each, numbered ``chunk`` of ``chunks`` in the order the rows are read (measure, period,
area, age, sex). The receiver lands each chunk as a replica submission through the epidata
ingest path, as the origin node's principal, so a node may land only its own state's rows;
a value received again unchanged makes no new version, so re-sent chunks never double.

National totals: per disease, metric, classification and period, the state's own total row
(area "", all ages, everyone) wins when it reported one; otherwise the coarsest breakdown it
reported is summed (area only before area by age, and so on), never two breakdowns together,
so nothing is counted twice. A total with any value "not reported" in it is "not reported".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from epibridge.epidata import replicas
from epibridge.epidata.replicas import PeriodKey, Row
from epibridge.errors import DomainError
from epibridge.federation import refs, sharing
from epibridge.federation.messages import Envelope, Outgoing, Refused, node_principal
from epibridge.federation.sharing_models import SharingLevel
from epibridge.i18n import N_, Text
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import PermissionDenied, system_principal

TOPIC = "epidata.observations"
#: Rows per message: a message stays well under a megabyte of canonical JSON.
CHUNK_ROWS = 2000
READER = system_principal("federation")
HEADER = "state,area,disease,metric,classification,age_group,sex,period_start,period_end,value"


class ObservationRow(BaseModel):
    """One value as the epidata import reads it (checked again by the import on landing)."""

    model_config = ConfigDict(extra="forbid")
    area: str = Field(max_length=8, description="ISO 3166-2 code; empty for the whole state.")
    disease: str = Field(min_length=1, max_length=16, description="ICD-10 code.")
    metric: str = Field(min_length=1, max_length=24)
    classification: str = Field(min_length=1, max_length=16)
    age_group: str = Field(max_length=16, description="Empty for all ages.")
    sex: str = Field(max_length=8, description="Empty for everyone.")
    period_start: date
    period_end: date
    value: int | None = Field(description="Null: not reported (which is not zero).")


class SubmissionRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    node: str | None = Field(
        default=None, max_length=64, description="The sending node (its own submission)."
    )
    id: str = Field(min_length=1, max_length=64)


class ObservationsBody(BaseModel):
    """``epidata.observations``: one chunk of a submission, at its state's sharing level."""

    model_config = ConfigDict(extra="forbid")
    submission: SubmissionRef
    state: str = Field(min_length=3, max_length=3)
    level: SharingLevel
    synthetic: bool
    chunk: int = Field(ge=1)
    chunks: int = Field(ge=1)
    rows: list[ObservationRow] = Field(max_length=CHUNK_ROWS)


BODY_MODELS: dict[str, type[BaseModel]] = {TOPIC: ObservationsBody}


def national_totals(rows: list[Row]) -> list[Row]:
    """The state's rows summed to the whole state, per measure and period, never twice."""
    groups: dict[PeriodKey, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row.period_key].append(row)
    out: list[Row] = []
    for key in sorted(groups):
        layers: dict[tuple[bool, bool, bool], list[Row]] = defaultdict(list)
        for row in groups[key]:
            layers[(bool(row.area), bool(row.age_group), bool(row.sex))].append(row)
        chosen = layers[min(layers, key=lambda flags: (sum(flags), flags))]
        values = [r.value for r in chosen]
        total = None if any(v is None for v in values) else sum(v for v in values if v is not None)
        disease, metric, classification, start, end = key
        out.append(Row("", disease, metric, classification, "", "", start, end, total))
    return out


def shared_rows(
    session: Session, state: str, submission_id: int, level: SharingLevel, diseases: frozenset[str]
) -> list[Row]:
    """What of a submission leaves the node at ``level``."""
    if level is SharingLevel.NOTHING:
        return []
    rows = replicas.submission_rows(session, principal=READER, submission_id=submission_id)
    if level is SharingLevel.DISEASES:
        return [r for r in rows if r.disease in diseases]
    if level is SharingLevel.TOTALS:
        periods = {r.period_key for r in rows}
        every = replicas.rows_for_periods(session, principal=READER, state=state, periods=periods)
        return national_totals(every)
    return rows


def _row_body(row: Row) -> dict[str, Any]:
    return {
        "area": row.area,
        "disease": row.disease,
        "metric": row.metric,
        "classification": row.classification,
        "age_group": row.age_group,
        "sex": row.sex,
        "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(),
        "value": row.value,
    }


def _messages(session: Session, submission_id: int) -> list[Outgoing]:
    found = replicas.submission(session, principal=READER, submission_id=submission_id)
    if found is None or found.origin_node is not None:
        return []  # gone, or a replica: its origin sends it, never this node
    now = sharing.effective(session, found.state_iso3)
    rows = shared_rows(session, found.state_iso3, found.id, now.level, now.diseases)
    if not rows:
        return []
    chunks = [rows[i : i + CHUNK_ROWS] for i in range(0, len(rows), CHUNK_ROWS)]
    return [
        Outgoing(
            topic=TOPIC,
            body=refs.named(
                session,
                {
                    "submission": {"node": None, "id": str(found.id)},
                    "state": found.state_iso3,
                    "level": now.level.value,
                    "synthetic": found.synthetic,
                    "chunk": number,
                    "chunks": len(chunks),
                    "rows": [_row_body(r) for r in chunk],
                },
            ),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def build_accepted(session: Session, message: OutboxMessage) -> list[Outgoing]:
    """A newly accepted submission, unless the embargo holds it (its release sends it)."""
    state = str(message.payload.get("state", ""))
    if sharing.effective(session, state).holds(message.created_at):
        return []
    return _messages(session, int(message.entity_id))


def build_released(session: Session, message: OutboxMessage) -> list[Outgoing]:
    """Every local submission the ended embargo held back, at the level in force now."""
    window = message.payload
    ids = replicas.local_submissions_between(
        session,
        principal=READER,
        state=window["state"],
        since=datetime.fromisoformat(window["since"]),
        until=datetime.fromisoformat(window["until"]),
    )
    return [out for sid in ids for out in _messages(session, sid)]


def _csv_field(value: Any) -> str:
    text = "" if value is None else str(value)
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(state: str, rows: list[dict[str, Any]]) -> bytes:
    lines = [HEADER]
    for row in rows:
        cells = [state] + [row.get(name) for name in HEADER.split(",")[1:]]
        lines.append(",".join(_csv_field(c) for c in cells))
    return ("\n".join(lines) + "\n").encode()


def _parse(envelope: Envelope) -> ObservationsBody:
    try:
        return ObservationsBody.model_validate(envelope.body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise Refused(422, first["msg"], field_name=f"body.{where}") from None


def apply_observations(session: Session, envelope: Envelope) -> None:
    """Land one chunk as a replica submission of its state, as the origin node."""
    body = _parse(envelope)
    refs.require_own(envelope, body.submission.model_dump(), "body.submission")
    state, origin_id, chunk, chunks = body.state, body.submission.id, body.chunk, body.chunks
    rows = [row.model_dump() for row in body.rows]
    if envelope.origin_state is not None and state != envelope.origin_state:
        raise Refused(
            422,
            Text(
                N_("node {node} speaks for {origin}, not for {state}"),
                {"node": envelope.origin_node, "origin": envelope.origin_state, "state": state},
            ),
            field_name="body.state",
        )
    if not rows:
        return
    try:
        replicas.land_replica(
            session,
            principal=node_principal(envelope.origin_node, envelope.origin_state),
            state=state,
            content=_csv(state, rows),
            origin_node=envelope.origin_node,
            origin_id=origin_id,
            filename=f"{envelope.origin_node}-{origin_id}-{chunk}of{chunks}.csv",
            synthetic=body.synthetic,
        )
    except PermissionDenied as exc:
        raise Refused(422, exc.args[0] if exc.args else str(exc), field_name="body.state") from None
    except DomainError as exc:
        raise Refused(422, Text(exc.detail_id, exc.params), field_name="body.rows") from None


BUILDERS = {
    "epidata.submission_accepted": build_accepted,
    sharing.RELEASE_TOPIC: build_released,
}
APPLIERS = {TOPIC: apply_observations}
