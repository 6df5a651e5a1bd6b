"""Point nowcast by the chain ladder, for a batch of reporting triangles at once.

The development factor of delay ``d`` is the volume-weighted ratio
``f_d = Σ_t C[t, d+1] / Σ_t C[t, d]`` over the periods of the series whose values at both
delays are known; no tail is added beyond ``D``. The nowcast of a period last known at
delay ``d`` is ``C[t, d] × f_d × … × f_{D-1}``, so a complete period nowcasts to what was
observed. It is the estimator of the ``chainladder`` package's
``Development(average="volume")`` and ``Chainladder().ultimate_`` (tested against it).

Edge cases, chosen so that a nowcast never invents growth the data do not show:

* ``f_d`` is *undetermined* when no period has both delays known (a history shorter than
  ``D + 1`` periods: no period is complete yet) or when ``Σ_t C[t, d] = 0``. ``factors``
  reports ``NaN`` there and the nowcast uses 1 instead: development stops where the data
  stop, exactly as the absence of a tail does at ``D``.
* A period with nothing known (all ``NaN``) nowcasts to ``NaN``; a series that is all
  ``NaN`` has all factors undetermined and all nowcasts ``NaN``.
* Factors below 1 (downward revisions) are kept: they are what the history shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from epibridge.nowcasting.triangle import as_triangles, latest_delay


@dataclass(frozen=True)
class ChainLadderFit:
    """What one chain-ladder pass learnt and predicted; shapes as in the package docstring."""

    #: ``(S, D)`` development factors, NaN where undetermined.
    factors: np.ndarray
    #: ``(S, D + 1)`` product of the factors (1 where undetermined) from delay d to D.
    cumulative: np.ndarray
    #: ``(S, T)`` latest known delay per period, -1 when nothing is known.
    latest_delay: np.ndarray
    #: ``(S, T)`` value at that delay (the naive "latest as reported"), NaN when none.
    latest: np.ndarray
    #: ``(S, T)`` point nowcast of the final (delay D) value.
    nowcast: np.ndarray


def development_factors(values: np.ndarray) -> np.ndarray:
    """Volume-weighted factors ``(S, D)``; NaN where undetermined (see the module docstring)."""
    known = ~np.isnan(values)
    filled = np.where(known, values, 0.0)
    pair = known[..., :-1] & known[..., 1:]
    # einsum reduces over periods without materialising the masked products
    numerator = np.einsum("...td,...td->...d", filled[..., 1:], pair)
    denominator = np.einsum("...td,...td->...d", filled[..., :-1], pair)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def cumulative_factors(factors: np.ndarray) -> np.ndarray:
    """``(S, D + 1)``: ``f_d × … × f_{D-1}`` per delay ``d`` (1 at ``D``), undetermined as 1."""
    usable = np.where(np.isnan(factors), 1.0, factors)
    ones = np.ones((*usable.shape[:-1], 1))
    # built from delay D backwards, multiplying in the same order as chainladder's cdf_
    reverse = np.cumprod(usable[..., ::-1], axis=-1)[..., ::-1]
    return np.concatenate([reverse, ones], axis=-1)


def fit(values: ArrayLike) -> ChainLadderFit:
    """Chain-ladder factors and point nowcast for every series of ``values``."""
    tri = as_triangles(values)
    factors = development_factors(tri)
    cumulative = cumulative_factors(factors)
    delay = latest_delay(tri)
    index = np.maximum(delay, 0)
    last = np.take_along_axis(tri, index[..., np.newaxis], axis=-1)[..., 0]
    last = np.where(delay >= 0, last, np.nan)
    to_final = np.take_along_axis(cumulative, index, axis=-1)
    return ChainLadderFit(factors, cumulative, delay, last, last * to_final)


def nowcast(values: ArrayLike) -> np.ndarray:
    """``(S, T)`` point nowcast of each period's final value (observed for complete periods)."""
    return fit(values).nowcast
