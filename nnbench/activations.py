"""Activation functions with their first and second derivatives.

Each activation works element-wise on a float64 array ``z`` of any shape and writes into
a caller-provided buffer, so the network's hot path allocates nothing. The derivatives are
expressed through the activation value ``a = f(z)`` where that is cheaper (sigmoid, tanh).
None of them overflows or warns for any finite ``z``.

Formulas: sigmoid f = 1 / (1 + exp(-z)), f' = f (1 - f), f'' = f' (1 - 2 f);
tanh f' = 1 - f^2, f'' = -2 f f'; relu f = max(z, 0), f' = [z > 0], f'' = 0 (the
subgradient convention at 0); identity f' = 1, f'' = 0.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from scipy.special import expit

from nnbench.errors import ConfigError, did_you_mean

__all__ = ["Activation", "ACTIVATIONS", "get_activation"]

# The sigmoid is scipy's ``expit`` at every size. The other overflow-free form,
# ``0.5 + 0.5 tanh(z / 2)``, was measured 1.6x to 5x slower at every size from 16 to
# 1.6 million elements on this project's machines (AMD EPYC, numpy dispatching AVX2 but no
# AVX-512, where numpy's float64 tanh is not vectorised): see
# benchmarks/bench_core.py::test_sigmoid_forms, which times both, and benchmarks/README.md.


class Activation(ABC):
    """An element-wise activation ``f`` with ``f'`` and ``f''``.

    :param name: the name used on the command line and in results (``"sigmoid"``, ...).
    """

    name: str = ""
    #: True when ``f'`` and ``f''`` are constant (identity), so they can be skipped.
    linear: bool = False

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
    """The logistic sigmoid, computed without overflow by ``scipy.special.expit``."""

    name = "sigmoid"

    def value(self, z, out):
        return expit(z, out=out)  # 1 / (1 + exp(-z)), exactly 0 or 1 when it saturates

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


#: The activations by name.
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (Sigmoid(), Tanh(), ReLU(), Identity())}


def get_activation(name: str | Activation) -> Activation:
    """The activation called ``name`` (or ``name`` itself if it is one).

    :raises ConfigError: an unknown name; the message lists the known ones.
    """
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[str(name).lower()]
    except KeyError:
        raise ConfigError(f"unknown activation {name!r}{did_you_mean(str(name), ACTIVATIONS)}; "
                          f"choose from {', '.join(ACTIVATIONS)}") from None
