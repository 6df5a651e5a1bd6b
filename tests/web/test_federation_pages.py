"""The federation page over real HTTP: a member reads the nodes and their keys' status."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import utcnow, write_session
from epibridge.federation import hub, keys, trust
from epibridge.settings import Settings
from tests.helpers import OPERATOR, make_user
from tests.web.test_pages import PASSWORD, _sign_in


def test_a_member_reads_the_trusted_nodes_and_their_keys(
    live_url: str, sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    assert 'id="no-federation"' in client.get("/federation/nodes").text
    for route in ("trust-list", "node"):  # nothing to show before init: a problem, not a 500
        missing = httpx.get(f"{live_url}/api/v1/federation/{route}")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
    folder = keys.keys_dir(settings.var_dir)
    now = utcnow()
    with write_session(sessions) as session:
        trust.init_node(
            session,
            principal=OPERATOR,
            node_id="sco-hub",
            url="https://hub.example.org",
            state=None,
            hub=True,
            keys_dir=folder,
            now=now,
        )
    kaz = keys.generate(settings.var_dir / "kaz-keys")
    with write_session(sessions) as session:
        hub.add_node(
            session,
            principal=OPERATOR,
            node_id="kaz-node",
            state="KAZ",
            url="https://kaz.example.org",
            jwk=keys.jwk_line(kaz.key),
            keys_dir=folder,
            now=now,
        )
    with write_session(sessions) as session:
        hub.rotate(session, principal=OPERATOR, keys_dir=folder, overlap=timedelta(days=3), now=now)
    with write_session(sessions) as session:
        hub.revoke(
            session, principal=OPERATOR, node_id="kaz-node", kid=None, keys_dir=folder, now=now
        )
    page = client.get("/federation/nodes?lang=ru").text
    assert 'id="node-sco-hub"' in page and 'id="node-kaz-node"' in page
    assert "отозван" in page and "действует" in page  # revoked, valid (in Russian)
    # The hub's view of delivery to the node: nothing sent yet, never contacted (in Russian).
    assert 'class="peer-status"' in page and "никогда" in page
    assert kaz.kid[:16] in page and "federation-" not in page
