"""Exceptions raised by nnbench.

Every error a user can cause (a bad CSV cell, an unknown trainer, a bad option) is an
:class:`NNBenchError`. Its message is one line that names the file, line, column or option
at fault; the command line prints it as ``nnbench: error: <message>`` and exits with
status 2, without a traceback.
"""

from __future__ import annotations

__all__ = [
    "NNBenchError",
    "DatasetError",
    "PluginError",
    "ConfigError",
    "ResultsError",
    "BudgetExhausted",
]


class NNBenchError(Exception):
    """Base class of the errors a user can cause; the message is one line."""


class DatasetError(NNBenchError, ValueError):
    """A dataset cannot be loaded: the message names the file, line and column."""


class PluginError(NNBenchError):
    """A plugin failed to load, implements an unknown hook, or clashes with another."""


class ConfigError(NNBenchError, ValueError):
    """A bad option, trainer name, network description or suite entry."""


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
