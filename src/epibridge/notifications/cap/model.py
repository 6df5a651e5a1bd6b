"""Typed CAP 1.2 alert: the one shape that ``build_alert`` takes and ``parse_alert`` returns.

Using the same dataclasses in both directions makes "build then parse gives the same message" a
plain equality. Element names follow the CAP 1.2 specification (OASIS Standard, 1 July 2010) in
snake_case. Constructors coerce enum strings ("Actual") to the enums and reject naive datetimes:
CAP requires every time to carry its UTC offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
"""XML namespace of CAP 1.2."""

GEOCODE_ISO3166_1 = "ISO3166-1"
GEOCODE_ISO3166_2 = "ISO3166-2"


class Status(StrEnum):
    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"
    ACK = "Ack"
    ERROR = "Error"


class Scope(StrEnum):
    PUBLIC = "Public"
    RESTRICTED = "Restricted"
    PRIVATE = "Private"


class Category(StrEnum):
    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class ResponseType(StrEnum):
    SHELTER = "Shelter"
    EVACUATE = "Evacuate"
    PREPARE = "Prepare"
    EXECUTE = "Execute"
    AVOID = "Avoid"
    MONITOR = "Monitor"
    ASSESS = "Assess"
    ALL_CLEAR = "AllClear"
    NONE = "None"


class Urgency(StrEnum):
    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Severity(StrEnum):
    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


def _aware(value: datetime | None, name: str) -> datetime | None:
    """Reject naive times and drop sub-seconds, which the CAP dateTime pattern cannot carry."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (CAP times carry a UTC offset)")
    return value.replace(microsecond=0)


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class ValuePair:
    """A CAP ``valueName``/``value`` pair (``eventCode``, ``parameter``, ``geocode``)."""

    value_name: str
    value: str


@dataclass(frozen=True, slots=True)
class Circle:
    """A circle: WGS 84 centre and radius in kilometres (CAP ``circle``)."""

    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True, slots=True)
class Area:
    area_desc: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    """Each polygon is a closed ring of (lat, lon) WGS 84 points."""
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[ValuePair, ...] = ()
    altitude: float | None = None
    ceiling: float | None = None

    def __post_init__(self) -> None:
        _set(self, "polygons", tuple(tuple((p[0], p[1]) for p in ring) for ring in self.polygons))
        _set(self, "circles", tuple(self.circles))
        _set(self, "geocodes", tuple(self.geocodes))


@dataclass(frozen=True, slots=True)
class Resource:
    resource_desc: str
    mime_type: str
    size: int | None = None
    uri: str | None = None
    deref_uri: str | None = None
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class Info:
    """One ``info`` block; epibridge writes one per language of the alert."""

    language: str
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    categories: tuple[Category, ...] = (Category.HEALTH,)
    response_types: tuple[ResponseType, ...] = ()
    audience: str | None = None
    event_codes: tuple[ValuePair, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[ValuePair, ...] = ()
    resources: tuple[Resource, ...] = ()
    areas: tuple[Area, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "urgency", Urgency(self.urgency))
        _set(self, "severity", Severity(self.severity))
        _set(self, "certainty", Certainty(self.certainty))
        _set(self, "categories", tuple(Category(c) for c in self.categories))
        _set(self, "response_types", tuple(ResponseType(r) for r in self.response_types))
        for name in ("effective", "onset", "expires"):
            _set(self, name, _aware(getattr(self, name), name))
        for name in ("event_codes", "parameters", "resources", "areas"):
            _set(self, name, tuple(getattr(self, name)))


@dataclass(frozen=True, slots=True)
class Reference:
    """An earlier message this one updates, cancels or acknowledges."""

    sender: str
    identifier: str
    sent: datetime

    def __post_init__(self) -> None:
        _set(self, "sent", _aware(self.sent, "reference sent"))


@dataclass(frozen=True, slots=True)
class CapMessage:
    """A CAP 1.2 ``alert``."""

    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    scope: Scope
    source: str | None = None
    restriction: str | None = None
    addresses: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    note: str | None = None
    references: tuple[Reference, ...] = ()
    incidents: tuple[str, ...] = ()
    infos: tuple[Info, ...] = field(default=())

    def __post_init__(self) -> None:
        _set(self, "sent", _aware(self.sent, "sent"))
        _set(self, "status", Status(self.status))
        _set(self, "msg_type", MsgType(self.msg_type))
        _set(self, "scope", Scope(self.scope))
        for name in ("addresses", "codes", "incidents", "infos"):
            _set(self, name, tuple(getattr(self, name)))
        # plain (sender, identifier, sent) triples are accepted too
        refs = tuple(r if isinstance(r, Reference) else Reference(*r) for r in self.references)
        _set(self, "references", refs)


ParsedAlert = CapMessage
"""What ``parse_alert`` returns: the same type as the input of ``build_alert``."""
