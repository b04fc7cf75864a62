"""A minimal hand-written numpy network: the speed bar for nnbench's core.

One hidden sigmoid layer with biases, a linear output, the sum of squared errors, with
every buffer preallocated and the same flat parameter layout as :mod:`nnbench.core.network`
(``W1 (d x h), b1 (h), W2 (h x 1), b2 (1)``), so both take the same ``theta``. The maths:

    Z = X W1 + b1,  A = sigmoid(Z),  r = A W2 + b2 - y,  cost = r . r
    dcost/dW2 = A^T (2 r),  dcost/db2 = sum 2 r
    D = (2 r) W2^T * A (1 - A),  dcost/dW1 = X^T D,  dcost/db1 = sum_rows D

The sigmoid is whichever overflow-free form is faster for the hidden layer's size, timed
once at construction: ``scipy.special.expit`` or ``0.5 + 0.5 tanh(z / 2)``.
"""

from __future__ import annotations

import timeit

import numpy as np
from scipy.special import expit


def sigmoid_expit(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` by ``scipy.special.expit`` into ``out``."""
    return expit(z, out=out)


def sigmoid_tanh(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``0.5 + 0.5 tanh(z / 2)`` (the same function, no overflow) into ``out``."""
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def fastest_sigmoid(shape: tuple[int, ...], repeat: int = 3):
    """The faster of :func:`sigmoid_expit` and :func:`sigmoid_tanh` on arrays of ``shape``
    (each timed on about 10^5 elements in all, best of ``repeat``)."""
    z = np.random.default_rng(0).normal(size=shape)
    out = np.empty(shape)
    number = max(1, 100_000 // z.size)
    best = {f: min(timeit.repeat(lambda f=f: f(z, out), number=number, repeat=repeat))
            for f in (sigmoid_expit, sigmoid_tanh)}
    return min(best, key=best.get)


class Reference:
    """The hand-written network for ``X`` (float64 ``(n, d)``), ``y`` (``(n,)`` or ``(n, 1)``)
    and ``n_hidden`` hidden units; ``n_params = d h + h + h + 1``."""

    def __init__(self, X: np.ndarray, y: np.ndarray, n_hidden: int) -> None:
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y = np.ascontiguousarray(np.reshape(y, (-1, 1)), dtype=np.float64)
        n, d = self.X.shape
        h = n_hidden
        self.n_params = d * h + 2 * h + 1
        self._cuts = (d * h, d * h + h, d * h + 2 * h)
        self._shape = (d, h)
        self.Z = np.empty((n, h))
        self.A = np.empty((n, h))
        self.D = np.empty((n, h))
        self.G = np.empty((n, h))
        self.r = np.empty((n, 1))
        self.sigmoid = fastest_sigmoid((n, h))

    def _forward(self, theta: np.ndarray):
        c1, c2, c3 = self._cuts
        W1, b1 = theta[:c1].reshape(self._shape), theta[c1:c2]
        W2, b2 = theta[c2:c3].reshape(-1, 1), theta[c3:]
        np.matmul(self.X, W1, out=self.Z)
        self.Z += b1
        self.sigmoid(self.Z, self.A)
        np.matmul(self.A, W2, out=self.r)
        self.r += b2
        self.r -= self.y
        return W2

    def fun(self, theta: np.ndarray) -> float:
        """The sum of squared errors at ``theta``."""
        self._forward(theta)
        return float(np.vdot(self.r, self.r))

    def fun_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The cost and a new gradient array ``(n_params,)``."""
        W2 = self._forward(theta)
        r = self.r
        cost = float(np.vdot(r, r))
        r *= 2.0
        grad = np.empty(self.n_params)
        c1, c2, c3 = self._cuts
        np.matmul(self.A.T, r, out=grad[c2:c3].reshape(-1, 1))
        grad[c3] = r.sum()
        D, G = self.D, self.G
        np.multiply(r, W2.T, out=D)  # (n, 1) x (1, h): the outer product r W2^T
        np.subtract(1.0, self.A, out=G)
        G *= self.A
        D *= G
        np.matmul(self.X.T, D, out=grad[:c1].reshape(self._shape))
        np.sum(D, axis=0, out=grad[c1:c2])
        return cost, grad
