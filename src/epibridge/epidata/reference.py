"""Published surveillance series from outside the organization, kept apart from members' data.

They serve to demonstrate and check detection on real outbreaks. Each is stored under its own
name, country and source in tables of its own, so no query of member states' series can ever
include them.
"""

from __future__ import annotations

import calendar
import csv
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.epidata.models import ReferenceDataset, ReferenceValue
from epibridge.epidata.schemas import ReferenceDatasetRead, ReferenceSeriesRead, ReferenceValueRead
from epibridge.errors import FieldError, NotFound
from epibridge.i18n import N_
from epibridge.security import Action, Principal, authorize

_R = "R package surveillance 1.20.3 (CRAN), dataset "


@dataclass(frozen=True)
class Known:
    name: str
    title: str
    country: str
    area: str
    pathogen: str
    metric: str
    frequency: str
    source: str
    synthetic: bool = False


KNOWN: tuple[Known, ...] = (
    Known(
        "shadar",
        "Salmonella Hadar cases in Germany 2001-2006",
        "DEU",
        "",
        "Salmonella Hadar",
        "cases",
        "week",
        _R + "shadar; data from RKI SurvStat, Epidemiologisches Bulletin 31/2006",
    ),
    Known(
        "influMen_meningococcus",
        "Meningococcal infections in Germany 2001-2006",
        "DEU",
        "",
        "Neisseria meningitidis",
        "cases",
        "week",
        _R + "influMen (column meningococcus); RKI SurvStat",
    ),
    Known(
        "ha_pank",
        "Hepatitis A among adult males in Berlin-Pankow 2001-2006",
        "DEU",
        "Berlin, district Pankow",
        "Hepatitis A virus",
        "cases",
        "week",
        _R + "ha.sts (column pank); RKI SurvStat, Epidemiologisches Bulletin 33/2006",
    ),
    Known(
        "campyDE",
        "Campylobacteriosis cases in Germany 2002-2011",
        "DEU",
        "",
        "Campylobacter",
        "cases",
        "week",
        _R + "campyDE (column case); RKI SurvStat",
    ),
    Known(
        "stsNewport",
        "Salmonella Newport cases in Germany 2001-2015, by onset date",
        "DEU",
        "",
        "Salmonella Newport",
        "cases",
        "week",
        _R + "stsNewport; Salmon, Schumacher, Stark, Höhle (2015), Biometrical Journal 57(6)",
    ),
    Known(
        "momo_75_85",
        "All-cause deaths aged 75-84 in Denmark 1994-2008",
        "DNK",
        "",
        "all causes (mortality monitoring, MOMO)",
        "deaths",
        "week",
        _R + "momo (age group [75,85))",
    ),
    Known(
        "rotaBB_00_04",
        "Rotavirus cases aged 0-4 in Brandenburg 2002-2013",
        "DEU",
        "Brandenburg",
        "Rotavirus",
        "cases",
        "month",
        _R + "rotaBB (age group 00-04); RKI SurvStat",
    ),
    Known(
        "abattoir",
        "Artificial abattoir audit data inspired by Danish pig meat inspection",
        "DNK",
        "",
        "none (artificial positive audit reports)",
        "positive audits",
        "week",
        _R + "abattoir: a synthetic dataset (Höhle 2010)",
        synthetic=True,
    ),
    Known(
        "measlesWeserEms_03457",
        "Measles in district Leer (03457), Weser-Ems, Germany 2001-2002",
        "DEU",
        "Lower Saxony, Weser-Ems, district Leer",
        "Measles virus",
        "cases",
        "week",
        _R + "measlesWeserEms (district 03457); RKI SurvStat",
    ),
    Known(
        "husO104Hosp_daily",
        "Hospitalisations of HUS cases, STEC O104:H4 outbreak, Germany 2011",
        "DEU",
        "",
        "Shiga toxin-producing E. coli O104:H4",
        "hospitalisations",
        "day",
        _R + "husO104Hosp (daily count by hospitalisation date)",
    ),
)


def _period_end(start: date, frequency: str) -> date:
    if frequency == "week":
        return start + timedelta(days=6)
    if frequency == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def load(session: Session, *, actor: Principal) -> int:
    """(Re)load every shipped reference dataset; return how many."""
    # Shared data of the whole organization, like the profile: administrators' business.
    authorize(actor, Action.ADMINISTER)
    folder = resources.files("epibridge.epidata") / "data" / "reference"
    for item in KNOWN:
        existing = session.execute(
            select(ReferenceDataset).where(ReferenceDataset.name == item.name)
        ).scalar_one_or_none()
        if existing is not None:
            session.execute(delete(ReferenceValue).where(ReferenceValue.dataset_id == existing.id))
            session.delete(existing)
            session.flush()
        dataset = ReferenceDataset(
            name=item.name,
            title=item.title,
            country_iso3=item.country,
            area=item.area,
            pathogen=item.pathogen,
            metric=item.metric,
            frequency=item.frequency,
            synthetic=item.synthetic,
            source=item.source,
        )
        session.add(dataset)
        session.flush()
        rows = csv.DictReader(
            (folder / f"{item.name}.csv").read_text(encoding="utf-8").splitlines()
        )
        values = []
        for row in rows:
            start = date.fromisoformat(row["date"])
            count = row["count"].strip()
            values.append(
                {
                    "dataset_id": dataset.id,
                    "period_start": start,
                    "period_end": _period_end(start, item.frequency),
                    "value": int(count) if count not in ("", "NA") else None,
                }
            )
        session.execute(ReferenceValue.__table__.insert(), values)
        audit.record(
            session,
            actor=actor.actor,
            action="load_reference",
            entity="epidata_reference_dataset",
            entity_id=item.name,
            state={
                "name": item.name,
                "country": item.country,
                "rows": len(values),
                "source": item.source,
                "synthetic": item.synthetic,
            },
        )
    return len(KNOWN)


def _read(dataset: ReferenceDataset) -> ReferenceDatasetRead:
    read = ReferenceDatasetRead.model_validate(dataset)
    return read.model_copy(update={"dataset": f"reference:{dataset.name}"})


def list_datasets(session: Session, *, principal: Principal) -> list[ReferenceDatasetRead]:
    """List the reference datasets (published data from outside the organization)."""
    authorize(principal, Action.READ_PARTNERS)
    found = session.execute(select(ReferenceDataset).order_by(ReferenceDataset.name)).scalars()
    return [_read(d) for d in found]


def get_dataset(session: Session, *, principal: Principal, name: str) -> ReferenceSeriesRead:
    """Return one reference dataset with its values."""
    authorize(principal, Action.READ_PARTNERS)
    dataset = session.execute(
        select(ReferenceDataset).where(ReferenceDataset.name == name)
    ).scalar_one_or_none()
    if dataset is None:
        raise NotFound(
            N_("no reference dataset '{name}'"),
            [FieldError("name", "unknown", name)],
            params={"name": name},
        )
    values = session.execute(
        select(ReferenceValue)
        .where(ReferenceValue.dataset_id == dataset.id)
        .order_by(ReferenceValue.period_start)
    ).scalars()
    return ReferenceSeriesRead(
        **_read(dataset).model_dump(),
        values=[
            ReferenceValueRead(period_start=v.period_start, period_end=v.period_end, value=v.value)
            for v in values
        ],
    )
