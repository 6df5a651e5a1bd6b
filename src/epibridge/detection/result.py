"""Result container shared by every detection algorithm."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class DetectionResult:
    """Per (series, monitored point) outputs, each of shape ``(n_series, n_monitored)``.

    Missing values are ``NaN`` (R's ``NA``/``NaN``), including in ``alarm``, which is
    a float array holding 1.0/0.0 so that R's ``NA`` alarms survive (EARS C3 with a
    ``NaN`` threshold, non-converged Farrington fits). Columns an algorithm does
    not define are ``None``.
    """

    method: str
    index: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    upperbound: np.ndarray
    alarm: np.ndarray
    score: np.ndarray | None = None
    pvalue: np.ndarray | None = None
    phi: np.ndarray | None = None
    trend_used: np.ndarray | None = None
    trend_coef: np.ndarray | None = None
    mu0: np.ndarray | None = None
    options: dict[str, object] = field(default_factory=dict)

    @property
    def n_series(self) -> int:
        return int(self.observed.shape[0])

    def columns(self) -> dict[str, np.ndarray]:
        """Defined output arrays by name, for writers that do not care which method ran."""
        names = ("observed", "expected", "upperbound", "alarm", "score", "pvalue", "phi")
        names += ("trend_used", "trend_coef", "mu0")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def select(self, rows: np.ndarray | slice) -> DetectionResult:
        """Subset of series, used when a batch was split into chunks and is reassembled."""
        kwargs = {n: (None if a is None else a[rows]) for n, a in self._arrays().items()}
        return DetectionResult(method=self.method, index=self.index, options=self.options, **kwargs)

    def _arrays(self) -> dict[str, np.ndarray | None]:
        names = ("observed", "expected", "upperbound", "alarm", "score", "pvalue", "phi")
        names += ("trend_used", "trend_coef", "mu0")
        return {n: getattr(self, n) for n in names}

    @staticmethod
    def concat(parts: list[DetectionResult]) -> DetectionResult:
        """Stack chunk results (same method, same monitored points) along the series axis."""
        if not parts:
            raise ValueError("no results to concatenate")
        first = parts[0]
        kwargs: dict[str, np.ndarray | None] = {}
        for name, arr in first._arrays().items():
            if arr is None:
                kwargs[name] = None
            else:
                kwargs[name] = np.concatenate([getattr(p, name) for p in parts], axis=0)
        return DetectionResult(
            method=first.method, index=first.index, options=first.options, **kwargs
        )
