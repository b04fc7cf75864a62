"""The results file: JSON Lines, a metadata line first, then one trial record per line.

Each record is written and flushed as its trial ends, so a killed run loses nothing that
had finished. Non-finite numbers are written as ``null`` (JSON has no NaN). The lines are
:class:`nnbench.results.record.RunMetadata` and :class:`nnbench.results.record.TrialRecord`, whose
``to_json`` / ``from_json`` are the only code that knows their fields; reading validates
every line (``FILE, line N: ...``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sys
import warnings
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO

import numpy as np

from nnbench.errors import ResultsError, unreadable
from nnbench.results.record import SCHEMA_VERSION, FieldError, RunMetadata, TrialRecord, jsonable

__all__ = ["SCHEMA_VERSION", "run_metadata", "ResultsWriter", "read_results", "read_many", "default_results_path",
           "jsonable", "ResultsWarning"]


class ResultsWarning(UserWarning):
    """A results file had a damaged last line (a run killed while writing), which was skipped."""


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_metadata(command: str | None = None, blas_threads: int | None = 1, executor: str | None = None,
                 suite_file: str | None = None) -> RunMetadata:
    """The metadata of a run starting now: versions, BLAS libraries and threads, CPU, platform.

    :param command: the command line or suite that made the run.
    :param blas_threads: BLAS threads per trial (``None``: left at the library default).
    :param executor: how the trials run (``"process x2"``); :param suite_file: its path.
    """
    from threadpoolctl import threadpool_info

    blas = [{k: info.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer",
                                      "architecture", "filepath")}
            for info in threadpool_info() if info.get("user_api") == "blas"]
    return RunMetadata(
        nnbench=_version("nnbench"), numpy=np.__version__, scipy=_version("scipy"), pluggy=_version("pluggy"),
        python=sys.version.split()[0], platform=platform.platform(), cpu=_cpu(), cpu_count=os.cpu_count(),
        blas=jsonable(blas), blas_threads_per_trial=blas_threads, command=command,
        started=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), executor=executor,
        suite_file=suite_file)


def default_results_path(directory: str | os.PathLike = "nnbench-results") -> Path:
    """A new timestamped path ``DIR/run-YYYYmmdd-HHMMSS.jsonl`` that does not exist yet."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(directory) / f"run-{stamp}.jsonl"
    path, i = base, 1
    while path.exists():
        path = base.with_name(f"run-{stamp}-{i}.jsonl")
        i += 1
    return path


class ResultsWriter:
    """Append trial records to a JSON Lines file, one flushed line per trial.

    :param path: the file; its parent directories are created.
    :param metadata: the :class:`~nnbench.results.record.RunMetadata`, written first in a new file.
    :param mode: ``"new"`` (the file must not exist), ``"force"`` (overwrite), or
        ``"append"`` (keep the records already there; for ``--resume``).
    :raises ResultsError: the file exists in mode ``"new"``, or cannot be opened.
    """

    def __init__(self, path: str | os.PathLike, metadata: RunMetadata, mode: str = "new") -> None:
        self.path = Path(path)
        if mode == "new" and self.path.exists():
            raise ResultsError(f"{self.path} exists; use --force to overwrite it or --resume to complete it")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = mode != "append" or not self.path.exists() or self.path.stat().st_size == 0
            self._f: IO[str] = open(self.path, "w" if mode != "append" else "a", encoding="utf-8")
        except OSError as exc:
            raise ResultsError(f"{self.path}: cannot write the results file: {exc.strerror}") from None
        if mode == "append" and not fresh:
            self._ensure_newline()
        if fresh:
            self.write(metadata)

    def _ensure_newline(self) -> None:
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            last = f.read(1)
        if last != b"\n":
            # a half-written last line from a killed run: end it, so readers skip just it
            self._f.write("\n")

    def write(self, record: TrialRecord | RunMetadata) -> None:
        """Write one record as a line and flush it to the operating system."""
        self._f.write(json.dumps(record.to_json(), allow_nan=False, separators=(",", ":")) + "\n")
        self._f.flush()

    def close(self) -> None:
        """Close the file."""
        self._f.close()

    def __enter__(self) -> "ResultsWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with open(path, encoding="utf-8") as f:
            yield from enumerate(f, start=1)
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(unreadable(path, exc, "results file")) from None


def read_results(path: str | os.PathLike) -> tuple[RunMetadata, list[TrialRecord]]:
    """Read a results file, checking every line.

    :returns: ``(metadata, records)``; records in file order.
    :raises ResultsError: a missing, unreadable or empty file, a first line that is not
        nnbench metadata or has a newer schema, a corrupt line other than the last, or a
        trial line with a missing required field or a field of the wrong type (the message
        names the file, the line and the field: ``run.jsonl, line 7: field 'best_cost': must
        be a number or null, got 'abc'``). A damaged *last* line (a run killed mid-write) is
        skipped with a :class:`ResultsWarning`.
    """
    path = Path(path)
    metadata: RunMetadata | None = None
    records: list[TrialRecord] = []
    bad: tuple[int, str] | None = None
    for lineno, line in _lines(path):
        if not line.strip():
            continue
        if bad is not None:
            raise ResultsError(f"{path}, line {bad[0]}: corrupt record ({bad[1]})")
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            if metadata is None:
                raise ResultsError(f"{path}, line {lineno}: not an nnbench results file "
                                   f"(not a JSON line: {exc.msg})") from None
            bad = (lineno, exc.msg)
            continue
        if not isinstance(obj, dict):
            bad = (lineno, "not a JSON object")
            continue
        try:
            if metadata is None:
                if obj.get("kind") != "metadata":
                    raise ResultsError(f"{path}, line {lineno}: not an nnbench results file (no metadata line)")
                schema = obj.get("schema", 1)
                if not isinstance(schema, int) or isinstance(schema, bool) or schema > SCHEMA_VERSION:
                    raise ResultsError(f"{path}, line {lineno}: results schema {schema!r}; this nnbench "
                                       f"reads schema {SCHEMA_VERSION} and older (upgrade nnbench)")
                metadata = RunMetadata.from_json(obj)
            elif obj.get("kind") == "trial":
                records.append(TrialRecord.from_json(obj))
        except FieldError as exc:
            raise ResultsError(f"{path}, line {lineno}: {exc}") from None
    if metadata is None:
        if bad is not None:
            raise ResultsError(f"{path}, line {bad[0]}: not an nnbench results file ({bad[1]})")
        raise ResultsError(f"{path}: empty results file")
    if bad is not None:
        warnings.warn(f"{path}, line {bad[0]}: skipped a damaged last line ({bad[1]}); "
                      "the run that wrote it was probably killed", ResultsWarning, stacklevel=2)
    return metadata, records


def read_many(paths: Iterable[str | os.PathLike]) -> tuple[list[RunMetadata], list[list[TrialRecord]]]:
    """Read several results files: ``(metadatas, records per file)``, in the order given."""
    metas, records = [], []
    for p in paths:
        m, r = read_results(p)
        metas.append(m)
        records.append(r)
    return metas, records
