"""Losses, as functions of the output layer's pre-activation ``z`` (shape ``(n, n_outputs)``).

Working on ``z`` rather than on the prediction ``a = g(z)`` lets binary cross-entropy be
computed from the logits (finite even when the sigmoid saturates at exactly 0 or 1) and
gives every loss a *diagonal* Hessian in ``z``, which the exact Hessian-vector product
(Pearlmutter's R-operator) needs.

With ``r = g(z) - y`` over all ``N = n_samples * n_outputs`` entries:

=============  =========================  ======================  ===========================
loss           cost                       dL/dz                   d2L/dz2
=============  =========================  ======================  ===========================
``sse``        sum r^2 (the tutorial's)   2 c r g'                2 c (g'^2 + r g'')
``mse``        (1/N) sum r^2              (c = 1/N)
``half_mse``   (1/(2N)) sum r^2           (c = 1/(2N), sklearn's squared loss)
``bce``        (1/N) sum softplus(z) - yz (sigmoid(z) - y) / N    sigmoid(z)(1 - sigmoid(z)) / N
=============  =========================  ======================  ===========================

(``c`` is the scale of the squared losses: 1, 1/N, 1/(2N).) The squared losses also have
residuals ``sqrt(c) r`` whose sum of squares is the cost, for least-squares trainers.
Binary cross-entropy needs a sigmoid output layer; its formula from the logits is the
standard log-sum-exp form (e.g. PyTorch's ``BCEWithLogitsLoss``).
"""

from __future__ import annotations

import numpy as np

from nnbench.activations import Activation
from nnbench.errors import ConfigError, did_you_mean

__all__ = ["Loss", "LOSSES", "get_loss"]


class Loss:
    """A loss of the output pre-activation.

    :param name: ``"sse"``, ``"mse"``, ``"half_mse"`` or ``"bce"``.
    :param squared: it is a scaled sum of squared errors (has residuals).
    :param mean: it divides by the number of entries ``N``.
    :param half: it is halved (``half_mse``).
    """

    def __init__(self, name: str, squared: bool, mean: bool, half: bool = False) -> None:
        self.name = name
        self.squared = squared
        self.mean = mean
        self.half = half

    def scale(self, n_entries: int) -> float:
        """``c``, the factor in front of the sum over the ``n_entries`` (= N) entries."""
        c = 1.0 / n_entries if self.mean else 1.0
        return 0.5 * c if self.half else c

    def check_output(self, output_activation: Activation) -> None:
        """Raise :class:`ConfigError` if this loss cannot follow ``output_activation``."""
        if not self.squared and output_activation.name != "sigmoid":
            raise ConfigError(f"loss {self.name!r} needs a sigmoid output layer "
                              f"(--output-activation sigmoid), not {output_activation.name!r}")

    def cost(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, c: float, buf: np.ndarray) -> float:
        """The cost (a Python float) at output pre-activation ``z`` and prediction ``a``.

        :param z, a, y, buf: float64 arrays of shape ``(n, n_outputs)``; ``buf`` is scratch.
        :param c: :meth:`scale` of ``N``.
        """
        if self.squared:
            np.subtract(a, y, out=buf)
            return c * float(np.vdot(buf, buf))
        # softplus(z) - y z, summed: log(1 + e^z) computed as logaddexp(0, z), no overflow
        np.logaddexp(0.0, z, out=buf)
        return c * (float(buf.sum()) - float(np.vdot(y, z)))

    def cost_and_delta(self, z, a, y, c: float, gprime, delta: np.ndarray) -> float:
        """The cost, and ``dL/dz`` written into ``delta`` (shape ``(n, n_outputs)``).

        :param gprime: ``g'(z)`` of the output activation, or ``None`` when it is the identity.
        """
        if self.squared:
            np.subtract(a, y, out=delta)
            cost = c * float(np.vdot(delta, delta))
            delta *= 2.0 * c
            if gprime is not None:
                delta *= gprime
            return cost
        cost = self.cost(z, a, y, c, delta)
        np.subtract(a, y, out=delta)
        delta *= c
        return cost

    def curvature(self, z, a, y, c: float, gprime, gsecond, out: np.ndarray) -> np.ndarray:
        """``d2L/dz2`` element-wise (the diagonal Hessian in ``z``), written into ``out``.

        :param gprime, gsecond: ``g'(z)``, ``g''(z)`` of the output activation, or ``None``
            for the identity.
        """
        if self.squared:
            if gprime is None:
                out.fill(2.0 * c)
                return out
            np.subtract(a, y, out=out)
            out *= gsecond
            out += gprime * gprime
            out *= 2.0 * c
            return out
        np.subtract(1.0, a, out=out)
        out *= a
        out *= c
        return out


#: The losses by name.
LOSSES: dict[str, Loss] = {
    "sse": Loss("sse", squared=True, mean=False),
    "mse": Loss("mse", squared=True, mean=True),
    "half_mse": Loss("half_mse", squared=True, mean=True, half=True),
    "bce": Loss("bce", squared=False, mean=True),
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

