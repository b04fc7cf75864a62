"""Datasets: the :class:`Dataset` container, the CSV loader (a fast path and a strict parser), the bundled data.

A dataset is a float64 feature matrix ``X`` of shape ``(n_samples, n_features)`` and a
float64 target matrix ``y`` of shape ``(n_samples, n_outputs)``, both 2-D and
C-contiguous, with column names and a note of where the numbers came from. A
classification dataset also records its ``classes``; ``y`` is then their one-hot code
(:func:`encode_labels` holds the rule).

:func:`load_csv` reads any header-first CSV file; every fault in the file is a
:class:`~nnbench.errors.DatasetError` whose one-line message names the file, the line
(1-based, the header is line 1) and the column (number and header name). It has two
readers with one result. The fast path streams a plain file (UTF-8, no quote character)
through :func:`numpy.loadtxt`'s C parser; it returns a dataset only where the strict
parser would return the same one bit for bit, and declines everything else. The strict
parser (:mod:`csv`, then every cell through :func:`float`) reads what the fast path
declines (quoted cells, whitespace-only lines, numbers numpy does not spell, such as
``1_000``) and every faulty file, whose first fault it reports (see :func:`_parse_csv`
for the order). :func:`load` takes either a bundled name (``tutorial``, ``xor``,
``diabetes``; see ``nnbench/data/README.md`` for their sources and licenses) or a path;
the bundled files are read with :mod:`importlib.resources` (never the network) and, being
small and already in memory, by the strict parser.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib.resources import files
from numbers import Integral, Real
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from nnbench.errors import ConfigError, DatasetError, did_you_mean
from nnbench.validation import InstanceOf, Interval, OneOf, check, strings

__all__ = [
    "Dataset",
    "BundledDataset",
    "BUNDLED",
    "DATASET_LOADERS",
    "BUNDLED_CATALOG",
    "Catalog",
    "DatasetEntry",
    "DatasetSpec",
    "STANDARDIZE",
    "MIN_CLASSES",
    "MIN_ROWS",
    "bundled_names",
    "encode_labels",
    "load",
    "load_csv",
    "retarget",
]

MIN_ROWS = 2
"""The fewest data rows a CSV file may have."""

MIN_CLASSES = 2
"""The fewest classes a classification target may have."""

_QUOTE = '"'
"""The quote character of the strict parser (the :mod:`csv` default); the fast path reads no file with one."""

_INTEGER_LABEL = re.compile(r"[+-]?[0-9]+")
"""A class label that is an integer numeral (ASCII digits, optional sign): such labels sort by value."""

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
"""One line of text with its end (LF, CRLF or CR; none at the end of the text), as :mod:`csv` reads lines."""

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
    if not _all_finite(arr):
        row, col = np.argwhere(~np.isfinite(arr))[0]
        raise DatasetError(
            f"dataset {name!r}: {what}[{row}, {col}] is {arr[row, col]}, not a finite number"
        )
    arr.flags.writeable = False
    return arr


def _all_finite(arr: np.ndarray) -> bool:
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
    return _one_hot(codes, list(index), where)


def _one_hot(codes: np.ndarray, distinct: Sequence[str], where: str) -> tuple[np.ndarray, tuple[str, ...]]:
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


def _column(where: str, line: int, col: int, header: Sequence[str]) -> str:
    """Return the message prefix ``file, line L, column C ('name')`` (1-based)."""
    return f"{where}, line {line}, column {col} ({header[col - 1]!r})"


def _check_arguments(delimiter: str, target: str | Sequence[str] | None, labels: bool) -> None:
    """Raise :class:`ConfigError` for a ``load_csv`` argument that is bad whatever the file."""
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in f"\r\n{_QUOTE}":
        raise ConfigError(f"delimiter must be one character other than a quote or newline, got {delimiter!r}")
    if not isinstance(labels, bool):
        raise ConfigError(f"labels must be True or False, got {labels!r}")
    if labels and isinstance(target, Sequence) and not isinstance(target, str) and len(target) > 1:
        raise ConfigError(
            f"labels=True reads one target column as class labels, got {len(target)} target columns"
        )


def _header_columns(
    header: Sequence[str], header_line: int, where: str, target: str | Sequence[str] | None, delimiter: str
) -> list[int]:
    """Check the header's names and return the 0-based target columns (see load_csv's errors)."""
    seen: dict[str, int] = {}
    for col, label in enumerate(header, start=1):
        if not label:
            raise DatasetError(f"{where}, line {header_line}, column {col}: empty column name in the header")
        if label in seen:
            raise DatasetError(
                f"{_column(where, header_line, col, header)}: duplicate column name, "
                f"also column {seen[label]}"
            )
        seen[label] = col
    if len(header) == 1:
        raise DatasetError(
            f"{where}, line {header_line}: the header has 1 column ({header[0]!r}), a feature "
            f"and a target need 2 (the delimiter is {delimiter!r})"
        )
    targets = _target_columns(target, header, where)
    if len(targets) == len(header):
        raise DatasetError(f"{where}: every column is a target, no feature column is left")
    return targets


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their ends, as ``io.StringIO(text, newline="")`` yields them
    (LF, CRLF, CR) but without its copy of the text (4 bytes a character)."""
    return (match.group() for match in _LINE.finditer(text))


def _line_count(text: str) -> int:
    """The physical lines of ``text`` as :mod:`csv` ends them (LF, CRLF, CR): at least its records."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


def _parse_csv(
    raw: bytes,
    where: str,
    target: str | Sequence[str] | None,
    delimiter: str,
    name: str,
    source: str,
    labels: bool = False,
) -> Dataset:
    """Parse the bytes of a header-first CSV file into a :class:`Dataset`: the strict parser.

    Records come from :mod:`csv` (quotes, LF/CRLF/CR line ends), each row is converted as
    it is read into one preallocated float64 array. A file with several faults reports
    the first of, in this order: a bad argument; bytes that are not UTF-8; unreadable CSV
    (anywhere in the file); no header; the header (an empty or duplicate name, one column,
    an unknown target, no feature left); no data row, 1 data row; the first faulty data
    row (ragged, else its first faulty cell from the left); a label column of 1 class.
    :func:`load_csv` documents the arguments and the messages.
    """
    _check_arguments(delimiter, target, labels)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1  # exc.object: the bytes after a BOM
        raise DatasetError(f"{where}, line {line}: not UTF-8 text ({exc.reason})") from None
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    header_line = 0
    targets: list[int] = []
    header_fault: DatasetError | ConfigError | None = None
    row_fault: DatasetError | None = None
    rows = 0
    values = np.empty((0, 0))
    codes = np.empty(0, dtype=np.intp)
    index: dict[str, int] = {}  # label -> code, in order of first appearance
    label_col = -1
    try:
        for record in reader:
            if all(not cell.strip() for cell in record) and len(record) <= 1:
                continue  # a blank line
            if header is None:
                header, header_line = [cell.strip() for cell in record], reader.line_num
                try:
                    targets = _header_columns(header, header_line, where, target, delimiter)
                except (DatasetError, ConfigError) as exc:
                    header_fault = exc  # reported after the whole file is read: a csv error comes first
                else:
                    capacity = _line_count(text)
                    values = np.empty((capacity, len(header)), dtype=np.float64)
                    if labels:
                        label_col = targets[0]
                        codes = np.empty(capacity, dtype=np.intp)
                continue
            if header_fault is None and row_fault is None:
                try:
                    label = _read_row(record, reader.line_num, header, where, values[rows], label_col)
                except DatasetError as exc:
                    row_fault = exc
                else:
                    if label is not None:
                        codes[rows] = index.setdefault(label, len(index))
            rows += 1
    except csv.Error as exc:
        raise DatasetError(f"{where}, line {reader.line_num}: unreadable CSV ({exc})") from None
    if header is None:
        raise DatasetError(f"{where}: empty file, expected a header line")
    if header_fault is not None:
        raise header_fault
    if not rows:
        raise DatasetError(f"{where}: only a header, no data rows")
    if rows < MIN_ROWS:
        raise DatasetError(f"{where}: {rows} data row, need at least {MIN_ROWS}")
    if row_fault is not None:
        raise row_fault
    features = [j for j in range(len(header)) if j not in targets]
    values = values[:rows]
    if labels:
        y, classes = _one_hot(codes[:rows], list(index), f"{where}, column {label_col + 1} ({header[label_col]!r})")
    else:
        y, classes = _columns(values, targets), None
    return _dataset(_columns(values, features), y, header, features, targets, classes, name, source)


def _read_row(
    record: Sequence[str], line: int, header: Sequence[str], where: str, out: np.ndarray, label_col: int
) -> str | None:
    """Convert one data record of the strict parser into ``out``; return its label (or ``None``).

    :param out: the row's place in the values, float64 ``(len(header),)``; the label
        column's place is left as it was.
    :param label_col: the 0-based column of class labels, or -1 for none.
    :raises DatasetError: a ragged row, or else its first faulty cell from the left: empty,
        not a number or not finite (:func:`_number`), or an empty class label.
    """
    if len(record) != len(header):
        cells = "1 cell" if len(record) == 1 else f"{len(record)} cells"
        raise DatasetError(f"{where}, line {line}: {cells}, the header has {len(header)} columns")
    label = None
    numbers = record
    if label_col >= 0:
        label = record[label_col].strip()
        numbers = [cell for j, cell in enumerate(record) if j != label_col]
    try:  # the common case at float()'s speed; _number below for the message
        row = list(map(float, numbers))
        ok = math.isfinite(sum(row)) and label != ""
    except ValueError:
        ok = False
    if ok:
        if label_col >= 0:
            out[:label_col], out[label_col + 1:] = row[:label_col], row[label_col:]
        else:
            out[:] = row
        return label
    for col, cell in enumerate(record, start=1):
        if col - 1 == label_col:
            if not label:
                raise DatasetError(f"{_column(where, line, col, header)}: empty class label")
            continue
        try:
            out[col - 1] = _number(cell)
        except ValueError as exc:
            raise DatasetError(f"{_column(where, line, col, header)}: {exc}") from None
    return label  # all finite: the sum above overflowed


def _columns(values: np.ndarray, cols: Sequence[int]) -> np.ndarray:
    """``values[:, cols]``: a view where ``cols`` are consecutive (then the :class:`Dataset`
    makes the only copy), else numpy's copy of them."""
    if list(cols) == list(range(cols[0], cols[0] + len(cols))):
        return values[:, cols[0]:cols[0] + len(cols)]
    return values[:, cols]


def _dataset(
    X: np.ndarray,
    y: np.ndarray,
    header: Sequence[str],
    features: Sequence[int],
    targets: Sequence[int],
    classes: tuple[str, ...] | None,
    name: str,
    source: str,
) -> Dataset:
    """The :class:`Dataset` of a CSV file's columns; a label column ``t`` names its code ``t_<class>``."""
    if classes is None:
        target_names = tuple(header[j] for j in targets)
    else:
        target_names = tuple(f"{header[targets[0]]}_{c}" for c in classes)
    return Dataset(
        X=X,
        y=y,
        name=name,
        feature_names=tuple(header[j] for j in features),
        target_names=target_names,
        source=source,
        classes=classes,
    )


def _number(cell: str) -> float:
    """Return the finite float in ``cell``; ValueError with the reason (``empty cell``)."""
    text = cell.strip()
    if not text:
        raise ValueError("empty cell")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def _target_columns(target: str | Sequence[str] | None, header: Sequence[str], where: str) -> list[int]:
    """Return the 0-based indices of the target columns named by ``target`` (default: last)."""
    if target is None:
        return [len(header) - 1]
    wanted = [target] if isinstance(target, str) else list(target)
    if not wanted:
        raise ConfigError("target must name at least one column, got an empty list")
    out: list[int] = []
    for label in wanted:
        if label not in header:
            available = ", ".join(repr(h) for h in header)
            raise DatasetError(
                f"{where}: no column named {label!r} for the target{did_you_mean(str(label), header)}; "
                f"the columns are {available}"
            )
        index = header.index(label)
        if index in out:
            raise ConfigError(f"target names column {label!r} twice")
        out.append(index)
    return out


def _load_fast(
    path: str | os.PathLike[str],
    where: str,
    target: str | Sequence[str] | None,
    delimiter: str,
    labels: bool,
    name: str,
) -> Dataset | None:
    """Read a plain CSV file with :func:`numpy.loadtxt`; ``None`` where the strict parser must.

    The header is the first non-blank line (a BOM dropped), split like the strict parser
    splits it; the rest streams through loadtxt's C parser with comments and quotes off
    (``comments=None``, ``quotechar=None``), so a ``#`` is not a comment and a quoted cell
    is not a number. Returns ``None`` (the strict parser then reads the file and reports
    its first fault, in its order) for a file it cannot open or decode, a quote in the
    header, a header fault, any cell loadtxt refuses (empty, not a number in numpy's
    spelling, a quote), a whitespace-only line (loadtxt reads it as a row of one cell),
    rows not as wide as the header, fewer than :data:`MIN_ROWS` rows, a non-finite value
    (loadtxt reads ``nan``, ``inf`` and ``1e999``), and a label that is empty or holds a
    quote. What loadtxt reads is then exactly what the strict parser reads: both convert
    the stripped cell with CPython's ``PyOS_string_to_double``, loadtxt skips only empty
    lines, and every record is one line. The one difference: the strict parser refuses a
    cell longer than :func:`csv.field_size_limit` (131072 characters) and this path does not.

    With ``labels`` the label column goes through a loadtxt converter that returns each
    stripped label's code (its order of first appearance), in the same single pass.

    :raises DatasetError: a label column of one class (the strict parser would find no
        earlier fault).
    """
    try:
        _check_arguments(delimiter, target, labels)
        stream = open(path, encoding="utf-8", newline=None)  # universal newlines: CRLF, CR -> LF
    except (ConfigError, OSError):
        return None
    with stream:
        try:
            header, header_line = _fast_header(stream, delimiter)
            if header is None:
                return None
            targets = _header_columns(header, header_line, where, target, delimiter)
        except (ValueError, ConfigError, OSError):  # not UTF-8 (UnicodeDecodeError), a header fault
            return None
        label_col = targets[0] if labels else -1
        index: dict[str, int] = {}  # stripped label -> code, in order of first appearance
        seen: dict[str, int] = {}  # cell as read -> code

        def code(cell: str) -> int:
            known = seen.get(cell)
            if known is None:
                label = cell.strip()
                if not label or _QUOTE in label:
                    raise ValueError(f"label {cell!r} is for the strict parser")
                known = seen[cell] = index.setdefault(label, len(index))
            return known

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "input contained no data": declined below
                values = np.loadtxt(
                    stream, dtype=np.float64, delimiter=delimiter, comments=None, quotechar=None,
                    ndmin=2, converters={label_col: code} if labels else None,
                )
        except (ValueError, OSError):
            return None
    if values.shape[1] != len(header) or values.shape[0] < MIN_ROWS or not _all_finite(values):
        return None
    features = [j for j in range(len(header)) if j not in targets]
    if labels:
        codes = values[:, label_col].astype(np.intp)
        y, classes = _one_hot(codes, list(index), f"{where}, column {label_col + 1} ({header[label_col]!r})")
    else:
        y, classes = _columns(values, targets), None
    return _dataset(_columns(values, features), y, header, features, targets, classes, name, where)


def _fast_header(stream: io.TextIOBase, delimiter: str) -> tuple[list[str] | None, int]:
    """Read up to the header line of ``stream``: ``(names, line)``, or ``(None, 0)`` if it has no
    header or the header holds a quote (both for the strict parser)."""
    for line_number, line in enumerate(iter(stream.readline, ""), start=1):
        if line_number == 1 and line.startswith("\ufeff"):
            line = line[1:]  # the byte order mark, which utf-8-sig drops
        if delimiter in line or line.strip():  # else a blank line, skipped as the strict parser does
            if _QUOTE in line:
                return None, 0
            record = next(csv.reader([line], delimiter=delimiter, strict=True))
            return [cell.strip() for cell in record], line_number
    return None, 0


def load_csv(
    path: str | os.PathLike[str],
    target: str | Sequence[str] | None = None,
    delimiter: str = ",",
    name: str | None = None,
    *,
    labels: bool = False,
) -> Dataset:
    """Load a CSV file whose first line is a header of column names.

    The file is UTF-8 (a byte order mark is skipped), parsed as :mod:`csv` parses it (so
    quoted cells work); LF, CRLF or CR line ends, blank lines and a missing final newline
    are all fine. Every other cell must be a finite number; surrounding spaces are
    ignored. A plain file (no quote character) is read by :func:`numpy.loadtxt`'s C parser
    at its speed and memory (about 2x the float64 array at the peak); any other, and any
    faulty one, by the strict :mod:`csv` parser (the module docstring says more).

    :param path: the file.
    :param target: the name of the target column, or a sequence of names for several
        outputs (in that order); default the last column. The other columns, in file
        order, are the features.
    :param delimiter: the one-character cell separator, e.g. ``";"`` or ``"\\t"``.
    :param name: the dataset's name; default the file name without its suffix.
    :param labels: read the one target column as class labels (text, spaces around it
        stripped) instead of numbers: ``y`` becomes their one-hot code and ``classes``
        the classes, both by :func:`encode_labels`'s rule, found in the whole file; the
        target names are ``<column>_<class>``. Every other column is still numeric.
    :returns: a :class:`Dataset` with ``X`` of shape ``(rows, columns - targets)`` and
        ``y`` of shape ``(rows, targets)`` (with ``labels``: ``(rows, classes)``), float64;
        ``source`` is ``str(path)``.
    :raises DatasetError: a missing or unreadable file, an empty file, a header-only file,
        fewer than 2 data rows, an empty or duplicate header name, an unknown target
        column, a ragged row, an empty, non-numeric or non-finite cell; with ``labels``,
        an empty label or a single class. The one-line message names the file as given,
        the line (header = line 1) and the column (number and name), e.g.
        ``data.csv, line 3, column 2 ('x_2'): empty cell``; a file with several faults
        reports the first in the order :func:`_parse_csv` gives.
    :raises ConfigError: a bad ``delimiter``, ``target`` or ``labels`` argument (with
        ``labels``, ``target`` names one column).
    """
    where = os.fspath(path)
    dataset_name = Path(path).stem if name is None else name
    fast = _load_fast(path, where, target, delimiter, labels, dataset_name)
    if fast is not None:
        return fast
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{where}: no such file") from None
    except OSError as exc:
        raise DatasetError(f"{where}: cannot read the file ({exc.strerror or exc})") from None
    return _parse_csv(raw, where, target, delimiter, dataset_name, where, labels)


@dataclass(frozen=True, slots=True)
class BundledDataset:
    """A dataset shipped in ``nnbench/data/``.

    :param name: the name :func:`load` knows it by.
    :param filename: the CSV file under ``nnbench/data/``.
    :param description: one line for listings.
    :param source: the citation (also the loaded dataset's ``source``).
    """

    name: str
    filename: str
    description: str
    source: str

    def load(self, target: str | Sequence[str] | None = None, delimiter: str = ",") -> Dataset:
        """Read the bundled file with :mod:`importlib.resources` (never the network).

        :param target: as for :func:`load_csv`; default the file's last column.
        :param delimiter: as for :func:`load_csv`.
        :returns: the :class:`Dataset`, named ``self.name``.
        :raises DatasetError: as for :func:`load_csv` (only with a bad ``target``).
        """
        raw = (files("nnbench") / "data" / self.filename).read_bytes()
        where = f"nnbench/data/{self.filename}"
        return _parse_csv(raw, where, target, delimiter, self.name, f"{self.source} ({where})")


BUNDLED: Mapping[str, BundledDataset] = MappingProxyType(
    {
        d.name: d
        for d in (
            BundledDataset(
                "tutorial",
                "data.csv",
                "the tutorial's 4 rows: x_1, x_2 -> y (1,0->1; 0,1->0; 1,1->0; 0,0->1)",
                "the scipy.optimize neural-network tutorial nnbench grew from",
            ),
            BundledDataset(
                "xor",
                "xor.csv",
                "exclusive or, 4 rows: x_1, x_2 -> y",
                "the XOR truth table (Minsky & Papert, 'Perceptrons', 1969)",
            ),
            BundledDataset(
                "diabetes",
                "diabetes.csv",
                "442 patients x 10 baseline values -> disease progression after one year",
                "Efron, Hastie, Johnstone & Tibshirani, 'Least Angle Regression', "
                "Annals of Statistics 32(2), 2004",
            ),
        )
    }
)
"""The bundled datasets by name (read-only)."""


def bundled_names() -> tuple[str, ...]:
    """Return the names of the bundled datasets, in :data:`BUNDLED` order."""
    return tuple(BUNDLED)


def _looks_like_path(text: str) -> bool:
    return "/" in text or os.sep in text or "." in text or os.path.exists(text)


def load(
    name_or_path: str | os.PathLike[str],
    target: str | Sequence[str] | None = None,
    delimiter: str = ",",
) -> Dataset:
    """Load a bundled dataset by name, or a CSV file by path.

    A bundled name wins over a file of the same name in the working directory. (Datasets
    that plugins contribute are loaded through :meth:`Catalog.load`, which the plugin
    registry builds; this function knows the bundled ones only.)

    :param name_or_path: ``"tutorial"``, ``"xor"``, ``"diabetes"``, or a CSV file path.
    :param target: the target column(s), as for :func:`load_csv`.
    :param delimiter: as for :func:`load_csv`.
    :returns: the :class:`Dataset`.
    :raises DatasetError: as for :func:`load_csv`; or a name that is neither bundled nor
        an existing file (the message lists the bundled names and the closest one).
    """
    return BUNDLED_CATALOG.load(name_or_path, target=target, delimiter=delimiter)


DATASET_LOADERS: dict[str, Callable[[], Dataset]] = {
    name: functools.partial(BUNDLED[name].load) for name in BUNDLED
}
"""Loaders of the bundled datasets by name, each called with no arguments (what nnbench's
own plugin contributes through the ``nnbench_datasets`` hook)."""


def retarget(data: Dataset, target: str | Sequence[str] | None) -> Dataset:
    """``data`` with the columns named by ``target`` as its targets and every other column,
    in order (features first, then the old targets), as its features.

    :param target: a column name or names (of ``feature_names`` or ``target_names``), or
        ``None`` to keep the dataset as it is.
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
                   target_names=tuple(wanted))


#: The standardizations a :class:`DatasetSpec` may ask for.
STANDARDIZE: tuple[str, ...] = ("none", "features", "all")

#: What each :class:`DatasetSpec` field takes (besides ``source`` and ``target``).
DATASET_SPEC_CONSTRAINTS: Mapping[str, list] = MappingProxyType({
    "standardize": [OneOf(*STANDARDIZE)],
    "test_size": [Interval(Real, 0, 1, closed="neither"), None],
    "split_seed": [Interval(Integral, 0, None, closed="left")],
    "delimiter": [InstanceOf(str)],
})


@dataclass(frozen=True)
class DatasetSpec:
    """Which data a trial trains on, and how it is prepared.

    :param source: a registered dataset name (``tutorial``, ``xor``, ``diabetes``, or one
        a plugin contributes) or a CSV path.
    :param target: target column name(s), default the dataset's own (a CSV's last column).
    :param standardize: ``"none"``, ``"features"`` (z-score X) or ``"all"`` (X and y), with
        the training part's statistics.
    :param test_size: fraction (0, 1) held out as a test split, or ``None``.
    :param split_seed: the seed of that split.
    :param delimiter: the CSV delimiter (for a path).
    :raises ConfigError: a field of the wrong type or value, naming it
        (``DatasetSpec.standardize: must be one of 'none', 'features', 'all', got 'z'``).
    """

    source: str
    target: tuple[str, ...] | None = None
    standardize: str = "none"
    test_size: float | None = None
    split_seed: int = 0
    delimiter: str = ","

    def __post_init__(self) -> None:
        source = os.fspath(self.source) if isinstance(self.source, os.PathLike) else self.source
        if not isinstance(source, str) or not source:
            body = f"must be a dataset name or a CSV path, got {self.source!r}"
            raise ConfigError(f"DatasetSpec.source: {body}", "source", body)
        object.__setattr__(self, "source", source)
        if self.target is not None:
            try:
                object.__setattr__(self, "target", tuple(strings(self.target, "DatasetSpec.target")))
            except ConfigError as exc:
                raise ConfigError(str(exc), "target", exc.body) from None
        for name, constraints in DATASET_SPEC_CONSTRAINTS.items():
            object.__setattr__(self, name, check(getattr(self, name), constraints, f"DatasetSpec.{name}", name))

    @property
    def label(self) -> str:
        """A short name for tables: the dataset's name, plus how it was prepared."""
        name = Path(self.source).stem if self.source.endswith(".csv") else self.source
        bits = [name]
        if self.standardize != "none":
            bits.append(f"std={self.standardize}")
        if self.test_size:
            bits.append(f"test={self.test_size:g}")
        return " ".join(bits)

    def describe(self) -> dict:
        """Every field, JSON-ready (the inverse of :meth:`from_dict`)."""
        return {"source": self.source, "target": list(self.target) if self.target else None,
                "standardize": self.standardize, "test_size": self.test_size,
                "split_seed": self.split_seed, "delimiter": self.delimiter}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DatasetSpec:
        """The spec :meth:`describe` wrote; missing fields take their defaults.

        :raises ConfigError: a field of the wrong type or value.
        """
        known = ("source", "target", "standardize", "test_size", "split_seed", "delimiter")
        return cls(**{k: d[k] for k in known if k in d and d[k] is not None or k == "source"})


@dataclass(frozen=True)
class DatasetEntry:
    """A registered dataset: its name, the plugin that contributed it, and its loader.

    :param name: the name runs use (``--dataset NAME``).
    :param loader: a callable with no arguments returning a :class:`Dataset`.
    :param plugin: the plugin that contributed it (``"nnbench._builtin"`` for the bundled ones).
    """

    name: str
    loader: Callable[[], Dataset]
    plugin: str = ""

    def load(self) -> Dataset:
        """Call the loader.

        :raises DatasetError: the loader raised, or returned something other than a
            :class:`Dataset`: one line naming the dataset and the plugin.
        """
        try:
            data = self.loader()
        except DatasetError:
            raise
        except Exception as exc:  # a third-party loader: report it with its name
            raise DatasetError(f"dataset {self.name!r} from plugin {self.plugin!r} failed to load: "
                               f"{type(exc).__name__}: {exc}") from None
        if not isinstance(data, Dataset):
            raise DatasetError(f"dataset {self.name!r} from plugin {self.plugin!r}: the loader returned "
                               f"{type(data).__name__}, not nnbench.datasets.Dataset")
        return data


class Catalog(Mapping[str, DatasetEntry]):
    """The registered datasets by name: the one registry that ``nnbench run``, suite files
    and ``nnbench list datasets`` read. The plugin registry builds it from every
    ``nnbench_datasets`` hook (:meth:`nnbench.plugins.Registry.catalog`); :data:`BUNDLED_CATALOG`
    holds the bundled ones alone.

    Prepared data (:meth:`prepare`) is cached per catalog, so a run loads each dataset once
    per process.

    :param entries: the :class:`DatasetEntry` of every dataset, names unique.
    """

    def __init__(self, entries: Iterable[DatasetEntry]) -> None:
        self._entries = {e.name: e for e in entries}
        self._prepared: dict[DatasetSpec, tuple[Dataset, Dataset | None]] = {}

    def __getitem__(self, name: str) -> DatasetEntry:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def check_source(self, source: str, where: str = "--dataset") -> None:
        """Raise unless ``source`` is a registered name or looks like a CSV path.

        :raises DatasetError: ``"--dataset diabets: unknown dataset (did you mean diabetes?);
            registered: tutorial, xor, diabetes; a CSV file is a path"``.
        """
        if source in self._entries or _looks_like_path(source):
            return
        raise DatasetError(f"{where} {source}: unknown dataset{did_you_mean(source, self._entries)}; "
                           f"registered: {', '.join(self._entries)}; a CSV file is a path (data.csv, ./data)")

    def load(self, source: str | os.PathLike[str], target: str | Sequence[str] | None = None,
             delimiter: str = ",") -> Dataset:
        """The dataset called ``source``, or the CSV file at that path.

        :param target: target column name(s): for a CSV as :func:`load_csv`; for a
            registered dataset, columns to make its targets (:func:`retarget`).
        :param delimiter: for a CSV.
        :raises DatasetError: as :func:`load_csv`, :meth:`DatasetEntry.load` and
            :meth:`check_source` say.
        """
        text = os.fspath(source)
        if isinstance(source, str) and text in self._entries:
            return retarget(self._entries[text].load(), target)
        self.check_source(text, "dataset")
        return load_csv(source, target=target, delimiter=delimiter)

    def prepare(self, spec: DatasetSpec) -> tuple[Dataset, Dataset | None]:
        """``(train, test)`` for ``spec``: loaded, split, standardized (``test`` is ``None``
        without a split); cached for the life of this catalog.

        :raises DatasetError: the data cannot be loaded or prepared.
        """
        hit = self._prepared.get(spec)
        if hit is not None:
            return hit
        data = self.load(spec.source, target=spec.target, delimiter=spec.delimiter)
        train, test = data.split(spec.test_size, spec.split_seed) if spec.test_size else (data, None)
        if spec.standardize != "none":
            ref = train
            train = train.standardized(target=spec.standardize == "all")
            if test is not None:
                test = test.standardized(reference=ref, target=spec.standardize == "all")
        self._prepared[spec] = (train, test)
        return train, test


#: The bundled datasets alone, as a :class:`Catalog` (for :func:`load` and for code that
#: runs without plugins).
BUNDLED_CATALOG = Catalog(DatasetEntry(name, DATASET_LOADERS[name], "nnbench._builtin") for name in BUNDLED)
