"""Issue 18, section 6, with three real servers (hub, KAZ node, CHN node) on loopback.

A notification made through KAZ's own API reaches the hub and CHN, marked with its origin;
CHN acknowledges on its node and KAZ sees it; a node stopped during traffic catches up after
restart with nothing lost or doubled; the contract's `sync` and `status --format json`.
The refusals (tampered, replayed, expired key, revoked key, another state) are in
test_three_nodes_refusals.py, the observations in test_three_nodes_data.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import BACKENDS
from tests.federation.nodes import Federation, Node, wait_for
from tests.notifications.factory import event_body

pytestmark = pytest.mark.xdist_group("federation-nodes")


def _listed(node: Node, headers: dict[str, str], title: str) -> list[dict[str, Any]]:
    page = node.get("/api/v1/notifications?limit=500", headers)
    return [item for item in page["items"] if item["title"] == title]


def _notify(node: Node, headers: dict[str, str], title: str) -> dict[str, Any]:
    response = node.post("/api/v1/notifications", headers, json=event_body(title=title))
    assert response.status_code == 201, response.text
    return response.json()


def _flow(nodes: Federation) -> None:
    hub, kaz, chn = nodes
    fp_kaz = kaz.token("fp-kaz", "focal_point", "KAZ")
    fp_chn = chn.token("fp-chn", "focal_point", "CHN")
    sec = hub.token("sec", "secretariat")
    title = "Synthetic federation test: cholera cluster in Almaty"
    _notify(kaz, fp_kaz, title)
    kaz.sync()
    hub.sync()
    on_hub = _listed(hub, sec, title)
    assert len(on_hub) == 1, on_hub
    assert on_hub[0]["origin_node"] == "kaz"
    chn.sync()
    on_chn = _listed(chn, fp_chn, title)
    assert len(on_chn) == 1 and on_chn[0]["origin_node"] == "kaz", on_chn
    # CHN acknowledges on its own node; the acknowledgement travels CHN -> hub -> KAZ.
    event_on_chn = on_chn[0]["id"]
    ack = chn.post(f"/api/v1/notifications/{event_on_chn}/acknowledgements", fp_chn)
    assert ack.status_code == 201, ack.text
    chn.sync()
    hub.sync()
    kaz.sync()
    own = _listed(kaz, fp_kaz, title)[0]
    detail = kaz.get(f"/api/v1/notifications/{own['id']}", fp_kaz)
    acknowledged = [a["state"] for a in detail["acknowledgements"]["acknowledged"]]
    assert "CHN" in acknowledged, detail["acknowledgements"]
    # Every round answered: nothing queued or refused anywhere.
    for node in (hub, kaz, chn):
        for peer in node.status().values():
            assert peer["queued"] == 0 and peer["failed"] == 0, (node.name, peer)
            assert peer["last_contact"] is not None


def test_a_kaz_notification_reaches_hub_and_chn_and_chn_acknowledges(
    sqlite_nodes: Federation,
) -> None:
    _flow(sqlite_nodes)


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL not selected")
def test_the_same_flow_on_postgresql(pg_nodes: Federation) -> None:
    _flow(pg_nodes)


def test_a_stopped_node_catches_up_with_nothing_lost_or_doubled(
    sqlite_nodes: Federation,
) -> None:
    hub, kaz, chn = sqlite_nodes
    fp_kaz = kaz.token("fp-kaz-2", "focal_point", "KAZ")
    fp_chn = chn.token("fp-chn-2", "focal_point", "CHN")
    chn.stop()
    titles = [f"Synthetic catch-up test {i}" for i in range(5)]
    for title in titles[:3]:
        _notify(kaz, fp_kaz, title)
    kaz.sync()
    failed = hub.sync(ok=False)
    assert failed.exit_code == 1 and "chn" in failed.output
    status = hub.status()
    assert status["chn"]["queued"] >= 3 and status["chn"]["last_error"], status
    for title in titles[3:]:
        _notify(kaz, fp_kaz, title)
    kaz.sync()
    hub.sync(ok=False)
    # Restarted as `epibridge serve` runs it in production: with its push-and-pull loop, which
    # catches up on its own (no `sync` on CHN).
    chn.serve_args = ["--no-worker"]
    chn.start()

    def caught_up() -> bool:
        return all(len(_listed(chn, fp_chn, title)) == 1 for title in titles)

    assert wait_for(caught_up, timeout=120), [_listed(chn, fp_chn, t) for t in titles]
    hub.sync()
    for title in titles:
        assert len(_listed(chn, fp_chn, title)) == 1, title  # once each: nothing doubled
    assert hub.status()["chn"]["queued"] == 0
