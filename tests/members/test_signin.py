"""Password sign-in cannot be raced or probed, on both backends.

100 wrong passwords sent at once to a real server get at most five password verifications and
leave the account locked; the right password is then refused with the very answer a wrong one
gets. An unknown name, a locked or a deactivated account costs one argon2 verification, like a
known one, so neither the answer nor its timing tells them apart.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session, utcnow, write_session
from epibridge.members import accounts, signin
from epibridge.members.models import User
from epibridge.security import operator_principal
from tests.helpers import make_user

PASSWORD = "correct-horse-1"
PARALLEL = 100


class Verifications:
    """Counts the real argon2 verifications, telling real hashes from the dummy one."""

    def __init__(self) -> None:
        self.real = 0
        self.dummy = 0
        self._lock = threading.Lock()
        self._verify = signin.verify_password

    def __call__(self, password_hash: str, password: str) -> bool:
        with self._lock:
            if password_hash == signin._dummy_hash():
                self.dummy += 1
            else:
                self.real += 1
        return self._verify(password_hash, password)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[Verifications]:
    counter = Verifications()
    monkeypatch.setattr(signin, "verify_password", counter)
    # A cold start: the dummy hash is made by the first refused attempts, as after a restart.
    monkeypatch.setattr(signin, "_DUMMY", [])
    yield counter


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _user(sessions: sessionmaker[Session], name: str = "fp-kaz") -> User:
    with read_session(sessions) as session:
        return session.execute(select(User).where(User.name == name)).scalar_one()


def test_parallel_guesses_get_at_most_five_checks_then_a_lock(
    live_url: str, sessions: sessionmaker[Session], verifications: Verifications
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    page = httpx.get(f"{live_url}/login")
    cookies = dict(page.cookies)
    token = _csrf(page.text)
    start = threading.Barrier(PARALLEL)

    def guess(i: int) -> httpx.Response:
        start.wait()
        return httpx.post(
            f"{live_url}/login",
            data={"csrf_token": token, "name": "fp-kaz", "password": f"guess-{i}"},
            cookies=cookies,
            timeout=120,
        )

    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(guess, range(PARALLEL)))
    assert {a.status_code for a in answers} == {401}
    assert len({a.text for a in answers}) == 1  # one answer, checked or not
    print(f"lockout race: {PARALLEL} parallel guesses, {verifications.real} verified")
    assert 1 <= verifications.real <= signin.MAX_FAILED_LOGINS
    assert verifications.real + verifications.dummy == PARALLEL  # every attempt costs one hash
    user = _user(sessions)
    assert user.locked_until is not None and user.locked_until > utcnow()
    with read_session(sessions) as session:
        failed = session.execute(
            select(AuditEntry).where(AuditEntry.action == "login_attempt")
        ).all()
    assert len(failed) == verifications.real

    # The right password while locked: refused, with exactly the answer a wrong one gets.
    right = httpx.post(
        f"{live_url}/login",
        data={"csrf_token": token, "name": "fp-kaz", "password": PASSWORD},
        cookies=cookies,
    )
    assert right.status_code == 401 and right.text == answers[0].text
    assert verifications.real <= signin.MAX_FAILED_LOGINS  # not even checked


def test_service_level_race_and_lock_expiry(
    sessions: sessionmaker[Session], verifications: Verifications
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    start = threading.Barrier(20)

    def guess(i: int) -> signin.SignIn:
        start.wait()
        return signin.authenticate_password(sessions, name="fp-kaz", password=f"no-{i}")

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(guess, range(20)))
    assert all(o.principal is None and o.error == signin.WRONG for o in outcomes)
    assert verifications.real == signin.MAX_FAILED_LOGINS
    locked_until = _user(sessions).locked_until
    assert locked_until is not None

    refused = signin.authenticate_password(sessions, name="fp-kaz", password=PASSWORD)
    assert refused == signin.SignIn(None, signin.WRONG)
    later = locked_until + timedelta(seconds=1)
    opened = signin.authenticate_password(
        sessions, name="fp-kaz", password=PASSWORD, clock=lambda: later
    )
    assert opened.principal is not None and opened.principal.name == "fp-kaz"
    assert opened.browser is not None
    user = _user(sessions)
    assert user.failed_logins == 0 and user.locked_until is None


def test_unknown_locked_and_deactivated_cost_one_verification_and_answer_alike(
    sessions: sessionmaker[Session], verifications: Verifications
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    make_user(sessions, "fp-chn", "focal_point", "CHN")  # no password at all
    with write_session(sessions) as session:
        accounts.revoke(session, actor=operator_principal(), name="fp-rus", deactivate=True)
    wrong = signin.authenticate_password(sessions, name="fp-kaz", password="nope")
    assert (verifications.real, verifications.dummy) == (1, 0)
    for name in ("nobody", "fp-rus", "fp-chn"):
        outcome = signin.authenticate_password(sessions, name=name, password=PASSWORD)
        assert outcome == wrong
    assert (verifications.real, verifications.dummy) == (1, 3)
    # A success after failures clears the counter, so the account owner is not locked out later.
    assert signin.authenticate_password(sessions, name="fp-kaz", password=PASSWORD).principal
    assert _user(sessions).failed_logins == 0


def test_an_unknown_name_takes_as_long_as_a_known_one(sessions: sessionmaker[Session]) -> None:
    """Before the dummy hash, an unknown name answered ~500 times faster than a known one.

    Measured in this process's CPU time, not on the wall clock: the work is the argon2 hash
    either way, and a neighbour's load (another test worker) must not look like a leak.
    """
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)

    def took(name: str) -> float:
        start = time.process_time()
        signin.authenticate_password(sessions, name=name, password="wrong-password")
        return time.process_time() - start

    took("nobody")  # the dummy hash is computed once, on first use
    known = statistics.median(took("fp-kaz") for _ in range(4))  # 4 < 5: no lock yet
    unknown = statistics.median(took("nobody") for _ in range(4))
    assert 1 / 3 < unknown / known < 3, (known, unknown)


def test_parallel_first_refusals_share_one_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Made once: parallel first callers would each pay (and show) an argon2 hash of their own."""
    monkeypatch.setattr(signin, "_DUMMY", [])
    start = threading.Barrier(20)

    def first() -> str:
        start.wait()
        return signin._dummy_hash()

    with ThreadPoolExecutor(20) as pool:
        made = set(pool.map(lambda _: first(), range(20)))
    assert len(made) == 1 and list(made) == signin._DUMMY
