"""The small text formats CAP packs inside elements: times, address lists, references, shapes.

Shared by the builder and the parser so that both sides agree byte for byte.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from epibridge.errors import InvalidValue
from epibridge.i18n import N_
from epibridge.notifications.cap.model import Circle, Reference

_LIST_ITEM = re.compile(r'"([^"]*)"|(\S+)')


def format_time(value: datetime) -> str:
    """Format as CAP wants: seconds, explicit offset, and UTC written ``-00:00`` (CAP 1.2 3.3.2)."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("CAP times must be timezone-aware")
    if offset % timedelta(minutes=1):
        raise ValueError(f"UTC offset {offset} has seconds; CAP offsets are hours and minutes")
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes <= 0 else "+"
    hh, mm = divmod(abs(minutes), 60)
    return f"{value.replace(tzinfo=None).isoformat(timespec='seconds')}{sign}{hh:02d}:{mm:02d}"


def parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue(
            N_("time {text} is not a date and time such as 2024-05-01T08:30:00+05:00"),
            {"text": repr(text)},
        ) from None
    if value.tzinfo is None:
        raise InvalidValue(N_("time {text} has no UTC offset"), {"text": repr(text)})
    return value


def format_list(items: tuple[str, ...]) -> str:
    """Space-separated, items containing whitespace in double quotes (addresses, incidents)."""
    out = []
    for item in items:
        if '"' in item:
            raise ValueError(f"list item {item!r} contains a double quote")
        out.append(f'"{item}"' if re.search(r"\s", item) else item)
    return " ".join(out)


def parse_list(text: str) -> tuple[str, ...]:
    return tuple(
        m.group(1) if m.group(1) is not None else m.group(2) for m in _LIST_ITEM.finditer(text)
    )


def format_references(refs: tuple[Reference, ...]) -> str:
    return " ".join(f"{r.sender},{r.identifier},{format_time(r.sent)}" for r in refs)


def parse_references(text: str) -> tuple[Reference, ...]:
    refs = []
    for token in text.split():
        parts = token.split(",")
        if len(parts) != 3:
            raise InvalidValue(
                N_("reference {token} is not 'sender,identifier,sent'"), {"token": repr(token)}
            )
        refs.append(Reference(parts[0], parts[1], parse_time(parts[2])))
    return tuple(refs)


def _num(x: float) -> str:
    return repr(float(x))


def format_polygon(ring: tuple[tuple[float, float], ...]) -> str:
    return " ".join(f"{_num(lat)},{_num(lon)}" for lat, lon in ring)


def parse_polygon(text: str) -> tuple[tuple[float, float], ...]:
    ring = []
    for pair in text.split():
        lat, sep, lon = pair.partition(",")
        try:
            if not sep:
                raise ValueError(pair)
            ring.append((float(lat), float(lon)))
        except ValueError:
            raise InvalidValue(
                N_("polygon point {pair} is not 'lat,lon'"), {"pair": repr(pair)}
            ) from None
    return tuple(ring)


def format_circle(circle: Circle) -> str:
    return f"{_num(circle.lat)},{_num(circle.lon)} {_num(circle.radius_km)}"


def parse_circle(text: str) -> Circle:
    centre, _, radius = text.strip().partition(" ")
    lat, sep, lon = centre.partition(",")
    try:
        if not sep:
            raise ValueError(text)
        return Circle(float(lat), float(lon), float(radius))
    except ValueError:
        raise InvalidValue(
            N_("circle {text} is not 'lat,lon radius'"), {"text": repr(text)}
        ) from None
