"""The instrumentation's cost: InstrumentedObjective against the bare Objective, per call.

``extra_info``: ``ratio`` (instrumented / bare time per call) and ``overhead_us`` (their
difference in microseconds), timed side by side. Two cases per method: ``steady``, where
the cost does not improve (only counting and the budget checks run), and ``improving``,
where every call is a new best (the weights are copied and the history grows; the
instrumented call's best cost is reset before each call, and the bare call gets the same
assignment so both sides do the same extra Python work).

Goals (issue 6): at most 5% per call at (442, 10, 16), at most 2 microseconds per call at
the tutorial's size. Only correctness is asserted.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from _timing import problem, record_ratios, run_benchmark

from nnbench.contract.instrument import InstrumentedObjective
from nnbench.core.objective import Objective

SIZES = [(4, 2, 2), (442, 10, 16)]


def call_pair(inst, f_inst, f_bare, args, improving: bool):
    """(instrumented call, bare call) of ``f_inst(*args)`` / ``f_bare(*args)``; with
    ``improving`` each instrumented call first resets the best cost (so it improves it),
    and each bare call does the same assignment on a spare object."""
    if not improving:
        return (lambda: f_inst(*args)), (lambda: f_bare(*args))
    spare = SimpleNamespace(best_cost=math.inf)

    def call_inst():
        inst.best_cost = math.inf
        return f_inst(*args)

    def call_bare():
        spare.best_cost = math.inf
        return f_bare(*args)

    return call_inst, call_bare


def ids(size):
    return "x".join(map(str, size))


@pytest.mark.parametrize("case", ["steady", "improving"])
@pytest.mark.parametrize("method", ["fun_and_grad", "fun", "hessp"])
@pytest.mark.parametrize("size", SIZES, ids=ids)
def test_instrumented_vs_bare(benchmark, size, method, case):
    n, d, h = size
    X, y = problem(n, d)
    bare = Objective.from_arrays(X, y, hidden=(h,), loss="sse")
    inst = InstrumentedObjective(bare)
    theta = bare.x0(np.random.default_rng(1))
    args = (theta, np.ones(bare.n_params)) if method == "hessp" else (theta,)
    f_bare, f_inst = getattr(bare, method), getattr(inst, method)
    if case == "improving" and method == "hessp":
        pytest.skip("hessp is not an evaluation: it never improves the best cost")
    call_inst, call_bare = call_pair(inst, f_inst, f_bare, args, case == "improving")

    benchmark.group = f"instrumentation {method} {ids(size)}"
    t = record_ratios(benchmark, {"instrumented": call_inst, "bare": call_bare},
                      repeat=25, seconds=0.004)
    if t:
        benchmark.extra_info["overhead_us"] = round((t["instrumented"] - t["bare"]) * 1e6, 3)
    inst.restart()
    result = run_benchmark(benchmark, call_inst)
    expected = f_bare(*args)
    if method == "fun_and_grad":
        assert result[0] == expected[0]
        np.testing.assert_array_equal(result[1], expected[1])
    else:
        np.testing.assert_array_equal(result, expected)
    assert inst.counts[method] >= 1
    assert inst.evaluations == (0 if method == "hessp" else inst.counts[method])


class _Free:
    """An objective whose methods cost nothing: what is left is the instrumentation."""

    n_params = 6

    def __init__(self):
        self.g = np.zeros(6)

    def fun(self, theta):
        return 1.0

    def fun_and_grad(self, theta):
        return 1.0, self.g

    def hessp(self, theta, v):
        return self.g


@pytest.mark.parametrize("case", ["steady", "improving"])
@pytest.mark.parametrize("method", ["fun_and_grad", "fun", "hessp"])
def test_instrumentation_overhead_alone(benchmark, method, case):
    """The instrumentation's own time per call, around an objective that costs nothing:
    ``overhead_us`` = instrumented - bare, without the noise of a real evaluation."""
    if case == "improving" and method == "hessp":
        pytest.skip("hessp is not an evaluation: it never improves the best cost")
    free = _Free()
    inst = InstrumentedObjective(free)
    theta = np.zeros(6)
    args = (theta, theta) if method == "hessp" else (theta,)
    f_bare, f_inst = getattr(free, method), getattr(inst, method)
    call_inst, call_bare = call_pair(inst, f_inst, f_bare, args, case == "improving")

    benchmark.group = "instrumentation alone"
    t = record_ratios(benchmark, {"instrumented": call_inst, "bare": call_bare}, repeat=25, seconds=0.004)
    if t:
        benchmark.extra_info["overhead_us"] = round((t["instrumented"] - t["bare"]) * 1e6, 3)
    inst.restart()
    assert run_benchmark(benchmark, call_inst) is not None
    assert inst.counts[method] >= 1 and inst.best_cost == (math.inf if method == "hessp" else 1.0)
