"""The federation replica writers: bodies about the seed's KAZ event, as peers' nodes send them.

Called with a fake principal by ``test_writers`` (each must refuse it before reading the body).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session


def _q(name: str) -> str:
    return f"epibridge.{name}"


def replica_writers(seed: dict[str, Any]) -> dict[str, Callable[[Session, Any], object]]:
    """The replica writers (federation): bodies about the seed's KAZ event as KAZ's node."""
    from epibridge.notifications.service import replica_records, replicas

    ref = {"node": "kaz-node", "id": seed["event"]}

    def at() -> str:
        return seed["now"].isoformat()

    ack = {"acknowledgement": {"node": "chn-node", "id": 1}, "event": ref, "state": "CHN"}
    request = {"verification": {"node": "chn-node", "id": 1}, "event": ref}
    assessment = {"assessment": {"node": "chn-node", "id": 1}, "event": ref, "assessor": "CHN"}
    found: dict[str, Callable[..., dict[str, Any]]] = {
        "replicas.apply_version": lambda: {"event": {"node": "rus-node", "id": 1}},
        "replica_records.apply_acknowledgement": lambda: {**ack, "at": at(), "actor": "user:c"},
        "replica_records.apply_assessment": lambda: {
            **assessment,
            **{"likelihood": "likely", "consequence": "minor", "level": "moderate"},
            **{"rationale": "synthetic", "at": at(), "actor": "user:c"},
        },
        "replica_records.apply_verification_request": lambda: {
            **request,
            **{"requester_state": "CHN", "requested_at": at(), "requested_by": "user:c"},
            **{"question": "synthetic?", "due_at": at()},
        },
        "replica_records.apply_verification_answer": lambda: {
            **request,
            **{"answered_at": at(), "answered_by": "user:k", "verified": True, "answer": "yes"},
        },
    }
    modules = {"replicas": replicas, "replica_records": replica_records}

    def call(name: str) -> Callable[[Session, Any], object]:
        module, function = name.split(".")
        fn = getattr(modules[module], function)
        origin = "rus-node" if module == "replicas" else "chn-node"
        return lambda s, a: fn(s, actor=a, origin_node=origin, body=found[name](), here="kaz-node")

    from epibridge.detection.service import replicas as signals

    return {
        **{_q(f"notifications.service.{name}"): call(name) for name in found},
        _q("detection.service.replicas.apply_signal"): lambda s, a: signals.apply_signal(
            s, actor=a, origin_node="kaz-node", body={"signal": {"node": "kaz-node", "id": 1}}
        ),
    }
