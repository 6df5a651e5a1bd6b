"""The negative-binomial and Poisson quantiles used for nbPlugin/muan thresholds.

They walk from a Cornish-Fisher start with pmf steps instead of calling
scipy.stats (far slower); over a wide parameter range they must give exactly
the discrete quantiles scipy (and R's qnbinom/qpois) give.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from epibridge.detection.farrington.threshold import _nb_quantile, _pois_quantile, noufaily

RNG = np.random.default_rng(5)
N = 20_000
SIZE = np.exp(RNG.uniform(np.log(1e-3), np.log(1e4), N))
PROB = RNG.uniform(1e-3, 1 - 1e-6, N)
LAM = np.exp(RNG.uniform(np.log(1e-6), np.log(1e5), N))


@pytest.mark.parametrize("p", [0.95, 0.99, 0.999])
def test_quantiles_equal_scipy(p: float) -> None:
    np.testing.assert_array_equal(_nb_quantile(p, SIZE, PROB), stats.nbinom.ppf(p, SIZE, PROB))
    np.testing.assert_array_equal(_pois_quantile(p, LAM), stats.poisson.ppf(p, LAM))


def test_noufaily_threshold_pvalues_and_missing() -> None:
    eta = np.log(np.array([0.5, 3.0, 40.0, 40.0, 2.0, np.nan]))
    phi = np.array([1.0, 2.5, 1.0, 7.0, 3.0, 2.0])
    y = np.array([0.0, 9.0, 70.0, 12.0, np.nan, 3.0])
    upper, pvalue, _score, mu0 = noufaily(eta, np.zeros(6), phi, "nbPlugin", 0.01, y)
    with np.errstate(divide="ignore"):
        size, prob = mu0 / (phi - 1), 1 / phi
    want_upper = np.where(phi > 1, stats.nbinom.ppf(0.99, size, prob), stats.poisson.ppf(0.99, mu0))
    want_p = np.where(phi > 1, stats.nbinom.sf(y - 1, size, prob), stats.poisson.sf(y - 1, mu0))
    np.testing.assert_array_equal(upper[:5], want_upper[:5])
    np.testing.assert_allclose(pvalue[[0, 1, 2, 3]], want_p[[0, 1, 2, 3]], rtol=1e-12)
    assert np.isnan(pvalue[4]) and np.isnan(upper[5]) and np.isnan(pvalue[5])
