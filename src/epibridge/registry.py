"""Imports every ORM model so ``Base.metadata`` knows all tables (Alembic, tests)."""

from __future__ import annotations

from epibridge import audit
from epibridge.api import models as api_models
from epibridge.db import Base
from epibridge.members import models as members_models

__all__ = ["Base", "api_models", "audit", "members_models"]
