"""How one evaluation and one training run grow with n_samples and with n_params.

One evaluation is ``fun_and_grad`` of a 10-input network with one sigmoid hidden layer;
``extra_info`` splits its time, measured side by side with the call itself, into

* ``products_us``: the BLAS calls alone (X W1, A W2, A^T delta, X^T D and the two column
  sums ones @ delta), on the same shapes;
* ``elementwise_us``: the element-wise numpy calls alone (bias adds, the sigmoid, the
  residual, the outer product, f' = a (1 - a) and its product, the dot product r . r);
* ``python_us``: the rest (``total_us`` minus both): nnbench's own interpreted code.

One training run is 50 iterations of scipy's L-BFGS-B on ``fun_and_grad``;
``optimizer_us`` is its time outside ``fun_and_grad`` (scipy's L-BFGS-B itself and its
Python driver), per iteration. Only correctness is asserted.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.optimize
from _timing import problem, run_benchmark, time_side_by_side
from scipy.special import expit

from nnbench.core.objective import Objective

N_FEATURES = 10
SAMPLES = [4, 40, 442, 4000, 10000, 40000, 100000]
HIDDEN = [2, 8, 32, 128, 512]
ITERATIONS = 50


def parts(n: int, h: int):
    """(products, element-wise) callables replaying fun_and_grad's numpy calls alone."""
    rng = np.random.default_rng(0)
    X, W1, b1 = rng.standard_normal((n, N_FEATURES)), rng.standard_normal((N_FEATURES, h)), rng.standard_normal(h)
    W2, y = rng.standard_normal((h, 1)), rng.standard_normal((n, 1))
    Z, A, D, G = (rng.random((n, h)) for _ in range(4))
    Z0, r0, r = rng.standard_normal((n, h)), rng.standard_normal((n, 1)), np.empty((n, 1))
    ones, g1, g2, gb = np.ones(n), np.empty((N_FEATURES, h)), np.empty((h, 1)), np.empty(h)

    def products():
        np.matmul(X, W1, out=Z)
        np.matmul(A, W2, out=r)
        np.matmul(A.T, r, out=g2)
        np.matmul(ones, r)
        np.matmul(X.T, D, out=g1)
        np.matmul(ones, D, out=gb)

    def elementwise():
        np.add(Z0, b1, out=Z)  # from fixed inputs, so that repeating it cannot overflow
        expit(Z, out=A)
        np.add(r0, b1[0], out=r)
        np.subtract(r, y, out=r)
        np.vdot(r, r)
        np.multiply(r, 2.0, out=r)
        np.multiply(r, W2.T, out=D)
        np.subtract(1.0, A, out=G)
        np.multiply(G, A, out=G)
        np.multiply(D, G, out=D)

    return products, elementwise


def evaluation(benchmark, n: int, h: int) -> None:
    X, y = problem(n, N_FEATURES)
    obj = Objective.from_arrays(X, y, hidden=(h,))
    theta = obj.x0(np.random.default_rng(1))
    benchmark.extra_info.update(n_samples=n, n_params=obj.n_params)
    if not benchmark.disabled:
        products, elementwise = parts(n, h)
        t = time_side_by_side({"total": lambda: obj.fun_and_grad(theta), "products": products,
                               "elementwise": elementwise}, repeat=5, seconds=0.01)
        us = {k: v * 1e6 for k, v in t.items()}
        benchmark.extra_info.update(
            total_us=round(us["total"], 2), products_us=round(us["products"], 2),
            elementwise_us=round(us["elementwise"], 2),
            python_us=round(us["total"] - us["products"] - us["elementwise"], 2),
            ns_per_sample=round(1e3 * us["total"] / n, 2))
    cost, grad = run_benchmark(benchmark, lambda: obj.fun_and_grad(theta), rounds=5)
    assert cost == pytest.approx(obj.fun(theta), rel=1e-12) and grad.shape == (obj.n_params,)


@pytest.mark.parametrize("n", SAMPLES)
def test_evaluation_vs_samples(benchmark, n):
    benchmark.group = "scaling: fun_and_grad vs n_samples (10 inputs, 16 hidden)"
    evaluation(benchmark, n, 16)


@pytest.mark.parametrize("h", HIDDEN)
def test_evaluation_vs_params(benchmark, h):
    benchmark.group = "scaling: fun_and_grad vs n_params (442 samples, 10 inputs)"
    evaluation(benchmark, 442, h)


def training(benchmark, n: int, h: int) -> None:
    X, y = problem(n, N_FEATURES)
    obj = Objective.from_arrays(X, y, hidden=(h,), loss="mse")
    theta0 = obj.x0(np.random.default_rng(1))
    inside = [0.0]

    def timed_fun_and_grad(theta):
        t0 = time.perf_counter()
        out = obj.fun_and_grad(theta)
        inside[0] += time.perf_counter() - t0
        return out

    def train():
        inside[0] = 0.0
        t0 = time.perf_counter()
        res = scipy.optimize.minimize(timed_fun_and_grad, theta0, method="L-BFGS-B", jac=True,
                                      options={"maxiter": ITERATIONS, "gtol": 0.0, "ftol": 0.0})
        return res, time.perf_counter() - t0, inside[0]

    res, total, evals = run_benchmark(benchmark, train, rounds=3, seconds=0.0)
    benchmark.extra_info.update(n_samples=n, n_params=obj.n_params, nit=res.nit, nfev=res.nfev,
                                us_per_iteration=round(1e6 * total / res.nit, 2),
                                evaluation_us=round(1e6 * evals / res.nfev, 2),
                                optimizer_us_per_iteration=round(1e6 * (total - evals) / res.nit, 2),
                                optimizer_share=round((total - evals) / total, 3))
    assert res.fun < obj.fun(theta0) and res.nit <= ITERATIONS


@pytest.mark.parametrize("n", [4, 442, 4000, 40000])
def test_training_vs_samples(benchmark, n):
    benchmark.group = f"scaling: L-BFGS-B {ITERATIONS} iterations vs n_samples (16 hidden)"
    training(benchmark, n, 16)


@pytest.mark.parametrize("h", [2, 16, 128])
def test_training_vs_params(benchmark, h):
    benchmark.group = f"scaling: L-BFGS-B {ITERATIONS} iterations vs n_params (442 samples)"
    training(benchmark, 442, h)
