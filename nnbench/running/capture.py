"""What a trial prints, and what its threads raise, kept in its record.

:func:`captured_stdout` points file descriptor 1 at a temporary file while a trainer runs, so
that everything the trial prints, by Python or by C and Fortran code beneath it (scipy's
``disp=True``, a library's progress lines), goes to the record's ``stdout`` field instead of
the terminal, where it would corrupt ``nnbench run --format json``. :func:`quiet_threads`
keeps a trainer's own threads from printing a traceback when the budget stops them.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import io
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from nnbench.errors import BudgetExhausted

__all__ = ["Captured", "captured_stdout", "quiet_threads", "STDOUT_LIMIT"]

#: Characters of a trial's output kept in its record; the rest is counted, not kept.
STDOUT_LIMIT = 4000


@dataclass
class Captured:
    """What was printed: ``text`` (at most ``limit`` characters, then a note of how many
    more there were), filled in when the ``with`` block ends."""

    limit: int = STDOUT_LIMIT
    text: str = ""


@functools.cache
def _libc_fflush() -> Any:
    """C's ``fflush`` (``ctypes.CDLL(None)``, opened once), or ``None`` where there is none."""
    try:
        return ctypes.CDLL(None).fflush
    except (OSError, AttributeError, TypeError):
        return None


def _flush_c_streams() -> None:
    """``fflush(NULL)``: C's buffered ``stdout`` (printf from a library) reaches the descriptor."""
    fflush = _libc_fflush()
    if fflush is not None:
        with contextlib.suppress(OSError, TypeError):
            fflush(None)


#: Temporary files of finished captures, with the process that made them, reused (emptied)
#: by the next captures of that process: making and unlinking one per capture (one per
#: trial) cost 0.15 ms. A forked child makes its own (the file's offset is shared with its parent).
_SPARE_FILES: list[tuple[int, Any]] = []


@atexit.register
def _close_spare_files() -> None:
    """Close the spare files at exit (they are not left for the garbage collector to find)."""
    while _SPARE_FILES:
        with contextlib.suppress(IndexError, OSError):
            _SPARE_FILES.pop()[1].close()


@contextlib.contextmanager
def _temporary_file() -> Iterator[Any]:
    """An empty binary temporary file for one capture: a spare one of this process if there
    is one (``list.pop`` is atomic, so two threads never share one), kept for the next."""
    pid = os.getpid()
    tmp = None
    while tmp is None:
        try:
            owner, spare = _SPARE_FILES.pop()
        except IndexError:  # none spare: a new one
            tmp = tempfile.TemporaryFile()
            continue
        if owner == pid:  # a forked child leaves its parent's files alone
            spare.seek(0)
            spare.truncate()
            tmp = spare
    try:
        yield tmp
    finally:
        _SPARE_FILES.append((pid, tmp))


@contextlib.contextmanager
def captured_stdout(limit: int = STDOUT_LIMIT) -> Iterator[Captured]:
    """Send file descriptor 1 (and ``sys.stdout``) to a temporary file for the block.

    :param limit: characters to keep.
    :yields: a :class:`Captured`, whose ``text`` is set on exit (UTF-8, undecodable bytes
        replaced).

    Where fd 1 cannot be redirected (no such descriptor), only ``sys.stdout`` is.
    """
    out = Captured(limit)
    sys.stdout.flush()
    _flush_c_streams()
    with _temporary_file() as tmp:
        try:
            saved = os.dup(1)
        except OSError:
            saved = -1
        text_out = io.TextIOWrapper(open(tmp.fileno(), "wb", closefd=False, buffering=0), encoding="utf-8",
                                    write_through=True)
        old_stdout = sys.stdout
        try:
            if saved >= 0:
                os.dup2(tmp.fileno(), 1)
            sys.stdout = text_out
            yield out
        finally:
            with contextlib.suppress(ValueError, OSError):
                text_out.flush()
            _flush_c_streams()
            sys.stdout = old_stdout
            if saved >= 0:
                os.dup2(saved, 1)
                os.close(saved)
            with contextlib.suppress(ValueError):
                text_out.detach()
            tmp.seek(0)
            raw = tmp.read(4 * limit + 4)
            rest = os.fstat(tmp.fileno()).st_size - len(raw)
            text = raw.decode("utf-8", errors="replace")
            if len(text) > limit or rest > 0:
                more = len(text) - limit + rest
                text = text[:limit] + f"\n... ({more} more characters)"
            out.text = text


@contextlib.contextmanager
def quiet_threads(errors: list[str]) -> Iterator[None]:
    """While a trainer runs, an exception that ends one of its threads is not printed:
    :class:`~nnbench.errors.BudgetExhausted` (the budget stopping a thread) is dropped, any
    other is appended to ``errors`` as ``"Name: message (in thread T)"``.

    :param errors: where the other threads' exceptions go (the trial's warnings).
    """
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if isinstance(args.exc_value, BudgetExhausted):
            return
        name = args.thread.name if args.thread is not None else "?"
        errors.append(f"{args.exc_type.__name__}: {args.exc_value} (in thread {name})")

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = previous
