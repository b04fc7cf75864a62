"""Goodness of fit at the trained weights: Pearson r, R^2, MSE, accuracy.

All functions take the targets ``y`` and predictions of the same shape
``(n_samples, n_outputs)`` (or 1-D), flatten both (except :func:`class_accuracy`, which
reads each sample's row), and return plain Python floats, never NumPy scalars or arrays.
A quantity that is mathematically undefined (Pearson's r of a constant prediction, R^2 of
constant targets) is ``None`` with the reason, never a silent NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, SupportsFloat

import numpy as np

from nnbench.validation import FieldMapping

from nnbench.errors import ConfigError

__all__ = ["Fit", "SIGMOID_THRESHOLD", "class_accuracy", "class_indices", "fit_metrics", "pearson", "r_squared"]

#: A sigmoid output above this predicts class 1.
SIGMOID_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Fit(FieldMapping):
    """Goodness of fit on one set of samples (read as a mapping too: ``fit["pearson_r"]``).

    :param pearson_r: Pearson's correlation coefficient of targets and predictions
        (as ``scipy.stats.pearsonr``), or ``None`` when undefined.
    :param pearson_p: its two-sided p-value (same source), or ``None``.
    :param r2: the coefficient of determination 1 - SS_res / SS_tot, or ``None`` when the
        targets are constant. (The tutorial calls Pearson's r "R-squared"; it is not.)
    :param mse: mean squared error over all entries.
    :param accuracy: class accuracy (:func:`class_accuracy`: the share of samples whose
        predicted class, the argmax of the outputs or one sigmoid output above 0.5, is the
        target's), only on a classification task; else ``None``. (Results files before
        schema 4 held the share of output *values* on the right side of 0.5 here.)
    :param undefined: why ``pearson_r`` (or ``r2``) is ``None``, else ``None``.
    """

    pearson_r: float | None
    pearson_p: float | None
    r2: float | None
    mse: float | None
    accuracy: float | None = None
    undefined: str | None = None

    def as_dict(self) -> dict:
        """The fields as a JSON-ready dict."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Fit:
        """The :class:`Fit` that :meth:`as_dict` wrote; missing fields are ``None``.

        :raises ValueError: a number field that is not a number or ``None``, or
            ``undefined`` that is not a string or ``None`` (naming the field).
        """
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            v = d.get(name)
            if name == "undefined":
                if v is not None and not isinstance(v, str):
                    raise ValueError(f"{name} must be a string or null, got {v!r}")
            elif v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise ValueError(f"{name} must be a number or null, got {v!r}")
            values[name] = v if v is None or name == "undefined" else float(v)
        return cls(**values)


def _finite(x: SupportsFloat) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _pearsonr(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Pearson's r of two float64 ``(n,)`` arrays (``n >= 2``, neither constant) and its
    two-sided p-value, computed as ``scipy.stats.pearsonr`` does without importing
    scipy.stats (0.3-0.8 s of start-up): ``r`` from the centred vectors, each divided by its
    norm first, clipped to [-1, 1]; ``p = 2 I_{(1 - |r|)/2}(a, a)``, ``a = n/2 - 1``, the
    regularized incomplete beta function (``scipy.special.betainc``): the tail of r's exact
    distribution under independence of normal samples, Beta(a, a) on [-1, 1]; ``p = 1`` for
    ``n = 2``. Agrees with scipy.stats.pearsonr to 1e-14 (tests/test_kernels.py)."""
    from scipy.special import betainc  # scipy.special is loaded with the core (expit)

    xm = x - x.mean()
    ym = y - y.mean()
    r = float(np.dot(xm / np.linalg.norm(xm), ym / np.linalg.norm(ym)))
    r = max(min(r, 1.0), -1.0)
    n = x.size
    if n == 2:
        return r, 1.0
    a = n / 2.0 - 1.0
    return r, float(min(1.0, 2.0 * betainc(a, a, (1.0 - abs(r)) / 2.0)))


def pearson(y: np.ndarray, pred: np.ndarray) -> tuple[float | None, float | None, str | None]:
    """Pearson's r and its two-sided p-value (as ``scipy.stats.pearsonr``, computed without it)
    of flattened ``y`` and ``pred``.

    :returns: ``(r, p, None)``, or ``(None, None, reason)`` when r is undefined: fewer than
        2 samples, a constant prediction or constant targets, or non-finite predictions.
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    pred = np.asarray(pred, dtype=np.float64).ravel()
    if y.size < 2:
        return None, None, "Pearson r needs at least 2 samples"
    if not np.isfinite(pred).all():
        return None, None, "the predictions are not all finite"
    if np.ptp(pred) == 0.0:
        return None, None, "the prediction is constant, so Pearson r is undefined"
    if np.ptp(y) == 0.0:
        return None, None, "the targets are constant, so Pearson r is undefined"
    r_raw, p_raw = _pearsonr(y, pred)
    r, p = _finite(r_raw), _finite(p_raw)
    if r is None:
        return None, None, "Pearson r is not finite for these predictions"
    return r, p, None


def r_squared(y: np.ndarray, pred: np.ndarray) -> float | None:
    """The coefficient of determination ``1 - sum((y - pred)^2) / sum((y - mean(y))^2)``
    over all entries, or ``None`` when the targets are constant or predictions non-finite."""
    y = np.asarray(y, dtype=np.float64).ravel()
    pred = np.asarray(pred, dtype=np.float64).ravel()
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if ss_tot == 0.0 or not np.isfinite(pred).all():
        return None
    return _finite(1.0 - float(np.sum((y - pred) ** 2)) / ss_tot)


def class_indices(y: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's target class and predicted class.

    With ``K >= 2`` outputs (a softmax classifier, one-hot target rows) a sample's class is
    the index of its largest output, and the target's that of its 1 (its largest entry, for
    probability rows; the first on ties, as ``numpy.argmax``). With one output (a sigmoid,
    0/1 targets) the classes are 0 and 1, and the predicted class is 1 where the output is
    above :data:`SIGMOID_THRESHOLD` (0.5). A sample with a non-finite prediction has no
    predicted class: -1.

    :param y: float ``(n_samples, K)``, or ``(n_samples,)`` for one output.
    :param pred: the network's outputs, the same shape as ``y``.
    :returns: ``(target, predicted)``, int64 ``(n_samples,)`` each, classes in ``0..K-1``
        (``0..1`` for one output), ``predicted`` -1 where the prediction is not finite.
    :raises ConfigError: shapes that differ, no samples, or one output whose targets are
        not all 0 or 1.
    """
    y = np.asarray(y, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    y, pred = (y[:, None] if y.ndim == 1 else y), (pred[:, None] if pred.ndim == 1 else pred)
    if y.shape != pred.shape or y.ndim != 2:
        raise ConfigError(f"class accuracy needs targets and predictions of one shape "
                          f"(n_samples, n_outputs), got {y.shape} and {pred.shape}")
    if y.shape[0] == 0:
        raise ConfigError("class accuracy needs at least one sample")
    if y.shape[1] == 1:
        if not np.isin(y, (0.0, 1.0)).all():
            raise ConfigError("class accuracy of one output needs targets that are all 0 or 1")
        target = (y[:, 0] == 1.0).astype(np.int64)
        predicted = (pred[:, 0] > SIGMOID_THRESHOLD).astype(np.int64)
    else:
        target = np.argmax(y, axis=1).astype(np.int64)
        predicted = np.argmax(pred, axis=1).astype(np.int64)
    predicted[~np.isfinite(pred).all(axis=1)] = -1
    return target, predicted


def class_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    """The share of samples whose predicted class is the target's (:func:`class_indices`),
    a float in [0, 1]; a sample with a non-finite prediction counts as wrong.

    :param y: float ``(n_samples, K)``, or ``(n_samples,)`` for one output.
    :param pred: the network's outputs, the same shape as ``y``.
    :raises ConfigError: as :func:`class_indices`.
    """
    target, predicted = class_indices(y, pred)
    return float(np.count_nonzero(target == predicted)) / target.size


def fit_metrics(y: np.ndarray, pred: np.ndarray, classifier: bool = False) -> Fit:
    """All of :class:`Fit` for targets ``y`` and predictions ``pred`` (same shape,
    ``(n_samples, n_outputs)`` or 1-D).

    :param classifier: the task is classification (the loss is a cross-entropy): accuracy
        is the class accuracy (:func:`class_accuracy`), or ``None`` when the targets are not
        classes (one output whose targets are not all 0 or 1).
    """
    y2 = np.asarray(y, dtype=np.float64)
    p2 = np.asarray(pred, dtype=np.float64)
    y, pred = y2.ravel(), p2.ravel()
    r, p, why = pearson(y, pred)
    r2 = r_squared(y, pred)
    finite = bool(np.isfinite(pred).all())
    mse = _finite(np.mean((y - pred) ** 2)) if finite else None
    acc = None
    if classifier and y.size:
        try:
            acc = class_accuracy(y2, p2)
        except ConfigError:  # one output whose targets are probabilities, not 0/1 classes
            acc = None
    if why is None and r2 is None:
        why = "the targets are constant, so R^2 is undefined"
    return Fit(r, p, r2, mse, acc, why)
