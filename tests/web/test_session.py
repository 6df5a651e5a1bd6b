"""The session cookie cannot be forged or replayed past its expiry; the CSS colour pairs
meet WCAG AA contrast (4.5:1)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest

from epibridge.db import utcnow
from epibridge.errors import Forbidden
from epibridge.members import browser_sessions
from epibridge.web import session as web_session

CSS = Path(web_session.__file__).parent / "static" / "app.css"


def test_cookie_round_trip_and_tampering() -> None:
    opened = browser_sessions.Opened("sid-1", "csrf-1", utcnow() + timedelta(hours=1))
    signed = web_session.signed_in(opened)
    value = web_session.encode("key", signed)
    back = web_session.decode("key", value)
    assert back is not None and back.sid == "sid-1" and back.signed_in
    assert back.csrf == signed.csrf
    assert web_session.decode("other-key", value) is None
    payload, _, signature = value.rpartition(".")
    forged = web_session.encode("attacker", web_session.WebSession(sid="x", expires=2**40))
    assert web_session.decode("key", forged.rpartition(".")[0] + "." + signature) is None
    assert web_session.decode("key", payload + "x." + signature) is None
    assert web_session.decode("key", None) is None
    assert web_session.decode("key", "garbage") is None


def test_expired_session_keeps_only_the_csrf_token() -> None:
    old = web_session.WebSession(sid="sid-1", expires=int(time.time()) - 1)
    back = web_session.decode("key", web_session.encode("key", old))
    assert back is not None and back.sid is None and back.csrf == old.csrf


def test_csrf_check() -> None:
    session = web_session.WebSession()
    web_session.check_csrf(session, session.csrf)
    for wrong in (None, "", "nope"):
        with pytest.raises(Forbidden):
            web_session.check_csrf(session, wrong)
    with pytest.raises(Forbidden):
        web_session.check_csrf(None, session.csrf)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_colour_pairs_have_enough_contrast() -> None:
    css = CSS.read_text(encoding="utf-8")
    colours = dict(re.findall(r"(--[a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = re.search(r"/\* contrast: (.*?) \*/", css)
    assert pairs is not None
    checked = 0
    for pair in pairs.group(1).split():
        fg, bg = pair.split("/")
        ratio = _contrast(colours[fg], colours[bg])
        assert ratio >= 4.5, f"{fg} on {bg}: {ratio:.2f}:1"
        checked += 1
    # Every foreground/background couple the stylesheet defines is in the checked list.
    for name in colours:
        if name.endswith("-fg"):
            assert f"{name}/{name[:-3]}-bg" in pairs.group(1)
    assert checked >= 15
