"""The assistance forms: the names pages show, the catalogue lines of a request or an offer, and
turning a submitted form into the service's input (``RequestCreate``, ``OfferCreate``).

A line's unit is the catalogue's unit of the item chosen, so a person picks an item and types a
quantity; the service checks the lines (its errors name ``lines.N.x``, shown beside row N of
the form, whose filled rows ``compacted`` moves up).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.responses import Response
from starlette.datastructures import FormData

from epibridge import i18n
from epibridge.assistance.catalogue import catalogue
from epibridge.assistance.schemas import OfferCreate, RequestCreate
from epibridge.db import read_session, utcnow
from epibridge.errors import DomainError, FieldError
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.notifications import service as notifications
from epibridge.security import Principal, Role
from epibridge.web.context import Web, text
from epibridge.web.dashboard import translated
from epibridge.web.form_input import day, form_page, validated, whole

M = TypeVar("M", RequestCreate, OfferCreate)

#: How many line rows a form offers (empty rows are left out).
LINE_ROWS = 4
#: Events offered for linking a request: the newest ones the caller may see.
EVENT_CHOICES = 50

URGENCY_NAMES = {
    "immediate": N_("Immediate"),
    "expected": N_("Expected"),
    "future": N_("Future"),
}
COMMITMENT_NAMES = {
    "pledged": N_("Pledged"),
    "dispatched": N_("Dispatched"),
    "delivered": N_("Delivered"),
    "confirmed": N_("Receipt confirmed"),
    "released": N_("Released"),
}
REQUEST_STATUS_NAMES = {
    "open": N_("Open"),
    "fulfilled": N_("Fulfilled"),
    "cancelled": N_("Cancelled"),
}
OFFER_STATUS_NAMES = {"open": N_("Open"), "withdrawn": N_("Withdrawn")}
VISIBILITY_NAMES = {
    "members": N_("Member states and the Secretariat"),
    "partners": N_("Also observers and partners"),
}
#: The button that moves a commitment to each status.
STEP_BUTTONS = {
    "dispatched": N_("Mark dispatched"),
    "delivered": N_("Mark delivered"),
    "confirmed": N_("Confirm receipt"),
    "released": N_("Release the pledge"),
}
LABELS = {
    "state": N_("State"),
    "urgency": N_("Urgency"),
    "delivery_point": N_("Delivery point"),
    "delivery_latitude": N_("Latitude"),
    "delivery_longitude": N_("Longitude"),
    "needed_by": N_("Needed by"),
    "event_id": N_("Linked event"),
    "visibility": N_("Shared with"),
    "note": N_("Note"),
    "lines": N_("Lines"),
    "request_id": N_("Request"),
    "available_from": N_("Available from"),
    "expected_delivery": N_("Expected delivery"),
    "commit": N_("Pledge at once"),
    "quantity": N_("Quantity"),
    "reason": N_("Reason"),
    "on": N_("Date"),
    "status": N_("Status"),
    "request_line_id": N_("Request line"),
    "offer_line_id": N_("Offer line"),
}
LINE_PARTS = {
    "item": N_("item"),
    "quantity": N_("quantity"),
    "unit": N_("unit"),
    "note": N_("note"),
}
LINE_LABEL = N_("Line %(n)s, %(part)s")
CHOOSE_ITEM = N_("choose an item for this quantity")
_LINE = re.compile(r"^line-(\d+)-(\w+)$")


def names(web: Web) -> dict[str, Any]:
    return {
        "urgency_names": translated(web, URGENCY_NAMES),
        "commitment_names": translated(web, COMMITMENT_NAMES),
        "request_status_names": translated(web, REQUEST_STATUS_NAMES),
        "offer_status_names": translated(web, OFFER_STATUS_NAMES),
        "visibility_names": translated(web, VISIBILITY_NAMES),
        "step_buttons": translated(web, STEP_BUTTONS),
        "items": catalogue(),
    }


def label_of(web: Web, name: str) -> str | None:
    """The label of a form control (translated), for the list of problems."""
    found = _LINE.match(name)
    if found:
        part = web.gettext(LINE_PARTS.get(found.group(2), found.group(2)))
        return web.gettext(LINE_LABEL) % {"n": int(found.group(1)) + 1, "part": part}
    return LABELS.get(name)


def compacted(values: dict[str, str]) -> tuple[dict[str, str], Callable[[str], str]]:
    """The form's values with its filled rows moved up, and a renaming of problems to match.

    The service numbers the lines it was sent (``lines.K.x``, "line K+1: ..."); with the filled
    rows shown first and in order, its line K is the form's row K, so the row a problem is
    shown beside and its label ("Line K+1") say the same as the service's message.
    """
    order = [
        row
        for row in range(LINE_ROWS)
        if any(values.get(f"line-{row}-{part}") for part in ("item", "quantity", "note"))
    ]
    out = {key: value for key, value in values.items() if not _LINE.match(key)}
    for new, row in enumerate(order):
        for part in ("item", "quantity", "note"):
            out[f"line-{new}-{part}"] = values.get(f"line-{row}-{part}", "")

    def rename(name: str) -> str:
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            return f"line-{parts[1]}-{parts[2]}"
        found = _LINE.match(name)
        if found and int(found.group(1)) in order:
            return f"line-{order.index(int(found.group(1)))}-{found.group(2)}"
        return name

    return out, rename


def filled_form(
    web: Web,
    template: str,
    context: dict[str, Any],
    values: dict[str, str],
    refusal: DomainError | None,
) -> Response:
    """A request or offer form with its line rows, filled rows first (see ``compacted``); when
    refused, with what was typed and each problem beside its control."""
    values, rename = compacted(values)
    context = {**context, "values": values, "rows": range(LINE_ROWS), **names(web)}
    return form_page(web, template, context, refusal, lambda name: label_of(web, name), rename)


def lines_of(form: FormData, problems: list[FieldError]) -> list[dict[str, Any]]:
    """The filled rows as service lines, the unit the catalogue's for the item chosen."""
    items = catalogue()
    lines: list[dict[str, Any]] = []
    for row in range(LINE_ROWS):
        item = text(form, f"line-{row}-item")
        typed = text(form, f"line-{row}-quantity")
        note = text(form, f"line-{row}-note") or None
        if not item and not typed and not note:
            continue
        if not item:
            problems.append(FieldError(f"line-{row}-item", CHOOSE_ITEM))
        quantity = whole(typed, f"line-{row}-quantity", problems, required=True)
        if not item or quantity is None:
            continue
        known = items.get(item)
        unit = known.unit if known else "-"
        lines.append({"item": item, "quantity": quantity, "unit": unit, "note": note})
    return lines


def _checked(model: type[M], payload: dict[str, Any], problems: list[FieldError]) -> M:
    # A wrong row is named already: "no line" is not said on top of it.
    named_rows = any(p.field.startswith("line-") for p in problems)
    return validated(model, payload, problems, frozenset({"lines"} if named_rows else ()))


def form_values(form: FormData) -> dict[str, str]:
    """What was typed, to fill the form again when it comes back with problems."""
    return {key: text(form, key) for key in form if key != "csrf_token"}


def request_input(form: FormData, principal: Principal) -> RequestCreate:
    """The request the form describes; ``InvalidInput`` naming every wrong field otherwise."""
    problems: list[FieldError] = []
    lines = lines_of(form, problems)
    event = whole(text(form, "event_id"), "event_id", problems)
    payload: dict[str, Any] = {
        "state": text(form, "state") or principal.state or "",
        "urgency": text(form, "urgency"),
        "delivery_point": text(form, "delivery_point"),
        "needed_by": day(text(form, "needed_by"), "needed_by", problems, required=True),
        "event_id": event,
        "visibility": text(form, "visibility") or "members",
        "note": text(form, "note") or None,
        "lines": lines,
    }
    return _checked(RequestCreate, payload, problems)


def offer_input(form: FormData, principal: Principal) -> OfferCreate:
    """The offer the form describes (an answer to a request when it names one)."""
    problems: list[FieldError] = []
    lines = lines_of(form, problems)
    state = text(form, "state")
    if principal.role is not Role.SECRETARIAT:
        state = state or principal.state or ""
    payload: dict[str, Any] = {
        "state": None if state in ("", "SECRETARIAT") else state,
        "request_id": whole(text(form, "request_id"), "request_id", problems),
        "available_from": day(text(form, "available_from"), "available_from", problems),
        "expected_delivery": day(text(form, "expected_delivery"), "expected_delivery", problems),
        "visibility": text(form, "visibility") or "members",
        "note": text(form, "note") or None,
        "commit": text(form, "commit") == "yes",
        "lines": lines,
    }
    return _checked(OfferCreate, payload, problems)


def state_choices(web: Web, principal: Principal) -> dict[str, str]:
    """The states the form offers to act for: one's own; the Secretariat any member state."""
    with read_session(web.sessions) as session:
        names_ = members.state_names(
            session, on=utcnow().date(), lang=web.lang, status=MembershipStatus.MEMBER
        )
    if principal.role is Role.SECRETARIAT:
        return names_
    return (
        {principal.state: names_.get(principal.state, principal.state)} if principal.state else {}
    )


def event_choices(web: Web, principal: Principal, state: str | None) -> list[Any]:
    """The newest events the caller may see (of ``state`` when given), to link a request to."""
    with read_session(web.sessions) as session:
        page = notifications.list_events(
            session, actor=principal, limit=EVENT_CHOICES, state=state or None
        )
        return [
            {
                "id": e.id,
                "title": i18n.localized(e, "title", web.lang),
                "state": e.state,
                "onset": e.onset_date,
            }
            for e in page.items
        ]
