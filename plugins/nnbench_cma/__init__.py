"""pycma's CMA-ES as an nnbench trainer: ``cma-CMA-ES``.

CMA-ES (Hansen & Ostermeier 2001, "Completely derandomized self-adaptation in evolution
strategies", Evolutionary Computation 9(2); Hansen 2016, "The CMA Evolution Strategy: a
tutorial", arXiv:1604.00772) by pycma's ask-and-tell interface
(``cma.CMAEvolutionStrategy``): every member of every population is evaluated through the
objective's ``fun``, one by one, so nnbench's instrumentation charges each evaluation.

Options (pycma's own names): ``sigma0=1.0``, the initial step size per weight (the same as
nevergrad's default ``sigma`` for an unbounded array), and ``popsize=None`` for pycma's
default ``4 + floor(3 ln n)``.

Budget: pycma's ``maxfevals = max_evals - 1`` (pycma stops once ``countevals - 1 >=
maxfevals``, so this stops it at ``max_evals`` evaluations) and ``timeout = max_seconds``.
pycma checks them between generations, so a population that would cross the budget is cut
off by nnbench's guard after exactly ``max_evals`` evaluations (``status=-2``); the members
evaluated count towards the best point. Stopping reasons (``es.stop()``): ``tolfun``, ``tolfunhist``,
``tolfunrel``, ``tolx``, ``ftarget`` are convergence (``success=True``, ``status=0``);
``maxfevals``, ``maxiter``, ``timeout`` its limits (``status=1``); any other criterion
(``tolflatfitness``, ``tolstagnation``, ``conditioncov``, ...) ``status=2``. A NaN cost is
told to pycma as ``inf``.

Seeding: pycma's ``seed`` option, an integer drawn from the trial's ``rng``
(:func:`nnbench.adapter.seed_from`). pycma seeds numpy's global ``numpy.random`` state with
it, so two CMA-ES runs in threads of one process would interleave; processes are safe.

Output: ``verbose=-9``, ``verb_disp=0`` and ``verb_log=0``: nothing is printed and pycma's
``outcmaes/`` files are not written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from nnbench.adapter import (DEFAULT_MAX_EVALS, LibraryTrain, Outcome, Tracked, import_library, library_version,
                             seed_from)
from nnbench.hookspecs import hookimpl
from nnbench.trainer import Budget, Constraint, Interval, Trainer

__all__ = ["CONVERGED", "DEFAULTS", "LIBRARY", "LIMITS", "TRAINERS", "nnbench_trainers", "prepare", "solve"]

#: ``"cma <version>"`` when pycma is installed, else ``""`` (and no trainers).
LIBRARY = library_version("cma")

#: The declared options and their defaults.
DEFAULTS: dict[str, Any] = {"sigma0": 1.0, "popsize": None}

#: pycma's termination criteria that mean convergence (``success=True``).
CONVERGED = frozenset({"ftarget", "tolfun", "tolfunhist", "tolfunrel", "tolx"})

#: pycma's termination criteria that are its evaluation, iteration and time limits.
LIMITS = frozenset({"maxfevals", "maxiter", "timeout"})


def prepare() -> Any:
    """Import pycma and return the module (a worker calls this before its trials' clocks start).

    :raises ImportError: pycma is not installed.
    """
    return import_library("cma")


def solve(method: str, tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
          options: dict[str, Any]) -> Outcome:
    """CMA-ES from ``x0`` by ask and tell, each population member one ``tracked.fun`` call.

    :param method: ``"CMA-ES"``.
    :param options: ``sigma0`` and ``popsize``, checked by :data:`CONSTRAINTS` before the run.
    """
    sigma0, popsize = options["sigma0"], options["popsize"]
    cma = prepare()
    # pycma stops when ``countevals - 1 >= maxfevals`` (evolution_strategy.py, _CMAStopDict):
    # maxfevals = max_evals - 1 stops it at max_evals evaluations, not one generation later
    inopts: dict[str, Any] = {"seed": seed_from(rng), "maxfevals": budget.evals_or(DEFAULT_MAX_EVALS) - 1,
                              "verbose": -9, "verb_disp": 0, "verb_log": 0}
    if popsize is not None:
        inopts["popsize"] = int(popsize)
    if budget.max_seconds is not None:
        inopts["timeout"] = budget.max_seconds
    es = cma.CMAEvolutionStrategy(x0, sigma0, inopts)
    tracked.nit = 0
    while not es.stop():
        population = es.ask()
        costs = [tracked.fun(x) for x in population]
        es.tell(population, [c if not math.isnan(c) else math.inf for c in costs])
        tracked.nit = es.countiter
    stop = dict(es.stop())
    reasons = ", ".join(f"{k}={v}" for k, v in stop.items())
    if CONVERGED & stop.keys():
        return Outcome(True, 0, f"cma-{method}: {reasons}")
    return Outcome(False, 1 if LIMITS & stop.keys() else 2, f"cma-{method}: {reasons}")


#: What each option takes: ``sigma0`` > 0; ``popsize`` an integer >= 2, or ``None`` for
#: pycma's default 4 + 3 ln n.
CONSTRAINTS: Mapping[str, Sequence[Constraint | None]] = {
    "sigma0": [Interval(Real, 0, None, closed="neither")],
    "popsize": [Interval(Integral, 2, None, closed="left"), None]}

#: The one trainer of this plugin; none when pycma is not installed.
TRAINERS: tuple[Trainer, ...] = (
    Trainer(name="cma-CMA-ES", family="global", train=LibraryTrain("cma-CMA-ES", "CMA-ES", solve, tuple(DEFAULTS.items())),
            summary="pycma CMA-ES (Hansen & Ostermeier 2001), every population member charged",
            stochastic=True, state_matrices=3.0,  # the covariance, its eigenvectors, and a copy
            options=dict(DEFAULTS), constraints=CONSTRAINTS, library=LIBRARY, probe_options=True, setup=prepare),
) if LIBRARY else ()


@hookimpl
def nnbench_trainers() -> list[Trainer]:
    """``cma-CMA-ES``, or none when pycma is not installed."""
    return list(TRAINERS)
