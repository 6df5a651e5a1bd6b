"""Webhooks cannot be aimed inward (SSRF): refused at subscription time and again at send time.

Real server, real receivers on 127.0.0.1: loopback is refused unless
``EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS`` lists it (this folder's ``settings`` fixture opens it;
these tests close it again where the refusal is the point).
"""

from __future__ import annotations

import ipaddress
import socket

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.notifications.outbox.addresses import allowed, literal, parse_networks
from epibridge.notifications.outbox.worker import Worker
from epibridge.settings import Settings
from tests.helpers import bearer, make_user
from tests.notifications.outbox.receivers import http_receiver
from tests.notifications.outbox.test_delivery import FAST, notify, statuses, subscribe
from tests.support.server import live_server

INWARD = [
    "http://127.0.0.1:5432/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://localhost/",
    "http://localhost./",
    "http://db.localhost/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://10.0.0.5/",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://[fd12:3456::1]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://192.0.2.10/",
    "http://[2002:7f00:1::]/",
    "http://[64:ff9b::a00:1]/",
]


def inward_host_name() -> str | None:
    """This machine's name when /etc/hosts (the resolver) maps it to loopback, as Debian does."""
    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except OSError:
        return None
    found = {ipaddress.ip_address(str(info[4][0])) for info in infos}
    return name if found and all(a.is_loopback for a in found) else None


def closed(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_networks": ""})


def test_public_and_inward_addresses_are_told_apart() -> None:
    for public in ("8.8.8.8", "2606:4700:4700::1111", "93.184.216.34"):
        assert allowed(ipaddress.ip_address(public))
    opened = parse_networks("10.20.0.0/16, fd00:12::/32")
    assert allowed(ipaddress.ip_address("10.20.3.4"), opened)
    assert allowed(ipaddress.ip_address("::ffff:10.20.3.4"), opened)
    assert not allowed(ipaddress.ip_address("10.21.0.1"), opened)
    assert literal("2130706433") == literal("0x7f.1") == ipaddress.ip_address("127.0.0.1")
    with pytest.raises(ValueError):
        Settings(webhook_allow_networks="10.0.0.0/33")


def test_inward_urls_are_refused_with_422_on_url(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    token = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    with live_server(closed(settings)) as base:
        api = f"{base}/api/v1/subscriptions"
        name = inward_host_name()
        resolved = [f"http://{name}:5432/"] if name else []
        for url in INWARD + resolved:
            answer = httpx.post(api, headers=token, json={"kind": "webhook", "url": url})
            assert answer.status_code == 422, (url, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in answer.json()["errors"]] == ["url"], url
        # A change of address is checked the same way.
        made = httpx.post(
            api, headers=token, json={"kind": "webhook", "url": "https://93.184.216.34/hook"}
        )
        assert made.status_code == 201, made.text
        moved = httpx.patch(
            f"{api}/{made.json()['id']}", headers=token, json={"url": "http://127.0.0.1:5432/"}
        )
        assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "url"
        listed = httpx.get(api, headers=token).json()["items"]
        assert [s["url"] for s in listed] == ["https://93.184.216.34/hook"]


def test_a_listed_network_opens_loopback(live_url: str, sessions: sessionmaker[Session]) -> None:
    # live_url serves this folder's settings: EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS=127.0.0.0/8,::1
    token = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    api = f"{live_url}/api/v1/subscriptions"
    for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/hook"):
        answer = httpx.post(api, headers=token, json={"kind": "webhook", "url": url})
        assert answer.status_code == 201, (url, answer.text)
    outside = httpx.post(api, headers=token, json={"kind": "webhook", "url": "http://10.1.2.3/"})
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "url"


def test_observers_hold_no_webhooks_but_may_have_e_mail(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    observer = bearer(make_user(sessions, "obs-mng", "observer", "MNG"))
    admin = bearer(make_user(sessions, "admin", "admin"))
    api = f"{live_url}/api/v1/subscriptions"
    hook = {"kind": "webhook", "url": "https://93.184.216.34/hook"}
    assert httpx.post(api, headers=observer, json=hook).status_code == 403
    # Not even an administrator can give an observer one.
    given = httpx.post(api, headers=admin, json={**hook, "owner": "obs-mng"})
    assert given.status_code == 403, given.text
    mail = {"kind": "email", "email": "duty@mng.example"}
    assert httpx.post(api, headers=observer, json=mail).status_code == 201


def test_send_time_check_refuses_what_dns_or_settings_no_longer_allow(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with http_receiver() as receiver:
        # Created while loopback was open (say, the name pointed elsewhere then) ...
        sub, _ = subscribe(sessions, "fp-kaz", kind="webhook", url=receiver.url("/ok/inside"))
        by_name, _ = subscribe(
            sessions,
            "fp-kaz",
            kind="webhook",
            url=receiver.url("/ok/by-name").replace("127.0.0.1", "localhost"),
        )
        name = inward_host_name()
        extra = []
        if name:  # a name the resolver (not the localhost rule) maps to 127.0.0.1
            resolved, _ = subscribe(
                sessions,
                "fp-kaz",
                kind="webhook",
                url=receiver.url("/ok/resolved").replace("127.0.0.1", name),
            )
            extra.append(resolved)
        message = notify(sessions, "Cholera (synthetic)")
        # ... and sent by a worker for which it is closed: nothing reaches the receiver.
        stats = Worker(sessions, closed(settings), FAST).run(once=True)
        assert receiver.count() == 0
    assert stats.dead == 2 + len(extra) and stats.delivered == 0 and stats.retrying == 0
    rows = statuses(sessions)
    for subscription in (sub, by_name, *extra):
        refused = rows[(subscription, message)]
        assert refused.status == "dead" and refused.attempts == 1
        assert refused.last_error == "refused_address" and refused.last_status_code is None


def test_deliveries_keep_the_status_and_a_class_never_the_body(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    token = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    with http_receiver() as receiver:
        leak, _ = subscribe(sessions, "fp-kaz", kind="webhook", url=receiver.url("/leak/a"))
        notify(sessions, "Plague (synthetic)")
        Worker(sessions, settings, FAST).run(once=True)
        assert receiver.on("/leak/a")
    with live_server(settings) as base:
        answer = httpx.get(f"{base}/api/v1/deliveries", headers=token)
    assert answer.status_code == 200
    (item,) = answer.json()["items"]
    assert item["subscription_id"] == leak
    assert item["last_status_code"] == 500 and item["last_error"] == "http_5xx"
    assert "SECRET" not in answer.text
