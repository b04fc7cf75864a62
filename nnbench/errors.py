"""Exceptions raised by nnbench.

Every error a user can cause (a bad CSV cell, an unknown trainer, a bad option) is an
:class:`NNBenchError`. Its message is one line that names the file, line, column or option
at fault; the command line prints it as ``nnbench: error: <message>`` and exits with
status 2, without a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "NNBenchError",
    "DatasetError",
    "PluginError",
    "ConfigError",
    "ResultsError",
    "BudgetExhausted",
    "closest_names",
    "did_you_mean",
    "unreadable",
]


class NNBenchError(Exception):
    """Base class of the errors a user can cause; the message is one line."""


class DatasetError(NNBenchError, ValueError):
    """A dataset cannot be loaded: the message names the file, line and column.

    ``target_not_number`` is true when the fault is a cell of a target column that is not a
    number (class labels, perhaps, read as numbers), so that a caller that knows the loss can
    say how labels are read.
    """

    target_not_number: bool = False


class PluginError(NNBenchError):
    """A plugin failed to load, implements an unknown hook, or clashes with another."""


class ConfigError(NNBenchError, ValueError):
    """A bad option, trainer name, network description or suite entry.

    :param message: the one line, ``"<where>: <body>"``.
    :param field: the field or option at fault (``"activation"``), when one is.
    :param body: the message without its location, so that a caller that knows better
        where the value came from can say so (:meth:`at`).
    """

    def __init__(self, message: str, field: str | None = None, body: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.body = body

    def at(self, where: str) -> ConfigError:
        """The same error located at ``where`` (``"suite.toml, line 4: networks.small.activation"``)."""
        return ConfigError(f"{where}: {self.body}" if self.body is not None else f"{where}: {self}",
                           self.field, self.body)


class ResultsError(NNBenchError):
    """A results file is unreadable, corrupt, or would be overwritten."""


class BudgetExhausted(Exception):
    """Raised *inside* the objective by the harness when a trial's budget is spent.

    Trainers must let it propagate (never catch bare ``Exception`` around objective
    calls without re-raising it); the harness catches it and keeps the best point seen.

    :param reason: ``"max_evals"`` or ``"time_limit"``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def closest_names(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``choices`` closest to ``name``, case-insensitively, best first.

    :param name: what the user typed.
    :param choices: the valid names.
    :returns: the matches (difflib's ratio, cutoff 0.5), in their own spelling.
    """
    lower = {str(c).lower(): str(c) for c in choices}
    hits = difflib.get_close_matches(str(name).lower(), list(lower), n=n, cutoff=0.5)
    return [lower[h] for h in hits]


def did_you_mean(name: str, choices: Iterable[str], n: int = 3) -> str:
    """The hint every "unknown name" error ends with: ``" (did you mean gtol?)"``, or
    ``" (did you mean a, b or c?)"`` for several close names, or ``""`` for none.

    :param name: what the user typed; :param choices: the valid names; :param n: most names shown.
    """
    close = closest_names(name, choices, n)
    if not close:
        return ""
    names = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
    return f" (did you mean {names}?)"


def unreadable(path: object, exc: Exception, noun: str) -> str:
    """The one-line reason a file cannot be read, for every reader of nnbench's own files.

    :param path: the file as given; :param exc: what reading it raised (``OSError`` or
        ``UnicodeDecodeError``); :param noun: what the file should be (``"results file"``,
        ``"TOML suite file"``).
    :returns: e.g. ``"run.jsonl: no such results file"``, ``"x: is a directory, not a results
        file"``, ``"x: not a results file (not UTF-8 text: invalid start byte)"``.
    """
    if isinstance(exc, FileNotFoundError):
        return f"{path}: no such {noun}"
    if isinstance(exc, IsADirectoryError):
        return f"{path}: is a directory, not a {noun}"
    if isinstance(exc, UnicodeDecodeError):
        return f"{path}: not a {noun} (not UTF-8 text: {exc.reason})"
    return f"{path}: cannot read the {noun}: {getattr(exc, 'strerror', None) or exc}"
