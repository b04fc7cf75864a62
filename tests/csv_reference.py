"""Today's strict CSV parser, frozen as it was before the fast path (commit 482871c; its "unknown
target" message since worded by nnbench.errors.did_you_mean, like every other).

The oracle of tests/test_csv_fast.py: for any file, nnbench's :func:`~nnbench.datasets.load_csv`
must give this parser's arrays, or its error message, exactly. Nothing in nnbench imports it.
It returns ``(X, y, feature_names, target_names)`` where the original built a Dataset.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np

from nnbench.errors import ConfigError, DatasetError, did_you_mean


def _column(where: str, line: int, col: int, header: Sequence[str]) -> str:
    """Return the message prefix ``file, line L, column C ('name')`` (1-based)."""
    return f"{where}, line {line}, column {col} ({header[col - 1]!r})"


def _parse_csv(
    raw: bytes, where: str, target: str | Sequence[str] | None, delimiter: str, name: str, source: str
) -> tuple:
    """Parse the bytes of a header-first CSV file (see nnbench.datasets.load_csv)."""
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
    return (values[:, feature_cols], values[:, targets],
            tuple(header[j] for j in feature_cols), tuple(header[j] for j in targets))


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
