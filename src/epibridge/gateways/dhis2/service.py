"""The DHIS2 gateway's rules: who loads a state's mapping, and an import as one submission.

A mapping is loaded by an administrator or the Secretariat (the console too), checked whole
(``mapping.validate``), stored and audited. An import is translated (``translate``) and handed
to the epidemic database's one way in (``epidata.ingest``) as one file: the same checks, the
same revisions, one atomic submission. Decisions (docs/gateways/dhis2.md):

- values whose data element, category option combo or org unit the mapping lacks are
  *ignored* with a conflict and the others are imported (status WARNING), as DHIS2 does;
- any value the epidemic database refuses (a bad number, a period that is not a day, ISO
  week or month, future data, a duplicate) refuses the whole request: status ERROR, every
  refused value a conflict, nothing written;
- ``importStrategy=DELETE`` withdraws the values' keys (``epidata.withdrawal``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date

import polars as pl
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import read_session, utcnow
from epibridge.epidata.ingest import IngestOptions, ingest
from epibridge.epidata.reading import PreRead
from epibridge.epidata.schemas import BadRow, SubmissionRead
from epibridge.epidata.values import current_values
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.gateways.dhis2 import mapping as mapping_rules
from epibridge.gateways.dhis2 import periods
from epibridge.gateways.dhis2.models import Dhis2Mapping
from epibridge.gateways.dhis2.parsing import Parsed
from epibridge.gateways.dhis2.schemas import (
    ImportConflict,
    ImportCount,
    ImportStatus,
    ImportStrategy,
    ImportSummary,
    MappingRead,
)
from epibridge.gateways.dhis2.translate import Translated, ValueConflict, translate
from epibridge.i18n import N_, Text
from epibridge.i18n import message as render
from epibridge.members import service as members
from epibridge.security import Action, Principal, authorize, decide
from epibridge.text import printable

ENTITY = "dhis2_mapping"


def authorize_mapping(principal: Principal) -> None:
    """Mappings are kept by administrators and the Secretariat (and the console)."""
    if decide(principal, Action.ADMINISTER).allowed:
        return
    authorize(principal, Action.COORDINATE)


def to_read(row: Dhis2Mapping) -> MappingRead:
    return MappingRead(
        state=row.state_iso3,
        id_scheme=row.id_scheme,
        version=row.version,
        loaded_at=row.loaded_at,
        loaded_by=row.loaded_by,
        digest=row.digest,
        **row.content,
    )


def load_mapping(
    session: Session, *, principal: Principal, state: str, document: object
) -> MappingRead:
    """Check a state's mapping whole and store it in place of the previous one, audited."""
    authorize_mapping(principal)
    code = members.require_state(session, state)
    scheme, content = mapping_rules.validate(document, code)
    digest = hashlib.sha256(
        json.dumps({"id_scheme": scheme, **content}, sort_keys=True).encode()
    ).hexdigest()
    row = session.get(Dhis2Mapping, code)
    if row is None:
        row = Dhis2Mapping(state_iso3=code, version=0)
        session.add(row)
    row.id_scheme, row.content, row.digest = scheme, content, digest
    row.version += 1
    row.loaded_at, row.loaded_by = utcnow(), principal.actor
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="load",
        entity=ENTITY,
        entity_id=code,
        state={
            "state": code,
            "version": row.version,
            "digest": digest,
            "id_scheme": scheme,
            **{section: len(content[section]) for section in mapping_rules.SECTIONS},
        },
    )
    return to_read(row)


def _stored(session: Session, state: str) -> Dhis2Mapping:
    row = session.get(Dhis2Mapping, state)
    if row is None:
        raise NotFound(
            N_("no DHIS2 mapping is loaded for {state}: load one (epibridge dhis2 mapping load)"),
            [FieldError("state", N_("no mapping"), state)],
            params={"state": state},
        )
    return row


def get_mapping(session: Session, *, principal: Principal, state: str) -> MappingRead:
    """The mapping of a state as loaded, for administrators and the Secretariat."""
    authorize_mapping(principal)
    return to_read(_stored(session, members.require_state(session, state)))


@dataclass(frozen=True)
class ImportRequest:
    """A dataValueSets import's parameters, as DHIS2 names them."""

    state: str
    id_schemes: dict[str, str]
    dry_run: bool = False
    strategy: ImportStrategy = ImportStrategy.CREATE_AND_UPDATE
    file_format: str = "json"
    lang: str = "en"


def _rendered(conflicts: list[ValueConflict], lang: str) -> list[ImportConflict]:
    return [
        ImportConflict(object=c.object, value=render(c.message, c.params, lang), indexes=c.indexes)
        for c in conflicts
    ]


def _summary(
    request: ImportRequest,
    status: ImportStatus,
    count: ImportCount,
    conflicts: list[ValueConflict],
    description: str,
    submission_id: int | None = None,
) -> ImportSummary:
    return ImportSummary(
        status=status,
        description=render(description, None, request.lang),
        importOptions={
            "idSchemes": request.id_schemes,
            "dryRun": request.dry_run,
            "importStrategy": request.strategy.value,
        },
        importCount=count,
        conflicts=_rendered(conflicts, request.lang),
        submission_id=submission_id,
    )


_REFUSED = N_("the import was refused: nothing was written")


def _refused(request: ImportRequest, total: int, conflicts: list[ValueConflict]) -> ImportSummary:
    return _summary(request, ImportStatus.ERROR, ImportCount(ignored=total), conflicts, _REFUSED)


def _scheme_conflicts(request: ImportRequest, stored: Dhis2Mapping) -> list[ValueConflict]:
    return [
        ValueConflict(
            name,
            N_("the mapping of {state} is keyed by {stored}; the request's {name} is {sent}"),
            {"state": request.state, "stored": stored.id_scheme, "name": name, "sent": sent},
        )
        for name, sent in request.id_schemes.items()
        if sent != stored.id_scheme
    ]


def _bad_rows(exc: InvalidInput, translated: Translated, parsed: Parsed) -> list[ValueConflict]:
    """The epidemic database's refusals, named by data element, org unit and period."""
    positions = translated.rows["_i"]
    out = []
    for error in exc.errors:
        # A pre-read row's number is its line in the CSV layout: the header is line 1.
        if not isinstance(error, BadRow) or not 2 <= error.row <= len(positions) + 1:
            out.append(ValueConflict(error.field, error.message_id, dict(error.params or {})))
            continue
        index = int(positions[error.row - 2])
        sent = parsed.values.row(index, named=True)
        out.append(
            ValueConflict(
                printable(str(sent["dataElement"] or ""), 60),
                N_(
                    "{reason} (data element {dataElement}, org unit {orgUnit}, period {period}, "
                    "{column}: {value})"
                ),
                {
                    "reason": Text(error.message_id, error.params),
                    "column": error.field,
                    "value": "" if error.value is None else str(error.value)[:100],
                    **{
                        k: printable(str(sent[k] or ""), 60)
                        for k in ("dataElement", "orgUnit", "period")
                    },
                },
                [index],
            )
        )
    if not out:
        out.append(ValueConflict("dataValues", exc.detail_id, dict(exc.params or {})))
    return out


def _identity(parsed: Parsed, rows: pl.DataFrame) -> tuple[str, int]:
    """The submission's digest and size: of the body received, when the reader was given it."""
    if parsed.digest:
        return parsed.digest, parsed.size_bytes
    text = rows.drop("_i").write_csv().encode()
    return hashlib.sha256(text).hexdigest(), len(text)


def _counts(result: SubmissionRead, request: ImportRequest, ignored: int) -> ImportCount:
    if result.dry_run:
        # A dry run checks every value and writes none: each accepted value counts as imported.
        if request.strategy is ImportStrategy.DELETE:
            return ImportCount(deleted=result.row_count, ignored=ignored)
        return ImportCount(imported=result.row_count, ignored=ignored)
    return ImportCount(
        imported=result.new_count,
        updated=result.revised_count,
        deleted=result.withdrawn_count,
        ignored=ignored + result.unchanged_count,
    )


def import_values(
    sessions: sessionmaker[Session],
    *,
    principal: Principal,
    parsed: Parsed,
    request: ImportRequest,
) -> ImportSummary:
    """Translate a parsed dataValueSets body and land it as one submission, or refuse it whole."""
    authorize(principal, Action.WRITE_STATE, request.state)
    total = parsed.values.height
    with read_session(sessions) as session:
        code = members.require_state(session, request.state)
        stored = _stored(session, code)
    request = ImportRequest(**{**request.__dict__, "state": code})
    if conflicts := _scheme_conflicts(request, stored):
        return _refused(request, total, conflicts)
    values = parsed.values
    if request.strategy is ImportStrategy.DELETE:
        values = values.with_columns(pl.lit(None, pl.String).alias("value"))
    translated = translate(
        replace(parsed, values=values),
        state=code,
        scheme=stored.id_scheme,
        content=stored.content,
    )
    if translated.refused:
        return _refused(request, total, translated.refused)
    ignored = translated.ignored
    status = ImportStatus.WARNING if ignored else ImportStatus.SUCCESS
    if translated.rows.height == 0:
        done = N_("nothing to import: every value was ignored") if total else N_("no values")
        count = ImportCount(ignored=translated.ignored_count)
        return _summary(request, status, count, ignored, done)
    # The translated columns go in as they are: no file encoded here only to be decoded there.
    rows = PreRead(translated.rows.drop("_i"), *_identity(parsed, translated.rows))
    try:
        result = ingest(
            sessions,
            actor=principal,
            file=rows,
            state=code,
            file_format="parquet",
            filename=f"dhis2-dataValueSets.{request.file_format}",
            options=IngestOptions(
                dry_run=request.dry_run,
                withdraw=request.strategy is ImportStrategy.DELETE,
            ),
        )
    except InvalidInput as exc:
        return _refused(request, total, _bad_rows(exc, translated, parsed) + ignored)
    done = (
        N_("import checked: nothing was written (dry run)")
        if request.dry_run
        else N_("import completed")
    )
    count = _counts(result, request, translated.ignored_count)
    return _summary(request, status, count, ignored, done, result.id)


def _reverse(content: dict, section: str, columns: tuple[str, ...], key: str) -> pl.DataFrame:
    """One DHIS2 key per epibridge target (the first in key order when several map to one)."""
    entries = sorted(content[section].items())
    data: dict[str, list[str]] = {key: [k for k, _ in entries]}
    for column in columns:
        data[column] = [v if isinstance(v, str) else v[column] for _, v in entries]
    frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))
    return frame.unique(subset=list(columns), keep="first", maintain_order=True)


def read_values(
    session: Session,
    *,
    principal: Principal,
    state: str,
    ranges: list[tuple[date, date]],
    exact: bool,
    org_units: list[str],
    data_set: str = "",
) -> dict[str, object]:
    """A state's current values in DHIS2's JSON, through the reverse of its mapping.

    ``exact``: each range is a DHIS2 period and only values of exactly that period are
    returned; otherwise every value whose period lies in a range.
    """
    code = members.require_state(session, state)
    stored = _stored(session, code)
    content = stored.content
    start, end = min(r[0] for r in ranges), max(r[1] for r in ranges)
    found = current_values(session, principal=principal, state=code, start=start, end=end)
    bounds = pl.lit(False)
    for first, last in ranges:
        if exact:
            hit = (pl.col("period_start") == first) & (pl.col("period_end") == last)
        else:
            hit = (pl.col("period_start") >= first) & (pl.col("period_end") <= last)
        bounds = bounds | hit
    found = found.filter(bounds)
    units = _reverse(content, "org_units", ("area",), "orgUnit")
    if org_units:
        units = units.filter(pl.col("orgUnit").is_in(org_units))
    default = "HllvX50cXC0" if stored.id_scheme == "UID" else "default"
    joined = (
        found.join(
            _reverse(content, "data_elements", ("disease", "metric"), "dataElement"),
            on=["disease", "metric"],
        )
        .join(
            _reverse(
                content,
                "category_option_combos",
                ("classification", "age_group", "sex"),
                "categoryOptionCombo",
            ),
            on=["classification", "age_group", "sex"],
        )
        .join(units, on="area")
        .sort("dataElement", "orgUnit", "period_start", "categoryOptionCombo")
    )
    values = [
        {
            "dataElement": row["dataElement"],
            "period": periods.to_dhis2(row["period_start"], row["period_end"]) or "",
            "orgUnit": row["orgUnit"],
            "categoryOptionCombo": row["categoryOptionCombo"],
            "attributeOptionCombo": default,
            "value": str(row["value"]),
        }
        for row in joined.iter_rows(named=True)
    ]
    return {"dataSet": data_set, "dataValues": values}
