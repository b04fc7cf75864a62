"""The instrumented objective: counts, best-so-far history, and budget enforcement.

The harness hands every trainer an :class:`InstrumentedObjective` instead of the bare
:class:`~nnbench.core.objective.Objective`. It has the same cost interface and

* counts every call by kind (``fun``, ``grad``, ``fun_and_grad``, ``hessp``, ``hess``,
  ``residuals``, ``residual_jac``); an *evaluation* is a call that computes the cost
  (``fun``, ``fun_and_grad``, ``residuals``);
* records every improvement of the best-so-far cost as ``(evaluations, seconds, cost, work)``,
  the convergence history (COCO's best-so-far, Hansen et al. 2021); a NaN cost never
  counts as an improvement;
* keeps the weights of the best cost, since a trainer is judged on the best point it
  evaluated (as COCO does), not on where it stopped;
* is safe to call from several threads: one call at a time, so counts and the budget are
  exact (a trainer that evaluates in threads gets exactly ``max_evals`` evaluations);
* enforces the :class:`~nnbench.contract.trainer.Budget`: the call that would exceed
  ``max_evals`` evaluations, or any call after ``max_seconds``, raises
  :class:`~nnbench.errors.BudgetExhausted` instead of computing.

Counts come from here, never from what an optimizer claims.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from nnbench.errors import BudgetExhausted
from nnbench.contract.trainer import Budget

__all__ = ["InstrumentedObjective", "CALL_KINDS", "EVALUATION_KINDS", "WORK", "call_work"]

#: Every kind of call the instrumentation counts, in report order.
CALL_KINDS: tuple[str, ...] = ("fun", "grad", "fun_and_grad", "hessp", "hess", "residuals", "residual_jac")
#: The kinds that compute the cost: each call is one evaluation.
EVALUATION_KINDS: tuple[str, ...] = ("fun", "fun_and_grad", "residuals")

#: The work of one call, in forward-pass equivalents: a cost 1; a gradient by backpropagation 3
#: (reverse mode costs a small multiple of the function, Griewank & Walther, "Evaluating
#: Derivatives", 2nd ed. 2008, sec. 4.6); a Hessian-vector product by the R-operator 5
#: (Pearlmutter 1994: a forward and a backward pass, each with its R-pass). The residual
#: Jacobian costs ``1 + 2 n_outputs`` and the dense Hessian ``n_params`` Hessian-vector
#: products (:func:`call_work`). The optimizer's own linear algebra is not counted.
WORK: dict[str, float] = {"fun": 1.0, "residuals": 1.0, "fun_and_grad": 3.0, "grad": 3.0, "hessp": 5.0}


def call_work(kind: str, n_params: int, n_outputs: int) -> float:
    """The work of one call of ``kind`` (:data:`WORK`), in forward-pass equivalents.

    :param n_params: the network's weights (a dense Hessian is that many products).
    :param n_outputs: its outputs (the residual Jacobian is one backward pass per output).
    """
    if kind == "hess":
        return WORK["hessp"] * n_params
    if kind == "residual_jac":
        return 1.0 + 2.0 * n_outputs
    return WORK[kind]


class InstrumentedObjective:
    """Wrap ``objective`` to count calls, follow the best-so-far cost and enforce ``budget``.

    :param objective: an :class:`~nnbench.core.objective.Objective` (or anything with its methods).
    :param budget: the trial's :class:`~nnbench.contract.trainer.Budget`.
    :param target: a target cost; the first evaluation at or below it sets
        :attr:`evals_to_target` and :attr:`seconds_to_target`. ``None`` for none.
    :param reached: instead of (or beside) a target cost, a predicate of the weights
        (``reached(theta) -> bool``: all training points classified, an R^2 reached) asked
        at each improvement of the best-so-far cost until it first holds. It is neither
        counted nor timed: the clock (and the time limit) is paused while it runs.
    :param clock: seconds as a float (default ``time.perf_counter``).

    The clock starts at construction (or at :meth:`restart`). Attributes after a run:
    ``counts`` (dict kind -> calls), ``evaluations``, ``work`` (forward-pass equivalents,
    :data:`WORK`), ``best_cost`` (``inf`` until a finite cost is seen), ``best_x`` (float64
    ``(n_params,)`` or ``None``), ``history`` (list of ``(evaluations, seconds, cost, work)``), ``exhausted`` (``None``, ``"max_evals"`` or
    ``"time_limit"``), ``evals_to_target``, ``seconds_to_target``.
    """

    def __init__(self, objective: Any, budget: Budget | None = None, target: float | None = None,
                 clock: Callable[[], float] = time.perf_counter,
                 reached: Callable[[np.ndarray], bool] | None = None) -> None:
        self.objective = objective
        self.budget = budget or Budget(max_evals=None, max_seconds=None)
        self.target = target
        self.reached = reached
        self._clock = clock
        for name in ("n_params", "n_residuals", "has_residuals", "loss", "network", "dataset", "X", "y"):
            if hasattr(objective, name):
                setattr(self, name, getattr(objective, name))
        self._max_evals = math.inf if self.budget.max_evals is None else self.budget.max_evals
        y = getattr(objective, "y", None)
        n_outputs = int(y.shape[1]) if y is not None and getattr(y, "ndim", 0) == 2 else 1
        self._work = {k: call_work(k, int(getattr(objective, "n_params", 0)), n_outputs) for k in CALL_KINDS}
        # one call at a time: the counts and the budget stay exact when a trainer calls from
        # several threads, and the objective's buffers are not shared by two calls
        self._lock = threading.Lock()
        self.restart()

    def restart(self) -> None:
        """Zero the counts and the history and restart the clock."""
        self.counts: dict[str, int] = dict.fromkeys(CALL_KINDS, 0)
        self.evaluations = 0
        self.work = 0.0
        self.best_cost = math.inf
        self.best_x: np.ndarray | None = None
        self.history: list[tuple[int, float, float, float]] = []
        self.exhausted: str | None = None
        self.evals_to_target: int | None = None
        self.seconds_to_target: float | None = None
        self.t0 = self._clock()
        self._deadline = math.inf if self.budget.max_seconds is None else self.t0 + self.budget.max_seconds

    def elapsed(self) -> float:
        """Seconds since the clock started."""
        return self._clock() - self.t0

    # -- bookkeeping ----------------------------------------------------------------------
    def _before(self, kind: str, evaluation: bool) -> None:
        if evaluation and self.evaluations >= self._max_evals:
            self.exhausted = "max_evals"
            raise BudgetExhausted("max_evals", f"budget of {self.budget.max_evals} evaluations spent")
        if self._clock() > self._deadline:
            self.exhausted = "time_limit"
            raise BudgetExhausted("time_limit", f"time limit of {self.budget.max_seconds:g} s reached")
        self.counts[kind] += 1
        self.work += self._work[kind]

    def _after(self, cost: float, theta: np.ndarray) -> None:
        self.evaluations += 1
        if cost < self.best_cost:  # False for NaN: a NaN never counts as best
            self.best_cost = cost
            # a copy (an optimizer may overwrite theta in place); ndarray.copy() takes a
            # quarter of np.array()'s time, which counts at the tutorial's size (bench_harness.py)
            self.best_x = (theta.copy() if type(theta) is np.ndarray and theta.dtype == np.float64
                           else np.array(theta, dtype=np.float64))
            t = self._clock() - self.t0
            self.history.append((self.evaluations, t, cost, self.work))
            if self.evals_to_target is None and (self.target is not None or self.reached is not None):
                self._check_target(cost, self.best_x, t)

    def _check_target(self, cost: float, theta: np.ndarray, t: float) -> None:
        """Whether this new best point reaches the target: the cost, and the predicate asked
        with the clock paused (its seconds are added to the start, so they are in no
        measurement and move the deadline too)."""
        if self.target is not None and not cost <= self.target:
            return
        if self.reached is not None:
            start = self._clock()
            hit = bool(self.reached(theta))
            paused = self._clock() - start
            self.t0 += paused
            self._deadline += paused
            if not hit:
                return
        self.evals_to_target = self.evaluations
        self.seconds_to_target = t

    # -- the cost interface ---------------------------------------------------------------
    def fun(self, theta: np.ndarray) -> float:
        """:meth:`Objective.fun <nnbench.core.objective.Objective.fun>`, counted as one evaluation."""
        with self._lock:
            self._before("fun", True)
            cost = self.objective.fun(theta)
            self._after(cost, theta)
            return cost

    def fun_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """:meth:`Objective.fun_and_grad <nnbench.core.objective.Objective.fun_and_grad>`, one evaluation."""
        with self._lock:
            self._before("fun_and_grad", True)
            cost, g = self.objective.fun_and_grad(theta)
            self._after(cost, theta)
            return cost, g

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """:meth:`Objective.residuals <nnbench.core.objective.Objective.residuals>`, one evaluation
        (the cost is the sum of squared residuals)."""
        with self._lock:
            self._before("residuals", True)
            r = self.objective.residuals(theta)
            self._after(float(r @ r), theta)
            return r

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """:meth:`Objective.grad <nnbench.core.objective.Objective.grad>`; counted, not an evaluation."""
        with self._lock:
            self._before("grad", False)
            return self.objective.grad(theta)

    def hessp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """:meth:`Objective.hessp <nnbench.core.objective.Objective.hessp>`; counted, not an evaluation."""
        with self._lock:
            self._before("hessp", False)
            return self.objective.hessp(theta, v)

    def hess(self, theta: np.ndarray) -> np.ndarray:
        """:meth:`Objective.hess <nnbench.core.objective.Objective.hess>`; counted, not an evaluation."""
        with self._lock:
            self._before("hess", False)
            return self.objective.hess(theta)

    def residual_jac(self, theta: np.ndarray) -> np.ndarray:
        """:meth:`Objective.residual_jac <nnbench.core.objective.Objective.residual_jac>`; counted,
        not an evaluation."""
        with self._lock:
            self._before("residual_jac", False)
            return self.objective.residual_jac(theta)

    # -- pass-through ---------------------------------------------------------------------
    def x0(self, rng: np.random.Generator) -> np.ndarray:
        """The wrapped objective's initial weights (not counted)."""
        return self.objective.x0(rng)

    def predict(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """The wrapped objective's predictions (not counted)."""
        return self.objective.predict(theta, X)
