"""The DHIS2 mapping of each state, as loaded (one current document per state).

The mapping is small (hundreds of entries) and always read whole, to build the join tables of
an import, so it is kept as one JSON document per state rather than as rows per entry; every
load replaces it, and the audit log keeps who loaded which version (its SHA-256).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, UTCDateTime


class Dhis2Mapping(Base):
    """How one state's DHIS2 identifiers translate to epibridge's series."""

    __tablename__ = "dhis2_mappings"

    state_iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    #: ``UID`` or ``CODE``: what the keys are (a request's ``idScheme`` must agree).
    id_scheme: Mapped[str] = mapped_column(String(8), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    loaded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    #: ``data_elements``, ``category_option_combos``, ``org_units`` as validated.
    content: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
