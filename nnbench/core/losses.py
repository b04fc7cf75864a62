"""Losses, as functions of the output layer's pre-activation ``z`` (shape ``(n, n_outputs)``).

Working on ``z`` rather than on the prediction ``a = g(z)`` lets the cross-entropies be
computed from the logits (finite even when the sigmoid or softmax saturates at exactly 0
or 1) and gives every loss a Hessian in ``z`` that the exact Hessian-vector product
(Pearlmutter's R-operator) can apply to ``R{z}``: diagonal for the element-wise losses,
``diag(p) - p p^T`` per sample for the softmax cross-entropy.

With ``r = g(z) - y`` over all ``N = n_samples * n_outputs`` entries:

=================  ==========================  =====================  ================================
loss               cost                        dL/dz                  d2L/dz2
=================  ==========================  =====================  ================================
``sse``            sum r^2 (the tutorial's)    2 c r g'               2 c (g'^2 + r g''), diagonal
``mse``            (1/N) sum r^2               (c = 1/N)
``half_mse``       (1/(2N)) sum r^2            (c = 1/(2N), sklearn's squared loss)
``bce``            c sum softplus(z) - y z     c (sigmoid(z) - y)     c sigmoid(z)(1 - sigmoid(z)),
                   (c = 1/N)                                          diagonal
``cross_entropy``  -c sum_i sum_k y_ik         c (p_i - y_i)          c (diag(p_i) - p_i p_i^T) per
                   log p_ik (c = 1/n_samples)                         sample i, not diagonal
=================  ==========================  =====================  ================================

(``c`` is the loss's :meth:`Loss.scale`; ``p_i = softmax(z_i)``.) The squared losses also
have residuals ``sqrt(c) r`` whose sum of squares is the cost, for least-squares trainers.
Binary cross-entropy needs a sigmoid output layer, ``cross_entropy`` a softmax output layer
(and a softmax output layer needs ``cross_entropy``). Their formulas from the logits are
the standard log-sum-exp forms (e.g. PyTorch's ``BCEWithLogitsLoss`` and
``CrossEntropyLoss``; scikit-learn's ``log_loss`` for the scaling by ``1/n_samples``), and
``dL/dz = c (g(z) - y)`` is the canonical-link identity (McCullagh & Nelder, "Generalized
Linear Models", 2nd ed., 1989, sec. 2.2.4). The softmax Hessian: Bishop, "Pattern
Recognition and Machine Learning", 2006, eq. 4.110.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from nnbench.core.activations import Activation, row_max
from nnbench.errors import ConfigError, did_you_mean

__all__ = ["Loss", "ZHessian", "LOSSES", "TARGET_ROW_SUM_TOLERANCE", "get_loss"]

#: How far a row of ``cross_entropy`` targets may sum from 1 (float64 rounding of
#: normalised probabilities over thousands of classes stays far below it).
TARGET_ROW_SUM_TOLERANCE = 1e-12


class ZHessian(ABC):
    """The Hessian of a loss in ``z`` at one point, as the operator the R-pass needs.

    :meth:`nnbench.core.network.Network.hvp` calls :meth:`apply` once per call to get
    ``R{dL/dz} = (d2L/dz2) R{z}`` for all its directions.
    """

    @abstractmethod
    def apply(self, Rz: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Write the Hessian in ``z`` times ``Rz`` into ``out`` and return it.

        :param Rz, out: float64 ``(n_samples, k, n_outputs)``: ``k`` directions per sample.
        """


class DiagonalZHessian(ZHessian):
    """A Hessian in ``z`` that is diagonal: ``curvature`` element-wise.

    :param curvature: float64 ``(n_samples, n_outputs)``, ``d2L/dz2`` entry by entry.
    """

    def __init__(self, curvature: np.ndarray) -> None:
        self.curvature = curvature

    def apply(self, Rz, out):
        return np.multiply(self.curvature[:, None, :], Rz, out=out)


class SoftmaxZHessian(ZHessian):
    """The softmax cross-entropy's Hessian in ``z``: ``c (diag(p_i) - p_i p_i^T)`` per sample.

    Applied without forming it: ``c p_i * (Rz_i - (p_i . Rz_i))`` (Bishop 2006, eq. 4.110).

    :param p: float64 ``(n_samples, n_classes)``, the softmax of ``z``.
    :param c: the loss's scale, ``1 / n_samples``.
    """

    def __init__(self, p: np.ndarray, c: float) -> None:
        self.p = p
        self.c = c

    def apply(self, Rz, out):
        p = self.p[:, None, :]
        np.multiply(Rz, p, out=out)
        # p_i . Rz_i per sample and direction, the sums as a BLAS product with ones
        dot = np.matmul(out, np.ones(out.shape[2]))[:, :, None]
        np.subtract(Rz, dot, out=out)
        out *= p
        out *= self.c
        return out


class Loss(ABC):
    """A loss of the output pre-activation ``z``.

    Class attributes, read by :class:`nnbench.core.objective.Objective`:

    ``name``: the name on the command line and in results (``"sse"``, ...);
    ``squared``: it is a scaled sum of squared errors (has residuals);
    ``from_logits``: cost and derivatives come from ``z`` and ``a = g(z)`` alone, with no
    ``g'`` or ``g''`` of the output activation (the cross-entropies);
    ``output``: the output activation it needs, or ``None`` for any element-wise one;
    ``labels``: its targets may be a column of class labels, one-hot encoded when read (a
    CSV's one target column is then read as labels, :func:`nnbench.running.suite.make_plan`);
    ``task``: what a network trained with it solves, ``"regression"`` or ``"classification"``
    (the cross-entropies), which decides the measures (:func:`nnbench.contract.problems.task_of`).
    """

    name: str = ""
    squared: bool = False
    from_logits: bool = False
    output: str | None = None
    labels: bool = False
    task: str = "regression"

    @abstractmethod
    def scale(self, n_samples: int, n_outputs: int) -> float:
        """``c``, the factor in front of the sum over the entries (see the module table)."""

    def check_output(self, output_activation: Activation) -> None:
        """Raise :class:`ConfigError` if this loss cannot follow ``output_activation``
        (or ``output_activation`` needs another loss)."""
        act = output_activation.name
        if self.output is not None and act != self.output:
            raise ConfigError(f"loss {self.name!r} needs a {self.output} output layer "
                              f"(--output-activation {self.output}), not {act!r}")
        if not output_activation.elementwise and self.output != act:
            needs = [name for name, loss in LOSSES.items() if loss.output == act]
            raise ConfigError(f"output activation {act!r} needs the loss {' or '.join(needs)} "
                              f"(--loss {needs[0]}), not {self.name!r}")

    def check_targets(self, y: np.ndarray) -> None:
        """Raise :class:`ConfigError` if the finite float64 targets ``y`` (``(n, n_outputs)``)
        are not valid for this loss (any finite target is valid for a squared error)."""

    @abstractmethod
    def cost(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, c: float, buf: np.ndarray) -> float:
        """The cost (a Python float) at output pre-activation ``z`` and prediction ``a``.

        :param z, a, y, buf: float64 arrays of shape ``(n, n_outputs)``; ``buf`` is scratch.
        :param c: :meth:`scale` of the targets' shape.
        """

    @abstractmethod
    def cost_and_delta(self, z, a, y, c: float, gprime, delta: np.ndarray) -> float:
        """The cost, and ``dL/dz`` written into ``delta`` (shape ``(n, n_outputs)``).

        :param gprime: ``g'(z)`` of the output activation, or ``None`` when it is the
            identity or the loss is :attr:`from_logits`.
        """

    @abstractmethod
    def z_hessian(self, z, a, y, c: float, gprime, gsecond) -> ZHessian:
        """The Hessian ``d2L/dz2`` at this point, as a :class:`ZHessian`.

        :param gprime, gsecond: ``g'(z)``, ``g''(z)`` of the output activation, or ``None``
            for the identity or a :attr:`from_logits` loss. The arrays passed in must stay
            unchanged while the result is used.
        """

    def __repr__(self) -> str:
        return f"<loss {self.name}>"


class SquaredLoss(Loss):
    """A scaled sum of squared errors ``c sum (g(z) - y)^2``.

    :param name: ``"sse"``, ``"mse"`` or ``"half_mse"``.
    :param mean: it divides by the number of entries ``N``.
    :param half: it is halved (``half_mse``).
    """

    squared = True

    def __init__(self, name: str, mean: bool, half: bool = False) -> None:
        self.name = name
        self.mean = mean
        self.half = half

    def scale(self, n_samples, n_outputs):
        c = 1.0 / (n_samples * n_outputs) if self.mean else 1.0
        return 0.5 * c if self.half else c

    def cost(self, z, a, y, c, buf):
        np.subtract(a, y, out=buf)
        return c * float(np.vdot(buf, buf))

    def cost_and_delta(self, z, a, y, c, gprime, delta):
        np.subtract(a, y, out=delta)
        cost = c * float(np.vdot(delta, delta))
        delta *= 2.0 * c
        if gprime is not None:
            delta *= gprime
        return cost

    def curvature(self, z, a, y, c: float, gprime, gsecond, out: np.ndarray) -> np.ndarray:
        """``d2L/dz2 = 2 c (g'^2 + (g - y) g'')`` element-wise, written into ``out``.

        :param gprime, gsecond: ``g'(z)``, ``g''(z)``, or ``None`` for the identity.
        """
        if gprime is None:
            out.fill(2.0 * c)
            return out
        np.subtract(a, y, out=out)
        out *= gsecond
        out += gprime * gprime
        out *= 2.0 * c
        return out

    def z_hessian(self, z, a, y, c, gprime, gsecond):
        return DiagonalZHessian(self.curvature(z, a, y, c, gprime, gsecond, np.empty_like(a)))


class _LogitLoss(Loss):
    """A cross-entropy from the logits whose output activation ``g`` is the loss's canonical
    link, so that ``dL/dz = c (g(z) - y)`` (McCullagh & Nelder 1989, sec. 2.2.4)."""

    from_logits = True
    task = "classification"

    def cost_and_delta(self, z, a, y, c, gprime, delta):
        cost = self.cost(z, a, y, c, delta)
        np.subtract(a, y, out=delta)
        delta *= c
        return cost

    def _check_unit_interval(self, y: np.ndarray, what: str = "", hint: str = "") -> None:
        if not ((y >= 0) & (y <= 1)).all():
            raise ConfigError(f"loss {self.name!r} needs targets in [0, 1]{what}; these range from "
                              f"{y.min():g} to {y.max():g}{hint}")


class BinaryCrossEntropy(_LogitLoss):
    """Binary cross-entropy of a sigmoid output, ``c sum softplus(z) - y z`` with ``c = 1/N``
    (``softplus(z) = log(1 + e^z)``, computed as ``logaddexp(0, z)``: no overflow)."""

    name = "bce"
    output = "sigmoid"

    def scale(self, n_samples, n_outputs):
        return 1.0 / (n_samples * n_outputs)

    def check_targets(self, y):
        squared = ", ".join(name for name, loss in LOSSES.items() if loss.squared)
        self._check_unit_interval(y, hint=f"; use a squared-error loss ({squared})")

    def cost(self, z, a, y, c, buf):
        np.logaddexp(0.0, z, out=buf)
        return c * (float(buf.sum()) - float(np.vdot(y, z)))

    def curvature(self, z, a, y, c: float, gprime, gsecond, out: np.ndarray) -> np.ndarray:
        """``d2L/dz2 = c a (1 - a)`` element-wise, written into ``out``."""
        np.subtract(1.0, a, out=out)
        out *= a
        out *= c
        return out

    def z_hessian(self, z, a, y, c, gprime, gsecond):
        return DiagonalZHessian(self.curvature(z, a, y, c, gprime, gsecond, np.empty_like(a)))


class CrossEntropy(_LogitLoss):
    """Multi-class cross-entropy of a softmax output, ``-(1/n) sum_i sum_k y_ik log p_ik``.

    The targets are one row per sample and one column per class: one-hot rows, or
    probability rows that sum to 1 (to :data:`TARGET_ROW_SUM_TOLERANCE`). With
    ``lse_i = log sum_k exp(z_ik)``, ``-log p_ik = lse_i - z_ik``, which is finite for any
    finite logits. ``lse_i`` is read off the softmax the forward pass computed:
    ``lse_i = max_k z_ik - log max_k p_ik`` (since ``p_ik = exp(z_ik - lse_i)``, and
    ``max_k p_ik >= 1/n_classes`` is never 0), so no second exponential is needed.
    """

    name = "cross_entropy"
    output = "softmax"
    labels = True

    def scale(self, n_samples, n_outputs):
        return 1.0 / n_samples

    def check_targets(self, y):
        self._check_unit_interval(y, what=" (one-hot or probability rows, one column per class)")
        sums = y.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > TARGET_ROW_SUM_TOLERANCE)
        if bad.size:
            more = f" ({bad.size} rows in all)" if bad.size > 1 else ""
            raise ConfigError(f"loss {self.name!r} needs target rows that sum to 1 (one-hot or "
                              f"probabilities); row {bad[0]} (counting from 0) sums to "
                              f"{sums[bad[0]]:.17g}{more}")

    def cost(self, z, a, y, c, buf):
        lse = row_max(z)
        lse -= np.log(row_max(a))
        np.subtract(lse[:, None], z, out=buf)  # -log p >= 0: no cancellation in the sum
        return c * float(np.vdot(y, buf))

    def z_hessian(self, z, a, y, c, gprime, gsecond):
        return SoftmaxZHessian(a, c)


#: The losses by name.
LOSSES: dict[str, Loss] = {
    "sse": SquaredLoss("sse", mean=False),
    "mse": SquaredLoss("mse", mean=True),
    "half_mse": SquaredLoss("half_mse", mean=True, half=True),
    "bce": BinaryCrossEntropy(),
    "cross_entropy": CrossEntropy(),
}


def get_loss(name: str | Loss) -> Loss:
    """The loss called ``name`` (or ``name`` itself if it is a :class:`Loss`).

    :raises ConfigError: an unknown name; the message lists the known ones.
    """
    if isinstance(name, Loss):
        return name
    try:
        return LOSSES[str(name).lower()]
    except KeyError:
        raise ConfigError(f"unknown loss {name!r}{did_you_mean(str(name), LOSSES)}; "
                          f"choose from {', '.join(LOSSES)}") from None

