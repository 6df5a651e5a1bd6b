"""Registry of detection methods: one calling convention for the CLI and the engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from epibridge.detection.ears import ears_c, required_history
from epibridge.detection.farrington import FARRINGTON_1996, NOUFAILY_2013, farrington_flexible
from epibridge.detection.result import DetectionResult

Runner = Callable[..., DetectionResult]


@dataclass(frozen=True)
class MethodSpec:
    """How to call one method and which options it accepts (with their defaults)."""

    name: str
    description: str
    defaults: Mapping[str, Any]
    runner: Runner

    def resolve(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with ``options``; unknown names are rejected, ``None`` = default."""
        unknown = sorted(set(options) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"unknown option(s) for method {self.name!r}: {', '.join(unknown)}; "
                f"valid: {', '.join(sorted(self.defaults))}"
            )
        merged = dict(self.defaults)
        merged.update({k: v for k, v in options.items() if v is not None})
        return merged


def _ears(method: str) -> Runner:
    def run(
        counts: ArrayLike,
        monitor: Iterable[int] | np.ndarray,
        freq: int,
        dates: ArrayLike | None = None,
        **options: Any,
    ) -> DetectionResult:
        del freq, dates  # EARS looks only at the preceding points
        return ears_c(counts, monitor, method=method, **options)  # type: ignore[arg-type]

    return run


def _farrington(name: str) -> Runner:
    def run(
        counts: ArrayLike,
        monitor: Iterable[int] | np.ndarray,
        freq: int,
        dates: ArrayLike | None = None,
        **options: Any,
    ) -> DetectionResult:
        res = farrington_flexible(counts, monitor, freq, dates, **options)
        return replace(res, method=name)

    return run


_EARS_DEFAULTS = {"baseline": 7, "minSigma": 0.0, "alpha": None}

METHODS: Mapping[str, MethodSpec] = MappingProxyType(
    {
        "ears-c1": MethodSpec("ears-c1", "EARS C1 (earsC method C1)", _EARS_DEFAULTS, _ears("C1")),
        "ears-c2": MethodSpec("ears-c2", "EARS C2 (earsC method C2)", _EARS_DEFAULTS, _ears("C2")),
        "ears-c3": MethodSpec("ears-c3", "EARS C3 (earsC method C3)", _EARS_DEFAULTS, _ears("C3")),
        "farrington": MethodSpec(
            "farrington",
            "farringtonFlexible with Farrington et al. (1996) settings",
            MappingProxyType(FARRINGTON_1996.as_dict()),
            _farrington("farrington"),
        ),
        "noufaily": MethodSpec(
            "noufaily",
            "farringtonFlexible with Noufaily et al. (2013) settings",
            MappingProxyType(NOUFAILY_2013.as_dict()),
            _farrington("noufaily"),
        ),
    }
)


def get_method(name: str) -> MethodSpec:
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(
            f"unknown detection method {name!r}; expected one of {', '.join(METHODS)}"
        ) from None


def run_method(
    name: str,
    counts: ArrayLike,
    monitor: Iterable[int] | np.ndarray,
    freq: int,
    dates: ArrayLike | None = None,
    **options: Any,
) -> DetectionResult:
    """Run a registered method with its defaults overridden by ``options``."""
    spec = get_method(name)
    return spec.runner(counts, monitor, freq, dates, **spec.resolve(options))


def history_needed(name: str, freq: int, **options: Any) -> int:
    """Points needed before the first monitored one (index mode), for friendly errors."""
    spec = get_method(name)
    opts = spec.resolve(options)
    if name.startswith("ears-"):
        return required_history(name[-2:].upper(), opts["baseline"])  # type: ignore[arg-type]
    return int(opts["b"]) * freq + int(opts["w"])
