"""Imports every ORM model so ``Base.metadata`` knows all tables (Alembic, tests)."""

from __future__ import annotations

from epibridge import audit
from epibridge.api import models as api_models
from epibridge.assistance import models as assistance_models  # noqa: F401
from epibridge.borders import models as borders_models  # noqa: F401
from epibridge.consultations import models as consultations_models  # noqa: F401
from epibridge.db import Base
from epibridge.detection import models as detection_models  # noqa: F401
from epibridge.epidata import models as epidata_models  # noqa: F401
from epibridge.federation import models as federation_models  # noqa: F401
from epibridge.federation import sharing_models as federation_sharing_models  # noqa: F401
from epibridge.federation.transport import models as federation_transport_models  # noqa: F401
from epibridge.gateways.dhis2 import models as dhis2_models  # noqa: F401
from epibridge.members import models as members_models
from epibridge.notifications import models as notifications_models  # noqa: F401
from epibridge.notifications.outbox import models as outbox_models
from epibridge.preparedness import models as preparedness_models  # noqa: F401
from epibridge.reports import models as reports_models  # noqa: F401
from epibridge.timeliness import models as timeliness_models  # noqa: F401

# Each domain's models module is imported here, one line per domain.

__all__ = ["Base", "api_models", "audit", "members_models", "outbox_models"]
