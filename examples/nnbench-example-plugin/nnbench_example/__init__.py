"""An example nnbench plugin: one trainer, ``random-search``.

A (1+1) evolution strategy: from the best point so far, try one Gaussian step of size
``sigma``; keep it if the cost is lower. ``sigma`` follows Rechenberg's 1/5th success rule
(Rechenberg 1973; Auger & Hansen, "Tutorial on evolution strategies", 2011): multiplied by
``exp(1/3)`` on a success and by ``exp(-1/12)`` on a failure, so it is stable when one try in
five succeeds. One try is one evaluation (``objective.fun``).

Options: ``sigma`` (initial step, default 0.5), ``min_sigma`` (stop below it, 1e-8), both
positive: declared once in :data:`TRAINER` (``options`` and ``constraints``), which nnbench
checks before any trial runs.
"""

from __future__ import annotations

import math
import time
from numbers import Real
from typing import Any

import numpy as np

from nnbench.hookspecs import hookimpl
from nnbench.trainer import Budget, Interval, Trainer, TrainResult

__version__ = "0.1.0"
DEFAULTS = {"sigma": 0.5, "min_sigma": 1e-8}
CONSTRAINTS = {name: [Interval(Real, 0, None, closed="neither")] for name in DEFAULTS}


def train_random_search(objective: Any, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
                        **options: Any) -> TrainResult:
    """(1+1)-ES from ``x0``; returns the best point seen (``nfev`` evaluations)."""
    o = {**DEFAULTS, **options}
    deadline = math.inf if budget.max_seconds is None else time.perf_counter() + budget.max_seconds
    limit = budget.evals_or(10_000)
    best_x = np.array(x0, dtype=np.float64)
    best_f = float(objective.fun(best_x))
    evals, sigma = 1, o["sigma"]
    while evals < limit and sigma >= o["min_sigma"] and time.perf_counter() < deadline:
        if not math.isfinite(best_f):
            break
        trial = best_x + sigma * rng.standard_normal(best_x.size)
        f = float(objective.fun(trial))
        evals += 1
        if f < best_f:
            best_x, best_f, sigma = trial, f, sigma * math.exp(1 / 3)
        else:
            sigma *= math.exp(-1 / 12)
    success = math.isfinite(best_f) and sigma < o["min_sigma"]
    message = (f"step size below min_sigma={o['min_sigma']:g}" if success
               else f"the cost is not finite ({best_f})" if not math.isfinite(best_f)
               else f"stopped after {evals} evaluations")
    return TrainResult(x=best_x, fun=best_f, success=success, status=0 if success else 1, message=message,
                       nit=evals - 1, nfev=evals)


TRAINER = Trainer(name="random-search", family="local-derivative-free", train=train_random_search,
                  summary="(1+1) random search, 1/5th success rule (Rechenberg 1973)", stochastic=True,
                  options=DEFAULTS, constraints=CONSTRAINTS)


@hookimpl
def nnbench_trainers() -> list[Trainer]:
    """The example's one trainer."""
    return [TRAINER]
