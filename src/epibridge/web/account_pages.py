"""The signed-in person's own pages: their account and tokens, their subscriptions and feeds.

The outbox service decides everything: a subscription belongs to the account that made it
(another account's is refused, an administrator's too from here: this page lists only one's
own), a webhook needs an owner who may receive webhooks and an address that is public or in
``EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS``. A webhook's signing secret is shown once, on the page
that answers its creation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import DomainError
from epibridge.i18n import LANGUAGES, N_
from epibridge.inputs import BigId, Id
from epibridge.members import administration
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.notifications.outbox import feeds, service
from epibridge.notifications.outbox.addresses import parse_networks
from epibridge.notifications.outbox.schemas import SubscriptionCreate, SubscriptionUpdate
from epibridge.security import Action, decide
from epibridge.web.account_forms import (
    KIND_NAMES,
    ROLE_NAMES,
    TOKEN_STATE_NAMES,
    failure,
    names,
    validated,
)
from epibridge.web.context import Web, get_web, page_errors, posted_form, text

router = APIRouter(prefix="/account", include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = 100

#: Topic prefixes a subscription can be limited to (none chosen: everything).
TOPIC_NAMES = {
    "notification.": N_("Event notifications"),
    "detection.": N_("Detection signals"),
    "border.": N_("Border crossings and lanes"),
    "assistance.": N_("Assistance"),
    "consultation.": N_("Consultations"),
}
FEED_NAMES = {
    "members": N_("Members and the Secretariat"),
    "partners": N_("Shared with observers and partners"),
    "public": N_("Public"),
}
DONE = {
    "deleted": N_("The subscription was deleted: nothing more is delivered to it."),
    "paused": N_("The subscription is paused."),
    "resumed": N_("The subscription is delivered to again."),
    "revoked": N_("The token was revoked."),
}


def _done(web: Web, done: str | None) -> str | None:
    return web.gettext(DONE[done]) if done in DONE else None


@router.get("", response_class=HTMLResponse)
@page_errors
def account_page(web: WebDep, done: str | None = None) -> Response:
    principal = web.require()
    now = utcnow()
    with read_session(web.sessions) as session:
        tokens = [
            (t, administration.token_state(t, now))
            for t in administration.tokens_of(session, actor=principal, name=principal.name)
        ]
        state_names = members.state_names(session, on=now.date(), lang=web.lang)
    return web.render(
        "account/account.html",
        {
            "tokens": tokens,
            "state_names": state_names,
            "role_names": names(web, ROLE_NAMES),
            "token_state_names": names(web, TOKEN_STATE_NAMES),
            "done": _done(web, done),
        },
    )


@router.post("/tokens/{token_id}/revoke", response_class=HTMLResponse)
@page_errors
def revoke_token(web: WebDep, form: FormDep, token_id: Id) -> Response:
    del form
    principal = web.require()
    with write_session(web.sessions) as session:
        administration.revoke_token(session, actor=principal, token_id=token_id)
    return web.redirect("/account?done=revoked")


def _subscriptions_context(web: Web) -> dict[str, Any]:
    principal = web.require()
    with read_session(web.sessions) as session:
        mine = service.list_subscriptions(session, actor=principal, limit=PAGE).items
        state_names = members.state_names(
            session, on=utcnow().date(), lang=web.lang, status=MembershipStatus.MEMBER
        )
    return {
        "subscriptions": mine,
        "state_names": state_names,
        "kind_names": names(web, KIND_NAMES),
        "topic_names": names(web, TOPIC_NAMES),
        "feed_names": names(web, FEED_NAMES),
        "feeds": [a.value for a in feeds.audiences(principal)],
        # Shown or not as the service will decide (the owner must hold this right).
        "webhooks": decide(principal, Action.RECEIVE_WEBHOOKS).allowed,
        "languages": LANGUAGES,
        "secret": None,
        "created": None,
        "done": None,
        "form": {},
        "errors": {},
        "failed_kind": None,
    }


@router.get("/subscriptions", response_class=HTMLResponse)
@page_errors
def subscriptions_page(web: WebDep, done: str | None = None) -> Response:
    context = _subscriptions_context(web)
    context["done"] = _done(web, done)
    return web.render("account/subscriptions.html", context)


def _values(form: FormData) -> dict[str, Any]:
    kind = text(form, "kind")
    values: dict[str, Any] = {
        "kind": kind,
        "language": text(form, "language") or "en",
        "topics": [t for t in form.getlist("topics") if isinstance(t, str) and t],
        "states": [s for s in form.getlist("states") if isinstance(s, str) and s],
        "include_exercises": form.get("include_exercises") == "yes",
    }
    if kind == "webhook":
        values["url"] = text(form, "url")
    else:
        values["email"] = text(form, "email")
    return values


@router.post("/subscriptions", response_class=HTMLResponse)
@page_errors
def create_subscription(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    values = _values(form)
    networks = parse_networks(web.app.state.settings.webhook_allow_networks)
    try:
        data = validated(SubscriptionCreate, values)
        with write_session(web.sessions) as session:
            created, secret = service.create_subscription(
                session, actor=principal, data=data, allow_networks=networks
            )
            created_id = created.id
    except DomainError as exc:
        context = _subscriptions_context(web)
        context.update({"form": values, "failed_kind": values["kind"], **failure(web, exc)})
        return web.render("account/subscriptions.html", context, exc.status)
    context = _subscriptions_context(web)
    context.update({"secret": secret, "created": created_id})
    return web.render("account/subscriptions.html", context, 201)


def _change(web: Web, subscription_id: int, active: bool) -> None:
    principal = web.require()
    networks = parse_networks(web.app.state.settings.webhook_allow_networks)
    with write_session(web.sessions) as session:
        service.update_subscription(
            session,
            actor=principal,
            subscription_id=subscription_id,
            data=SubscriptionUpdate(active=active),
            allow_networks=networks,
        )


@router.post("/subscriptions/{subscription_id}/pause", response_class=HTMLResponse)
@page_errors
def pause(web: WebDep, form: FormDep, subscription_id: BigId) -> Response:
    del form
    _change(web, subscription_id, False)
    return web.redirect("/account/subscriptions?done=paused")


@router.post("/subscriptions/{subscription_id}/resume", response_class=HTMLResponse)
@page_errors
def resume(web: WebDep, form: FormDep, subscription_id: BigId) -> Response:
    del form
    _change(web, subscription_id, True)
    return web.redirect("/account/subscriptions?done=resumed")


@router.post("/subscriptions/{subscription_id}/delete", response_class=HTMLResponse)
@page_errors
def delete(web: WebDep, form: FormDep, subscription_id: BigId) -> Response:
    del form
    principal = web.require()
    with write_session(web.sessions) as session:
        service.delete_subscription(session, actor=principal, subscription_id=subscription_id)
    return web.redirect("/account/subscriptions?done=deleted")
