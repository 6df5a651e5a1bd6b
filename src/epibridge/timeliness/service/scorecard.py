"""Scorecards: the share of events meeting each 7-1-7 target, per state and for the region.

An event counts in a scorecard when it is real (no drill), was notified, the caller may see it,
and its notification in epibridge falls in the period. A share is of the events whose interval
is known (an interval still open is neither met nor missed); ``all`` is of the events whose
three intervals are known, or that already missed one. Verification timeliness (IHR Article 10:
an answer within 24 hours) is counted over the requests made on the same events.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from epibridge import paging
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.notifications.models import NotificationEvent, VerificationRequest
from epibridge.notifications.service import common
from epibridge.notifications.service.queries import event_query
from epibridge.notifications.statuses import PRIVATE_STATUSES, EventMode
from epibridge.paging import Page
from epibridge.security import Principal
from epibridge.timeliness.schemas import (
    CategoryCount,
    IntervalScore,
    ScorecardRead,
    ScorecardRow,
    VerificationScore,
)
from epibridge.timeliness.service import intervals as rule
from epibridge.timeliness.service.records import EventTimeliness, load
from epibridge.timeliness.statuses import FactorKind, Interval

#: How many categories of bottlenecks (and enablers) a scorecard lists, most frequent first.
TOP_CATEGORIES = 5
PERIODS = ("quarter", "year")
#: What ``missed`` filters on: one interval, or any of the three.
MISSED_CHOICES = ("detect", "notify", "respond", "any")


def _in_scope(
    actor: Principal, state: str | None, start: date | None, end: date | None
) -> Select[tuple[NotificationEvent]]:
    query = select(NotificationEvent).where(
        common.visible_clause(actor),
        NotificationEvent.mode == EventMode.ACTUAL,
        NotificationEvent.status.not_in(PRIVATE_STATUSES),
        NotificationEvent.notified_at.is_not(None),
    )
    if state:
        query = query.where(NotificationEvent.state == state.strip().upper())
    if start:
        query = query.where(NotificationEvent.notified_at >= _midnight(start))
    if end:
        query = query.where(NotificationEvent.notified_at < _midnight(end + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def check_period(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise InvalidInput(
            N_("the period ends before it starts"),
            [FieldError("to", N_("is before from ({start})"), str(end), params={"start": start})],
        )


def events(
    session: Session,
    *,
    actor: Principal,
    state: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[EventTimeliness]:
    """The events a scorecard counts, with their timeliness."""
    check_period(start, end)
    query = _in_scope(actor, state, start, end).order_by(NotificationEvent.id)
    return load(session, list(session.execute(query).scalars()))


def _interval_score(items: Sequence[EventTimeliness], interval: Interval) -> IntervalScore:
    days = [d for d in (item.days[interval] for item in items) if d is not None]
    hits = sum(1 for d in days if rule.met(interval, d))
    return IntervalScore(
        measured=len(days),
        met=hits,
        share=rule.share(hits, len(days)),
        median_days=rule.median_of(days),
    )


def _categories(items: Iterable[EventTimeliness], kind: FactorKind) -> list[CategoryCount]:
    counted = Counter(f.category for item in items for f in item.factors if f.kind == kind)
    ranked = sorted(counted.items(), key=lambda pair: (-pair[1], str(pair[0])))
    return [CategoryCount(category=c, count=n) for c, n in ranked[:TOP_CATEGORIES]]


def _verification(
    session: Session, items: Sequence[EventTimeliness], now: datetime
) -> VerificationScore:
    ids = [item.event.id for item in items]
    requests = (
        list(
            session.execute(
                select(VerificationRequest).where(VerificationRequest.event_id.in_(ids))
            ).scalars()
        )
        if ids
        else []
    )
    answered = [r for r in requests if r.answered_at is not None]
    within = sum(1 for r in answered if r.answered_at <= r.due_at)  # type: ignore[operator]
    overdue = sum(1 for r in requests if r.answered_at is None and r.due_at < now)
    hours = [(r.answered_at - r.requested_at).total_seconds() / 3600 for r in answered]  # type: ignore[operator]
    return VerificationScore(
        requests=len(requests),
        answered=len(answered),
        within_24h=within,
        share_within_24h=rule.share(within, len(answered) + overdue),
        median_hours=rule.median_of(hours),
    )


def card(
    session: Session,
    items: Sequence[EventTimeliness],
    *,
    state: str | None,
    start: date | None,
    end: date | None,
    now: datetime,
) -> ScorecardRead:
    """The scorecard of ``items`` (already chosen by ``events``)."""
    scores = {interval: _interval_score(items, interval) for interval in Interval}
    overall = [rule.all_met(item.targets) for item in items]
    known = [value for value in overall if value is not None]
    return ScorecardRead(
        state=state.strip().upper() if state else None,
        period_from=start,
        period_to=end,
        events=len(items),
        detect=scores[Interval.DETECT].share,
        notify=scores[Interval.NOTIFY].share,
        respond=scores[Interval.RESPOND].share,
        all=rule.share(sum(known), len(known)),
        intervals={str(interval): score for interval, score in scores.items()},
        bottlenecks=_categories(items, FactorKind.BOTTLENECK),
        enablers=_categories(items, FactorKind.ENABLER),
        verification=_verification(session, items, now),
    )


def scorecard(
    session: Session,
    *,
    actor: Principal,
    state: str | None = None,
    start: date | None = None,
    end: date | None = None,
    now: datetime,
) -> ScorecardRead:
    """The scorecard of one state (or the region, ``state`` None) over a period."""
    items = events(session, actor=actor, state=state, start=start, end=end)
    return card(session, items, state=state, start=start, end=end, now=now)


def period_of(day: date, period: str) -> tuple[str, date, date]:
    """The quarter (``2026-Q3``) or year (``2026``) that ``day`` falls in, with its bounds."""
    if period == "year":
        return str(day.year), date(day.year, 1, 1), date(day.year, 12, 31)
    quarter = (day.month - 1) // 3
    first = date(day.year, 3 * quarter + 1, 1)
    following = date(day.year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)
    return f"{day.year}-Q{quarter + 1}", first, following - timedelta(days=1)


def table(
    session: Session,
    *,
    actor: Principal,
    start: date | None = None,
    end: date | None = None,
    period: str = "quarter",
    state: str | None = None,
    now: datetime,
) -> list[ScorecardRow]:
    """Per period (quarter or year): the region's scorecard, then each state's with events."""
    if period not in PERIODS:
        raise InvalidInput(
            N_("unknown period {period}"),
            [FieldError("period", N_("must be quarter or year"), period)],
            params={"period": period},
        )
    items = events(session, actor=actor, state=state, start=start, end=end)
    groups: dict[tuple[str, date, date], list[EventTimeliness]] = {}
    for item in items:
        day = rule.utc_day(item.event.notified_at)
        assert day is not None  # the scope holds notified events only
        groups.setdefault(period_of(day, period), []).append(item)
    rows: list[ScorecardRow] = []
    for (label, first, last), members in sorted(groups.items(), key=lambda g: g[0][1]):
        scopes: list[str | None] = [None] if state is None else []
        scopes += sorted({m.event.state for m in members})
        for scope in scopes:
            chosen = [m for m in members if scope is None or m.event.state == scope]
            rows.append(
                ScorecardRow(
                    period=label,
                    period_start=first,
                    period_end=last,
                    state=scope,
                    card=card(session, chosen, state=scope, start=first, end=last, now=now),
                )
            )
    return rows


CSV_COLUMNS = (
    "period",
    "state",
    "events",
    "detect_share",
    "notify_share",
    "respond_share",
    "all_share",
    "detect_median_days",
    "notify_median_days",
    "respond_median_days",
    "verification_requests",
    "verification_within_24h_share",
    "top_bottleneck",
)


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}".rstrip("0").rstrip(".")


def to_csv(rows: Sequence[ScorecardRow]) -> str:
    """The scorecard table as CSV (one line per period and state; the region's state empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        c = row.card
        writer.writerow(
            [
                row.period,
                row.state or "region",
                c.events,
                _cell(c.detect),
                _cell(c.notify),
                _cell(c.respond),
                _cell(c.all),
                *(_cell(c.intervals[str(i)].median_days) for i in Interval),
                c.verification.requests,
                _cell(c.verification.share_within_24h),
                str(c.bottlenecks[0].category) if c.bottlenecks else "",
            ]
        )
    return out.getvalue()


def missed(
    session: Session,
    *,
    actor: Principal,
    target: str,
    limit: int,
    cursor: str | None = None,
    **filters: Any,
) -> Page[NotificationEvent]:
    """The visible events that missed a target (``detect``, ``notify``, ``respond`` or ``any``),
    newest first: what the events list shows when asked for missed targets. ``filters`` are the
    events list's own (``notifications.event_query``: state, disease, status, q, onset range,
    exercise, overdue, WHO's determination) and narrow it as they narrow the list. Drills and
    drafts are left out, as scorecards leave them out, so ``exercise=True`` finds nothing."""
    if target not in MISSED_CHOICES:
        raise InvalidInput(
            N_("unknown target {target}"),
            [FieldError("missed", N_("must be detect, notify, respond or any"), target)],
            params={"target": target},
        )
    chosen = list(Interval) if target == "any" else [Interval(target)]

    def keep(item: EventTimeliness) -> bool:
        return any(item.targets[interval] is False for interval in chosen)

    query = event_query(actor=actor, **filters).where(
        NotificationEvent.mode == EventMode.ACTUAL,
        NotificationEvent.status.not_in(PRIVATE_STATUSES),
    )
    page = paging.page(
        session,
        query,
        paging.Order(NotificationEvent.id, descending=True),
        cursor=cursor,
        limit=limit,
        convert=lambda rows: load(session, rows),
        keep=keep,
    )
    return page.map(lambda item: item.event)
