"""The cost interface every trainer sees: a network bound to a dataset and a loss.

All methods take the flat float64 weight vector ``theta`` of shape ``(n_params,)`` (see
:mod:`nnbench.network` for the layout), never mutate it, and return float64. Derivatives
are analytic: backpropagation for the gradient, Pearlmutter's R-operator for
Hessian-vector products, forward-mode per-sample outer products for the residual
Jacobian. Finite differences appear only in the tests that check them.

An :class:`Objective` owns preallocated buffers and is therefore not thread-safe; give
each thread or process its own (they are cheap to build and pickle).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnbench.errors import ConfigError
from nnbench.losses import Loss, get_loss
from nnbench.network import Network

__all__ = ["Objective", "tutorial_objective"]

#: Most float64 elements a block of Hessian-vector products may hold at once (32 MB).
_HESS_BLOCK_ELEMENTS = 4_000_000


class Objective:
    """A :class:`~nnbench.network.Network` bound to data and a loss.

    :param network: the network; its first size must equal the number of features and
        its last the number of outputs.
    :param dataset: anything with ``X`` (``(n_samples, n_features)``) and ``y``
        (``(n_samples, n_outputs)``, or ``(n_samples,)``, taken as one column), and
        optionally ``name``; a :class:`nnbench.datasets.Dataset`.
    :param loss: ``"sse"`` (default, the tutorial's), ``"mse"``, ``"half_mse"``, ``"bce"``.
    :raises ConfigError: shapes that do not match the network, a loss that cannot follow
        the output activation, non-finite data, cross-entropy with targets outside [0, 1].

    Attributes: ``network``, ``dataset``, ``loss`` (a :class:`~nnbench.losses.Loss`),
    ``X``, ``y`` (float64, 2-D), ``n_params``, ``n_residuals`` (``n_samples * n_outputs``),
    ``has_residuals`` (the loss is a squared error).
    """

    def __init__(self, network: Network, dataset: Any, loss: str | Loss = "sse") -> None:
        self.network = network
        self.dataset = dataset
        self.loss = get_loss(loss)
        self.loss.check_output(network.output_activation)
        X = np.ascontiguousarray(dataset.X, dtype=np.float64)
        y = np.asarray(dataset.y, dtype=np.float64)
        if y.ndim == 1:
            y = y[:, None]
        y = np.ascontiguousarray(y)
        if X.ndim != 2 or y.ndim != 2 or X.shape[0] != y.shape[0]:
            raise ConfigError(f"X of shape {X.shape} and y of shape {y.shape} do not describe the same samples")
        if X.shape[1] != network.sizes[0] or y.shape[1] != network.sizes[-1]:
            raise ConfigError(f"network {network.sizes} does not fit data with {X.shape[1]} features "
                              f"and {y.shape[1]} outputs")
        if not (np.isfinite(X).all() and np.isfinite(y).all()):
            raise ConfigError("the data contain non-finite values")
        if not self.loss.squared and not ((y >= 0) & (y <= 1)).all():
            raise ConfigError(f"loss {self.loss.name!r} needs targets in [0, 1]; these range from "
                              f"{y.min():g} to {y.max():g}; use a squared-error loss (sse, mse, half_mse)")
        self.X, self.y = X, y
        self.n_params: int = network.n_params
        self.n_residuals: int = y.size
        self.has_residuals: bool = self.loss.squared
        self._c = self.loss.scale(y.size)
        self._sqrt_c = math.sqrt(self._c)
        self._ws = network.workspace(X.shape[0])
        self._out_linear = network.output_activation.linear

    @classmethod
    def from_arrays(cls, X: np.ndarray, y: np.ndarray, hidden: Sequence[int] = (2,),
                    activation: str = "sigmoid", output_activation: str = "identity",
                    bias: bool = True, loss: str = "sse") -> "Objective":
        """Build network and objective from arrays: sizes ``(X.shape[1], *hidden, n_outputs)``."""
        from types import SimpleNamespace

        y2 = np.asarray(y, dtype=np.float64)
        y2 = y2[:, None] if y2.ndim == 1 else y2
        net = Network((np.shape(X)[1], *hidden, y2.shape[1]), activation, output_activation, bias)
        return cls(net, SimpleNamespace(X=X, y=y2, name="arrays"), loss)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_ws"]  # buffers are rebuilt on the other side
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._ws = self.network.workspace(self.X.shape[0])

    def __repr__(self) -> str:
        name = getattr(self.dataset, "name", "?")
        return f"Objective({self.network!r}, dataset={name!r}, loss={self.loss.name!r})"

    # -- helpers --------------------------------------------------------------------------
    def _layers(self, theta: Any) -> list:
        if (type(theta) is not np.ndarray or theta.dtype != np.float64 or theta.ndim != 1
                or not theta.flags.c_contiguous):
            theta = np.ascontiguousarray(theta, dtype=np.float64)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta has shape {theta.shape}; this network needs ({self.n_params},)")
        return self.network.unpack(theta)

    def _output_derivatives(self, second: bool = False):
        """(g'(z_L), g''(z_L)) of the output activation at the last forward pass, or Nones."""
        if self._out_linear:
            return None, None
        ws, act = self._ws, self.network.output_activation
        g1 = act.d1(ws.Z[-1], ws.A[-1], ws.G[-1])
        g2 = act.d2(ws.Z[-1], ws.A[-1], np.empty_like(g1)) if second else None
        return g1, g2

    def _require_residuals(self) -> None:
        if not self.has_residuals:
            raise ConfigError(f"loss {self.loss.name!r} is not a sum of squares: it has no residuals")

    # -- the cost interface ---------------------------------------------------------------
    def fun(self, theta: np.ndarray) -> float:
        """The cost at ``theta`` (a Python float). One forward pass."""
        ws = self._ws
        a = self.network.forward(self._layers(theta), self.X, ws)
        return self.loss.cost(ws.Z[-1], a, self.y, self._c, ws.out)

    def fun_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The cost and its gradient (a new float64 array ``(n_params,)``): one forward and
        one backward pass. This is the ``jac=True`` form of ``scipy.optimize.minimize``."""
        ws = self._ws
        layers = self._layers(theta)
        a = self.network.forward(layers, self.X, ws)
        g1, _ = self._output_derivatives()
        delta = ws.D[-1]
        cost = self.loss.cost_and_delta(ws.Z[-1], a, self.y, self._c, g1, delta)
        grad = self.network.backward(layers, self.X, ws, delta, np.empty(self.n_params))
        return cost, grad

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """The gradient, float64 ``(n_params,)``."""
        return self.fun_and_grad(theta)[1]

    def _delta_and_curvature(self, theta: np.ndarray):
        ws = self._ws
        layers = self._layers(theta)
        a = self.network.forward(layers, self.X, ws)
        g1, g2 = self._output_derivatives(second=True)
        delta = np.empty_like(a)
        self.loss.cost_and_delta(ws.Z[-1], a, self.y, self._c, g1, delta)
        curv = self.loss.curvature(ws.Z[-1], a, self.y, self._c, g1, g2, np.empty_like(a))
        return layers, delta, curv

    def hessp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The exact Hessian-vector product ``H(theta) @ v``, float64 ``(n_params,)``.

        Pearlmutter's R-operator (Neural Computation 6(1), 1994), not finite differences
        of gradients; the ``hessp`` form of ``scipy.optimize.minimize``.

        :param v: float64 ``(n_params,)``.
        :raises ValueError: ``v`` of the wrong shape.
        """
        v = np.asarray(v, dtype=np.float64)
        if v.shape != (self.n_params,):
            raise ValueError(f"v has shape {v.shape}; this network needs ({self.n_params},)")
        layers, delta, curv = self._delta_and_curvature(theta)
        return self.network.hvp(layers, self.X, self._ws, delta, curv, v[None, :])[0]

    def hess(self, theta: np.ndarray) -> np.ndarray:
        """The exact dense Hessian, float64 ``(n_params, n_params)``, symmetric.

        Computed as Hessian-vector products with the unit vectors, in blocks of directions
        that hold at most 32 MB of intermediate values each.
        """
        layers, delta, curv = self._delta_and_curvature(theta)
        n = self.n_params
        H = np.empty((n, n))
        width = max(self.network.sizes[1:])
        block = max(1, min(n, _HESS_BLOCK_ELEMENTS // max(1, self.X.shape[0] * width)))
        eye = np.eye(n)
        for i in range(0, n, block):
            H[i:i + block] = self.network.hvp(layers, self.X, self._ws, delta, curv, eye[i:i + block])
        H += H.T
        H *= 0.5
        return H

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """Residuals ``sqrt(c) (prediction - y)``, float64 ``(n_samples * n_outputs,)``,
        whose sum of squares is the cost (``c`` is the loss's scale: 1 for sse).

        :raises ConfigError: the loss is not a squared error (bce).
        """
        self._require_residuals()
        a = self.network.forward(self._layers(theta), self.X, self._ws)
        r = np.subtract(a, self.y).ravel()
        r *= self._sqrt_c
        return r

    def residual_jac(self, theta: np.ndarray) -> np.ndarray:
        """The Jacobian of :meth:`residuals`, float64 ``(n_samples * n_outputs, n_params)``.

        :raises ConfigError: the loss is not a squared error (bce).
        """
        self._require_residuals()
        ws = self._ws
        layers = self._layers(theta)
        self.network.forward(layers, self.X, ws)
        g1, _ = self._output_derivatives()
        scale = np.full_like(ws.Z[-1], self._sqrt_c) if g1 is None else g1 * self._sqrt_c
        return self.network.output_jacobian(layers, self.X, ws, scale)

    def x0(self, rng: np.random.Generator) -> np.ndarray:
        """Initial weights from ``rng`` (:meth:`Network.init_params`: Glorot uniform)."""
        return self.network.init_params(rng)

    def predict(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """Predictions ``(n_samples, n_outputs)`` for ``X`` (default: the bound data)."""
        return self.network.predict(theta, self.X if X is None else X)

    def describe(self) -> dict:
        """JSON-ready: the network's description plus ``loss``."""
        return {**self.network.describe(), "loss": self.loss.name}


def tutorial_objective() -> Objective:
    """The tutorial's problem: its four rows, a 2-2-1 sigmoid network without biases, SSE.

    6 weights, 4 residuals. See ``nnbench tutorial``.
    """
    from nnbench.datasets import load

    return Objective(Network((2, 2, 1), bias=False), load("tutorial"), "sse")
