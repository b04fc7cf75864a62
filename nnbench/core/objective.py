"""The cost interface every trainer sees: a network bound to a dataset and a loss.

All methods take the flat float64 weight vector ``theta`` of shape ``(n_params,)`` (see
:mod:`nnbench.core.network` for the layout), never mutate it, and return float64. Derivatives
are analytic: backpropagation for the gradient, Pearlmutter's R-operator for
Hessian-vector products, forward-mode per-sample outer products for the residual
Jacobian. Finite differences appear only in the tests that check them.

An optional L2 penalty ``(alpha / 2) ||W||^2`` on the weight matrices (not the biases),
scikit-learn's ``alpha`` of ``MLPRegressor``/``MLPClassifier``, enters the cost and every
derivative: gradient ``+ alpha W``, Hessian ``+ alpha`` on the weights' diagonal. For the
squared losses it is also ``n_weights`` more residuals ``sqrt(alpha / 2) w``, so that the
residuals' sum of squares stays the cost.

An :class:`Objective` owns preallocated buffers and is therefore not thread-safe; give
each thread or process its own (they are cheap to build and pickle).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnbench.errors import ConfigError
from nnbench.core.losses import Loss, ZHessian, get_loss
from nnbench.core.network import L2_CONSTRAINT, Layers, Network

__all__ = ["Objective"]

#: Most float64 elements a block of Hessian-vector products may hold at once (32 MB).
_HESS_BLOCK_ELEMENTS = 4_000_000


class Objective:
    """A :class:`~nnbench.core.network.Network` bound to data and a loss.

    :param network: the network; its first size must equal the number of features and
        its last the number of outputs.
    :param dataset: anything with ``X`` (``(n_samples, n_features)``) and ``y``
        (``(n_samples, n_outputs)``, or ``(n_samples,)``, taken as one column), and
        optionally ``name``; a :class:`nnbench.datasets.Dataset`.
    :param loss: ``"sse"`` (default, the tutorial's), ``"mse"``, ``"half_mse"``, ``"bce"``,
        ``"cross_entropy"`` (:mod:`nnbench.core.losses`).
    :param l2: ``alpha >= 0`` of the penalty ``(alpha / 2) sum_l ||W_l||^2`` over the weight
        matrices, not the biases (scikit-learn's ``alpha``); 0 (default) is no penalty and no
        extra work.
    :raises ConfigError: shapes that do not match the network, a loss that cannot follow
        the output activation (or an output activation that needs another loss), non-finite
        data, targets the loss cannot take (bce: outside [0, 1]; cross_entropy: rows that
        are not one-hot or probabilities), ``l2`` negative or not a finite number.

    Attributes: ``network``, ``dataset``, ``loss`` (a :class:`~nnbench.core.losses.Loss`),
    ``l2`` (a float), ``X``, ``y`` (float64, 2-D), ``n_params``, ``n_residuals``
    (``n_samples * n_outputs``, plus ``network.n_weights`` when ``l2 > 0``),
    ``has_residuals`` (the loss is a squared error).
    """

    def __init__(self, network: Network, dataset: Any, loss: str | Loss = "sse", l2: float = 0.0) -> None:
        if not L2_CONSTRAINT.is_satisfied_by(l2):
            raise ConfigError(f"l2 (the penalty alpha/2 ||W||^2 on the weights) must be a finite "
                              f"number >= 0, got {l2!r}")
        self.network = network
        self.dataset = dataset
        self.loss = get_loss(loss)
        self.l2 = float(l2)
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
        self.loss.check_targets(y)
        self.X, self.y = X, y
        self.n_params: int = network.n_params
        self.n_residuals: int = y.size + (network.n_weights if self.l2 else 0)
        self.has_residuals: bool = self.loss.squared
        self._c = self.loss.scale(*y.shape)
        self._sqrt_c = math.sqrt(self._c)
        self._l2_root = math.sqrt(0.5 * self.l2)  # the penalty's residuals are this times w
        self._ws = network.workspace(X.shape[0])
        # g', g'' of the output activation enter only the squared losses of a non-linear output
        self._out_derivs = not (network.output_activation.linear or self.loss.from_logits)

    @classmethod
    def from_arrays(cls, X: np.ndarray, y: np.ndarray, hidden: Sequence[int] = (2,),
                    activation: str = "sigmoid", output_activation: str = "identity",
                    bias: bool = True, loss: str = "sse", l2: float = 0.0) -> "Objective":
        """Build network and objective from arrays: sizes ``(X.shape[1], *hidden, n_outputs)``
        (``hidden=()``: no hidden layer)."""
        from types import SimpleNamespace

        y2 = np.asarray(y, dtype=np.float64)
        y2 = y2[:, None] if y2.ndim == 1 else y2
        net = Network((np.shape(X)[1], *hidden, y2.shape[1]), activation, output_activation, bias)
        return cls(net, SimpleNamespace(X=X, y=y2, name="arrays"), loss, l2)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_ws"]  # buffers are rebuilt on the other side
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._ws = self.network.workspace(self.X.shape[0])

    def __repr__(self) -> str:
        name = getattr(self.dataset, "name", "?")
        l2 = f", l2={self.l2!r}" if self.l2 else ""
        return f"Objective({self.network!r}, dataset={name!r}, loss={self.loss.name!r}{l2})"

    # -- helpers --------------------------------------------------------------------------
    def _layers(self, theta: Any) -> tuple[np.ndarray, Layers]:
        """``theta`` as a C-contiguous float64 vector, and its per-layer views."""
        if (type(theta) is not np.ndarray or theta.dtype != np.float64 or theta.ndim != 1
                or not theta.flags.c_contiguous):
            theta = np.ascontiguousarray(theta, dtype=np.float64)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta has shape {theta.shape}; this network needs ({self.n_params},)")
        return theta, self.network.unpack(theta)

    def _penalty(self, theta: np.ndarray) -> float:
        """``(l2 / 2) ||W||^2`` over the weight matrices."""
        slices = self.network.weight_slices
        return 0.5 * self.l2 * sum(float(np.vdot(theta[s], theta[s])) for s in slices)

    def _add_l2(self, out: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``out += l2 v`` on the weight entries (the penalty's gradient at ``v``, or its
        Hessian times ``v``); returns ``out``."""
        for s in self.network.weight_slices:
            out[s] += self.l2 * v[s]
        return out

    def _weight_index(self) -> np.ndarray:
        """The positions of the weight-matrix entries in theta, int ``(n_weights,)``."""
        return np.concatenate([np.arange(s.start, s.stop) for s in self.network.weight_slices])

    def _output_derivatives(self, second: bool = False) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(g'(z_L), g''(z_L)) of the output activation at the last forward pass, or Nones
        when the loss does not use them."""
        if not self._out_derivs:
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
        theta, layers = self._layers(theta)
        a = self.network.forward(layers, self.X, ws)
        cost = self.loss.cost(ws.Z[-1], a, self.y, self._c, ws.out)
        return cost + self._penalty(theta) if self.l2 else cost

    def fun_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The cost and its gradient (a new float64 array ``(n_params,)``): one forward and
        one backward pass. This is the ``jac=True`` form of ``scipy.optimize.minimize``."""
        ws = self._ws
        theta, layers = self._layers(theta)
        a = self.network.forward(layers, self.X, ws)
        g1, _ = self._output_derivatives()
        delta = ws.D[-1]
        cost = self.loss.cost_and_delta(ws.Z[-1], a, self.y, self._c, g1, delta)
        grad = self.network.backward(layers, self.X, ws, delta, np.empty(self.n_params))
        if self.l2:
            return cost + self._penalty(theta), self._add_l2(grad, theta)
        return cost, grad

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """The gradient, float64 ``(n_params,)``."""
        return self.fun_and_grad(theta)[1]

    def _delta_and_z_hessian(self, theta: np.ndarray) -> tuple[Layers, np.ndarray, ZHessian]:
        """(layers, dL/dz_L, the loss's Hessian in z_L) at ``theta``: one forward pass."""
        ws = self._ws
        _, layers = self._layers(theta)
        a = self.network.forward(layers, self.X, ws)
        g1, g2 = self._output_derivatives(second=True)
        delta = np.empty_like(a)
        self.loss.cost_and_delta(ws.Z[-1], a, self.y, self._c, g1, delta)
        return layers, delta, self.loss.z_hessian(ws.Z[-1], a, self.y, self._c, g1, g2)

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
        layers, delta, hz = self._delta_and_z_hessian(theta)
        hv = self.network.hvp(layers, self.X, self._ws, delta, hz, v[None, :])[0]
        return self._add_l2(hv, v) if self.l2 else hv

    def hess(self, theta: np.ndarray) -> np.ndarray:
        """The exact dense Hessian, float64 ``(n_params, n_params)``, symmetric.

        Computed as Hessian-vector products with the unit vectors, in blocks of directions
        that hold at most 32 MB of intermediate values each.
        """
        layers, delta, hz = self._delta_and_z_hessian(theta)
        n = self.n_params
        H = np.empty((n, n))
        width = max(self.network.sizes[1:])
        block = max(1, min(n, _HESS_BLOCK_ELEMENTS // max(1, self.X.shape[0] * width)))
        eye = np.eye(n)
        for i in range(0, n, block):
            H[i:i + block] = self.network.hvp(layers, self.X, self._ws, delta, hz, eye[i:i + block])
        H += H.T
        H *= 0.5
        if self.l2:
            w = self._weight_index()
            H[w, w] += self.l2
        return H

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """Residuals whose sum of squares is the cost, float64 ``(n_residuals,)``: first
        ``sqrt(c) (prediction - y)`` in the row-major order of ``(n_samples, n_outputs)``
        (``c`` is the loss's scale: 1 for sse), then, when ``l2 > 0``, ``sqrt(l2 / 2) w`` for
        every weight-matrix entry ``w`` in theta's order.

        :raises ConfigError: the loss is not a squared error (bce, cross_entropy).
        """
        self._require_residuals()
        theta, layers = self._layers(theta)
        a = self.network.forward(layers, self.X, self._ws)
        r = np.subtract(a, self.y).ravel()
        r *= self._sqrt_c
        if self.l2:
            w = np.concatenate([theta[s] for s in self.network.weight_slices])
            w *= self._l2_root
            r = np.concatenate([r, w])
        return r

    def residual_jac(self, theta: np.ndarray) -> np.ndarray:
        """The Jacobian of :meth:`residuals`, float64 ``(n_residuals, n_params)``; with
        ``l2 > 0`` its last ``n_weights`` rows are ``sqrt(l2 / 2)`` times unit rows.

        :raises ConfigError: the loss is not a squared error (bce, cross_entropy).
        """
        self._require_residuals()
        ws = self._ws
        _, layers = self._layers(theta)
        self.network.forward(layers, self.X, ws)
        g1, _ = self._output_derivatives()
        scale = np.full_like(ws.Z[-1], self._sqrt_c) if g1 is None else g1 * self._sqrt_c
        J = self.network.output_jacobian(layers, self.X, ws, scale)
        if self.l2:
            w = self._weight_index()
            P = np.zeros((w.size, self.n_params))
            P[np.arange(w.size), w] = self._l2_root
            J = np.vstack([J, P])
        return J

    def memory_bytes(self) -> int:
        """Bytes this objective holds and uses per call, estimated: the data, the forward and
        backward buffers of its workspace and those of a Hessian-vector product (about 8 per
        sample per unit), and a few weight-sized vectors (gradient, directions, results).

        :returns: bytes (int).
        """
        width = sum(self.network.sizes[1:])
        return int(8 * (self.X.size + self.y.size + 8 * self.X.shape[0] * width + 4 * self.n_params))

    def x0(self, rng: np.random.Generator) -> np.ndarray:
        """Initial weights from ``rng`` (:meth:`Network.init_params`: Glorot uniform)."""
        return self.network.init_params(rng)

    def predict(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """Predictions ``(n_samples, n_outputs)`` for ``X`` (default: the bound data)."""
        return self.network.predict(theta, self.X if X is None else X)

    def describe(self) -> dict:
        """JSON-ready: the network's description plus ``loss``, and ``l2`` when it is not 0
        (records without it were made without a penalty)."""
        d = {**self.network.describe(), "loss": self.loss.name}
        if self.l2:
            d["l2"] = self.l2
        return d

