"""What a message says, read the same way by e-mail, feed and filters, whatever its shape.

Publishers put either flat fields in the payload (``title``, ``state``, ...) or a summary of
the entity under ``event`` (the notifications domain does); both are understood.
"""

from __future__ import annotations

from typing import Any

from epibridge.notifications.schemas import COUNT_FIELDS


def describe(payload: Any, *, base_url: str = "") -> dict[str, Any]:
    """Return the flat fields of a payload: title, state, disease, status, counts, link."""
    if not isinstance(payload, dict):
        return {}
    nested = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    merged: dict[str, Any] = {**nested, **{k: v for k, v in payload.items() if k != "event"}}
    counts = merged.get("counts") if isinstance(merged.get("counts"), dict) else {}
    for name in COUNT_FIELDS:
        if merged.get(name) is None and counts.get(name) is not None:
            merged[name] = counts[name]
    link = merged.get("link")
    links = merged.get("links")
    if not link and isinstance(links, dict) and isinstance(links.get("self"), str):
        link = links["self"]
    if isinstance(link, str) and link.startswith("/"):
        link = base_url + link
    merged["link"] = link
    return merged
