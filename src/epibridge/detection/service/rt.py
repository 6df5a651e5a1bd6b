"""The reproduction number of a stored series (Cori et al. 2013 through ``detection.rt``).

The serial interval is given in periods of the series' granularity: a weekly series needs a
serial interval in weeks. Missing periods are refused rather than read as zero, which would
pull R_t down exactly where reporting failed.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from epibridge.detection.rt import QUANTILES, estimate_r
from epibridge.detection.schemas import RtPoint, RtRead
from epibridge.detection.service import corrected
from epibridge.detection.service.series import finite_or_none, load_sco, missing_series
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.nowcasting.outlook import DEFAULT_MAX_DELAY
from epibridge.security import Principal

#: EpiEstim's Flu2009 example (pandemic influenza, Cori et al. 2013): mean 2.6, sd 1.5.
DEFAULT_MEAN_SI = 2.6
DEFAULT_STD_SI = 1.5
#: EpiEstim's default sliding window: 7 periods (t_start = 2 .. T-6).
DEFAULT_WINDOW = 7


def _check_serial_interval(mean_si: float, std_si: float) -> None:
    """Refuse what ``discr_si`` would, before any read, in the reader's language."""
    errors = []
    if not mean_si > 1:
        errors.append(FieldError("mean_si", N_("must be greater than 1"), mean_si))
    if not std_si > 0:
        errors.append(FieldError("std_si", N_("must be greater than 0"), std_si))
    if errors:
        raise InvalidInput(N_("the serial interval is not valid"), errors)


def series_rt(
    session: Session,
    *,
    principal: Principal,
    selector: SeriesSelector,
    mean_si: float = DEFAULT_MEAN_SI,
    std_si: float = DEFAULT_STD_SI,
    window: int = DEFAULT_WINDOW,
    mean_prior: float = 5.0,
    std_prior: float = 5.0,
    nowcast: bool = False,
    max_delay: int = DEFAULT_MAX_DELAY,
) -> RtRead:
    """Estimate R_t over sliding windows of a state's series (parametric serial interval).

    With ``nowcast`` the incomplete last periods are their nowcast median (``corrected``):
    uncorrected, R_t falls at the edge only because the latest reports have not all arrived.
    """
    if window < 1:
        raise InvalidInput("window must be at least 1", [FieldError("window", ">= 1", window)])
    _check_serial_interval(mean_si, std_si)
    loaded = load_sco(session, principal=principal, selector=selector)
    if loaded is None:
        raise missing_series(selector)
    if nowcast:
        loaded = corrected.correct(
            session, principal=principal, selector=selector, loaded=loaded, max_delay=max_delay
        )
    missing = [str(s) for s, c in zip(loaded.starts, loaded.counts, strict=True) if np.isnan(c)]
    if missing:
        raise InvalidInput(
            N_("{count} period(s) of the series are not reported; choose start/end around them"),
            [FieldError("start", "period not reported", day) for day in missing[:20]],
            params={"count": len(missing)},
        )
    n = loaded.counts.size
    if n < window + 1:
        raise InvalidInput(
            N_("the series has {n} periods; a window of {window} needs at least {needed}"),
            [
                FieldError(
                    "window", N_("at most {limit} here"), window, params={"limit": max(n - 1, 0)}
                )
            ],
            params={"n": n, "window": window, "needed": window + 1},
        )
    starts = np.arange(2, n - window + 2)
    ends = starts + window - 1
    try:
        estimate = estimate_r(
            loaded.counts,
            method="parametric_si",
            mean_si=mean_si,
            std_si=std_si,
            t_start=starts,
            t_end=ends,
            mean_prior=mean_prior,
            std_prior=std_prior,
        )
    except ValueError as exc:
        field = "mean_si" if "mean" in str(exc) else "std_si" if "standard" in str(exc) else "rt"
        raise InvalidInput(str(exc), [FieldError(field, str(exc))]) from None
    names = [f"{q:g}" for q in QUANTILES]
    points = []
    for row in range(estimate.t_start.size):
        quantiles = {
            name: finite_or_none(estimate.quantiles[row, i]) for i, name in enumerate(names)
        }
        points.append(
            RtPoint(
                period_start=loaded.starts[int(estimate.t_start[row]) - 1],
                period_end=loaded.ends[int(estimate.t_end[row]) - 1],
                mean=finite_or_none(estimate.mean[row]),
                std=finite_or_none(estimate.std[row]),
                median=quantiles["0.5"],
                quantile_025=quantiles["0.025"],
                quantile_975=quantiles["0.975"],
                quantiles=quantiles,
            )
        )
    return RtRead(
        state=loaded.key.state,
        disease=loaded.key.disease,
        metric=loaded.key.metric,
        classification=loaded.key.classification,
        granularity=selector.granularity,
        mean_si=mean_si,
        std_si=std_si,
        window=window,
        mean_prior=mean_prior,
        std_prior=std_prior,
        as_of=selector.as_of,
        synthetic=loaded.synthetic,
        nowcast=loaded.corrected,
        estimates=points,
    )
