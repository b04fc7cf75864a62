"""The network: layer sizes, the flat parameter layout, the forward pass and its derivatives.

A :class:`Network` is a fully connected feed-forward network with layer sizes
``(n_inputs, *hidden, n_outputs)``, one activation for every hidden layer and one for the
output layer. All its weights live in one flat float64 vector ``theta`` of length
:attr:`Network.n_params`, the form ``scipy.optimize`` expects, laid out layer by layer:

    W_1 (fan_in x fan_out, row-major), b_1 (fan_out), W_2, b_2, ..., W_L, b_L

(the ``b`` are absent with ``bias=False``). Layer ``l`` computes
``z_l = a_{l-1} @ W_l + b_l`` and ``a_l = f_l(z_l)`` with ``a_0 = X`` of shape
``(n_samples, n_inputs)``.

The derivative routines (:meth:`Network.backward`, :meth:`Network.hvp`,
:meth:`Network.output_jacobian`) work on a :class:`Workspace` of preallocated buffers for a
fixed number of samples; :class:`nnbench.core.objective.Objective` binds a network to data and a
loss and calls them. References: backpropagation (Rumelhart, Hinton & Williams, Nature
323, 1986); the exact Hessian-vector product is Pearlmutter's R-operator ("Fast exact
multiplication by the Hessian", Neural Computation 6(1), 1994).
"""

from __future__ import annotations

import functools

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from nnbench.core.activations import ACTIVATIONS, Activation, get_activation
from nnbench.errors import ConfigError
from nnbench.core.losses import get_loss
from nnbench.validation import Interval, check

if TYPE_CHECKING:
    from nnbench.core.losses import ZHessian

__all__ = ["Network", "NetworkSpec", "Workspace", "L2_CONSTRAINT"]

#: What an L2 penalty's ``alpha`` may be: a finite number >= 0 (not a bool).
L2_CONSTRAINT = Interval(Real, 0, None, closed="left")

#: Per layer ``(W, b)``, as :meth:`Network.unpack` gives them: ``W`` float64 ``(fan_in, fan_out)``,
#: ``b`` float64 ``(fan_out,)`` or ``None`` without biases.
Layers = Sequence[tuple[np.ndarray, np.ndarray | None]]


def _merged(ranges: list[tuple[int, int]]) -> tuple[slice, ...]:
    """Slices of the half-open ``(start, stop)`` ranges (sorted), adjacent ones merged."""
    out: list[list[int]] = []
    for start, stop in ranges:
        if out and out[-1][1] == start:
            out[-1][1] = stop
        else:
            out.append([start, stop])
    return tuple(slice(a, b) for a, b in out)


def _dot(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` for 2-D ``a``; when ``a`` has one column that is the outer product
    ``a[:, 0] x b[0]``, computed by broadcasting, which is faster than a BLAS product with
    an inner dimension of 1 (a network with one output meets it on every backward pass:
    benchmarks/bench_core.py, benchmarks/README.md)."""
    if a.shape[1] == 1:
        return np.multiply(a, b, out=out)
    return np.matmul(a, b, out=out)


class Network:
    """A fully connected network over one flat parameter vector.

    :param sizes: ``(n_inputs, *hidden, n_outputs)``, at least two positive integers;
        ``(n_inputs, n_outputs)`` has no hidden layer (a linear, logistic or multinomial
        logistic model, by the output activation and loss).
    :param activation: the hidden layers' activation: ``"sigmoid"`` (default), ``"tanh"``,
        ``"relu"`` (or ``"identity"``); any element-wise activation.
    :param output_activation: ``"identity"`` (default, a linear output), ``"sigmoid"``, or
        ``"softmax"`` (over at least 2 outputs, for the ``cross_entropy`` loss).
    :param bias: give every layer a bias vector (default); ``False`` is the tutorial's network.
    :raises ConfigError: bad sizes, an unknown activation, softmax as the hidden activation,
        a softmax output over one output.

    >>> Network((2, 2, 1), bias=False).n_params
    6
    """

    def __init__(self, sizes: Sequence[int], activation: str = "sigmoid",
                 output_activation: str = "identity", bias: bool = True) -> None:
        sizes = tuple(sizes)
        if len(sizes) < 2 or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in sizes):
            raise ConfigError(f"network sizes must be two or more positive integers "
                              f"(n_inputs, *hidden, n_outputs), got {sizes!r}")
        self.sizes: tuple[int, ...] = tuple(int(s) for s in sizes)
        self.activation: Activation = get_activation(activation)
        self.output_activation: Activation = get_activation(output_activation)
        if not self.activation.elementwise:
            raise ConfigError(f"{self.activation.name} is an output activation only "
                              f"(--output-activation {self.activation.name}); the hidden layers "
                              f"need an element-wise one: {', '.join(ACTIVATIONS)}")
        if not self.output_activation.elementwise and self.sizes[-1] < 2:
            raise ConfigError(f"a {self.output_activation.name} output layer needs at least 2 outputs "
                              f"(one per class), got {self.sizes[-1]}; for two classes in one output "
                              f"use a sigmoid output with the loss bce")
        self.bias = bool(bias)
        self.n_layers = len(self.sizes) - 1
        #: per layer: (fan_in, fan_out, W start, W stop, b start, b stop)
        self.layout: list[tuple[int, int, int, int, int, int]] = []
        pos = 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            w0, w1 = pos, pos + fan_in * fan_out
            b0, b1 = w1, w1 + (fan_out if self.bias else 0)
            self.layout.append((fan_in, fan_out, w0, w1, b0, b1))
            pos = b1
        self.n_params: int = pos
        #: the positions of the weight matrices (not the biases) in theta, adjacent ones merged
        #: (without biases: one slice of all of theta); what an L2 penalty on the weights reads
        self.weight_slices: tuple[slice, ...] = _merged([(w0, w1) for *_, w0, w1, _, _ in self.layout])
        #: the number of weight-matrix entries, ``sum(fan_in * fan_out)``
        self.n_weights: int = sum(fi * fo for fi, fo, *_ in self.layout)
        self.activations: tuple[Activation, ...] = (
            (self.activation,) * (self.n_layers - 1) + (self.output_activation,))

    # -- layout ---------------------------------------------------------------------------
    def unpack(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """Per layer ``(W, b)``: *views* into ``theta`` (no copies), ``b`` is ``None`` without biases.

        :param theta: float64, shape ``(n_params,)``, C-contiguous.
        :returns: a list of ``n_layers`` pairs; ``W`` has shape ``(fan_in, fan_out)``.
        """
        return [(theta[w0:w1].reshape(fi, fo), theta[b0:b1] if b1 > b0 else None)
                for fi, fo, w0, w1, b0, b1 in self.layout]

    def pack(self, layers: Layers) -> np.ndarray:
        """The flat float64 vector of per-layer ``(W, b)`` (the inverse of :meth:`unpack`).

        :raises ConfigError: a layer of the wrong shape.
        """
        theta = np.empty(self.n_params)
        if len(layers) != self.n_layers:
            raise ConfigError(f"expected {self.n_layers} layers, got {len(layers)}")
        for (W, b), (Wv, bv) in zip(layers, self.unpack(theta)):
            if np.shape(W) != Wv.shape:
                raise ConfigError(f"weight matrix of shape {np.shape(W)}, expected {Wv.shape}")
            Wv[...] = W
            if bv is not None:
                if b is None or np.shape(b) != bv.shape:
                    raise ConfigError(f"bias of shape {() if b is None else np.shape(b)}, expected {bv.shape}")
                bv[...] = b
        return theta

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """Initial weights: Glorot uniform, biases zero.

        Each ``W_l`` is drawn from U(-s, s) with ``s = sqrt(6 / (fan_in + fan_out))``
        (Glorot & Bengio, "Understanding the difficulty of training deep feedforward
        neural networks", AISTATS 2010, eq. 16); the biases start at 0.

        :param rng: a ``numpy.random.Generator``.
        :returns: float64 of shape ``(n_params,)``.
        """
        theta = np.zeros(self.n_params)
        for W, _ in self.unpack(theta):
            s = np.sqrt(6.0 / (W.shape[0] + W.shape[1]))
            W[...] = rng.uniform(-s, s, size=W.shape)
        return theta

    def describe(self) -> dict:
        """A JSON-ready description: ``sizes``, ``activation``, ``output_activation``, ``bias``."""
        return {"sizes": list(self.sizes), "activation": self.activation.name,
                "output_activation": self.output_activation.name, "bias": self.bias}

    def __repr__(self) -> str:
        return (f"Network(sizes={self.sizes}, activation={self.activation.name!r}, "
                f"output_activation={self.output_activation.name!r}, bias={self.bias})")

    # -- forward --------------------------------------------------------------------------
    def predict(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """The network's output ``a_L`` for inputs ``X``.

        :param theta: float64 ``(n_params,)``.
        :param X: float64 ``(n_samples, n_inputs)``.
        :returns: float64 ``(n_samples, n_outputs)``, a new array.
        """
        X = np.ascontiguousarray(X, dtype=np.float64)
        ws = Workspace(self, X.shape[0])
        return self.forward(self.unpack(np.ascontiguousarray(theta, dtype=np.float64)), X, ws).copy()

    def workspace(self, n_samples: int) -> "Workspace":
        """Preallocated buffers for ``n_samples`` rows (see :class:`Workspace`)."""
        return Workspace(self, n_samples)

    def forward(self, layers: Layers, X: np.ndarray, ws: "Workspace") -> np.ndarray:
        """Fill ``ws.Z`` and ``ws.A`` for inputs ``X``; returns ``a_L`` (a buffer of ``ws``).

        :param layers: :meth:`unpack` of theta.
        :param X: float64 ``(ws.n_samples, n_inputs)``.
        """
        a = X
        for (W, b), act, z, out in zip(layers, self.activations, ws.Z, ws.A):
            np.matmul(a, W, out=z)
            if b is not None:
                z += b
            a = z if act.linear else act.value(z, out)
        return a

    # -- derivatives ----------------------------------------------------------------------
    def backward(self, layers: Layers, X: np.ndarray, ws: "Workspace", delta: np.ndarray,
                 grad: np.ndarray) -> np.ndarray:
        """Backpropagation: the gradient of the loss from ``delta = dL/dz_L``.

        Needs :meth:`forward` at the same weights first. ``delta`` (shape
        ``(n_samples, n_outputs)``) may be a buffer of ``ws``; it is overwritten.

        :param grad: float64 ``(n_params,)``, written in place and returned.
        """
        grads = self.unpack(grad)
        for l in range(self.n_layers - 1, -1, -1):
            W, b = layers[l]
            gW, gb = grads[l]
            np.matmul(X.T if l == 0 else ws.A[l - 1].T, delta, out=gW)
            if gb is not None:
                # the column sums of delta, as ones @ delta: a BLAS product, several times
                # faster than np.sum(delta, axis=0) on tall arrays (benchmarks/bench_core.py)
                np.matmul(ws.ones, delta, out=gb)
            if l:
                prev = _dot(delta, W.T, out=ws.D[l - 1])
                prev *= self.activation.d1(ws.Z[l - 1], ws.A[l - 1], ws.G[l - 1])
                delta = prev
        return grad

    def hvp(self, layers: Layers, X: np.ndarray, ws: "Workspace", delta: np.ndarray,
            hz: "ZHessian", V: np.ndarray) -> np.ndarray:
        """Exact Hessian-vector products by Pearlmutter's R-operator, for ``k`` directions at once.

        Needs :meth:`forward` at the same weights. The loss enters through ``delta``
        (``dL/dz_L``, shape ``(n_samples, n_outputs)``) and ``hz``, its Hessian in ``z_L``
        (a :class:`nnbench.core.losses.ZHessian`: diagonal for the element-wise losses, including
        the output activation's ``g'`` and ``g''``; per sample ``c (diag(p) - p p^T)`` for the
        softmax cross-entropy). The R-pass (Pearlmutter 1994, sec. 4):

            R{z_l} = R{a_{l-1}} W_l + a_{l-1} V_l + Vb_l,   R{a_l} = f'(z_l) R{z_l}
            R{delta_L} = (d2L/dz_L^2) R{z_L}                (hz.apply)
            R{dW_l} = R{a_{l-1}}^T delta_l + a_{l-1}^T R{delta_l}
            R{delta_{l-1}} = (R{delta_l} W_l^T + delta_l V_l^T) f'(z_{l-1})
                             + (delta_l W_l^T) f''(z_{l-1}) R{z_{l-1}}

        :param V: float64 ``(k, n_params)``: the directions.
        :returns: float64 ``(k, n_params)``: ``H @ v`` for each direction ``v``.
        """
        k, n = V.shape[0], X.shape[0]
        out = np.empty((k, self.n_params))
        L = self.n_layers
        # The R-quantities of all k directions are held sample-major, shape (n, k, width):
        # then every product with a weight matrix, and every sum over samples, is one 2-D
        # BLAS product for all directions at once (reshaping (n, k, w) to (n * k, w) or
        # (n, k * w)). They live in preallocated buffers (fresh pages cost more than the
        # arithmetic here): benchmarks/bench_core.py::test_hessp.
        rb = ws.r_buffers(k)
        # deltas of the ordinary backward pass, kept per layer, and back[l - 1] =
        # delta_l W_l^T, the delta before f' (delta_{l-1} = back[l - 1] f'(z_{l-1}))
        fp = [self.activation.d1(ws.Z[l], ws.A[l], ws.G[l]) for l in range(L - 1)]  # f'(z_l), hidden l
        deltas = [delta] * L  # deltas[l] for l < L - 1 are set here, from the last layer down
        for l in range(L - 1, 0, -1):
            _dot(deltas[l], layers[l][0].T, out=rb.back[l - 1])
            deltas[l - 1] = np.multiply(rb.back[l - 1], fp[l - 1], out=ws.D[l - 1])
        # forward R-pass: Rz[l] = R{z_l}, Ra[l] = R{a_l} = f'(z_l) R{z_l}
        a_prev = X
        VWs = [V[:, w0:w1].reshape(k, fi, fo) for fi, fo, w0, w1, _, _ in self.layout]
        for l in range(L):
            fi, fo, w0, w1, b0, b1 = self.layout[l]
            W, VW = layers[l][0], VWs[l]
            r = rb.Rz[l]
            # a_{l-1} V_l for every direction: (n, fi) @ (fi, k * fo)
            np.matmul(a_prev, VW.transpose(1, 0, 2).reshape(fi, k * fo), out=r.reshape(n, k * fo))
            if l:  # + R{a_{l-1}} W_l
                r += np.matmul(rb.Ra[l - 1].reshape(n * k, fi), W, out=rb.T[l].reshape(n * k, fo)).reshape(n, k, fo)
            if b1 > b0:
                r += V[:, b0:b1]  # (k, fo), the same for every sample
            if l < L - 1:
                np.multiply(fp[l][:, None, :], r, out=rb.Ra[l])
                a_prev = ws.A[l]
        # backward R-pass
        Rd = hz.apply(rb.Rz[L - 1], rb.Rd[L - 1])
        for l in range(L - 1, -1, -1):
            fi, fo, w0, w1, b0, b1 = self.layout[l]
            W = layers[l][0]
            a_prev = X if l == 0 else ws.A[l - 1]
            # R{dW_l} = a_{l-1}^T R{delta_l} (+ R{a_{l-1}}^T delta_l), as (fi, k, fo) -> (k, fi * fo)
            RdW = (a_prev.T @ Rd.reshape(n, k * fo)).reshape(fi, k, fo)
            out[:, w0:w1] = RdW.transpose(1, 0, 2).reshape(k, fi * fo)
            if l:
                out[:, w0:w1] += (rb.Ra[l - 1].reshape(n, k * fi).T @ deltas[l]).reshape(k, fi * fo)
            if b1 > b0:
                out[:, b0:b1] = (ws.ones @ Rd.reshape(n, k * fo)).reshape(k, fo)  # sums over samples
            if l:
                VW = VWs[l]
                T = rb.T[l - 1]
                Rd_prev = rb.Rd[l - 1]
                _dot(Rd.reshape(n * k, fo), W.T, out=Rd_prev.reshape(n * k, fi))
                # + delta_l V_l^T for every direction: (n, fo) @ (fo, k * fi)
                Rd_prev += _dot(deltas[l], VW.transpose(2, 0, 1).reshape(fo, k * fi),
                                out=T.reshape(n, k * fi)).reshape(n, k, fi)
                Rd_prev *= fp[l - 1][:, None, :]
                # + (delta_l W_l^T) f''(z_{l-1}) R{z_{l-1}}
                f2 = self.activation.d2(ws.Z[l - 1], ws.A[l - 1], rb.F2[l - 1], d1=fp[l - 1])
                f2 *= rb.back[l - 1]
                Rd_prev += np.multiply(f2[:, None, :], rb.Rz[l - 1], out=T)
                Rd = Rd_prev
        return out

    def output_jacobian(self, layers: Layers, X: np.ndarray, ws: "Workspace", scale: np.ndarray) -> np.ndarray:
        """The Jacobian of ``scale * z_L`` with respect to theta, one row per (sample, output).

        Needs :meth:`forward` at the same weights. Used for the residual Jacobian:
        with ``r = sqrt(c) (g(z_L) - y)``, ``dr/dtheta`` is this with
        ``scale = sqrt(c) g'(z_L)``.

        :param scale: float64 ``(n_samples, n_outputs)``.
        :returns: float64 ``(n_samples * n_outputs, n_params)``, rows in the row-major order
            of ``(n_samples, n_outputs)``.
        """
        n, m = scale.shape
        J = np.empty((n, m, self.n_params))
        for j in range(m):
            delta = np.zeros((n, m))
            delta[:, j] = scale[:, j]
            for l in range(self.n_layers - 1, -1, -1):
                fi, fo, w0, w1, b0, b1 = self.layout[l]
                a_prev = X if l == 0 else ws.A[l - 1]
                # per-sample outer products a_prev[i] x delta[i]
                J[:, j, w0:w1] = (a_prev[:, :, None] * delta[:, None, :]).reshape(n, fi * fo)
                if b1 > b0:
                    J[:, j, b0:b1] = delta
                if l:
                    delta = (delta @ layers[l][0].T) * self.activation.d1(
                        ws.Z[l - 1], ws.A[l - 1], np.empty_like(ws.Z[l - 1]))
        return J.reshape(n * m, self.n_params)


class Workspace:
    """Preallocated float64 buffers for one network and a fixed number of samples.

    ``Z[l]``, ``A[l]`` (pre-activations and activations; the same array for a linear
    layer), ``D[l]`` (backpropagated deltas),
    ``G[l]`` (activation derivatives), each ``(n_samples, fan_out_l)``; ``out``
    ``(n_samples, n_outputs)`` scratch for the loss; ``ones`` ``(n_samples,)``
    of ones, for column sums as a matrix product. A workspace is not thread-safe: use one
    per thread or process.
    """

    def __init__(self, network: Network, n_samples: int) -> None:
        self.n_samples = int(n_samples)
        widths = network.sizes[1:]
        self.Z = [np.empty((n_samples, w)) for w in widths]
        # a linear layer's activation is its pre-activation: the same array, which
        # Network.forward then never copies
        self.A = [z if act.linear else np.empty((n_samples, w))
                  for z, w, act in zip(self.Z, widths, network.activations)]
        self.D = [np.empty((n_samples, w)) for w in widths]
        self.G = [np.empty((n_samples, w)) for w in widths]
        self.out = np.empty((n_samples, widths[-1]))
        self.ones = np.ones(n_samples)
        self._widths = widths
        self._r1: SimpleNamespace | None = None

    def r_buffers(self, k: int) -> SimpleNamespace:
        """Buffers for :meth:`Network.hvp` with ``k`` directions.

        Per layer ``l``, ``Rz[l]``, ``Rd[l]``, ``T[l]`` (scratch) of shape
        ``(n_samples, k, width_l)``; per hidden layer ``Ra[l]`` of that shape and ``back[l]``,
        ``F2[l]`` of shape ``(n_samples, width_l)``. Those for ``k = 1`` (``hessp``) are
        made on first use and kept; other ``k`` (the blocks of ``hess``) get new ones.
        """
        if k == 1 and self._r1 is not None:
            return self._r1
        n, ws, hidden = self.n_samples, self._widths, self._widths[:-1]
        bufs = SimpleNamespace(
            Rz=[np.empty((n, k, w)) for w in ws], Rd=[np.empty((n, k, w)) for w in ws],
            T=[np.empty((n, k, w)) for w in ws], Ra=[np.empty((n, k, w)) for w in hidden],
            back=[np.empty((n, w)) for w in hidden], F2=[np.empty((n, w)) for w in hidden])
        if k == 1:
            self._r1 = bufs
        return bufs


@dataclass(frozen=True)
class NetworkSpec:
    """A network shape to train; the input and output sizes come from the data.

    :param hidden: hidden layer sizes, e.g. ``(4,)`` or ``(4, 3)``; ``()`` (or ``0``, as
        ``--hidden 0`` spells it) is no hidden layer: a linear, logistic or multinomial
        logistic model, labelled ``linear``.
    :param activation: hidden activation (``sigmoid``, ``tanh``, ``relu``, ``identity``).
    :param output_activation: ``identity``, ``sigmoid`` or ``softmax``; ``None`` (default) is
        the one the loss needs (``softmax`` for ``cross_entropy``, ``sigmoid`` for ``bce``),
        else ``identity``.
    :param bias: biases on every layer.
    :param loss: ``sse``, ``mse``, ``half_mse``, ``bce`` or ``cross_entropy``
        (:data:`nnbench.core.losses.LOSSES`).
    :param l2: ``alpha >= 0`` of the penalty ``(alpha / 2) ||W||^2`` over the weight matrices,
        not the biases (scikit-learn's ``alpha``), added to the loss; 0 (default) is none
        (:class:`nnbench.core.objective.Objective`).
    :raises ConfigError: a field of the wrong type or an unknown name, naming the field
        (``NetworkSpec.hidden: layer sizes must be positive integers, got (4, 0)``); a loss
        and an output activation that do not go together (``cross_entropy`` needs
        ``softmax``, ``softmax`` needs ``cross_entropy``, ``bce`` needs ``sigmoid``).

    Names are stored lower-cased, so labels and resume keys have one spelling.
    """

    hidden: tuple[int, ...] = (2,)
    activation: str = "sigmoid"
    output_activation: str = None  # type: ignore[assignment]  # None: the loss's own, set in __post_init__
    bias: bool = True
    loss: str = "sse"
    l2: float = 0.0

    def __post_init__(self) -> None:
        def bad(name: str, body: str) -> ConfigError:
            return ConfigError(f"NetworkSpec.{name}: {body}", name, body)

        hidden = (self.hidden,) if isinstance(self.hidden, int) and not isinstance(self.hidden, bool) else self.hidden
        try:
            if isinstance(hidden, (str, bytes)):
                raise TypeError(hidden)
            sizes = tuple(hidden)
        except TypeError:
            raise bad("hidden", f"must be a sequence of layer sizes, got {self.hidden!r}") from None
        if len(sizes) == 1 and isinstance(sizes[0], (int, np.integer)) and not isinstance(sizes[0], bool) \
                and sizes[0] == 0:
            sizes = ()  # --hidden 0: no hidden layer
        if not all(isinstance(h, (int, np.integer)) and not isinstance(h, bool) and h >= 1 for h in sizes):
            raise bad("hidden", f"layer sizes must be positive integers (0 alone: no hidden layer), "
                                f"got {self.hidden!r}")
        object.__setattr__(self, "hidden", tuple(int(h) for h in sizes))
        if self.output_activation is None and isinstance(self.loss, str):
            try:
                needs = get_loss(self.loss).output
            except ConfigError as exc:
                raise bad("loss", str(exc)) from None
            object.__setattr__(self, "output_activation", needs or "identity")
        for name, lookup in (("activation", get_activation), ("output_activation", get_activation),
                             ("loss", get_loss)):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise bad(name, f"must be a name, got {value!r}")
            try:
                object.__setattr__(self, name, lookup(value).name)
            except ConfigError as exc:
                raise bad(name, str(exc)) from None
        try:
            get_loss(self.loss).check_output(get_activation(self.output_activation))
        except ConfigError as exc:
            raise bad("output_activation" if get_loss(self.loss).output is None else "loss", str(exc)) from None
        if not isinstance(self.bias, bool):
            raise bad("bias", f"must be true or false, got {self.bias!r}")
        try:
            object.__setattr__(self, "l2", float(check(self.l2, [L2_CONSTRAINT], "l2")))
        except ConfigError:
            raise bad("l2", f"must be a finite number >= 0 (the penalty alpha/2 ||W||^2 on the weights), "
                            f"got {self.l2!r}") from None

    def sizes(self, n_inputs: int, n_outputs: int) -> tuple[int, ...]:
        """The layer sizes for data of this shape: ``(n_inputs, *hidden, n_outputs)``."""
        return (int(n_inputs), *self.hidden, int(n_outputs))

    def build(self, n_inputs: int, n_outputs: int) -> Network:
        """The :class:`Network` for data of this shape."""
        return Network(self.sizes(n_inputs, n_outputs), self.activation, self.output_activation, self.bias)

    @functools.cached_property
    def label(self) -> str:
        """E.g. ``"h2 sigmoid nobias sse"`` (computed once: a report asks for it of every
        record many times)."""
        shape = f"h{'x'.join(map(str, self.hidden))} {self.activation}" if self.hidden else "linear"
        out = "" if self.output_activation == "identity" else f" out={self.output_activation}"
        l2 = f" l2={self.l2:g}" if self.l2 else ""
        return f"{shape}{out}{'' if self.bias else ' nobias'} {self.loss}{l2}"

    def describe(self, sizes: Sequence[int]) -> dict[str, Any]:
        """JSON-ready: ``sizes`` (the whole network's, from :meth:`sizes`), the activations,
        ``bias``, ``loss``, and ``l2`` when it is not 0 (the inverse of :meth:`from_dict`)."""
        d: dict[str, Any] = {"sizes": [int(s) for s in sizes], "activation": self.activation,
                             "output_activation": self.output_activation, "bias": self.bias, "loss": self.loss}
        if self.l2:
            d["l2"] = self.l2
        return d

    def identity(self) -> dict[str, Any]:
        """The fields that identify this network in a trial's key
        (:func:`nnbench.results.record.trial_key`): every field, ``l2`` only when it is not 0
        (so the keys of trials from before ``l2`` existed are unchanged)."""
        d = {"hidden": list(self.hidden), "activation": self.activation, "output_activation": self.output_activation,
             "bias": self.bias, "loss": self.loss}
        if self.l2:
            d["l2"] = self.l2
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> tuple[NetworkSpec, tuple[int, ...]]:
        """``(spec, sizes)`` from :meth:`describe`'s dict.

        :raises ConfigError: missing ``sizes`` (fewer than 2) or a bad field.
        """
        sizes = d.get("sizes")
        if not isinstance(sizes, (list, tuple)) or len(sizes) < 2 or not all(
                isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in sizes):
            raise ConfigError(f"network sizes must be two or more positive integers, got {sizes!r}")
        kw = {k: d[k] for k in ("activation", "output_activation", "bias", "loss", "l2") if k in d}
        return cls(hidden=tuple(sizes[1:-1]), **kw), tuple(int(x) for x in sizes)
