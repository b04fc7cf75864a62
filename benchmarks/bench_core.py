"""The core's speed: Objective's methods next to a hand-written numpy network (_reference.py).

Each benchmark times nnbench's method with pytest-benchmark and, in the same test, times
it side by side with its yardstick (interleaved repeats, _timing.record_ratios):
``fun`` and ``fun_and_grad`` against the hand-written reference, ``hessp``, ``hess`` and
``residual_jac`` against nnbench's own ``fun_and_grad``. ``extra_info["ratio"]`` is
nnbench's time over the yardstick's. Only correctness is asserted, never speed.

Goals (issues 2 and 6): ``fun_and_grad`` <= 1.1x the reference at (442, 10, 16) and
(10000, 10, 16), <= 1.3x at the tutorial's size (4, 2, 2); ``hessp`` <= 3x ``fun_and_grad``.
"""

from __future__ import annotations

import numpy as np
import pytest
from _reference import Reference, sigmoid_expit, sigmoid_tanh
from _timing import problem, record_ratios, run_benchmark

from nnbench.core.activations import get_activation
from nnbench.core.kernels import SIGMOID
from nnbench.core.objective import Objective

SMALL = [(4, 2, 2), (442, 10, 16), (10000, 10, 16)]
LARGE = (100000, 64, 64)  # the residual Jacobian alone would take 100000 * 4225 * 8 B = 3.4 GB

_CACHE: dict[tuple[int, int, int], tuple] = {}


def setup(size: tuple[int, int, int]):
    """(objective, reference, theta, v) for ``size`` = (n_samples, n_features, n_hidden), cached."""
    if size not in _CACHE:
        n, d, h = size
        X, y = problem(n, d)
        obj = Objective.from_arrays(X, y, hidden=(h,), loss="sse")
        rng = np.random.default_rng(1)
        theta = obj.x0(rng)
        theta[obj.network.layout[0][4]:obj.network.layout[0][5]] = rng.uniform(-0.5, 0.5, h)
        v = rng.standard_normal(obj.n_params)
        _CACHE[size] = (obj, Reference(X, y, h), theta, v)
    return _CACHE[size]


def ids(size):
    return "x".join(map(str, size))


@pytest.mark.parametrize("size", SMALL + [LARGE], ids=ids)
def test_reference_is_the_same_maths(size):
    obj, ref, theta, _ = setup(size)
    cost, grad = obj.fun_and_grad(theta)
    rcost, rgrad = ref.fun_and_grad(theta)
    assert cost == pytest.approx(rcost, rel=1e-12)
    np.testing.assert_allclose(grad, rgrad, rtol=1e-9, atol=1e-12 * np.abs(rgrad).max())
    assert ref.fun(theta) == pytest.approx(obj.fun(theta), rel=1e-12)


@pytest.mark.parametrize("size", SMALL + [LARGE], ids=ids)
def test_fun(benchmark, size):
    obj, ref, theta, _ = setup(size)
    benchmark.group = f"fun {ids(size)}"
    record_ratios(benchmark, {"nnbench": lambda: obj.fun(theta), "reference": lambda: ref.fun(theta)})
    cost = run_benchmark(benchmark, lambda: obj.fun(theta), rounds=3 if size == LARGE else 10)
    assert cost == pytest.approx(ref.fun(theta), rel=1e-12)


@pytest.mark.parametrize("size", SMALL + [LARGE], ids=ids)
def test_fun_and_grad(benchmark, size):
    obj, ref, theta, _ = setup(size)
    benchmark.group = f"fun_and_grad {ids(size)}"
    record_ratios(benchmark, {"nnbench": lambda: obj.fun_and_grad(theta),
                              "reference": lambda: ref.fun_and_grad(theta)})
    benchmark.extra_info["reference_sigmoid"] = ref.sigmoid.__name__
    benchmark.extra_info["nnbench_sigmoid"] = SIGMOID.describe()
    cost, grad = run_benchmark(benchmark, lambda: obj.fun_and_grad(theta),
                               rounds=3 if size == LARGE else 10)
    rcost, rgrad = ref.fun_and_grad(theta)
    assert cost == pytest.approx(rcost, rel=1e-12)
    np.testing.assert_allclose(grad, rgrad, rtol=1e-9, atol=1e-12 * np.abs(rgrad).max())


@pytest.mark.parametrize("size", SMALL + [LARGE], ids=ids)
def test_hessp(benchmark, size):
    obj, _, theta, v = setup(size)
    benchmark.group = f"hessp {ids(size)}"
    record_ratios(benchmark, {"hessp": lambda: obj.hessp(theta, v),
                              "fun_and_grad": lambda: obj.fun_and_grad(theta)})
    hv = run_benchmark(benchmark, lambda: obj.hessp(theta, v), rounds=3 if size == LARGE else 10)
    # H v is the directional derivative of the gradient: check it by central differences
    eps = 1e-6 / max(1.0, np.linalg.norm(v))
    fd = (obj.grad(theta + eps * v) - obj.grad(theta - eps * v)) / (2 * eps)
    assert np.linalg.norm(hv - fd) <= 1e-5 * np.linalg.norm(fd)


@pytest.mark.parametrize("size", SMALL, ids=ids)
def test_hess(benchmark, size):
    obj, _, theta, v = setup(size)
    benchmark.group = f"hess {ids(size)}"
    record_ratios(benchmark, {"hess": lambda: obj.hess(theta),
                              "fun_and_grad": lambda: obj.fun_and_grad(theta)}, repeat=3)
    H = run_benchmark(benchmark, lambda: obj.hess(theta), rounds=5)
    np.testing.assert_allclose(H @ v, obj.hessp(theta, v), rtol=1e-9,
                               atol=1e-12 * np.abs(H).max() * np.abs(v).sum())


@pytest.mark.parametrize("size", SMALL, ids=ids)
def test_residual_jac(benchmark, size):
    obj, _, theta, v = setup(size)
    benchmark.group = f"residual_jac {ids(size)}"
    record_ratios(benchmark, {"residual_jac": lambda: obj.residual_jac(theta),
                              "fun_and_grad": lambda: obj.fun_and_grad(theta)}, repeat=3)
    J = run_benchmark(benchmark, lambda: obj.residual_jac(theta), rounds=5)
    # for the SSE, grad = 2 J^T r
    np.testing.assert_allclose(2 * J.T @ obj.residuals(theta), obj.grad(theta), rtol=1e-9,
                               atol=1e-12 * np.abs(J).max() * len(J))


SIGMOID_SIZES = [16, 128, 1024, 4096, 16384, 160000, 1_600_000]


@pytest.mark.parametrize("size", SIGMOID_SIZES)
def test_sigmoid_forms(benchmark, size):
    """expit against the tanh form; ``ratio`` = tanh form / expit (> 1: expit is faster).

    nnbench's Sigmoid makes the same measurement once per process, on fewer sizes, and picks
    the form by size (nnbench/core/kernels.py); ``extra_info`` records its choice and numpy's
    SIMD level. The benchmark itself times nnbench's Sigmoid.
    """
    rng = np.random.default_rng(0)
    z = rng.normal(scale=4.0, size=size)
    z[:2] = [-800.0, 800.0]  # exp(800) overflows: neither form may warn (warnings are errors)
    out1, out2 = np.empty(size), np.empty(size)
    benchmark.group = "sigmoid forms"
    record_ratios(benchmark, {"tanh_form": lambda: sigmoid_tanh(z, out1),
                              "expit": lambda: sigmoid_expit(z, out2)})
    sig = get_activation("sigmoid")
    a = run_benchmark(benchmark, lambda: sig.value(z, out1))
    benchmark.extra_info["nnbench_choice"] = SIGMOID.describe()
    np.testing.assert_allclose(a, sigmoid_expit(z, out2), rtol=0, atol=4e-16)
    assert a[0] == 0.0 and a[1] == 1.0
