"""The plumbing of a trainer plugin that wraps an optimizer library: part of the plugin contract.

nnbench's own plugins use it (scipy's, and those for torch, pycma, nevergrad and NLopt), and
a plugin for the next library starts from it (``plugins/README.md``).

Such a plugin declares its trainers without importing its library: :func:`library_version`
asks ``importlib.util.find_spec`` whether the library is installed (the plugin then declares
no trainer at all) and ``importlib.metadata`` for its version, for
:attr:`nnbench.contract.trainer.Trainer.library`. The library is imported only when a trainer runs,
by the plugin's own ``prepare()``.

Each trainer's ``train`` is a :class:`LibraryTrain`: it fills in the declared defaults of the
options not given (nnbench checked the given ones against the declaration before the run,
:mod:`nnbench.contract.options`), wraps the objective in a :class:`Tracked` (nnbench's
own :class:`~nnbench.contract.instrument.InstrumentedObjective`, so the run stops at its budget and
keeps the best point it evaluated even when the library overshoots its own limits), calls the
plugin's ``solve`` and returns the best point evaluated (never worse than ``x0``; ``nan`` and
``success=False`` when no evaluated cost was finite). A
:class:`~nnbench.errors.BudgetExhausted` raised by the harness's objective propagates
untouched. Stochastic libraries are seeded with :func:`seed_from`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from nnbench.errors import BudgetExhausted
from nnbench.contract.instrument import InstrumentedObjective
from nnbench.contract.trainer import Budget, TrainResult

__all__ = [
    "DEFAULT_MAX_EVALS",
    "SEED_RANGE",
    "LibraryTrain",
    "Outcome",
    "Tracked",
    "IMPORT_WARNINGS",
    "import_library",
    "library_version",
    "seed_from",
]

#: The evaluation limit a trainer sets itself when its budget has none (``Budget(max_evals=None)``),
#: so that libraries without a convergence test of their own (torch.optim's first-order
#: methods, nevergrad) stop; the same number as ``nnbench_firstorder``'s ``max_steps``.
DEFAULT_MAX_EVALS = 10_000

#: Integer seeds are drawn from ``[1, 2**31 - 1)``: pycma takes 0 to mean "seed from the clock",
#: and ``numpy.random.RandomState`` and nlopt's ``srand`` take any of these.
SEED_RANGE: tuple[int, int] = (1, 2**31 - 1)


def library_version(module: str, distribution: str | None = None) -> str:
    """``"<distribution> <version>"`` of an installed library, without importing it.

    :param module: the library's top-level import name (``"torch"``, ``"cma"``).
    :param distribution: its distribution's name on PyPI, when it differs from ``module``.
    :returns: e.g. ``"torch 2.13.0+cpu"``; ``""`` when ``importlib.util.find_spec(module)``
        finds no such module (the plugin then declares no trainer). A module found without
        distribution metadata gives ``"<distribution> (version unknown)"``.
    """
    if importlib.util.find_spec(module) is None:
        return ""
    name = distribution or module
    try:
        return f"{name} {importlib.metadata.version(name)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{name} (version unknown)"


#: Warnings a library gives when it is imported, about optional parts nnbench does not use,
#: silenced by :func:`import_library`: by import name, regular expressions of the messages.
#: pycma without matplotlib: "Could not import matplotlib.pyplot, therefore ``cma.plot()``
#: etc. is not available" (cma/s.py); nevergrad imports pycma too.
IMPORT_WARNINGS: dict[str, tuple[str, ...]] = {"cma": (r"Could not import matplotlib\.pyplot",)}


def import_library(module: str) -> Any:
    """``importlib.import_module(module)`` with its :data:`IMPORT_WARNINGS` silenced.

    :returns: the module.
    :raises ImportError: the library is not installed.
    """
    with warnings.catch_warnings():
        for pattern in IMPORT_WARNINGS.get(module, ()):
            warnings.filterwarnings("ignore", message=pattern, category=UserWarning)
        return importlib.import_module(module)


def seed_from(rng: np.random.Generator) -> int:
    """One integer seed in :data:`SEED_RANGE` drawn from the trial's ``rng``, for a library
    that seeds itself from an integer (pycma's ``seed``, ``numpy.random.RandomState`` for
    nevergrad, nlopt's ``srand``)."""
    return int(rng.integers(*SEED_RANGE))


class Outcome(NamedTuple):
    """How a library's run ended, in its own terms.

    :param success: the library's own convergence flag.
    :param status: the library's own status code (nlopt's result code), or the plugin's.
    :param message: one line, naming the library's stopping reason.
    """

    success: bool
    status: int
    message: str


class Tracked(InstrumentedObjective):
    """The objective as the library sees it: nnbench's :class:`~nnbench.contract.instrument.InstrumentedObjective`
    with the trainer's own budget, plus the iteration count the solver keeps in :attr:`nit`.

    Inside a harness trial it wraps the harness's instrumented objective; whichever budget
    fires first raises :class:`~nnbench.errors.BudgetExhausted`, and ``exhausted`` tells
    whether it was this one (``None``: the harness's, which must propagate).

    :param objective: an :class:`~nnbench.core.objective.Objective` or the harness's wrapper.
    :param budget: evaluations (``fun``, ``fun_and_grad``) and seconds from construction.
    """

    def __init__(self, objective: Any, budget: Budget) -> None:
        super().__init__(objective, budget)
        #: iterations as the library counts them (generations, steps), set by the solver; -1 unknown.
        self.nit = -1

    def result(self, x0: np.ndarray, outcome: Outcome, error: str | None = None) -> TrainResult:
        """The :class:`~nnbench.contract.trainer.TrainResult` at the best point evaluated.

        :param x0: the starting weights, returned when no evaluated cost was finite.
        :param outcome: the library's own ending.
        :param error: the exception the library raised and the plugin reported as this
            failure (:attr:`TrainResult.error`), or ``None``.
        :returns: ``x`` the best weights (float64 copy), ``fun`` their cost (``nan`` if none
            was finite, and then ``success=False``), ``nfev`` the evaluations and ``njev`` the
            gradients computed, as counted here.
        """
        found = self.best_x is not None
        success, message = outcome.success, outcome.message
        if not found:
            success = False
            message = f"{message}; no evaluated cost was finite" if self.evaluations else message
        return TrainResult(x=np.array(self.best_x if found else x0, dtype=np.float64),
                           fun=self.best_cost if found else math.nan, success=success, status=outcome.status,
                           message=message, nit=self.nit, nfev=self.evaluations,
                           njev=self.counts["fun_and_grad"] + self.counts["grad"], error=error)

    def stopped(self, name: str, x0: np.ndarray) -> TrainResult:
        """The result of a run this guard's own budget stopped (``success=False``,
        ``status=-2``, the message naming which budget); call it where
        :class:`~nnbench.errors.BudgetExhausted` was caught and :attr:`exhausted` is set
        (``None`` means the harness's budget raised it: let that propagate)."""
        stop = self.budget.stop_message("max_evals" if self.exhausted == "max_evals" else "max_seconds")
        return self.result(x0, Outcome(False, -2, f"{name}: {stop}"))


#: ``solve(method, tracked, x0, budget, rng, options) -> Outcome``: run the library's ``method``
#: on ``tracked`` from ``x0`` (a private copy the solver may modify), ``budget`` with
#: ``max_evals`` always set, options checked.
Solve = Callable[[str, Tracked, np.ndarray, Budget, np.random.Generator, dict[str, Any]], Outcome]


@dataclass(frozen=True)
class LibraryTrain:
    """A trainer's picklable ``train`` callable (see :class:`nnbench.contract.trainer.TrainFunction`).

    :param name: the trainer's name, for messages.
    :param method: the library's own name of the method, passed to ``solve``.
    :param solve: a module-level :data:`Solve` function of the plugin.
    :param defaults: the declared options, as ``(key, default)`` pairs.
    """

    name: str
    method: str
    solve: Solve
    defaults: tuple[tuple[str, Any], ...] = ()

    def __call__(self, objective: Any, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
                 **options: Any) -> TrainResult:
        """Run ``solve`` within ``budget`` and return the best point it evaluated.

        A budget without an evaluation limit gets :data:`DEFAULT_MAX_EVALS`. Stopped by its
        own budget (the library overshot its limit, or the time ran out), the result has
        ``success=False``, ``status=-2`` and a message saying which budget
        (:meth:`Tracked.stopped`).

        :raises TypeError: an option the trainer does not declare (called directly, past the
            checks of :mod:`nnbench.contract.options`).
        :raises BudgetExhausted: from the harness's objective, untouched.
        """
        declared = dict(self.defaults)
        unknown = set(options) - set(declared)
        if unknown:
            raise TypeError(f"{self.name} got unexpected options {sorted(unknown)}")
        x0 = np.array(x0, dtype=np.float64)
        budget = Budget(max_evals=budget.evals_or(DEFAULT_MAX_EVALS), max_seconds=budget.max_seconds)
        tracked = Tracked(objective, budget)
        try:
            outcome = self.solve(self.method, tracked, x0.copy(), budget, rng, {**declared, **options})
        except BudgetExhausted:
            if tracked.exhausted is None:
                raise  # the harness's budget, not this trainer's: the harness keeps the best point
            return tracked.stopped(self.name, x0)
        return tracked.result(x0, outcome)
