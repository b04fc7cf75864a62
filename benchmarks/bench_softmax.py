"""Softmax cross-entropy: nnbench's ``fun_and_grad`` next to a hand-written numpy version.

The problem has the shape of scikit-learn's digits (1797 samples, 64 features, 10 classes),
with seeded standard-normal features and random one-hot labels, and a 64-32-10 network
(tanh hidden layer, softmax output, biases): 2410 weights. The yardstick,
:class:`SoftmaxReference`, is the same maths written out by hand with preallocated buffers
(forward pass, log-sum-exp, backward pass); ``extra_info["ratio"]`` is nnbench's time over
its, measured side by side (``_timing.time_side_by_side``). The reference sums and maximises
over rows and columns with numpy's own reductions, as code written by hand would;
``ratio_reference_blas`` is nnbench's time over the same reference with nnbench's faster
reductions (row maxima of a transposed copy, sums as products with a vector of ones), which
isolates nnbench's own overhead. Only correctness is asserted.

Goal (the classification issue): ``fun_and_grad`` <= 1.1x the reference.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from _timing import record_ratios, run_benchmark

from nnbench.core.activations import row_max
from nnbench.core.network import Network
from nnbench.core.objective import Objective

N_SAMPLES, N_FEATURES, N_HIDDEN, N_CLASSES = 1797, 64, 32, 10


class SoftmaxReference:
    """A 1-hidden-layer tanh network with a softmax output and the mean cross-entropy, by hand.

    The same flat layout as :mod:`nnbench.core.network` (``W1 (d x h), b1 (h), W2 (h x K), b2 (K)``),
    so both take the same ``theta``. The maths, with ``n`` samples and one-hot ``Y``:

        Z1 = X W1 + b1,  A = tanh(Z1),  Z = A W2 + b2
        m = max_k Z,  E = exp(Z - m),  s = sum_k E,  lse = m + log s
        cost = (sum_i lse_i - sum_ik Y_ik Z_ik) / n
        D = (E / s - Y) / n,  dW2 = A^T D,  db2 = sum_rows D
        D1 = (D W2^T) * (1 - A^2),  dW1 = X^T D1,  db1 = sum_rows D1

    :param fast_reductions: take row maxima and row and column sums the way nnbench does
        (:func:`nnbench.core.activations.row_max`, products with a vector of ones) instead of
        numpy's ``max(axis=1)`` and ``sum(axis=...)``.
    """

    def __init__(self, X: np.ndarray, Y: np.ndarray, n_hidden: int, fast_reductions: bool = False) -> None:
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.Y = np.ascontiguousarray(Y, dtype=np.float64)
        (n, d), k, h = self.X.shape, self.Y.shape[1], n_hidden
        self.n_params = d * h + h + h * k + k
        self._cuts = (d * h, d * h + h, d * h + h + h * k)
        self._shapes = ((d, h), (h, k))
        self.Z1, self.A, self.D1 = np.empty((n, h)), np.empty((n, h)), np.empty((n, h))
        self.Z, self.E = np.empty((n, k)), np.empty((n, k))
        self.m, self.s = np.empty((n, 1)), np.empty((n, 1))
        self.fast = fast_reductions
        self.ones_n, self.ones_k = np.ones(n), np.ones(k)

    def fun_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The mean cross-entropy and a new gradient array ``(n_params,)``."""
        c1, c2, c3 = self._cuts
        W1, b1 = theta[:c1].reshape(self._shapes[0]), theta[c1:c2]
        W2, b2 = theta[c2:c3].reshape(self._shapes[1]), theta[c3:]
        X, A, Z, E, m, s = self.X, self.A, self.Z, self.E, self.m, self.s
        n = X.shape[0]
        np.matmul(X, W1, out=self.Z1)
        self.Z1 += b1
        np.tanh(self.Z1, out=A)
        np.matmul(A, W2, out=Z)
        Z += b2
        if self.fast:
            m[:, 0] = row_max(Z)
        else:
            np.max(Z, axis=1, keepdims=True, out=m)
        np.subtract(Z, m, out=E)
        np.exp(E, out=E)
        if self.fast:
            np.matmul(E, self.ones_k, out=s[:, 0])
        else:
            np.sum(E, axis=1, keepdims=True, out=s)
        cost = (float(m.sum()) + float(np.log(s).sum()) - float(np.vdot(self.Y, Z))) / n
        E /= s  # the softmax
        E -= self.Y
        E /= n  # D = dcost/dZ
        grad = np.empty(self.n_params)
        np.matmul(A.T, E, out=grad[c2:c3].reshape(self._shapes[1]))
        self._column_sums(E, grad[c3:])
        D1 = np.matmul(E, W2.T, out=self.D1)
        np.multiply(A, A, out=A)  # A is not needed after this: 1 - A^2 in place
        np.subtract(1.0, A, out=A)
        D1 *= A
        np.matmul(X.T, D1, out=grad[:c1].reshape(self._shapes[0]))
        self._column_sums(D1, grad[c1:c2])
        return cost, grad

    def _column_sums(self, D: np.ndarray, out: np.ndarray) -> None:
        if self.fast:
            np.matmul(self.ones_n, D, out=out)
        else:
            np.sum(D, axis=0, out=out)


_CACHE: dict[str, tuple] = {}


def setup() -> tuple[Objective, SoftmaxReference, np.ndarray, SoftmaxReference]:
    """(objective, reference, theta, reference with fast reductions) of the digits-shaped
    problem, cached."""
    if not _CACHE:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((N_SAMPLES, N_FEATURES))
        Y = np.eye(N_CLASSES)[rng.integers(N_CLASSES, size=N_SAMPLES)]
        net = Network((N_FEATURES, N_HIDDEN, N_CLASSES), "tanh", "softmax")
        obj = Objective(net, SimpleNamespace(X=X, y=Y, name="digits-shaped"), "cross_entropy")
        theta = obj.x0(rng)
        for _, b in net.unpack(theta):
            b[...] = rng.uniform(-0.5, 0.5, b.shape)
        _CACHE["digits"] = (obj, SoftmaxReference(X, Y, N_HIDDEN), theta,
                            SoftmaxReference(X, Y, N_HIDDEN, fast_reductions=True))
    return _CACHE["digits"]


def test_reference_is_the_same_maths():
    obj, ref, theta, ref_blas = setup()
    cost, grad = obj.fun_and_grad(theta)
    for r in (ref, ref_blas):
        rcost, rgrad = r.fun_and_grad(theta)
        assert cost == pytest.approx(rcost, rel=1e-12)
        np.testing.assert_allclose(grad, rgrad, rtol=1e-12, atol=1e-12 * np.abs(rgrad).max())
    assert obj.fun(theta) == cost


def test_fun_and_grad(benchmark):
    obj, ref, theta, ref_blas = setup()
    benchmark.group = "softmax cross-entropy fun_and_grad 1797x64x32x10"
    record_ratios(benchmark, {"nnbench": lambda: obj.fun_and_grad(theta),
                              "reference": lambda: ref.fun_and_grad(theta),
                              "reference_blas": lambda: ref_blas.fun_and_grad(theta)}, repeat=15)
    cost, grad = run_benchmark(benchmark, lambda: obj.fun_and_grad(theta))
    rcost, rgrad = ref.fun_and_grad(theta)
    assert cost == pytest.approx(rcost, rel=1e-12)
    np.testing.assert_allclose(grad, rgrad, rtol=1e-12, atol=1e-12 * np.abs(rgrad).max())


ROW_COLUMNS = [2, 10, 32, 64, 128]


@pytest.mark.parametrize("k", ROW_COLUMNS)
def test_row_max_forms(benchmark, k):
    """numpy's ``max(axis=1)`` against the maximum of the transposed copy over axis 0, on
    (1797, k); ``ratio`` = numpy's time over the copy's (> 1: the copy is faster). This is
    the measurement behind :func:`nnbench.core.activations.row_max` and its
    ``ROW_MAX_TRANSPOSE_COLUMNS``; the benchmark itself times ``row_max``."""
    z = np.random.default_rng(0).normal(size=(N_SAMPLES, k))
    benchmark.group = "row max forms"
    record_ratios(benchmark, {"max_axis1": lambda: z.max(axis=1),
                              "transposed_copy": lambda: np.ascontiguousarray(z.T).max(axis=0)})
    m = run_benchmark(benchmark, lambda: row_max(z))
    np.testing.assert_array_equal(m, z.max(axis=1))


@pytest.mark.parametrize("k", ROW_COLUMNS)
def test_row_sum_forms(benchmark, k):
    """numpy's ``sum(axis=1)`` against the product with a vector of ones (BLAS gemv), on
    (1797, k); ``ratio`` = numpy's time over the product's. The softmax's row sums are the
    product (nnbench/core/activations.py)."""
    z = np.random.default_rng(0).uniform(size=(N_SAMPLES, k))
    ones = np.ones(k)
    benchmark.group = "row sum forms"
    record_ratios(benchmark, {"sum_axis1": lambda: z.sum(axis=1), "ones_product": lambda: z @ ones})
    s = run_benchmark(benchmark, lambda: np.matmul(z, ones))
    np.testing.assert_allclose(s, z.sum(axis=1), rtol=1e-14)
