"""A replica of another node's event over real HTTP: marked with its origin, never editable.

The replica is stored through the replica service as the origin node's principal, as the
federation inbox does; the event is synthetic test data.
"""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import write_session
from epibridge.federation.messages import node_principal
from epibridge.notifications import service
from epibridge.notifications.schemas import NotificationCreate
from epibridge.notifications.service import outgoing, replicas
from tests.helpers import bearer, make_user
from tests.notifications.factory import FP_KAZ, event_body
from tests.web.test_notification_pages import PASSWORD, _post, _sign_in


def _replica(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """A local event of KAZ and a replica of KAZ's node's event 900 (same values)."""
    with write_session(sessions) as session:
        data = NotificationCreate.model_validate(event_body(title="Synthetic test: replica"))
        local = service.create(session, actor=FP_KAZ, data=data).id
        body = outgoing.version_body(session, event_id=local, version=1, here="hub")
        assert body is not None
        body["event"] = {"node": "kaz-node", "id": 900}
        body["cap"]["identifier"] = "urn:epibridge:KAZ:notification:900:1"
        event, stored = replicas.apply_version(
            session, actor=node_principal("kaz-node", "KAZ"), origin_node="kaz-node", body=body
        )
        assert stored
        return local, event.id


def test_a_replica_says_where_it_comes_from_and_offers_no_edit(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    local, replica = _replica(sessions)
    token = make_user(sessions, "sec", "secretariat", password=PASSWORD)
    secretariat = _sign_in(live_url, "sec")

    page = secretariat.get(f"/notifications/{replica}").text
    assert "Replica from kaz-node; read-only" in page
    assert f"/notifications/{replica}/update" not in page
    assert f"/notifications/{replica}/close" not in page
    own = secretariat.get(f"/notifications/{local}").text
    assert "Replica from" not in own and f"/notifications/{local}/close" in own

    shown = httpx.get(f"{live_url}/api/v1/notifications/{replica}", headers=bearer(token))
    assert (shown.json()["origin_node"], shown.json()["origin_id"]) == ("kaz-node", 900)
    mine = httpx.get(f"{live_url}/api/v1/notifications/{local}", headers=bearer(token))
    assert mine.json()["origin_node"] is None

    # Posting the close form anyway is refused, in the page's words, naming the origin.
    refused = _post(secretariat, f"/notifications/{replica}/close", reason="x", kind="ended")
    assert refused.status_code == 409 and "replica from node kaz-node" in refused.text
