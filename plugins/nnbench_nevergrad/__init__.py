"""nevergrad's gradient-free optimizers as nnbench trainers: ``ng-NGOpt``, ``ng-TwoPointsDE``, ...

Each trainer runs one optimizer of ``nevergrad.optimizers.registry`` (Rapin & Teytaud 2018,
"Nevergrad - A gradient-free optimization platform", https://github.com/facebookresearch/nevergrad)
on an unbounded ``nevergrad.p.Array`` initialised at ``x0``, by ask and tell with one
worker: every candidate is evaluated through the objective's ``fun``, so nnbench's
instrumentation charges each evaluation. The result is the best point evaluated, not
nevergrad's recommendation (which may be a point never evaluated, e.g. TBPSA's mean).

Options: ``sigma=1.0``, the Array's mutation scale (nevergrad's own default).

Budget: nevergrad's ``budget = max_evals`` (nevergrad's optimizers plan by it: NGOpt picks
its algorithm from the budget and the dimension), and exactly ``max_evals`` asks and tells;
``max_seconds`` is enforced by nnbench's guard (``status=-2``). nevergrad has no
convergence test: a completed run has ``success=False`` and ``status=1``. Costs of 5e20 or
more, NaN included, are clipped to 5e20 by nevergrad itself; its ``LossTooLargeWarning``
about it is silenced, since unbounded weights make such costs routine.

Seeding: the parametrization's ``random_state`` is a ``numpy.random.RandomState`` seeded
with an integer drawn from the trial's ``rng`` (:func:`nnbench.adapter.seed_from`).

numpy >= 2.4: nevergrad's metamodel (``nevergrad.optimization.metamodel.learn_on_k_best``,
used by NGOpt's choices ``MetaModel`` and ``MetaModelOnePlusOne`` on small budgets) calls
``float()`` on the one-element array a scikit-learn model predicts, which numpy 2.4 turned
from a DeprecationWarning into a TypeError (numpy 2.4.0 release notes, "Raise TypeError on
attempt to convert array with ndim > 0 to scalar"; nevergrad issue #1612). :func:`prepare`
gives that module a ``float`` that takes a one-element array, as numpy < 2.4 did.
"""

from __future__ import annotations

import builtins
import warnings
from numbers import Real
from typing import Any

import numpy as np

from nnbench.adapter import (DEFAULT_MAX_EVALS, LibraryTrain, Outcome, Tracked, import_library, library_version,
                             seed_from)
from nnbench.hookspecs import hookimpl
from nnbench.trainer import Budget, Interval, Trainer

__all__ = ["DEFAULTS", "LIBRARY", "METHODS", "TRAINERS", "nnbench_trainers", "prepare", "solve"]

#: ``"nevergrad <version>"`` when nevergrad is installed, else ``""`` (and no trainers).
LIBRARY = library_version("nevergrad")

#: The declared options and their defaults.
DEFAULTS: dict[str, Any] = {"sigma": 1.0}

#: Every trainer, by nevergrad's own name (the trainer is ``ng-<name>``), with its summary.
METHODS: dict[str, str] = {
    "NGOpt": "nevergrad NGOpt: picks an algorithm from the budget and the dimension (wizard)",
    "TwoPointsDE": "nevergrad TwoPointsDE: differential evolution with two-points crossover",
    "PSO": "nevergrad PSO: particle swarm optimization (Kennedy & Eberhart 1995)",
    "OnePlusOne": "nevergrad OnePlusOne: (1+1) evolution strategy, one-fifth rule",
    "TBPSA": "nevergrad TBPSA: test-based population-size adaptation (Hellwig & Beyer 2016)",
    "DE": "nevergrad DE: differential evolution (Storn & Price 1997)",
    "RandomSearch": "nevergrad RandomSearch: Gaussian samples around x0, the baseline",
}


def _float(value: Any) -> float:
    """``float(value)``, also of a one-element ndarray (numpy < 2.4's behaviour)."""
    if isinstance(value, np.ndarray) and value.size == 1:
        return builtins.float(value.reshape(()))
    return builtins.float(value)


def prepare() -> Any:
    """Import nevergrad and return the module (a worker calls this before its trials' clocks
    start); under numpy >= 2.4, give nevergrad's metamodel module a ``float`` that converts a
    one-element array (see the module docstring). pycma, which nevergrad's CMA variants
    import on first use, is imported first with its import warnings silenced
    (:data:`nnbench.adapter.IMPORT_WARNINGS`).

    :raises ImportError: nevergrad is not installed.
    """
    import_library("cma")  # a dependency of nevergrad
    nevergrad = import_library("nevergrad")
    import nevergrad.optimization.metamodel as metamodel

    if np.lib.NumpyVersion(np.__version__) >= "2.4.0" and "float" not in vars(metamodel):
        metamodel.float = _float
    return nevergrad


def solve(method: str, tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
          options: dict[str, Any]) -> Outcome:
    """nevergrad's ``method`` from ``x0``: exactly ``max_evals`` asks, each one ``tracked.fun``.

    :param method: a key of :data:`METHODS`.
    :param options: ``sigma``, checked by :data:`CONSTRAINTS` before the run.
    """
    ng = prepare()
    parametrization = ng.p.Array(init=x0).set_mutation(sigma=options["sigma"])
    parametrization.random_state = np.random.RandomState(seed_from(rng))
    limit = budget.evals_or(DEFAULT_MAX_EVALS)
    optimizer = ng.optimizers.registry[method](parametrization=parametrization, budget=limit, num_workers=1)
    tracked.nit = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ng.errors.LossTooLargeWarning)
        for _ in range(limit):
            candidate = optimizer.ask()
            optimizer.tell(candidate, tracked.fun(candidate.value))
            tracked.nit += 1
    return Outcome(False, 1, f"ng-{method}: spent its budget of {limit} evaluations")


#: What each option takes: the initial mutation scale ``sigma`` > 0.
CONSTRAINTS = {"sigma": [Interval(Real, 0, None, closed="neither")]}


def _declare(method: str) -> Trainer:
    name = f"ng-{method}"
    return Trainer(name=name, family="global", train=LibraryTrain(name, method, solve, tuple(DEFAULTS.items())),
                   summary=METHODS[method], stochastic=True, options=dict(DEFAULTS), constraints=CONSTRAINTS, library=LIBRARY, probe_options=True, setup=prepare)


#: Every trainer of this plugin, in listing order; none when nevergrad is not installed.
TRAINERS: tuple[Trainer, ...] = tuple(_declare(m) for m in METHODS) if LIBRARY else ()


@hookimpl
def nnbench_trainers() -> list[Trainer]:
    """The nevergrad trainers of :data:`METHODS`, or none when nevergrad is not installed."""
    return list(TRAINERS)
