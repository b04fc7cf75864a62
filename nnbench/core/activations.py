"""Activation functions with their first and second derivatives.

Each activation writes into a caller-provided buffer, so the network's hot path allocates
nothing. The derivatives are expressed through the activation value ``a = f(z)`` where that
is cheaper (sigmoid, tanh). None of them overflows or warns for any finite ``z``.

Formulas: sigmoid f = 1 / (1 + exp(-z)), f' = f (1 - f), f'' = f' (1 - 2 f);
tanh f' = 1 - f^2, f'' = -2 f f'; relu f = max(z, 0), f' = [z > 0], f'' = 0 (the
subgradient convention at 0); identity f' = 1, f'' = 0.

All but one work element-wise on an array of any shape. The exception is ``softmax``, the
output layer of a multi-class classifier: ``p_k = exp(z_k) / sum_j exp(z_j)`` over each row
of a 2-D ``z`` (computed as ``exp(z_k - max_j z_j) / sum_j exp(z_j - max_j z_j)``, which
cannot overflow). Its Jacobian per row, ``diag(p) - p p^T``, is not diagonal, so it cannot be
backpropagated as an element-wise ``f'``: it is an output activation only, and its loss,
``cross_entropy`` (:mod:`nnbench.core.losses`), works from the logits ``z`` directly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from nnbench.core.kernels import SIGMOID
from nnbench.errors import ConfigError, did_you_mean

__all__ = ["Activation", "ACTIVATIONS", "OUTPUT_ONLY_ACTIVATIONS", "get_activation", "row_max"]

# The sigmoid is scipy's ``expit`` or ``0.5 + 0.5 tanh(z / 2)``, whichever this CPU runs
# faster at the array's size, measured once per process (nnbench.core.kernels.SIGMOID): the
# tanh form is 2-3x faster from a few hundred elements where numpy's float64 tanh is
# AVX-512, expit 2x faster at every size on numpy's AVX2 path (benchmarks/README.md).

#: Up to this many columns :func:`row_max` reduces a transposed copy (see there).
ROW_MAX_TRANSPOSE_COLUMNS = 32


def row_max(z: np.ndarray) -> np.ndarray:
    """The largest entry of each row of a 2-D float64 ``z``: float64 ``(n_rows,)``, a new array.

    ``z.max(axis=1)`` restarts numpy's reduction for every row, about 35 ns a row at 10
    columns; with at most :data:`ROW_MAX_TRANSPOSE_COLUMNS` columns the maximum of the
    transposed copy over axis 0, one vectorised ``maximum`` of whole rows per column, is
    1.9x (32 columns) to 5x (10 columns) faster on 1797 rows; from about 64 columns the
    transposing copy costs more than it saves (benchmarks/bench_softmax.py::test_row_max_forms).
    """
    if z.shape[1] <= ROW_MAX_TRANSPOSE_COLUMNS:
        return np.ascontiguousarray(z.T).max(axis=0)
    return z.max(axis=1)


class Activation(ABC):
    """An element-wise activation ``f`` with ``f'`` and ``f''``.

    :param name: the name used on the command line and in results (``"sigmoid"``, ...).
    """

    name: str = ""
    #: True when ``f'`` and ``f''`` are constant (identity), so they can be skipped.
    linear: bool = False
    #: False when ``f(z)_k`` depends on the whole row of ``z`` (softmax): then ``f`` can only
    #: be an output activation, with a loss that works from the logits.
    elementwise: bool = True

    @abstractmethod
    def value(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Write ``f(z)`` into ``out`` (same shape as ``z``) and return it."""

    @abstractmethod
    def d1(self, z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Write ``f'(z)`` into ``out``; ``a`` is ``f(z)``. Returns ``out``."""

    @abstractmethod
    def d2(self, z: np.ndarray, a: np.ndarray, out: np.ndarray,
           d1: np.ndarray | None = None) -> np.ndarray:
        """Write ``f''(z)`` into ``out``; ``a`` is ``f(z)``; ``d1``, if given, is ``f'(z)``
        already computed (it saves recomputing it). Returns ``out``."""

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class Sigmoid(Activation):
    """The logistic sigmoid ``1 / (1 + exp(-z))``, computed without overflow by
    ``scipy.special.expit`` or as ``0.5 + 0.5 tanh(z / 2)``, whichever is faster on this CPU
    at ``z``'s size (:data:`nnbench.core.kernels.SIGMOID`; the two agree to 1e-16 absolute)."""

    name = "sigmoid"

    def value(self, z, out):
        return SIGMOID(z, out)  # exactly 0 or 1 when it saturates

    def d1(self, z, a, out):
        np.subtract(1.0, a, out=out)
        out *= a
        return out

    def d2(self, z, a, out, d1=None):
        # f'' = f'(1 - 2f), f' = f(1 - f)
        np.multiply(a, -2.0, out=out)
        out += 1.0
        out *= self.d1(z, a, np.empty_like(out)) if d1 is None else d1
        return out


class Tanh(Activation):
    """The hyperbolic tangent."""

    name = "tanh"

    def value(self, z, out):
        return np.tanh(z, out=out)

    def d1(self, z, a, out):
        np.multiply(a, a, out=out)
        np.subtract(1.0, out, out=out)
        return out

    def d2(self, z, a, out, d1=None):
        # f'' = -2 f f', f' = 1 - f^2
        np.multiply(a, -2.0, out=out)
        out *= self.d1(z, a, np.empty_like(out)) if d1 is None else d1
        return out


class ReLU(Activation):
    """The rectified linear unit max(z, 0); its derivative at 0 is taken as 0."""

    name = "relu"

    def value(self, z, out):
        return np.maximum(z, 0.0, out=out)

    def d1(self, z, a, out):
        return np.greater(z, 0.0, out=out, casting="unsafe")

    def d2(self, z, a, out, d1=None):
        out.fill(0.0)
        return out


class Identity(Activation):
    """The identity (a linear output layer)."""

    name = "identity"
    linear = True

    def value(self, z, out):
        out[...] = z
        return out

    def d1(self, z, a, out):
        out.fill(1.0)
        return out

    def d2(self, z, a, out, d1=None):
        out.fill(0.0)
        return out


class Softmax(Activation):
    """The softmax over each row of a 2-D ``z`` of shape ``(n_samples, n_classes)``: an output
    activation only (see the module docstring), the one that ``cross_entropy`` needs.

    ``d1`` and ``d2`` are the diagonal partial derivatives ``dp_k/dz_k = p_k (1 - p_k)`` and
    ``d2p_k/dz_k^2 = p_k (1 - p_k) (1 - 2 p_k)`` only (the sigmoid's formulas in ``a``); the
    Jacobian ``diag(p) - p p^T`` has off-diagonal terms too, so the network never
    backpropagates through them.
    """

    name = "softmax"
    elementwise = False

    def value(self, z, out):
        np.subtract(z, row_max(z)[:, None], out=out)  # the row's largest is 0
        np.exp(out, out=out)  # in (0, 1], exactly 1 at the row's maximum: no overflow
        # the row sums as a BLAS matrix-vector product: 5x faster than out.sum(axis=1) at
        # 10 columns (benchmarks/bench_softmax.py::test_row_sum_forms)
        out /= np.matmul(out, np.ones(out.shape[1]))[:, None]
        return out

    # the sigmoid's formulas in a = f(z): the sigmoid is the softmax of the row (z, 0)
    d1 = Sigmoid.d1
    d2 = Sigmoid.d2


#: The element-wise activations by name: any layer's.
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (Sigmoid(), Tanh(), ReLU(), Identity())}
#: The activations by name that only an output layer may have (not element-wise).
OUTPUT_ONLY_ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (Softmax(),)}


def get_activation(name: str | Activation) -> Activation:
    """The activation called ``name`` (or ``name`` itself if it is one), from
    :data:`ACTIVATIONS` or :data:`OUTPUT_ONLY_ACTIVATIONS`.

    :raises ConfigError: an unknown name; the message lists the known ones.
    """
    if isinstance(name, Activation):
        return name
    known = {**ACTIVATIONS, **OUTPUT_ONLY_ACTIVATIONS}
    try:
        return known[str(name).lower()]
    except KeyError:
        raise ConfigError(f"unknown activation {name!r}{did_you_mean(str(name), known)}; "
                          f"choose from {', '.join(known)}") from None
