"""The C kernel (``kernel.c``): built on first use, loaded with ctypes, used as a fitter.

Why C through ctypes rather than numba: the kernel must help the whole
``epibridge detect file`` process, not only long runs. numba costs about 0.45 s
per process before the first kernel call (importing it and setting up its
typing registry, even with a warm cache), as much as the whole computation of a
200-series file. A shared library loads in about a millisecond, needs no new
dependency, and ctypes releases the GIL during the call, so the engine's threads
run chunks in parallel.

The library is compiled once per source version with the system C compiler into
``$EPIBRIDGE_KERNEL_DIR`` (default ``~/.cache/epibridge``), under a name hashing
the source, compiler and flags. Where no compiler works, :func:`load` returns
``None`` (with a warning) and detection runs the NumPy path, which gives the
same results, only slower.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import platform
import shlex
import shutil
import subprocess
import sysconfig
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from epibridge.detection.farrington.fit import FormulaFit, FormulaFitter
from epibridge.detection.farrington.layout import Layout

log = logging.getLogger(__name__)

SOURCE = Path(__file__).with_name("kernel.c")
#: No fused multiply-add (NumPy rounds every product) and no -ffast-math: IEEE results,
#: every operation rounded as NumPy rounds it. -fno-trapping-math only lets the compiler
#: vectorise loops with branches (FP exception flags are not used).
CFLAGS = ("-O3", "-fPIC", "-shared", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math")
DIR_ENV = "EPIBRIDGE_KERNEL_DIR"
#: R's ``glm.control()``: at most 25 IRLS iterations, relative deviance change 1e-8.
MAXIT, EPSILON = 25, 1e-8
# Columns of the kernel's output (enum in kernel.c).
(ETA, VAR, TREND, VAR_TREND, DF, SD, PHI, CONV, YMAX, FALLBACK) = range(10)
N_OUT = 10

_P, _I, _INT, _D = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int, ctypes.c_double
#: ``fit_problems`` in kernel.c, argument by argument
_ARGTYPES = (
    *(_P, _I, _I),  # grid, n_series, n_time
    *(_P, _I),  # rows, width
    *(_P, _I),  # bounds, n_lev
    *(_P, _I),  # t, t_cols
    *(_INT, _P, _P, _P, _I),  # table, q, sidx, hi_t, n_hi
    *(_P, _I),  # probs, n_probs
    *(_INT, _INT, _D, _INT, _D),  # trend, reweight, thr, maxit, epsilon
    _P,  # out
)

_lock = threading.Lock()
_loaded: list[ctypes.CDLL | None] = []


def _compiler() -> list[str] | None:
    """``$CC``, else the compiler Python was built with, else ``cc``: the first on the PATH."""
    for cc in (os.environ.get("CC"), sysconfig.get_config_var("CC"), "cc"):
        cmd = shlex.split(cc or "")
        if cmd and shutil.which(cmd[0]):
            return cmd
    return None


def _cache_dir() -> Path:
    if os.environ.get(DIR_ENV):
        return Path(os.environ[DIR_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "epibridge"


def _build(cc: list[str]) -> Path:
    """Compile (once per source, compiler and flags) and return the library's path."""
    source = SOURCE.read_bytes()
    key = hashlib.sha256(
        b"\0".join([source, *(a.encode() for a in (*cc, *CFLAGS, platform.machine()))])
    ).hexdigest()[:16]
    target = _cache_dir() / f"farrington-{key}.so"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    os.close(fd)
    try:
        subprocess.run(
            [*cc, *CFLAGS, "-o", tmp, str(SOURCE), "-lm"],
            check=True,
            capture_output=True,
            text=True,
        )
        os.replace(tmp, target)  # atomic: concurrent builders agree on the result
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def load() -> ctypes.CDLL | None:
    """The kernel library, built if needed; ``None`` when it cannot be built or loaded."""
    with _lock:
        if not _loaded:
            _loaded.append(_load())
        return _loaded[0]


def _load() -> ctypes.CDLL | None:
    cc = _compiler()
    if cc is None:
        log.warning("no C compiler found: farringtonFlexible runs on the (slower) NumPy path")
        return None
    try:
        lib = ctypes.CDLL(str(_build(cc)))
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        log.warning("cannot build the C kernel (%s): using the NumPy path", detail)
        return None
    lib.fit_problems.argtypes = _ARGTYPES
    lib.fit_problems.restype = ctypes.c_int
    return lib


def _ptr(a: np.ndarray) -> int:
    return int(a.ctypes.data)


def kernel_fitter(
    lib: ctypes.CDLL,
    packed: np.ndarray,
    rows: np.ndarray,
    layout: Layout,
    reweight: bool,
    weightsThreshold: float,
    fallback: Callable[[], FormulaFitter],
) -> FormulaFitter:
    """Fit formulas with the kernel; problems it flags go to ``fallback()`` (NumPy path).

    ``packed`` is ``(n_series, n_time, 8)`` float64 (see ``fit_problems`` in
    kernel.c), ``rows`` the ``(n_monitored, width)`` time index of each cell,
    sorted by level as in ``layout``. ``fallback`` builds the NumPy fitter of the
    same problems; it is called only when some problem needs it.
    """
    table, q, s, hi_t = layout.exp_table()
    keep = [
        np.ascontiguousarray(packed, dtype=np.float64),
        np.ascontiguousarray(rows, dtype=np.int64),
        np.ascontiguousarray(layout.bounds, dtype=np.int64),
        np.ascontiguousarray(layout.t, dtype=np.float64),
        np.ascontiguousarray(q, dtype=np.int64),
        np.ascontiguousarray(s, dtype=np.int64),
        np.ascontiguousarray(hi_t, dtype=np.float64),
    ]
    grid, rows_, bounds, t, q_, s_, hi = keep
    n_series, n_time = grid.shape[:2]
    n = rows_.shape[0] * n_series
    numpy_fit: list[FormulaFitter] = []

    def fit(cols: np.ndarray | None, trend: bool) -> FormulaFit:
        probs = np.arange(n, dtype=np.int64) if cols is None else cols.astype(np.int64)
        out = np.empty((probs.size, N_OUT))
        status = lib.fit_problems(
            _ptr(grid), n_series, n_time, _ptr(rows_), rows_.shape[1], _ptr(bounds),
            bounds.size - 1, _ptr(t), t.shape[1], int(table), _ptr(q_), _ptr(s_), _ptr(hi),
            hi.size, _ptr(probs), probs.size, int(trend), int(reweight),
            float(weightsThreshold), MAXIT, EPSILON, _ptr(out),
        )  # fmt: skip
        if status != 0:
            raise MemoryError("the detection kernel could not allocate its buffers")
        result = FormulaFit(
            eta=out[:, ETA],
            var=out[:, VAR],
            trend=out[:, TREND],
            var_trend=out[:, VAR_TREND],
            df_residual=out[:, DF],
            summary_dispersion=out[:, SD],
            phi=out[:, PHI],
            converged=out[:, CONV] == 1.0,
            ymax=out[:, YMAX],
        )
        flagged = np.flatnonzero(out[:, FALLBACK] == 1.0)
        if flagged.size:
            if not numpy_fit:
                numpy_fit.append(fallback())
            exact = numpy_fit[0](probs[flagged], trend)
            for name in FormulaFit.__dataclass_fields__:
                getattr(result, name)[flagged] = getattr(exact, name)
        return result

    return fit
