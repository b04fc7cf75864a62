"""The CSV reader: a fast path through :func:`numpy.loadtxt` and a strict parser with one result.

:func:`load_csv` reads any header-first CSV file; every fault in the file is a
:class:`~nnbench.errors.DatasetError` whose one-line message names the file, the line
(1-based, the header is line 1) and the column (number and header name). The fast path
streams a plain file (UTF-8, no quote character) through :func:`numpy.loadtxt`'s C parser;
it returns a dataset only where the strict parser would return the same one bit for bit,
and declines everything else. The strict parser (:mod:`csv`, then every cell through
:func:`float`) reads what the fast path declines (quoted cells, whitespace-only lines,
numbers numpy does not spell, such as ``1_000``) and every faulty file, whose first fault
it reports (see :func:`parse_csv` for the order).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from nnbench.datasets.dataset import MIN_ROWS, Dataset, all_finite, one_hot
from nnbench.errors import ConfigError, DatasetError, did_you_mean

__all__ = ["load_csv"]

_QUOTE = '"'
"""The quote character of the strict parser (the :mod:`csv` default); the fast path reads no file with one."""


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
"""One line of text with its end (LF, CRLF or CR; none at the end of the text), as :mod:`csv` reads lines."""


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


def parse_csv(
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
                    label = _read_row(record, reader.line_num, header, where, values[rows], label_col, targets)
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
        y, classes = one_hot(codes[:rows], list(index), f"{where}, column {label_col + 1} ({header[label_col]!r})")
    else:
        y, classes = _columns(values, targets), None
    return _dataset(_columns(values, features), y, header, features, targets, classes, name, source)


def _read_row(
    record: Sequence[str], line: int, header: Sequence[str], where: str, out: np.ndarray, label_col: int,
    targets: Sequence[int] = (),
) -> str | None:
    """Convert one data record of the strict parser into ``out``; return its label (or ``None``).

    :param out: the row's place in the values, float64 ``(len(header),)``; the label
        column's place is left as it was.
    :param label_col: the 0-based column of class labels, or -1 for none.
    :param targets: the 0-based target columns (a non-number there sets the error's
        ``target_not_number``).
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
            err = DatasetError(f"{_column(where, line, col, header)}: {exc}")
            err.target_not_number = col - 1 in targets and str(exc).startswith("not a number")
            raise err from None
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
    if values.shape[1] != len(header) or values.shape[0] < MIN_ROWS or not all_finite(values):
        return None
    features = [j for j in range(len(header)) if j not in targets]
    if labels:
        codes = values[:, label_col].astype(np.intp)
        y, classes = one_hot(codes, list(index), f"{where}, column {label_col + 1} ({header[label_col]!r})")
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
        reports the first in the order :func:`parse_csv` gives.
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
    return parse_csv(raw, where, target, delimiter, dataset_name, where, labels)
