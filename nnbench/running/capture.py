"""What a trial prints, and what its threads raise, kept in its record.

:func:`captured_stdout` points file descriptor 1 at a temporary file while a trainer runs, so
that everything the trial prints, by Python or by C and Fortran code beneath it (scipy's
``disp=True``, a library's progress lines), goes to the record's ``stdout`` field instead of
the terminal, where it would corrupt ``nnbench run --format json``. :func:`quiet_threads`
keeps a trainer's own threads from printing a traceback when the budget stops them.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass

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


def _flush_c_streams() -> None:
    """``fflush(NULL)``: C's buffered ``stdout`` (printf from a library) reaches the descriptor."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(None).fflush(None)


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
    with tempfile.TemporaryFile() as tmp:
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
