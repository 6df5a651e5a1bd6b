"""A small archive of weekly vintages with a known triangle, and its chain ladder by hand."""

from __future__ import annotations

from datetime import date, timedelta

from tests.epidata.helpers import HEADER, csv_of

FIRST_MONDAY = date(2025, 1, 27)
WEEKS = 9  # up to the week of 2025-03-24 .. 2025-03-30
MAX_DELAY = 2
AS_OF = "2025-03-31"  # the end of that Monday: the week ending 2025-03-30 is the last one
#: The last 3 x D weeks ended by AS_OF.
SHOWN = [date(2025, 2, 17) + timedelta(weeks=w) for w in range(3 * MAX_DELAY)]


def values(week: int) -> list[int]:
    """The value of a week as known 0, 1 and 2 weeks after its Sunday."""
    first = 10 + week
    second = 2 * first + week % 3
    return [first, second, second + 3 + week]


#: A week revised once more, three weeks after its Sunday (after D): what "observed" shows.
LATE_REVISION = {date(2025, 2, 17): 1}


def archive() -> bytes:
    """Every vintage, each reported on its Sunday + d weeks (some after AS_OF: ignored)."""
    rows = []
    for week in range(WEEKS):
        start = FIRST_MONDAY + timedelta(weeks=week)
        sunday = start + timedelta(days=6)
        vintages = values(week)
        if start in LATE_REVISION:
            vintages = [*vintages, vintages[-1] + LATE_REVISION[start]]
        for d, value in enumerate(vintages):
            rows.append(
                f"KAZ,,A37,cases,confirmed,{start},{sunday},{value},{sunday + timedelta(weeks=d)}"
            )
    return csv_of(*rows, header=HEADER + ",reported_on")


def expected() -> list[tuple[date, float, float]]:
    """(period_start, observed, nowcast) over SHOWN, worked out from ``values`` alone."""
    # The chain ladder learns from every week of the archive (the history read is longer).
    weeks = [(s - FIRST_MONDAY).days // 7 for s in SHOWN]
    last = WEEKS - 1
    known = {w: values(w)[: min(MAX_DELAY, last - w) + 1] for w in range(WEEKS)}
    factors = []
    for d in range(MAX_DELAY):
        pairs = [(k[d], k[d + 1]) for k in known.values() if len(k) > d + 1]
        factors.append(sum(b for _, b in pairs) / sum(a for a, _ in pairs))
    out = []
    for start, w in zip(SHOWN, weeks, strict=True):
        seen = known[w]
        observed = float(seen[-1] + (LATE_REVISION.get(start, 0)))
        if len(seen) == MAX_DELAY + 1:
            out.append((start, observed, observed))
            continue
        point = float(seen[-1])
        for f in factors[len(seen) - 1 :]:
            point *= f
        out.append((start, observed, point))
    return out


def delayed_archive(
    state: str, weeks: int, shares: tuple[float, ...], seed: int
) -> tuple[bytes, list[list[float]]]:
    """``weeks`` weeks ending with the week of 2025-03-24, each known at ``shares[d]`` of its
    final count at the end of its Sunday + d weeks; returns the file and its triangle by hand
    (rows oldest first, NaN where the cut-off is after AS_OF)."""
    import math
    import random

    rng = random.Random(seed)
    last_monday = date(2025, 3, 24)
    cutoff_limit = date(2025, 3, 31)
    rows, triangle = [], []
    for week in range(weeks):
        start = last_monday - timedelta(weeks=weeks - 1 - week)
        sunday = start + timedelta(days=6)
        final = rng.randint(20, 200)
        line = []
        for d, share in enumerate(shares):
            value = round(final * share)
            day = sunday + timedelta(weeks=d)
            rows.append(f"{state},,A37,cases,confirmed,{start},{sunday},{value},{day}")
            line.append(math.nan if day > cutoff_limit else float(value))
        triangle.append(line)
    return csv_of(*rows, header=HEADER + ",reported_on"), triangle
