"""Timing helpers of the benchmarks: side-by-side ratios, calibrated pytest-benchmark runs, data."""

from __future__ import annotations

import os
import statistics
import timeit
from collections.abc import Callable, Sequence

import numpy as np
from threadpoolctl import threadpool_info

from nnbench.core.kernels import simd_level


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


def time_interleaved(fs: dict[str, Callable[[], object]], repeat: int = 7,
                     seconds: float = 0.02) -> dict[str, list[float]]:
    """Per-call seconds of each function in ``fs`` in each of ``repeat`` interleaved repeats.

    Each repeat times every function once, in the order of ``fs``, for ``number`` calls
    (``number`` chosen so that the slowest takes about ``seconds``). Timing them alternately
    in one run is what makes their ratio meaningful on a busy machine.

    :returns: for each name, ``repeat`` floats: seconds per call, in the order of the repeats.
    """
    number = min(calls_for(f, seconds) for f in fs.values())
    times: dict[str, list[float]] = {name: [] for name in fs}
    for _ in range(repeat):
        for name, f in fs.items():
            times[name].append(timeit.timeit(f, number=number) / number)
    return times


def time_side_by_side(fs: dict[str, Callable[[], object]], repeat: int = 7,
                      seconds: float = 0.02) -> dict[str, float]:
    """Per-call seconds of each function in ``fs``: its best repeat of :func:`time_interleaved`
    (timeit's advice: the minimum is the least disturbed)."""
    return {name: min(t) for name, t in time_interleaved(fs, repeat, seconds).items()}


def paired_ratio(first: Sequence[float], second: Sequence[float]) -> float:
    """The median over repeats of ``first[i] / second[i]``: each repeat's two times were taken
    back to back, so a machine that drifts between fast and slow phases (seen here: 1.8x for
    seconds at a time) moves both alike, where the ratio of the two best repeats can pair a
    fast phase of one with a slow phase of the other."""
    return statistics.median(a / b for a, b in zip(first, second, strict=True))


def record_ratios(benchmark, fs: dict[str, Callable[[], object]], **kw) -> dict[str, float]:
    """Time ``fs`` side by side (:func:`time_interleaved`) into ``benchmark.extra_info``.

    Records ``<name>_us`` (each function's best repeat), ``ratio`` = first / second of those
    and ``ratio_paired`` (:func:`paired_ratio`), ``ratio_<name>`` = first / each further one,
    the BLAS kernel (:func:`blas_kernel`) and numpy's SIMD level. With ``--benchmark-disable``
    nothing is timed and ``{}`` is returned (CI runs each body once, for correctness only).

    :returns: each function's best seconds per call.
    """
    if benchmark.disabled:
        return {}
    times = time_interleaved(fs, **kw)
    t = {name: min(v) for name, v in times.items()}
    names = list(t)
    for name in names:
        benchmark.extra_info[f"{name}_us"] = round(t[name] * 1e6, 3)
    first = names[0]
    for i, name in enumerate(names[1:]):
        key = "ratio" if i == 0 else f"ratio_{name}"
        benchmark.extra_info[key] = round(t[first] / t[name], 3)
        if i == 0:
            benchmark.extra_info["ratio_paired"] = round(paired_ratio(times[first], times[name]), 3)
    benchmark.extra_info["blas"] = blas_kernel()
    benchmark.extra_info["simd"] = simd_level()
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
