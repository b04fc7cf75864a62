"""Timing helpers of the benchmarks: side-by-side ratios, calibrated pytest-benchmark runs, data."""

from __future__ import annotations

import os
import timeit
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_info


#: The environment of the whole processes the benchmarks time: bytecode written and read as in
#: a normal installation (an environment with PYTHONDONTWRITEBYTECODE compiles nnbench's
#: modules from source in every process, 0.1 s that a plain script, which has none, never pays).
PROCESS_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def blas_kernel() -> str:
    """The BLAS library, version and CPU kernel threadpoolctl reports, e.g. ``openblas 0.3.31 Haswell``."""
    info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '?')}"
                     for i in info) or "none"


def calls_for(f: Callable[[], object], seconds: float = 0.02) -> int:
    """How many calls of ``f`` take about ``seconds`` (at least 1): timeit's autorange."""
    timer = timeit.Timer(f)
    number, t = timer.autorange()  # number of calls taking >= 0.2 s, and their time
    return max(1, int(number * seconds / t))


def time_side_by_side(fs: dict[str, Callable[[], object]], repeat: int = 7,
                      seconds: float = 0.02) -> dict[str, float]:
    """Per-call seconds of each function in ``fs``, timed in interleaved repeats.

    Each repeat times every function once for ``number`` calls (``number`` chosen so
    that the slowest takes about ``seconds``); the result is each one's best repeat
    divided by ``number`` (timeit's advice: the minimum is the least disturbed). Timing
    them alternately in one run is what makes their ratio meaningful on a busy machine.
    """
    number = min(calls_for(f, seconds) for f in fs.values())
    best = dict.fromkeys(fs, float("inf"))
    for _ in range(repeat):
        for name, f in fs.items():
            best[name] = min(best[name], timeit.timeit(f, number=number) / number)
    return best


def record_ratios(benchmark, fs: dict[str, Callable[[], object]], **kw) -> dict[str, float]:
    """Time ``fs`` side by side (:func:`time_side_by_side`) into ``benchmark.extra_info``.

    Records ``<name>_us`` for each function and ``ratio`` = first / second (and
    ``ratio_<name>`` = first / each further one). With ``--benchmark-disable`` nothing is
    timed and ``{}`` is returned (CI runs each body once, for correctness only).
    """
    if benchmark.disabled:
        return {}
    t = time_side_by_side(fs, **kw)
    names = list(t)
    for name in names:
        benchmark.extra_info[f"{name}_us"] = round(t[name] * 1e6, 3)
    first = names[0]
    for i, name in enumerate(names[1:]):
        key = "ratio" if i == 0 else f"ratio_{name}"
        benchmark.extra_info[key] = round(t[first] / t[name], 3)
    benchmark.extra_info["blas"] = blas_kernel()
    return t


def problem(n_samples: int, n_features: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Benchmark data: ``X`` standard normal ``(n_samples, n_features)``, ``y`` ``(n_samples,)``.

    The tutorial's size (4, 2) gives the tutorial's own four rows.
    """
    if (n_samples, n_features) == (4, 2):
        from nnbench.datasets import load

        ds = load("tutorial")
        return ds.X, ds.y.ravel()
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = np.tanh(X[:, 0]) + 0.1 * rng.standard_normal(n_samples)
    return X, y


def run_benchmark(benchmark, f: Callable[[], object], rounds: int = 10, seconds: float = 0.01):
    """Benchmark ``f`` with ``rounds`` rounds of about ``seconds`` each; returns ``f()``.

    With ``--benchmark-disable`` this is one plain call of ``f``.
    """
    if benchmark.disabled:
        return benchmark.pedantic(f)  # one plain call
    return benchmark.pedantic(f, rounds=rounds, warmup_rounds=1, iterations=calls_for(f, seconds))
