"""Counting a decision: its snapshot, the tally of positions, and the outcome under the rule.

Pure functions of a ``Decision`` row: ``decisions`` closes a decision with ``outcome``, the read
models show ``tally``.
"""

from __future__ import annotations

from typing import Any

from epibridge.consultations.models import Decision
from epibridge.consultations.outcomes import OUTCOMES, percent
from epibridge.consultations.statuses import Procedure, Stance


def decision_snapshot(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.id,
        "document_id": decision.document_id,
        "version": decision.version_number,
        "procedure": decision.procedure,
        "decision_rule": decision.decision_rule,
        "participation": decision.participation,
        "member_states": decision.member_states,
        "deadline": decision.deadline,
        "status": decision.status,
        "outcome": decision.outcome,
    }


def tally(decision: Decision) -> dict[str, Any]:
    """Count the positions, name the silent states and the share that took part."""
    given = {p.state_iso3: p.position for p in decision.positions}
    total = len(decision.member_states) or 1
    return {
        **{stance.value: sum(1 for p in given.values() if p == stance) for stance in Stance},
        "silent": [s for s in decision.member_states if s not in given],
        "participation": round(len(given) / total, 4),
        "participation_required": decision.participation,
    }


def outcome(decision: Decision) -> tuple[bool, str, dict[str, Any]]:
    """Whether the decision adopts its version, and why: a message id and its parameters."""
    counts = tally(decision)
    objections = [p for p in decision.positions if p.position == Stance.OBJECT]
    silence = decision.procedure == Procedure.SILENCE
    # Under the silence procedure a state that says nothing consents, so every state counts.
    participation_met = silence or counts["participation"] + 1e-9 >= decision.participation
    shares = {
        "share": percent(counts["participation"]),
        "required": percent(decision.participation),
    }
    votes = {"support": counts["support"], "object": counts["object"]}
    if decision.decision_rule == "majority":
        if not participation_met:
            return False, OUTCOMES["short"], shares
        if counts["support"] > counts["object"]:
            return True, OUTCOMES["majority"], votes
        return False, OUTCOMES["no_majority"], votes
    if objections:
        named = "; ".join(f"{p.state_iso3}: {p.reasons}" for p in objections)
        return False, OUTCOMES["objection"], {"objections": named}
    if not participation_met:
        return False, OUTCOMES["short_silent"], {**shares, "silent": ", ".join(counts["silent"])}
    if silence:
        return True, OUTCOMES["silence"], {"deadline": f"{decision.deadline:%Y-%m-%d %H:%M} UTC"}
    return True, OUTCOMES["consensus"], {"share": shares["share"]}
