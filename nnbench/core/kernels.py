"""Element-wise kernels chosen by measurement on the CPU that runs them.

Two forms of the same function can differ in speed by 3x either way from one CPU to the
next, because numpy vectorises some ufuncs only for some instruction sets: on a CPU with
AVX-512 numpy's float64 ``tanh`` is SIMD and ``0.5 + 0.5 tanh(z / 2)`` is 2-3x faster than
``scipy.special.expit`` from a few hundred elements on; with numpy's AVX2 path (or an AVX2
CPU) ``expit`` is 2x faster at every size (benchmarks/README.md). So a :class:`KernelChoice`
times its forms once per process, at first use, on a few array sizes (a few milliseconds),
and keeps a size threshold: below it the first form runs, from it on the second.

The choice can also be set (:func:`set_choices`): the process executor hands its workers the
choices of the parent, so that every trial of a run uses the same kernels, the ones its run
metadata records (:func:`describe_choices`, :func:`simd_level`). Both forms of every choice
agree to about 1e-16 absolute (tests/test_kernels.py), so the choice changes speed, not
results beyond rounding.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy.special import expit

__all__ = ["KernelChoice", "SIGMOID", "CHOICES", "sigmoid_expit", "sigmoid_tanh", "simd_level",
           "tanh_simd", "describe_choices", "current_choices", "set_choices", "threshold_of", "SWITCH_RATIO"]

#: The array sizes (elements) at which a choice times its forms.
PROBE_SIZES: tuple[int, ...] = (64, 256, 1024, 4096, 32768)
#: Interleaved repeats per size; each form's best repeat counts.
PROBE_REPEATS = 5
#: Elements each timed repeat covers at least (small arrays are called several times), so
#: that a repeat is well above the clock's resolution.
PROBE_ELEMENTS = 4096
#: The threshold of a choice whose second form is never used.
NEVER = sys.maxsize
#: The second form replaces the first only where it took at most this share of the first's
#: time (a quarter less). A form that wins by less can lose a moment later: on an AMD EPYC
#: with numpy's AVX2 path the scalar ``expit`` ran 1.8x slower for seconds at a time while
#: the SIMD tanh form ran 1.2x slower, so the tanh form measured 0.81-0.91 of ``expit`` at
#: 4096-32768 elements in 2 of 8 fresh processes and 1.2-1.5 in the others (and the run's
#: sigmoid then cost 20-25% more whenever the machine was fast again).
SWITCH_RATIO = 0.75

Form = Callable[[np.ndarray, np.ndarray], np.ndarray]


def sigmoid_expit(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` by ``scipy.special.expit`` into ``out`` (float64, ``z``'s shape).

    Exactly 1 from z of about 37 on, exactly 0 below about -745; never overflows."""
    return expit(z, out=out)


def sigmoid_tanh(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``0.5 + 0.5 tanh(z / 2)`` (the same function: 1 / (1 + exp(-z)) = (1 + tanh(z/2)) / 2)
    in four in-place ufunc calls into ``out`` (float64, ``z``'s shape; ``out`` may be ``z``).

    Exactly 0 and 1 from |z| of about 38 on (``tanh`` rounds to +-1); never overflows. Its
    absolute error is about 1e-16 everywhere; its relative error grows in the lower tail,
    where the value is below 1e-16 of 1 (``expit(-40)`` is 4e-18, this form gives 0)."""
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


class KernelChoice:
    """Two forms of one element-wise function, and the size from which the second is used.

    :param name: what the metadata calls the choice (``"sigmoid"``).
    :param forms: ``(name, form)`` pairs, exactly two; a form writes ``f(z)`` into ``out``
        (both float64 of one shape) and returns ``out``.
    :param probe: the inputs the forms are timed on: ``probe(n)`` gives a float64 ``(n,)``.
    """

    def __init__(self, name: str, forms: tuple[tuple[str, Form], tuple[str, Form]],
                 probe: Callable[[int], np.ndarray]) -> None:
        self.name = name
        self.forms = forms
        self.probe = probe
        #: From this many elements on the second form runs; ``None`` until measured or set.
        #: ``0``: the second form always; :data:`NEVER`: the first always.
        self.threshold: int | None = None
        #: ``{size: second form's time / first form's}`` of the measurement (empty when set).
        self.ratios: dict[int, float] = {}

    def __call__(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``f(z)`` into ``out`` by the form chosen for ``z.size``; measures on first use."""
        threshold = self.threshold
        if threshold is None:
            threshold = self.measure()
        return self.forms[1][1](z, out) if z.size >= threshold else self.forms[0][1](z, out)

    def measure(self, sizes: tuple[int, ...] = PROBE_SIZES, repeats: int = PROBE_REPEATS) -> int:
        """Time both forms side by side (interleaved, best of ``repeats`` each) at each of
        ``sizes`` and set :attr:`threshold`: the smallest probed size from which the second
        form was clearly faster (:func:`threshold_of`) at that size and every larger one
        (:data:`NEVER` when it was not at the largest: the first form always). Takes a few
        milliseconds.

        :returns: the threshold (elements).
        """
        ratios: dict[int, float] = {}
        for n in sizes:
            z = self.probe(n)
            out = np.empty_like(z)
            calls = max(1, PROBE_ELEMENTS // n)
            best = [np.inf, np.inf]
            for _ in range(repeats):
                for k in (0, 1):
                    form = self.forms[k][1]
                    t = time.perf_counter()
                    for _ in range(calls):
                        form(z, out)
                    best[k] = min(best[k], time.perf_counter() - t)
            ratios[n] = best[1] / best[0]
        self.ratios, self.threshold = ratios, threshold_of(ratios)
        return self.threshold

    def describe(self) -> str:
        """The choice in words, e.g. ``"expit below 512 elements, tanh from 512"``; measures
        first if needed."""
        threshold = self.threshold if self.threshold is not None else self.measure()
        (first, _), (second, _) = self.forms
        if threshold <= 0:
            return f"{second} at every size"
        if threshold == NEVER:
            return f"{first} at every size"
        return f"{first} below {threshold} elements, {second} from {threshold}"


def threshold_of(ratios: Mapping[int, float]) -> int:
    """The threshold of measured ``{size: second form's time / first form's}``: the smallest
    size from which the ratio is at most :data:`SWITCH_RATIO` at that size and every larger
    one; :data:`NEVER` (the first form always) when it is above it at the largest.

    :raises ValueError: no ratios.
    """
    if not ratios:
        raise ValueError("no sizes were measured")
    sizes = sorted(ratios)
    threshold = NEVER
    for n in reversed(sizes):
        if ratios[n] > SWITCH_RATIO:
            break
        threshold = n
    return threshold


def _probe_sigmoid(n: int) -> np.ndarray:
    # pre-activations of a trained network's hidden layer: mostly within +-6
    return np.random.default_rng(0).uniform(-6.0, 6.0, n)


#: The sigmoid: ``expit`` (first) or the tanh form (second); :class:`~nnbench.core.activations.Sigmoid`
#: calls it.
SIGMOID = KernelChoice("sigmoid", (("expit", sigmoid_expit), ("tanh", sigmoid_tanh)), _probe_sigmoid)

#: Every measured choice by name (what the run metadata records).
CHOICES: dict[str, KernelChoice] = {SIGMOID.name: SIGMOID}


def current_choices() -> dict[str, int]:
    """``{name: threshold}`` of every choice, measuring those not yet measured (the form the
    process executor hands to its workers, :func:`set_choices`)."""
    return {name: (c.threshold if c.threshold is not None else c.measure()) for name, c in CHOICES.items()}


def set_choices(thresholds: Mapping[str, int]) -> None:
    """Fix the thresholds of the named choices (:func:`current_choices` of another process)
    instead of measuring them here.

    :raises KeyError: a name that is not in :data:`CHOICES`.
    """
    for name, threshold in thresholds.items():
        CHOICES[name].threshold = int(threshold)
        CHOICES[name].ratios = {}


def describe_choices() -> dict[str, str]:
    """``{name: the choice in words}`` (:meth:`KernelChoice.describe`), for the run metadata."""
    return {name: c.describe() for name, c in CHOICES.items()}


def _cpu_features() -> tuple[list[str], list[str], dict[str, bool]]:
    import importlib

    try:
        mu = importlib.import_module("numpy._core._multiarray_umath")  # numpy 2
    except ImportError:  # pragma: no cover - numpy 1.26
        mu = importlib.import_module("numpy.core._multiarray_umath")
    return list(mu.__cpu_baseline__), list(mu.__cpu_dispatch__), dict(mu.__cpu_features__)


def simd_level() -> str:
    """The highest SIMD target numpy dispatches to on this CPU, e.g. ``"AVX512_SPR"``,
    ``"X86_V3"`` (AVX2, FMA3), ``"ASIMD"``: the last of numpy's baseline and dispatch targets
    (``numpy._core._multiarray_umath.__cpu_baseline__`` / ``__cpu_dispatch__``, lowest first)
    that ``__cpu_features__`` finds enabled. ``NPY_DISABLE_CPU_FEATURES`` is honoured: with
    ``"X86_V4 AVX512_ICL"`` disabled the AVX-512 extras above X86_V4 do not count either."""
    baseline, dispatch, features = _cpu_features()
    enabled = [f for f in baseline + dispatch if features.get(f)]
    if "X86_V4" in features and not features["X86_V4"]:
        enabled = [f for f in enabled if not f.startswith("AVX512")]
    return enabled[-1] if enabled else "none"


def tanh_simd() -> str | None:
    """The SIMD target numpy's float64 ``tanh`` runs on here (``numpy.lib.introspect.opt_func_info``,
    numpy 2.0+), e.g. ``"X86_V4"``; ``None`` where numpy does not say."""
    try:
        from numpy.lib.introspect import opt_func_info
    except ImportError:  # pragma: no cover - numpy 1.26
        return None
    info: Any = opt_func_info(func_name="^tanh$", signature="float64").get("tanh", {})
    return next((v.get("current") for v in info.values()), None)
