"""CAP 1.2 (OASIS Common Alerting Protocol) alerts: build, validate and safely parse them.

epibridge exchanges event notifications with member states' systems as CAP 1.2, validated against
the OASIS schema bundled in ``epibridge/notifications/schemas_cap/``.
"""

from epibridge.notifications.cap.build import build_alert, check_message
from epibridge.notifications.cap.mapping import (
    RISK_TO_CAP,
    STATUS_BY_MODE,
    EventMode,
    is_actionable,
    iso3166_geocode,
    severity_urgency,
    status_for,
)
from epibridge.notifications.cap.model import (
    CAP_NS,
    GEOCODE_ISO3166_1,
    GEOCODE_ISO3166_2,
    Area,
    CapMessage,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    ParsedAlert,
    Reference,
    Resource,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
    ValuePair,
)
from epibridge.notifications.cap.parse import parse_alert
from epibridge.notifications.cap.schema import (
    DEFAULT_MAX_BYTES,
    CapValidationError,
    Issue,
    validate,
)

__all__ = [
    "CAP_NS",
    "DEFAULT_MAX_BYTES",
    "GEOCODE_ISO3166_1",
    "GEOCODE_ISO3166_2",
    "RISK_TO_CAP",
    "STATUS_BY_MODE",
    "Area",
    "CapMessage",
    "CapValidationError",
    "Category",
    "Certainty",
    "Circle",
    "EventMode",
    "Info",
    "Issue",
    "MsgType",
    "ParsedAlert",
    "Reference",
    "Resource",
    "ResponseType",
    "Scope",
    "Severity",
    "Status",
    "Urgency",
    "ValuePair",
    "build_alert",
    "check_message",
    "is_actionable",
    "iso3166_geocode",
    "parse_alert",
    "severity_urgency",
    "status_for",
    "validate",
]
