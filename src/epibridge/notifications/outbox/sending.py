"""Sending one claimed delivery: a signed webhook POST or an e-mail through SMTP.

Nothing here touches the database: the worker's event loop turns a ``Job`` into an ``Outcome``
and the worker records it. Every wait is bounded (connect and read timeouts), so an endpoint
that hangs costs one sending slot for at most the timeout, never the whole worker. Webhooks go
out on the event loop; SMTP is blocking, so e-mail is sent on a small thread pool.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
import time
from collections.abc import Callable
from concurrent.futures import Executor
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from epibridge import i18n
from epibridge.db import utcnow
from epibridge.i18n import N_
from epibridge.notifications.outbox.content import COUNT_FIELDS, describe
from epibridge.notifications.outbox.jobs import Job, MessageView, Outcome
from epibridge.notifications.outbox.statuses import SubscriptionKind
from epibridge.notifications.outbox.transport import (
    AddressRefused,
    TransportError,
    WebhookClient,
)
from epibridge.settings import Settings

log = logging.getLogger("epibridge.worker")
SIGNATURE_HEADER = "X-Epibridge-Signature"
TIMESTAMP_HEADER = "X-Epibridge-Timestamp"
ID_HEADER = "X-Epibridge-Id"
TOPIC_HEADER = "X-Epibridge-Topic"
EXERCISE_HEADER = "X-Epibridge-Exercise"
EXERCISE_PREFIX = "[EXERCISE]"
USER_AGENT = "epibridge-webhook/1"
#: Status codes worth retrying besides 5xx: the receiver asked us to come back later.
RETRYABLE_4XX = frozenset({408, 429})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the signature header value: ``sha256=`` + HMAC-SHA256 of ``timestamp.body``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Check a signature the way a receiver should (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def webhook_body(message: MessageView) -> bytes:
    return json.dumps(message.as_json(), ensure_ascii=False, separators=(",", ":")).encode()


async def send_webhook(client: WebhookClient, job: Job, body: bytes | None = None) -> Outcome:
    """POST the message to the subscription's URL, signed; classify the answer.

    ``body`` is the message's serialized JSON when the caller already has it (it is the same
    for every subscriber; only the signature differs).
    """
    body = webhook_body(job.message) if body is None else body
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        ID_HEADER: job.message.id,
        TOPIC_HEADER: job.message.topic,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(job.secret or "", timestamp, body),
        EXERCISE_HEADER: "true" if job.message.exercise else "false",
        "X-Epibridge-Attempt": str(job.attempt),
    }
    try:
        answer = await client.post(job.url or "", body, headers)
    except AddressRefused as exc:
        # Policy, not a passing failure: retrying cannot help until an operator opens the
        # network (EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS) and replays the dead letter.
        log.warning("delivery %s refused: %s", job.delivery_id, exc)
        return Outcome(job.delivery_id, False, utcnow(), permanent=True, error=exc.kind)
    except TransportError as exc:
        # The class is stored; the detail (our side's words, e.g. why a certificate is not
        # trusted) goes to the operator's log only.
        log.info("delivery %s failed: %s", job.delivery_id, exc)
        return Outcome(job.delivery_id, False, utcnow(), error=exc.kind)
    code = answer.status_code
    if 200 <= code < 300:
        return Outcome(job.delivery_id, True, utcnow(), status_code=code)
    retry = code >= 500 or code in RETRYABLE_4XX
    return Outcome(
        job.delivery_id,
        False,
        utcnow(),
        permanent=not retry,
        error=classify_status(code),
        status_code=code,
    )


def classify_status(code: int) -> str:
    """The error class of a non-2xx answer: ``http_4xx``, ``http_5xx`` or ``http_other``.

    Only the class and the status code are stored, never the answer's text: a receiver's
    reply (or an internal service's, had the address check been passed) is not shown to the
    subscription's owner.
    """
    if 400 <= code < 500:
        return "http_4xx"
    if 500 <= code < 600:
        return "http_5xx"
    return "http_other"


#: What each topic is called in an e-mail (a topic not here is shown as it is).
TOPICS = {
    "notification.notified": N_("Event notified"),
    "notification.updated": N_("Event updated"),
    "notification.closed": N_("Event closed"),
    "notification.acknowledged": N_("Event acknowledged"),
    "notification.reminder": N_("Reminder: acknowledgement due"),
    "notification.verification_requested": N_("Verification requested"),
    "notification.assessed": N_("Risk assessed"),
    "preparedness.communication_test": N_("TEST: IHR communication test"),
    "preparedness.directory_reminder": N_("Reminder: confirm your IHR directory entry"),
}
#: A payload with ``"test": true`` (a communication test) is marked so in the subject and body.
TEST_PREFIX = "[TEST]"
COUNT_NAMES = {
    "suspected_cases": N_("Suspected cases"),
    "probable_cases": N_("Probable cases"),
    "confirmed_cases": N_("Confirmed cases"),
    "deaths": N_("Deaths"),
}


def render_email(job: Job, *, base_url: str) -> tuple[str, str]:
    """Return the subject and text of the e-mail for ``job`` in its subscription's language."""
    gettext = i18n.translations(job.language if job.language in i18n.LANGUAGES else "en").gettext
    message = job.message
    payload = describe(message.payload, base_url=base_url)
    link = payload.get("link")
    if not link and message.entity == "notification":
        link = f"{base_url}/api/v1/notifications/{message.entity_id}"
    topic = gettext(TOPICS[message.topic]) if message.topic in TOPICS else message.topic
    title = str(payload.get("title") or gettext("(untitled)"))
    state = payload.get("state")
    # The subject reads alike in every language but for the topic: mail filters match on it.
    subject = f"{'[EXERCISE] ' if message.exercise else ''}{topic}"
    if payload.get("test") is True:
        subject = f"{TEST_PREFIX} {subject}"
    subject += f" — {state}: {title}" if state else f": {title}"
    lines = [gettext("*** EXERCISE / TEST — not a real event ***"), ""] if message.exercise else []
    if payload.get("test") is True:
        lines += [gettext("*** TEST — a communication test, not an event ***"), ""]
    lines += [topic, "", gettext("Title:      %(title)s") % {"title": title}]
    lines += _fields(gettext, payload)
    if link:
        lines += ["", gettext("Details: %(link)s") % {"link": link}]
    lines += [
        "",
        gettext("Message %(id)s of %(at)s UTC.")
        % {"id": message.id, "at": f"{message.created_at:%Y-%m-%d %H:%M}"},
        gettext("You receive this because of an epibridge subscription (%(subscription)s).")
        % {"subscription": job.subscription_id},
    ]
    return " ".join(subject.split()), "\n".join(lines) + "\n"


def _fields(gettext: Callable[[str], str], payload: dict[str, Any]) -> list[str]:
    """The lines of the fields the message has: state, disease, status and each count."""
    lines = []
    if payload.get("state"):
        lines.append(gettext("State:      %(state)s") % {"state": payload["state"]})
    disease = payload.get("disease_name") or payload.get("disease")
    if disease:
        lines.append(gettext("Disease:    %(disease)s") % {"disease": disease})
    if payload.get("status"):
        lines.append(gettext("Status:     %(status)s") % {"status": payload["status"]})
    lines += [
        gettext("%(label)s: %(value)s")
        % {"label": gettext(COUNT_NAMES[name]), "value": payload[name]}
        for name in COUNT_FIELDS
        if payload.get(name) is not None
    ]
    return lines


def build_email(job: Job, settings: Settings) -> EmailMessage:
    subject, body = render_email(job, base_url=f"http://{settings.host}:{settings.port}")
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = settings.smtp_from
    email["To"] = job.email or ""
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = make_msgid(idstring=job.message.id, domain="epibridge")
    email[ID_HEADER] = job.message.id
    email[TOPIC_HEADER] = job.message.topic
    email[EXERCISE_HEADER] = "true" if job.message.exercise else "false"
    email["Content-Language"] = job.language
    email.set_content(body, charset="utf-8")
    return email


def send_email(job: Job, settings: Settings, *, timeout: float) -> Outcome:
    """Send the e-mail through the configured SMTP server; 5xx answers are not retried."""
    if not settings.smtp_host:
        return Outcome(job.delivery_id, False, utcnow(), error="smtp_not_configured")
    email = build_email(job, settings)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        permanent = all(code >= 500 for code in codes)
        return Outcome(
            job.delivery_id,
            False,
            utcnow(),
            permanent=permanent,
            error="smtp_recipient_refused",
            status_code=min(codes) if codes else None,
        )
    except smtplib.SMTPResponseException as exc:
        return Outcome(
            job.delivery_id,
            False,
            utcnow(),
            permanent=exc.smtp_code >= 500,
            error="smtp_5xx" if exc.smtp_code >= 500 else "smtp_4xx",
            status_code=exc.smtp_code,
        )
    except (smtplib.SMTPException, OSError):
        return Outcome(job.delivery_id, False, utcnow(), error="smtp_connection")
    return Outcome(job.delivery_id, True, utcnow())


async def send(
    job: Job,
    *,
    client: WebhookClient,
    settings: Settings,
    timeout: float,
    email_pool: Executor,
    body: bytes | None = None,
) -> Outcome:
    """Send one job by its kind; never raises (an unexpected error is a retryable outcome)."""
    try:
        if job.kind == SubscriptionKind.WEBHOOK:
            return await send_webhook(client, job, body)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            email_pool, lambda: send_email(job, settings, timeout=timeout)
        )
    except Exception:  # a bug or odd input must not kill the worker
        log.exception("delivery %s: unexpected error", job.delivery_id)
        return Outcome(job.delivery_id, False, utcnow(), error="unexpected")
