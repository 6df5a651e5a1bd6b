"""Chain ladder against the chainladder package (0.10.1): factors and ultimates, 1e-9 relative."""

from __future__ import annotations

import chainladder as cl
import numpy as np
import pandas as pd
import pytest

from epibridge.nowcasting import chain_ladder
from epibridge.nowcasting.triangle import reporting_mask

#: chainladder 0.10.1 itself calls pandas.to_datetime in a way pandas 3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Parsing integer or float values:Warning")


def _to_cl(tri: np.ndarray) -> cl.Triangle:
    """One (T, D+1) triangle as a chainladder Triangle with yearly origins and lags.

    chainladder reads its latest diagonal at the last valuation date, so a period complete
    at ``D`` is carried forward unchanged to it: no development beyond ``D`` (factors of 1).
    """
    n_period, n_delay = tri.shape
    rows = []
    for t in range(n_period):
        for d in range(max(n_delay, n_period - t)):
            value = tri[t, min(d, n_delay - 1)]
            if t + d < n_period and not np.isnan(value):
                rows.append(
                    {
                        "origin": f"{2000 + t}-01-01",
                        "valuation": f"{2000 + t + d}-12-31",
                        "value": value,
                    }
                )
    frame = pd.DataFrame(rows)
    return cl.Triangle(
        frame, origin="origin", development="valuation", columns="value", cumulative=True
    )


def _reference(tri: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    triangle = _to_cl(tri)
    ldf = cl.Development(average="volume").fit(triangle).ldf_.values.ravel()
    ultimate = cl.Chainladder().fit(triangle).ultimate_.values.ravel()
    return ldf, ultimate


def _random_triangle(rng: np.random.Generator, n_period: int, n_delay: int) -> np.ndarray:
    """Positive cells only: chainladder stores triangles sparsely and reads a 0 as absent,
    where we read it as a known zero (test_edge_cases_are_defined covers zeros)."""
    increments = rng.poisson(
        rng.uniform(5, 60) * rng.dirichlet(np.ones(n_delay)), (n_period, n_delay)
    ) + rng.integers(1, 3, (n_period, n_delay))
    full = np.cumsum(increments, axis=1).astype(float)
    return np.where(reporting_mask(n_period, n_delay), full, np.nan)


def test_raa_matches_chainladder() -> None:
    raa = cl.load_sample("raa").values[0, 0]
    ldf, ultimate = _reference(raa)
    fit = chain_ladder.fit(raa)
    np.testing.assert_allclose(fit.factors[0], ldf, rtol=1e-9)
    np.testing.assert_allclose(fit.nowcast[0], ultimate, rtol=1e-9)
    assert fit.nowcast[0, 0] == raa[0, -1]  # the complete origin is what was observed


@pytest.mark.parametrize(
    ("seed", "n_period", "n_delay"), [(1, 10, 10), (2, 15, 6), (3, 30, 9), (4, 8, 3), (5, 52, 5)]
)
def test_random_triangles_match_chainladder(seed: int, n_period: int, n_delay: int) -> None:
    rng = np.random.default_rng(seed)
    tris = np.stack([_random_triangle(rng, n_period, n_delay) for _ in range(3)])
    fit = chain_ladder.fit(tris)  # batched: each series its own factors
    for s in range(tris.shape[0]):
        ldf, ultimate = _reference(tris[s])
        np.testing.assert_allclose(fit.factors[s], ldf[: n_delay - 1], rtol=1e-9)
        np.testing.assert_allclose(ldf[n_delay - 1 :], 1.0)  # the carried-forward part
        np.testing.assert_allclose(fit.nowcast[s], ultimate, rtol=1e-9)


def test_edge_cases_are_defined() -> None:
    tri = np.full((4, 3, 4), np.nan)
    # series 0: history shorter than D + 1, no complete period: later factors undetermined
    tri[0] = np.where(
        reporting_mask(3, 4), [[2.0, 4, 6, 8], [3, 6, 9, 12], [5, 10, 15, 20]], np.nan
    )
    # series 1: all NaN
    # series 2: nothing reported at delay 0 ever (zero denominator), reports at delay 1
    tri[2] = np.where(reporting_mask(3, 4), [[0.0, 4, 4, 4], [0, 3, 3, 3], [0, 1, 1, 1]], np.nan)
    # series 3: a period with nothing known in the middle (missing)
    tri[3] = np.where(reporting_mask(3, 4), [[1.0, 2, 2, 2], [np.nan] * 4, [1, 2, 2, 2]], np.nan)
    fit = chain_ladder.fit(tri)
    np.testing.assert_allclose(fit.factors[0], [(4 + 6) / (2 + 3), 6 / 4, np.nan])
    np.testing.assert_allclose(fit.nowcast[0], [6.0, 6 * 1.5, 5 * 2 * 1.5])
    assert np.isnan(fit.factors[1]).all() and np.isnan(fit.nowcast[1]).all()
    assert np.isnan(fit.factors[2, 0])  # 0 -> 4 cannot be a ratio: undetermined, used as 1
    np.testing.assert_allclose(fit.nowcast[2], [4.0, 3.0, 0.0])
    assert np.isnan(fit.nowcast[3, 1]) and fit.latest_delay[3, 1] == -1
    np.testing.assert_allclose(fit.nowcast[3, [0, 2]], [2.0, 2.0])


def test_rejects_what_no_method_can_use() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        chain_ladder.fit(np.array([[1.0, -1.0]]))
    with pytest.raises(ValueError, match="finite"):
        chain_ladder.fit(np.array([[1.0, np.inf]]))
    with pytest.raises(ValueError, match="2-D or 3-D"):
        chain_ladder.fit(np.ones(3))
