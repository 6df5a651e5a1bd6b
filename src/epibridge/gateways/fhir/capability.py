"""The CapabilityStatement: what a FHIR client may ask of this server, read by tools first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from epibridge import __version__
from epibridge.gateways.fhir import codes

SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("state", "token", "ISO 3166-1 alpha-3 code of the reporting state; repeat or comma-separate."),
    ("disease", "token", "ICD-10 code of the disease (required), e.g. J11, U07.1."),
    ("metric", "token", "cases (default), deaths, hospitalisations, tests, ..."),
    ("area", "token", "ISO 3166-2 code of the area; empty for the whole state."),
    (
        "period",
        "date",
        "2024-W05, 2024-01 or 2024-01-15, prefixed eq (default), ge, gt, le or lt; repeatable.",
    ),
    ("granularity", "token", "day, week or month: the span of each report."),
    ("_count", "number", "Reports per page."),
)


def statement(base: str, now: datetime) -> dict[str, Any]:
    """The server's CapabilityStatement (FHIR 4.0.1, JSON only)."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": now.isoformat(timespec="seconds"),
        "kind": "instance",
        "software": {"name": "epibridge", "version": __version__},
        "implementation": {
            "description": "epibridge FHIR gateway: aggregate counts as MeasureReports",
            "url": f"{base}{codes.PREFIX}",
        },
        "fhirVersion": codes.FHIR_VERSION,
        "format": ["json", codes.MEDIA_TYPE],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Send an epibridge API token: 'Authorization: Bearer TOKEN'."
                },
                "resource": [
                    {
                        "type": "MeasureReport",
                        "interaction": [{"code": "search-type"}, {"code": "create"}],
                        "searchParam": [
                            {"name": name, "type": kind, "documentation": text}
                            for name, kind, text in SEARCH_PARAMS
                        ],
                    }
                ],
                "interaction": [{"code": "transaction"}],
            }
        ],
    }
