"""How a decision ended, in words: message ids with parameters, shown in the reader's language.

The decision rule (``service.decisions``) says whether a version is adopted and why; it stores
the reason twice: in ``outcome`` the English sentence (what the API, the audit log and the CLI
show, as before), and in ``outcome_message`` the message id and its parameters, from which a
page renders it for its reader. Decisions closed before ``outcome_message`` existed show
their English sentence.
"""

from __future__ import annotations

from typing import Any

from epibridge import i18n
from epibridge.i18n import N_

#: The outcomes a decision closes with.
OUTCOMES = {
    "short": N_("not adopted: {share}% of member states took a position, {required}% required"),
    "majority": N_("adopted by majority: {support} for, {object} against"),
    "no_majority": N_("not adopted: {support} for, {object} against"),
    "objection": N_("not adopted: objection by {objections}"),
    "short_silent": N_(
        "not adopted: {share}% of member states took a position, {required}% required "
        "(silent: {silent})"
    ),
    "silence": N_("adopted under the silence procedure: no objection by {deadline}"),
    "consensus": N_(
        "adopted by consensus: no objection, {share}% of member states took a position"
    ),
    "withdrawn": N_("withdrawn: version {version} superseded by {number}"),
}


def percent(share: float) -> str:
    """A share as an outcome writes it (``0.5`` → ``50``; the sign is the message's)."""
    return f"{share:.0%}".removesuffix("%")


def outcome_in(decision: Any, lang: str) -> str:
    """The outcome of a decision (row or read model) in ``lang``; "" while it is open."""
    message = getattr(decision, "outcome_message", None)
    if message and message.get("id"):
        return i18n.message(message["id"], message.get("params"), lang)
    return getattr(decision, "outcome", None) or ""
