"""The results file: JSON Lines, a metadata line first, then one trial record per line.

Each record is written and flushed as its trial ends, so a killed run loses nothing that
had finished. Non-finite numbers are written as ``null`` (JSON has no NaN). The lines are
:class:`nnbench.results.record.RunMetadata` and :class:`nnbench.results.record.TrialRecord`, whose
``to_json`` / ``from_json`` are the only code that knows their fields; reading validates
every line (``FILE, line N: ...``).

Files are never damaged by their writers: one writer at a time (:class:`ResultsLock`,
``FILE.lock``), a new file created exclusively (two runs never share one), a write that fails
(a full disk, a removed directory) a :class:`ResultsWriteError` that says how many trials the
file keeps, and other outputs (reports, tables) written whole or not at all
(:func:`write_atomically`). :func:`check_output` refuses an output that is one of a run's inputs;
:func:`deduplicate` counts a trial found in several places once.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import functools
import itertools
import json
import os
import platform
import secrets
import sys
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

import numpy as np

from nnbench.errors import ResultsError, unreadable
from nnbench.results.record import SCHEMA_VERSION, FieldError, RunMetadata, TrialRecord, jsonable

if TYPE_CHECKING:
    from nnbench.contract.plugins import Registry
    from nnbench.contract.trainer import Trainer

__all__ = ["SCHEMA_VERSION", "run_metadata", "installed_version", "plugin_versions", "library_versions", "ResultsWriter", "ResultsLock", "ResultsWriteError", "read_results",
           "read_many", "new_results_file", "DEFAULT_DIRECTORY", "write_atomically", "check_output", "same_file",
           "deduplicate", "Deduplicated", "jsonable", "ResultsWarning"]

#: Where ``nnbench run`` writes its results without ``--out``.
DEFAULT_DIRECTORY = "nnbench-results"


class ResultsWarning(UserWarning):
    """A results file had a damaged last line (a run killed while writing), which was skipped."""


@functools.cache
def installed_version(dist: str) -> str | None:
    """The installed version of the distribution ``dist`` (``importlib.metadata.version``), or
    ``None`` when it is not installed: the one lookup of every library version the metadata
    records and ``nnbench run --rerun`` compares; once per process and distribution (a lookup
    scans the installed distributions, about 1 ms)."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def plugin_versions(registry: Registry) -> list[dict[str, str | None]]:
    """Every plugin of ``registry`` as :attr:`RunMetadata.plugins` records it: ``{"name",
    "distribution", "version"}`` in registration order (empty strings made ``None``)."""
    return [{"name": p.name, "distribution": p.distribution or None, "version": p.version or None}
            for p in registry.plugin_info()]


def library_versions(trainers: Iterable[Trainer]) -> dict[str, str | None]:
    """The optimizer libraries ``trainers`` come from, as :attr:`RunMetadata.libraries` records
    them: each :attr:`Trainer.library <nnbench.contract.trainer.Trainer.library>` (``"torch
    2.13.0+cpu"``; empty for nnbench's own trainers) names a distribution, whose version is
    :func:`installed_version`, sorted by name."""
    names = {t.library.split(" ", 1)[0] for t in trainers if t.library}
    return {name: installed_version(name) for name in sorted(names)}


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
                 suite_file: str | None = None, suite: str | None = None,
                 suite_version: str | None = None, *, registry: Registry | None = None,
                 trainers: Iterable[Trainer] = (), argv: Sequence[str] | None = None,
                 suite_text: str | None = None, rerun_of: str | None = None) -> RunMetadata:
    """The metadata of a run starting now: versions, plugins and libraries, BLAS libraries and
    threads, CPU, platform, numpy's SIMD level and the element-wise kernels chosen on this CPU
    (measured here, a few ms), and what describes the run (:class:`RunMetadata`).

    :param command: the command line or suite that made the run.
    :param blas_threads: BLAS threads per trial (``None``: left at the library default).
    :param executor: how the trials run (``"process x2"``); :param suite_file: its path.
    :param suite, suite_version: the named suite that runs, and its version, or ``None``.
    :param registry: the run's plugins (:func:`plugin_versions`; ``None``: none recorded).
    :param trainers: the planned trainers, whose libraries are recorded (:func:`library_versions`).
    :param argv: the command's arguments that describe the run; :param suite_text: the suite
        file's content; :param rerun_of: the results file a ``--rerun`` repeats.
    """
    from threadpoolctl import threadpool_info

    from nnbench.core.kernels import describe_choices, simd_level

    blas = [{k: info.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer",
                                      "architecture", "filepath")}
            for info in threadpool_info() if info.get("user_api") == "blas"]
    return RunMetadata(
        nnbench=installed_version("nnbench"), numpy=np.__version__, scipy=installed_version("scipy"),
        pluggy=installed_version("pluggy"),
        python=sys.version.split()[0], platform=platform.platform(), cpu=_cpu(), cpu_count=os.cpu_count(),
        blas=jsonable(blas), blas_threads_per_trial=blas_threads, command=command,
        started=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), executor=executor,
        suite_file=suite_file, suite=suite, suite_version=suite_version,
        argv=None if argv is None else list(argv),
        plugins=plugin_versions(registry) if registry is not None else [],
        libraries=library_versions(trainers), suite_text=suite_text, rerun_of=rerun_of,
        simd=simd_level(), kernels=describe_choices())


class ResultsLockedError(ResultsError):
    """Another process is writing the results file (:class:`ResultsLock`)."""


class ResultsExistsError(ResultsError):
    """The results file exists, and the writer was asked for a new one."""


class ResultsWriteError(ResultsError):
    """A results file could not be written (a full disk, its directory removed).

    :param path: the file; :param reason: why (the system's words).
    :param kept: trial records the writer had written to it before, that it still holds
        (0 when the file itself is gone).
    :param gone: the file was removed (or replaced) during the run: it keeps nothing.
    """

    def __init__(self, path: Path, reason: str, kept: int, gone: bool = False) -> None:
        super().__init__(f"cannot write {path} ({reason}); {kept} trials of this run are kept in it")
        self.path, self.reason, self.kept, self.gone = path, reason, kept, gone


def _pid_in(fd: int) -> str:
    """The pid a lock file holds (``"?"`` if it holds none yet)."""
    for _ in range(50):  # its holder writes it just after taking the lock
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
        if text:
            return text
        time.sleep(0.01)
    return "?"


class ResultsLock:
    """The one writer of a results file: ``FILE.lock`` beside it, holding the writer's pid.

    The lock file is created with ``O_CREAT | O_EXCL`` and held with an exclusive
    ``flock(2)`` for as long as this object is open; :meth:`release` removes it. A lock
    left by a process that died (``kill -9``, a power cut) is held by nobody, since the
    kernel drops a dead process's locks, and is taken over: no pid is ever trusted to be
    alive, so a recycled pid cannot block a file forever. (Where ``fcntl`` does not exist,
    the existence of the file alone is the lock.)

    :param path: the results file (which need not exist); its directory is created.
    :raises ResultsError: another process holds the lock (:class:`ResultsLockedError`:
        ``FILE is being written by pid N``), or the lock file cannot be made.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._fd: int | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = self._take()
        except OSError as exc:
            raise ResultsError(f"{self.path}: cannot write the results file: {exc.strerror or exc}") from None

    def _take(self) -> int:
        while True:
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                try:
                    fd = os.open(self.lock_path, os.O_RDWR)
                except FileNotFoundError:  # its holder just removed it: try again
                    continue
                if fcntl is None:  # pragma: no cover - not POSIX
                    pid = _pid_in(fd)
                    os.close(fd)
                    raise ResultsLockedError(f"{self.path} is being written by pid {pid}") from None
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    pid = _pid_in(fd)
                    os.close(fd)
                    raise ResultsLockedError(f"{self.path} is being written by pid {pid}") from None
                try:  # the file locked must still be the lock file, not one its holder removed meanwhile
                    now = os.stat(self.lock_path)
                    mine = os.fstat(fd)
                    same = (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino)
                except FileNotFoundError:
                    same = False
                if not same:
                    os.close(fd)
                    continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
            return fd

    def release(self) -> None:
        """Remove the lock file and drop the lock (again: nothing)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):  # its directory may be gone
            os.unlink(self.lock_path)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> "ResultsLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _stamp() -> str:
    """The local time as ``YYYYmmdd-HHMMSS`` (the default results file's name)."""
    return _dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def new_results_file(metadata: RunMetadata, directory: str | os.PathLike = DEFAULT_DIRECTORY) -> ResultsWriter:
    """A writer of a new results file ``DIR/run-YYYYmmdd-HHMMSS.jsonl`` (``-1``, ``-2``, ...
    appended when that name is taken), created exclusively (``O_EXCL``): two runs started
    in the same second get two files.

    :raises ResultsError: the directory cannot be written.
    """
    stamp = _stamp()
    for i in itertools.count():
        path = Path(directory) / (f"run-{stamp}.jsonl" if i == 0 else f"run-{stamp}-{i}.jsonl")
        try:
            return ResultsWriter(path, metadata, mode="new")
        except (ResultsExistsError, ResultsLockedError):
            continue
    raise AssertionError("unreachable")  # pragma: no cover


class ResultsWriter:
    """Append trial records to a JSON Lines file, one line written to the operating system per
    trial, as the only writer of the file (:class:`ResultsLock`).

    :param path: the file; its parent directories are created.
    :param metadata: the :class:`~nnbench.results.record.RunMetadata`, written first in a new file.
    :param mode: ``"new"`` (the file must not exist; it is created with ``O_EXCL``),
        ``"force"`` (overwrite), or ``"append"`` (keep the records already there; for
        ``--resume``).
    :param lock: the file's lock, if the caller took it already (to read the file first);
        the writer releases it when it closes. Default: the writer takes it.
    :raises ResultsError: the file exists in mode ``"new"``, another process writes it
        (``FILE is being written by pid N``), or it cannot be opened;
        :class:`ResultsWriteError` when the metadata line cannot be written.

    :attr:`written` counts the trial records written. A failed write raises
    :class:`ResultsWriteError` and cuts the file back to its last whole line; so does a
    write to a file that was removed (or replaced) during the run, which the system would
    otherwise accept and lose.
    """

    def __init__(self, path: str | os.PathLike, metadata: RunMetadata, mode: str = "new",
                 lock: ResultsLock | None = None) -> None:
        self.path = Path(path)
        self.written = 0
        self._lock = lock if lock is not None else ResultsLock(self.path)
        try:
            fresh = mode != "append" or not self.path.exists() or self.path.stat().st_size == 0
            try:
                self._f = self._open({"new": "xb", "force": "wb", "append": "ab"}[mode])
            except FileExistsError:
                raise ResultsExistsError(f"{self.path} exists; use --force to overwrite it or --resume "
                                         "to complete it") from None
            except OSError as exc:
                raise ResultsError(f"{self.path}: cannot write the results file: {exc.strerror}") from None
            st = os.fstat(self._f.fileno())
            self._identity, self._good = (st.st_dev, st.st_ino), st.st_size
            if mode == "append" and not fresh:
                self._ensure_newline()
            if fresh:
                try:
                    self.write(metadata)
                except BaseException:
                    self._f.close()
                    if mode == "new":  # it holds nothing: leave no empty file behind
                        with contextlib.suppress(OSError):
                            os.unlink(self.path)
                    raise
        except BaseException:
            self._lock.release()
            raise

    def _open(self, mode: str) -> BinaryIO:
        """The file, opened unbuffered in binary ``mode`` (each line is one write to the system)."""
        return cast(BinaryIO, open(self.path, mode, buffering=0))

    def _ensure_newline(self) -> None:
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            last = f.read(1)
        if last != b"\n":
            # a half-written last line from a killed run: end it, so readers skip just it
            self._put(b"\n")

    def _put(self, data: bytes) -> None:
        """Write all of ``data``; on failure cut the file back to its last whole line and
        raise :class:`ResultsWriteError`."""
        try:
            view = memoryview(data)
            while view:
                n = self._f.write(view)
                if not n:
                    raise OSError(errno.EIO, "the write wrote nothing")
                view = view[n:]
        except OSError as exc:
            with contextlib.suppress(OSError, ValueError):
                os.ftruncate(self._f.fileno(), self._good)
            raise ResultsWriteError(self.path, exc.strerror or str(exc), self.written) from None
        try:
            st = os.stat(self.path)
            here = (st.st_dev, st.st_ino) == self._identity
        except OSError:
            here = False
        if not here:
            raise ResultsWriteError(self.path, "it was removed during the run", 0, gone=True)
        self._good += len(data)

    def write(self, record: TrialRecord | RunMetadata, data: dict[str, Any] | None = None) -> None:
        """Write one record as a line, to the operating system before this returns.

        :param data: ``record.to_json()`` when the caller made it already (it is not made again).
        :raises ResultsWriteError: the line could not be written, or the file is no longer
            there (it was removed, or its directory was).
        """
        data = record.to_json() if data is None else data
        self._put((json.dumps(data, allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8"))
        if isinstance(record, TrialRecord):
            self.written += 1

    def close(self) -> None:
        """Close the file and release its lock (again: nothing)."""
        try:
            with contextlib.suppress(OSError):  # what it holds was written or reported already
                self._f.close()
        finally:
            self._lock.release()

    def __enter__(self) -> "ResultsWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_output_path(path: str | os.PathLike, option: str, directory: bool = False) -> Path:
    """Refuse, before any work, an output path that cannot be what ``option`` writes: a file
    (``directory=False``: not a name that is a directory, such as ``.``, ``/``, ``out/`` or
    an existing directory) or a directory (``directory=True``: not an existing file); nor one
    under an existing path that is not a directory. Missing directories are fine: the
    writers create them.

    :returns: ``path`` as a :class:`~pathlib.Path`.
    :raises ResultsError: ``--html .: is a directory; give a file name``; an empty path.
    """
    text = os.fspath(path)
    p = Path(text)
    if not text:
        raise ResultsError(f"{option}: an empty path; give a {'directory' if directory else 'file'} name")
    if directory:
        if p.exists() and not p.is_dir():
            raise ResultsError(f"{option} {text}: exists and is not a directory")
    elif p.is_dir():
        raise ResultsError(f"{option} {text}: is a directory; give a file name")
    elif text.endswith(("/", os.sep)) or p.name in ("", ".", ".."):
        raise ResultsError(f"{option} {text}: names a directory; give a file name")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ResultsError(f"{option} {text}: {parent} is not a directory")
            break
    return p


def write_atomically(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all: into a temporary file
    in the same directory, renamed over ``path`` once complete. An interruption (Ctrl-C,
    SIGTERM) or an error leaves ``path`` as it was and no temporary file.

    :returns: ``path``.
    :raises OSError: the directory or the file cannot be written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether ``a`` and ``b`` name one file: however spelled, through symbolic or hard links
    (``os.path.samefile`` when both exist, else their resolved paths)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def check_output(out: str | os.PathLike, inputs: Mapping[str, str], option: str = "--out") -> None:
    """Refuse an output file that is one of a run's inputs (``--force`` or not), or that
    cannot be a file.

    :param out: the output file; :param inputs: each input file with what it is
        (``{"data.csv": "--dataset data.csv", "suite.toml": "the suite file"}``).
    :raises ResultsError: ``--out data.csv is one of this run's inputs (--dataset data.csv);
        choose another results file``, or a path that cannot be a file
        (:func:`check_output_path`).
    """
    check_output_path(out, option)
    for path, what in inputs.items():
        if same_file(out, path):
            raise ResultsError(f"{option} {out} is one of this run's inputs ({what}); choose another results file")


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
    file_schema = SCHEMA_VERSION
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
                file_schema = schema  # a line without one is schema 1
            elif obj.get("kind") == "trial":
                records.append(TrialRecord.from_json(obj, file_schema))
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


@dataclass(frozen=True)
class Deduplicated:
    """Records with each trial counted once (:func:`deduplicate`).

    :param records: the records kept, in the order first seen.
    :param duplicates: records left out: the same trial with the same results as a kept one.
    :param repeated: trials (keys) kept more than once, because their copies differ in results.
    :param repeats: the records of those trials (all of them kept).
    """

    records: list[TrialRecord]
    duplicates: int
    repeated: int
    repeats: int


def _results_of(record: TrialRecord) -> str:
    """What a record says happened: every field of its line but where its data was read from
    (the path is for display only)."""
    out: dict[str, Any] = record.to_json()
    out.pop("dataset", None)
    out.pop("dataset_label", None)
    return json.dumps(out, sort_keys=True, separators=(",", ":"))


def deduplicate(records: Iterable[TrialRecord]) -> Deduplicated:
    """Count each trial once: two records are duplicates when their trial key
    (:attr:`TrialRecord.key`) and their results (every other field of the line, the dataset's
    path apart) are equal, as in a file concatenated to itself or two copies of one file; the
    later one is left out. Records of one key with different results (a trial run again) are
    all kept, and counted in ``repeated``/``repeats``.

    :returns: a :class:`Deduplicated`.
    """
    kept: list[TrialRecord] = []
    first: dict[str, TrialRecord] = {}  # key -> its first record
    seen: dict[str, set[str]] = {}  # key -> the results of its records, once a key comes twice
    duplicates = 0
    for r in records:
        key = r.key
        if key not in first:  # the usual case: no results compared (a record's JSON, 0.15 ms)
            first[key] = r
            kept.append(r)
            continue
        results = seen.get(key)
        if results is None:
            results = seen[key] = {_results_of(first[key])}
        what = _results_of(r)
        if what in results:
            duplicates += 1
            continue
        results.add(what)
        kept.append(r)
    multi = [len(v) for v in seen.values() if len(v) > 1]
    return Deduplicated(kept, duplicates, len(multi), sum(multi))
