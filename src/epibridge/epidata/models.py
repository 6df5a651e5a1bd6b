"""Tables of the epidemic database.

A series (state, area, disease, metric, classification, age group, sex) is stored once and
observations point at it, so the large table holds only the series id, the period, the value
and its version. Observations are append-only: a new value for a key supersedes the previous
one (``superseded_at`` is set) instead of replacing it, so "what was known at time T" stays
answerable. The table has exactly one index, its primary key (series, period, version): every
query narrows by series first, and each index maintained during a bulk load costs more than
parsing the rows (migration ``0012``). On SQLite the table is ``WITHOUT ROWID``, so the rows
live in that one B-tree.
Reference datasets (published series from other countries) have tables of their own so that
they can never be mixed into member states' series.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, UTCDateTime

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class Submission(Base):
    """One accepted file of observations from (or on behalf of) one state."""

    __tablename__ = "epidata_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state_iso3: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    submitted_by: Mapped[str] = mapped_column(String(200), nullable=False)
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    file_format: Mapped[str] = mapped_column(String(16), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(_BIGINT, nullable=False)
    row_count: Mapped[int] = mapped_column(Integer, nullable=False)
    new_count: Mapped[int] = mapped_column(Integer, nullable=False)
    revised_count: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Keys whose value this submission withdrew (``Observation.withdrawn``).
    withdrawn_count: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: Replicas only (NULL on local records): the node it came from and its id there.
    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[str | None] = mapped_column(String(64))


class Series(Base):
    """One reported series; ``synthetic`` sticks once any synthetic submission wrote to it."""

    __tablename__ = "epidata_series"
    __table_args__ = (
        UniqueConstraint(
            "state_iso3",
            "disease",
            "metric",
            "classification",
            "area",
            "age_group",
            "sex",
            name="uq_epidata_series_key",
        ),
        Index("ix_epidata_series_lookup", "disease", "metric", "classification", "state_iso3"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state_iso3: Mapped[str] = mapped_column(String(3), nullable=False)
    area: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    disease: Mapped[str] = mapped_column(String(16), nullable=False)
    metric: Mapped[str] = mapped_column(String(24), nullable=False)
    classification: Mapped[str] = mapped_column(String(16), nullable=False)
    age_group: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    sex: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Observation(Base):
    """One version of one value; ``value`` NULL means "not reported", which is not zero.

    At most one version of a key is current (``superseded_at IS NULL``): the import supersedes
    the current version in the same transaction as it inserts the next one, under the state's
    lock, and the primary key refuses a version number computed twice.
    """

    __tablename__ = "epidata_observations"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    # No foreign keys on this table: checking them row by row made bulk loads ten times
    # slower, and the import creates the series and the submission referenced here in the
    # same transaction as the rows (which are never deleted).
    series_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    period_end: Mapped[date] = mapped_column(Date, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int | None] = mapped_column(_BIGINT, nullable=True)
    submission_id: Mapped[int] = mapped_column(Integer, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: A withdrawal: this version says the value no longer exists (``value`` is NULL). Readers
    #: treat the key as absent from this version on; the history still lists every version.
    withdrawn: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )


class ReferenceDataset(Base):
    """A published series from outside the organization, kept under its true name and country."""

    __tablename__ = "epidata_reference_datasets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    country_iso3: Mapped[str] = mapped_column(String(3), nullable=False)
    area: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    pathogen: Mapped[str] = mapped_column(String(200), nullable=False)
    metric: Mapped[str] = mapped_column(String(24), nullable=False)
    frequency: Mapped[str] = mapped_column(String(8), nullable=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)


class ReferenceValue(Base):
    """One period's count of a reference dataset."""

    __tablename__ = "epidata_reference_values"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("epidata_reference_datasets.id"), primary_key=True
    )
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    value: Mapped[int | None] = mapped_column(_BIGINT, nullable=True)
