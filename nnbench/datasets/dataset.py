"""The :class:`Dataset` container: features, targets, their names, and how to split and scale them.

A dataset is a float64 feature matrix ``X`` of shape ``(n_samples, n_features)`` and a
float64 target matrix ``y`` of shape ``(n_samples, n_outputs)``, both 2-D, C-contiguous
and read-only, with column names and a note of where the numbers came from. A
classification dataset also records its ``classes``; ``y`` is then their one-hot code
(:func:`encode_labels` holds the rule). :func:`retarget` chooses other columns as targets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from nnbench.errors import ConfigError, DatasetError, did_you_mean

__all__ = ["Dataset", "MIN_ROWS", "MIN_CLASSES", "encode_labels", "retarget"]

MIN_ROWS = 2
"""The fewest data rows a CSV file may have."""


MIN_CLASSES = 2
"""The fewest classes a classification target may have."""


_INTEGER_LABEL = re.compile(r"[+-]?[0-9]+")
"""A class label that is an integer numeral (ASCII digits, optional sign): such labels sort by value."""


_STD_FLOOR = math.sqrt(np.finfo(np.float64).tiny)
"""1.49e-154: a standard deviation below it was computed from squares that underflow float64."""


def _as_matrix(values: object, what: str, name: str) -> np.ndarray:
    """Return ``values`` as a read-only, C-contiguous float64 copy, 1-D made a column."""
    try:
        arr = np.array(values, dtype=np.float64, order="C", copy=True)
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"dataset {name!r}: {what} is not numeric: {exc}") from None
    if what == "y" and arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise DatasetError(f"dataset {name!r}: {what} must be 2-D, got shape {arr.shape}")
    if not all_finite(arr):
        row, col = np.argwhere(~np.isfinite(arr))[0]
        raise DatasetError(
            f"dataset {name!r}: {what}[{row}, {col}] is {arr[row, col]}, not a finite number"
        )
    arr.flags.writeable = False
    return arr


def all_finite(arr: np.ndarray) -> bool:
    """Whether every element of the float64 ``arr`` is finite, without a boolean copy of it.

    A sum is finite only if every term is (a nan or an inf makes it nan or inf); only when
    it is not (a nan, an inf, or finite values whose sum overflows) is each element looked at.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = arr.sum()
    return bool(np.isfinite(total)) or bool(np.isfinite(arr).all())


def _names(names: Sequence[str], count: int, stem: str, what: str, name: str) -> tuple[str, ...]:
    """Return ``names`` as a tuple of ``count`` strings; default ``stem_1 .. stem_count``."""
    if not names:
        return (stem,) if stem == "y" and count == 1 else tuple(f"{stem}_{i}" for i in range(1, count + 1))
    out = tuple(str(n) for n in names)
    if len(out) != count:
        raise DatasetError(f"dataset {name!r}: {len(out)} {what} for {count} columns")
    return out


def _classes(classes: Sequence[str], y: np.ndarray, name: str) -> tuple[str, ...]:
    """Return ``classes`` as a tuple of strings after checking that ``y`` is their one-hot code."""
    if isinstance(classes, str):
        raise DatasetError(f"dataset {name!r}: classes must be a sequence of class names, got the string {classes!r}")
    out = tuple(str(c) for c in classes)
    if len(out) < MIN_CLASSES:
        raise DatasetError(f"dataset {name!r}: {len(out)} classes, classification needs at least {MIN_CLASSES}")
    if len(set(out)) != len(out):
        twice = next(c for i, c in enumerate(out) if c in out[:i])
        raise DatasetError(f"dataset {name!r}: class {twice!r} is named twice")
    if y.shape[1] != len(out):
        raise DatasetError(
            f"dataset {name!r}: {len(out)} classes for {y.shape[1]} target columns; "
            "y must be their one-hot code, one column per class"
        )
    bad = np.flatnonzero(~((y == 0.0) | (y == 1.0)).all(axis=1) | (y.sum(axis=1) != 1.0))
    if bad.size:
        row = int(bad[0])
        raise DatasetError(
            f"dataset {name!r}: y[{row}] is {y[row].tolist()}, not a one-hot row (one 1, the rest 0)"
        )
    return out


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Dataset:
    """Features and targets of one dataset, immutable.

    :param X: features, shape ``(n_samples, n_features)``; copied to a read-only,
        C-contiguous float64 array.
    :param y: targets, shape ``(n_samples, n_outputs)``, or ``(n_samples,)`` which becomes
        ``(n_samples, 1)``; copied like ``X``. With ``classes``, the one-hot code of the
        class labels (:func:`encode_labels`): ``n_outputs == len(classes)``, each row one
        1.0 (at its class's column) and 0.0 elsewhere.
    :param name: a short name used in results (``"diabetes"``).
    :param feature_names: one name per column of ``X``; default ``x_1 .. x_n``.
    :param target_names: one name per column of ``y``; default ``y`` (or ``y_1 .. y_m``).
    :param source: where the numbers come from: a citation or a file path.
    :param classes: ``None`` for a regression target; for a classification target the
        class labels, in the order of the columns of ``y`` (at least :data:`MIN_CLASSES`,
        distinct).
    :raises DatasetError: ``X`` not 2-D, ``y`` not 1-D or 2-D, no samples, row counts that
        differ, a non-finite value, a name count that does not match the columns; with
        ``classes``, fewer than 2 or repeated classes, or a ``y`` that is not their one-hot
        code.
    """

    X: np.ndarray
    y: np.ndarray
    name: str = "dataset"
    feature_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    source: str = ""
    classes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        X = _as_matrix(self.X, "X", self.name)
        y = _as_matrix(self.y, "y", self.name)
        if X.shape[0] != y.shape[0]:
            raise DatasetError(
                f"dataset {self.name!r}: X has {X.shape[0]} rows but y has {y.shape[0]}"
            )
        if X.shape[0] == 0 or X.shape[1] == 0 or y.shape[1] == 0:
            raise DatasetError(
                f"dataset {self.name!r}: empty, X has shape {X.shape} and y {y.shape}"
            )
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(
            self, "feature_names", _names(self.feature_names, X.shape[1], "x", "feature names", self.name)
        )
        object.__setattr__(
            self, "target_names", _names(self.target_names, y.shape[1], "y", "target names", self.name)
        )
        if self.classes is not None:
            object.__setattr__(self, "classes", _classes(self.classes, y, self.name))

    @property
    def n_samples(self) -> int:
        """Number of rows of ``X`` and ``y``."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of columns of ``X`` (the network's inputs)."""
        return int(self.X.shape[1])

    @property
    def n_outputs(self) -> int:
        """Number of columns of ``y`` (the network's outputs)."""
        return int(self.y.shape[1])

    def __repr__(self) -> str:
        classes = "" if self.classes is None else f", classes={self.classes!r}"
        return (
            f"Dataset(name={self.name!r}, n_samples={self.n_samples}, "
            f"n_features={self.n_features}, n_outputs={self.n_outputs}{classes}, source={self.source!r})"
        )

    def standardized(self, reference: Dataset | None = None, *, target: bool = False) -> Dataset:
        """Return a copy with z-scored features: ``(X - mean) / std`` column by column.

        The mean and the population standard deviation (``ddof=0``, so the reference's own
        columns come out with mean 0 and std 1) are those of ``reference`` if given, else
        of this dataset: scale a test split with its training split as the reference. A
        column that is constant in the reference is only centred (divided by 1, not 0) on
        its constant value, so it becomes exactly 0 there. Columns of very large or very
        small values (whose squares overflow or underflow float64) are computed scaled,
        see :func:`_zscore`; the result is always finite, never a column silently zeroed.

        :param reference: the dataset whose statistics to use; same ``n_features`` (and
            ``n_outputs`` when ``target`` is true).
        :param target: also z-score ``y`` the same way (not allowed for class labels).
        :returns: a new :class:`Dataset`, same names, source and classes.
        :raises DatasetError: ``reference`` has another number of columns; ``target`` is
            true and this dataset or the reference has ``classes`` (a one-hot code is not
            z-scored); a column whose z-scores overflow float64 (values that are more than
            1.8e308 reference standard deviations from the reference mean), named in the
            message.
        """
        ref = self if reference is None else reference
        if target and (self.classes is not None or ref.classes is not None):
            coded = self if self.classes is not None else ref
            raise DatasetError(
                f"dataset {coded.name!r}: y is the one-hot code of {len(coded.classes or ())} "
                "classes, which standardized(target=True) would destroy; standardize the "
                "features only (target=False)"
            )
        if ref.n_features != self.n_features or (target and ref.n_outputs != self.n_outputs):
            raise DatasetError(
                f"dataset {self.name!r}: reference {ref.name!r} has {ref.n_features} features "
                f"and {ref.n_outputs} outputs, this one {self.n_features} and {self.n_outputs}"
            )
        against = None if reference is None else reference.name
        X = _zscore(self.X, ref.X, self.feature_names, self.name, against)
        y = _zscore(self.y, ref.y, self.target_names, self.name, against) if target else self.y
        return replace(self, X=X, y=y)

    def split(self, test_size: float, seed: int) -> tuple[Dataset, Dataset]:
        """Shuffle the rows with a seeded generator and cut them into train and test.

        The permutation is ``numpy.random.default_rng(seed).permutation(n_samples)``; the
        test part is its first ``ceil(test_size * n_samples)`` rows (as scikit-learn's
        ``train_test_split`` rounds), the train part the rest, each kept in permuted order.

        :param test_size: the fraction of rows to test on, strictly between 0 and 1.
        :param seed: the generator seed; the same seed gives the same split.
        :returns: ``(train, test)``, disjoint, together all the rows; same names, source
            and classes.
        :raises ConfigError: ``test_size`` is not in (0, 1), or leaves train or test empty.
        """
        if isinstance(test_size, bool) or not isinstance(test_size, (int, float, np.floating)):
            raise ConfigError(f"test_size must be a fraction in (0, 1), got {test_size!r}")
        if not 0.0 < float(test_size) < 1.0:
            raise ConfigError(f"test_size must be a fraction in (0, 1), got {test_size!r}")
        n = self.n_samples
        n_test = int(np.ceil(float(test_size) * n))
        if n_test >= n:
            raise ConfigError(
                f"test_size={test_size!r} of {n} samples leaves {n - n_test} for training; "
                "need at least 1 in each part"
            )
        order = np.random.default_rng(seed).permutation(n)
        test, train = order[:n_test], order[n_test:]
        return (
            replace(self, X=self.X[train], y=self.y[train]),
            replace(self, X=self.X[test], y=self.y[test]),
        )


def _zscore(
    values: np.ndarray,
    reference: np.ndarray,
    names: Sequence[str],
    name: str,
    reference_name: str | None = None,
) -> np.ndarray:
    """Return ``(values - mean) / std`` with the column statistics of ``reference``.

    Where the plain statistics are sound (``reference.mean(axis=0)`` finite and
    ``reference.std(axis=0)`` finite and at least 1.49e-154), this is the plain formula,
    bit for bit. A column outside that (values of about 1.3e154 or more, whose squares
    overflow float64, so the std was inf and the column became 0; or a spread under
    1.5e-154, whose squares underflow) is computed on the column divided by its largest
    magnitude ``s`` (the remedy the reference BLAS ``dnrm2`` uses against overflow and
    underflow in a sum of squares; J. L. Blue, "A portable Fortran program to find the
    Euclidean norm of a vector", ACM TOMS 4(1), 1978): ``r = reference / s``,
    ``z = (values / s - mean(r)) / std(r)``, in which every square lies in [0, 4].
    A column constant in ``reference`` is centred on its value and divided by 1.

    :param values: ``(n, k)`` float64, the numbers to scale.
    :param reference: ``(m, k)`` float64, finite, the numbers whose statistics to use.
    :param names: the ``k`` column names, for the error message.
    :param name: the dataset of ``values``; ``reference_name`` that of ``reference`` when
        it is another dataset (``None``: the same one).
    :returns: ``(n, k)`` float64, finite.
    :raises DatasetError: a column of ``values`` whose z-scores overflow float64: only
        possible when ``values`` is not ``reference`` (within a sample ``|z| <= sqrt(m)``).
    """
    with np.errstate(all="ignore"):  # overflowed statistics are detected below
        mean = reference.mean(axis=0)
        std = reference.std(axis=0)
    constant = reference.max(axis=0) == reference.min(axis=0)  # np.ptp overflows on +-1e308
    mean[constant] = reference[0, constant]  # exact, where the mean may round
    std[constant] = 1.0
    plain = constant | (np.isfinite(mean) & np.isfinite(std) & (std >= _STD_FLOOR))
    with np.errstate(all="ignore"):  # a non-finite z-score is an error below
        out = (values - np.where(plain, mean, 0.0)) / np.where(plain, std, 1.0)
        if not plain.all():
            s = np.abs(reference[:, ~plain]).max(axis=0)
            r = reference[:, ~plain] / s
            out[:, ~plain] = (values[:, ~plain] / s - r.mean(axis=0)) / r.std(axis=0)
            mean[~plain] = s * r.mean(axis=0)
            std[~plain] = s * r.std(axis=0)
    finite = np.isfinite(out).all(axis=0)
    if not finite.all():
        j = int(np.flatnonzero(~finite)[0])
        largest = float(np.abs(values[:, j]).max())
        basis = "its own statistics" if reference_name is None else f"the statistics of {reference_name!r}"
        raise DatasetError(
            f"dataset {name!r}: column {names[j]!r} cannot be standardized: its values (up to "
            f"{largest:.3g} in magnitude) overflow float64 as z-scores with {basis} "
            f"(mean {mean[j]:.3g}, std {std[j]:.3g})"
        )
    return out


def encode_labels(labels: Sequence[str], where: str = "labels") -> tuple[np.ndarray, tuple[str, ...]]:
    """Return the one-hot code of class labels and the classes: nnbench's one rule for them.

    The classes are the distinct labels. If every one is an integer numeral (ASCII digits
    after an optional sign: ``'0'``, ``'1'``, ``'-1'``, ``'+3'``), they are ordered by
    value (``'-1' < '2' < '10'``; distinct spellings of one value, ``'3'`` and ``'03'``,
    stay two classes, ordered by their text); otherwise by their text (Python's ``str``
    order, code point by code point: ``'B' < 'a'``). Labels are compared as given:
    :func:`load_csv` strips the spaces around them first.

    :param labels: ``n`` class labels, each a non-empty ``str``.
    :param where: what the labels are, to start the error messages (``load_csv`` passes
        the file and the column).
    :returns: ``(onehot, classes)``: ``onehot`` float64 of shape ``(n, K)``, row ``i``
        1.0 in the column of label ``i``'s class and 0.0 elsewhere; ``classes`` the ``K``
        labels in column order.
    :raises DatasetError: a label that is not a non-empty string, or fewer than
        :data:`MIN_CLASSES` classes.
    """
    index: dict[str, int] = {}
    codes = np.empty(len(labels), dtype=np.intp)
    for i, label in enumerate(labels):
        if not isinstance(label, str) or not label:
            raise DatasetError(f"{where}: label {i} is {label!r}, not a non-empty string")
        codes[i] = index.setdefault(label, len(index))
    return one_hot(codes, list(index), where)


def one_hot(codes: np.ndarray, distinct: Sequence[str], where: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Return :func:`encode_labels`'s result from ``codes`` (intp, ``(n,)``), indices into ``distinct``."""
    if len(distinct) < MIN_CLASSES:
        found = f"every label is {distinct[0]!r}, 1 class" if distinct else "no labels"
        raise DatasetError(f"{where}: {found}; classification needs at least {MIN_CLASSES} classes")
    if all(_INTEGER_LABEL.fullmatch(label) for label in distinct):
        classes = tuple(sorted(distinct, key=lambda label: (int(label), label)))
    else:
        classes = tuple(sorted(distinct))
    column = {label: k for k, label in enumerate(classes)}
    columns = np.array([column[label] for label in distinct], dtype=np.intp)[codes]
    onehot = np.zeros((codes.size, len(classes)), dtype=np.float64)
    onehot[np.arange(codes.size), columns] = 1.0
    return onehot, classes


def retarget(data: Dataset, target: str | Sequence[str] | None) -> Dataset:
    """``data`` with the columns named by ``target`` as its targets and every other column,
    in order (features first, then the old targets), as its features.

    :param target: a column name or names (of ``feature_names`` or ``target_names``), or
        ``None`` to keep the dataset as it is.
    :returns: the dataset with those targets; a classification dataset whose targets change
        is no longer one (``classes=None``): its one-hot columns are then plain columns.
    :raises DatasetError: a name that is no column (with the closest one), a name given
        twice, or a selection that leaves no feature.
    """
    if target is None:
        return data
    wanted = [target] if isinstance(target, str) else list(target)
    names = [*data.feature_names, *data.target_names]
    for label in wanted:
        if label not in names:
            raise DatasetError(f"dataset {data.name!r}: no column named {label!r} for the target"
                               f"{did_you_mean(str(label), names)}; its columns are {', '.join(map(repr, names))}")
    if len(set(wanted)) != len(wanted):
        raise DatasetError(f"dataset {data.name!r}: the target names a column twice: {wanted}")
    if tuple(wanted) == data.target_names:
        return data
    if len(wanted) == len(names):
        raise DatasetError(f"dataset {data.name!r}: every column is a target, no feature column is left")
    values = np.hstack([data.X, data.y])
    t = [names.index(w) for w in wanted]
    f = [j for j in range(len(names)) if j not in t]
    return replace(data, X=values[:, f], y=values[:, t], feature_names=tuple(names[j] for j in f),
                   target_names=tuple(wanted), classes=None)
