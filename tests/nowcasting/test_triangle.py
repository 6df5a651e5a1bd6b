"""Triangle helpers: latest values and truncation to an earlier nowcast date."""

from __future__ import annotations

import numpy as np
import pytest

from epibridge.nowcasting.triangle import latest, latest_delay, reporting_mask, truncate

NAN = np.nan


def test_latest_is_the_value_at_the_largest_known_delay() -> None:
    tri = np.array([[[1.0, 2.0, 3.0], [4.0, NAN, 6.0], [7.0, NAN, NAN], [NAN, NAN, NAN]]])
    np.testing.assert_array_equal(latest_delay(tri), [[2, 2, 0, -1]])
    np.testing.assert_array_equal(latest(tri), [[3.0, 6.0, 7.0, NAN]])


def test_truncate_hides_what_was_not_known_then() -> None:
    full = np.arange(1.0, 1.0 + 5 * 3).reshape(1, 5, 3)
    then = truncate(full, 2)
    assert then.shape == (1, 3, 3)
    # at the end of period 2: period 0 known to delay 2, period 1 to 1, period 2 to 0
    expected = np.where([[1, 1, 1], [1, 1, 0], [1, 0, 0]], full[0, :3], NAN)
    np.testing.assert_array_equal(then[0], expected)
    now = np.where(reporting_mask(5, 3), full[0], NAN)
    np.testing.assert_array_equal(truncate(full, 0)[0], now)
    with pytest.raises(ValueError, match="lag"):
        truncate(full, 5)
