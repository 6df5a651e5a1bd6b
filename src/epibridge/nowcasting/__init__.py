"""Nowcasting: what the incomplete recent periods will finally count, as pure NumPy.

Array convention (shared by every module here, and by the data side that builds
triangles from the database's vintages):

* A batch of reporting triangles is ``values``: ``np.ndarray`` of ``float64``, shape
  ``(S, T, D + 1)`` — series × period × delay. Periods are oldest first and end at the
  nowcast date: period ``T - 1`` is the last one that ended on or before it.
* ``values[s, t, d]`` is the value of period ``t`` of series ``s`` as known ``d`` periods
  after the period's end (delay 0 = as known at the end of the period itself). For a
  weekly series, ``d`` weeks after the period's Sunday; the latest revision received by
  then. Values are cumulative: the figure as reported, not the increment.
* ``NaN`` where the value was not yet known at the nowcast date — the lower-right
  triangle, ``t + d > T - 1`` — or where it is missing (no report by then).
* ``max_delay = D = values.shape[2] - 1``. No development is modelled beyond ``D``: the
  value at delay ``D`` is the period's *final* count.
* A period is *complete* when its delay-``D`` value is known; its nowcast is what was
  observed. Its *latest* value is the one at its largest known delay (``triangle.latest``).
* One series may be passed as a 2-D ``(T, D + 1)`` array; results then keep the batch
  axis (``S = 1``).

Results are per series and period, shape ``(S, T)`` (quantiles: ``(S, T, Q)`` with
``QUANTILES`` on the last axis); forecasts ``(S, H, Q)`` for ``H`` periods after ``T - 1``.

Modules: ``triangle`` (checks, latest values, truncation to an earlier nowcast date),
``chain_ladder`` (point nowcast), ``intervals`` (negative binomial calibrated on past
nowcasts), ``bayes`` (Bayesian truncation model), ``forecast``, ``scoring``, ``backtest``,
``engine`` (many series on local threads or Dask). The methods and their estimators are
described in docs/nowcasting.md.
"""

from __future__ import annotations

#: Quantile levels of every interval here: the 50% and 90% central intervals and the median.
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
