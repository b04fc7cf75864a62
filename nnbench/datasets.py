"""Datasets: the :class:`Dataset` container, a strict CSV loader, and the bundled data.

A dataset is a float64 feature matrix ``X`` of shape ``(n_samples, n_features)`` and a
float64 target matrix ``y`` of shape ``(n_samples, n_outputs)``, both 2-D and
C-contiguous, with column names and a note of where the numbers came from.

:func:`load_csv` reads any header-first CSV file; every fault in the file is a
:class:`~nnbench.errors.DatasetError` whose one-line message names the file, the line
(1-based, the header is line 1) and the column (number and header name). :func:`load`
takes either a bundled name (``tutorial``, ``xor``, ``diabetes``; see
``nnbench/data/README.md`` for their sources and licenses) or a path. Nothing here
touches the network: bundled files are read with :mod:`importlib.resources`.
"""

from __future__ import annotations

import csv
import functools
import io
import os
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
    "bundled_names",
    "load",
    "load_csv",
    "retarget",
]


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
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        row, col = bad[0]
        raise DatasetError(
            f"dataset {name!r}: {what}[{row}, {col}] is {arr[row, col]}, not a finite number"
        )
    arr.flags.writeable = False
    return arr


def _names(names: Sequence[str], count: int, stem: str, what: str, name: str) -> tuple[str, ...]:
    """Return ``names`` as a tuple of ``count`` strings; default ``stem_1 .. stem_count``."""
    if not names:
        return (stem,) if stem == "y" and count == 1 else tuple(f"{stem}_{i}" for i in range(1, count + 1))
    out = tuple(str(n) for n in names)
    if len(out) != count:
        raise DatasetError(f"dataset {name!r}: {len(out)} {what} for {count} columns")
    return out


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Dataset:
    """Features and targets of one dataset, immutable.

    :param X: features, shape ``(n_samples, n_features)``; copied to a read-only,
        C-contiguous float64 array.
    :param y: targets, shape ``(n_samples, n_outputs)``, or ``(n_samples,)`` which becomes
        ``(n_samples, 1)``; copied like ``X``.
    :param name: a short name used in results (``"diabetes"``).
    :param feature_names: one name per column of ``X``; default ``x_1 .. x_n``.
    :param target_names: one name per column of ``y``; default ``y`` (or ``y_1 .. y_m``).
    :param source: where the numbers come from: a citation or a file path.
    :raises DatasetError: ``X`` not 2-D, ``y`` not 1-D or 2-D, no samples, row counts that
        differ, a non-finite value, or a name count that does not match the columns.
    """

    X: np.ndarray
    y: np.ndarray
    name: str = "dataset"
    feature_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    source: str = ""

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
        return (
            f"Dataset(name={self.name!r}, n_samples={self.n_samples}, "
            f"n_features={self.n_features}, n_outputs={self.n_outputs}, source={self.source!r})"
        )

    def standardized(self, reference: Dataset | None = None, *, target: bool = False) -> Dataset:
        """Return a copy with z-scored features: ``(X - mean) / std`` column by column.

        The mean and the population standard deviation (``ddof=0``, so the reference's own
        columns come out with mean 0 and std 1) are those of ``reference`` if given, else
        of this dataset: scale a test split with its training split as the reference. A
        column that is constant in the reference is only centred (divided by 1, not 0) on
        its constant value, so it becomes exactly 0 there.

        :param reference: the dataset whose statistics to use; same ``n_features`` (and
            ``n_outputs`` when ``target`` is true).
        :param target: also z-score ``y`` the same way.
        :returns: a new :class:`Dataset`, same names and source.
        :raises DatasetError: ``reference`` has another number of columns.
        """
        ref = self if reference is None else reference
        if ref.n_features != self.n_features or (target and ref.n_outputs != self.n_outputs):
            raise DatasetError(
                f"dataset {self.name!r}: reference {ref.name!r} has {ref.n_features} features "
                f"and {ref.n_outputs} outputs, this one {self.n_features} and {self.n_outputs}"
            )
        X = _zscore(self.X, ref.X)
        y = _zscore(self.y, ref.y) if target else self.y
        return replace(self, X=X, y=y)

    def split(self, test_size: float, seed: int) -> tuple[Dataset, Dataset]:
        """Shuffle the rows with a seeded generator and cut them into train and test.

        The permutation is ``numpy.random.default_rng(seed).permutation(n_samples)``; the
        test part is its first ``ceil(test_size * n_samples)`` rows (as scikit-learn's
        ``train_test_split`` rounds), the train part the rest, each kept in permuted order.

        :param test_size: the fraction of rows to test on, strictly between 0 and 1.
        :param seed: the generator seed; the same seed gives the same split.
        :returns: ``(train, test)``, disjoint, together all the rows; same names and source.
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


def _zscore(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Return ``(values - mean) / std`` with the column statistics of ``reference``."""
    mean = reference.mean(axis=0)
    std = reference.std(axis=0)
    constant = np.ptp(reference, axis=0) == 0
    mean[constant] = reference[0, constant]  # exact, where the mean may round
    std[constant] = 1.0
    return (values - mean) / std


def _column(where: str, line: int, col: int, header: Sequence[str]) -> str:
    """Return the message prefix ``file, line L, column C ('name')`` (1-based)."""
    return f"{where}, line {line}, column {col} ({header[col - 1]!r})"


def _parse_csv(
    raw: bytes, where: str, target: str | Sequence[str] | None, delimiter: str, name: str, source: str
) -> Dataset:
    """Parse the bytes of a header-first CSV file into a :class:`Dataset` (see load_csv)."""
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n\"":
        raise ConfigError(f"delimiter must be one character other than a quote or newline, got {delimiter!r}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DatasetError(f"{where}, line {line}: not UTF-8 text ({exc.reason})") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            if all(not cell.strip() for cell in record) and len(record) <= 1:
                continue  # a blank line
            if header is None:
                header, header_line = [cell.strip() for cell in record], reader.line_num
            else:
                rows.append((reader.line_num, record))
    except csv.Error as exc:
        raise DatasetError(f"{where}, line {reader.line_num}: unreadable CSV ({exc})") from None
    if header is None:
        raise DatasetError(f"{where}: empty file, expected a header line")
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
    if not rows:
        raise DatasetError(f"{where}: only a header, no data rows")
    if len(rows) < 2:
        raise DatasetError(f"{where}: 1 data row, need at least 2")
    values = np.empty((len(rows), len(header)), dtype=np.float64)
    for i, (line, record) in enumerate(rows):
        if len(record) != len(header):
            cells = "1 cell" if len(record) == 1 else f"{len(record)} cells"
            raise DatasetError(f"{where}, line {line}: {cells}, the header has {len(header)} columns")
        for col, cell in enumerate(record, start=1):
            try:
                values[i, col - 1] = _number(cell)
            except ValueError as exc:
                raise DatasetError(f"{_column(where, line, col, header)}: {exc}") from None
    feature_cols = [j for j in range(len(header)) if j not in targets]
    return Dataset(
        X=values[:, feature_cols],
        y=values[:, targets],
        name=name,
        feature_names=tuple(header[j] for j in feature_cols),
        target_names=tuple(header[j] for j in targets),
        source=source,
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
    if not np.isfinite(value):
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


def load_csv(
    path: str | os.PathLike[str],
    target: str | Sequence[str] | None = None,
    delimiter: str = ",",
    name: str | None = None,
) -> Dataset:
    """Load a CSV file whose first line is a header of column names.

    The file is UTF-8 (a byte order mark is skipped), parsed with :mod:`csv` (so quoted
    cells work); LF or CRLF line ends, blank lines and a missing final newline are all
    fine. Every other cell must be a finite number; surrounding spaces are ignored.

    :param path: the file.
    :param target: the name of the target column, or a sequence of names for several
        outputs (in that order); default the last column. The other columns, in file
        order, are the features.
    :param delimiter: the one-character cell separator, e.g. ``";"`` or ``"\\t"``.
    :param name: the dataset's name; default the file name without its suffix.
    :returns: a :class:`Dataset` with ``X`` of shape ``(rows, columns - targets)`` and
        ``y`` of shape ``(rows, targets)``, float64; ``source`` is ``str(path)``.
    :raises DatasetError: a missing or unreadable file, an empty file, a header-only file,
        fewer than 2 data rows, an empty or duplicate header name, an unknown target
        column, a ragged row, an empty, non-numeric or non-finite cell. The one-line
        message names the file as given, the line (header = line 1) and the column
        (number and name), e.g. ``data.csv, line 3, column 2 ('x_2'): empty cell``.
    :raises ConfigError: a bad ``delimiter`` or ``target`` argument.
    """
    where = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{where}: no such file") from None
    except OSError as exc:
        raise DatasetError(f"{where}: cannot read the file ({exc.strerror or exc})") from None
    label = Path(path).stem if name is None else name
    return _parse_csv(raw, where, target, delimiter, label, where)


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
