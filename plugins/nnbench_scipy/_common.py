"""What every scipy trainer shares: budget guard, best point seen, failures as results."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbench.errors import BudgetExhausted, ConfigError
from nnbench.instrument import InstrumentedObjective
from nnbench.trainer import Budget, Trainer, TrainResult

#: Every trainer this plugin declares, by name (filled by :func:`declare`).
DECLARED: dict[str, Trainer] = {}

#: Half-width of the default box ``[-DEFAULT_BOUND, DEFAULT_BOUND]`` per weight for the
#: global optimizers that need bounds (option ``bound``). Sigmoid networks saturate well
#: inside it: ``expit(10) = 0.99995``.
DEFAULT_BOUND = 10.0

#: The exceptions scipy raises on a non-finite cost or a singular/indefinite matrix
#: (``numpy.linalg.LinAlgError`` is a ``ValueError``); reported as ``success=False``.
SCIPY_FAILURES = (ValueError, ArithmeticError, RuntimeError)


class Tracked(InstrumentedObjective):
    """The objective as the optimizer sees it: nnbench's own instrumentation
    (:class:`~nnbench.instrument.InstrumentedObjective`), so that a trainer used on its own
    also stops at its budget and returns the best point it evaluated.

    Inside a harness trial it wraps the harness's instrumented objective; whichever budget
    check fires first raises :class:`~nnbench.errors.BudgetExhausted`, and
    :attr:`exhausted` tells whether it was this one (``None``: it came from outside and
    must propagate).

    :param objective: an :class:`~nnbench.objective.Objective` or the harness's wrapper.
    :param budget: ``max_evals`` evaluations (``fun``, ``fun_and_grad``, ``residuals``),
        ``max_seconds`` wall-clock seconds from construction.
    """

    @property
    def evals(self) -> int:
        """Evaluations so far."""
        return self.evaluations

    @property
    def best_fun(self) -> float:
        """The lowest finite cost evaluated (``inf`` before any)."""
        return self.best_cost

    def best(self, x0: np.ndarray, success: bool, status: int, message: str) -> TrainResult:
        """A result at the best point seen (``x0`` and ``nan`` if none was finite)."""
        x = x0 if self.best_x is None else self.best_x
        return TrainResult(x=np.array(x, dtype=np.float64), fun=self.best_fun if self.best_x is not None else math.nan,
                           success=success, status=status, message=message, nfev=self.evals)


Solve = Callable[[Tracked, np.ndarray, Budget, np.random.Generator, dict[str, Any]], TrainResult]


@dataclass(frozen=True)
class Train:
    """A picklable ``train`` callable: refusal check, budget guard, failure handling.

    :param name: the trainer's name in :data:`DECLARED`.
    :param solve: a module-level ``solve(tracked, x0, budget, rng, options) -> TrainResult``.
    """

    name: str
    solve: Solve

    def __call__(self, objective: Any, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
                 **options: Any) -> TrainResult:
        """Run the trainer; see :class:`nnbench.trainer.TrainFunction`.

        The returned ``x`` and ``fun`` are the best point the optimizer evaluated and the
        objective's cost there (scipy's ``res.x`` when its cost is that one); ``nan`` when
        no evaluated cost was finite. Stopping at the budget gives ``success=False`` and
        ``status=-2``; scipy failing on a non-finite cost or an indefinite matrix gives
        ``success=False``, ``status=-3`` and scipy's error as the message.

        :raises BudgetExhausted: from the harness's objective, untouched.
        :raises ConfigError: an option the scipy function does not take.
        """
        reason = DECLARED[self.name].refusal(objective)
        if reason is not None:
            return TrainResult.skip(x0, reason)
        x0 = np.array(x0, dtype=np.float64)
        tracked = Tracked(objective, budget)
        try:
            result = self.solve(tracked, x0.copy(), budget, rng, dict(options))
        except BudgetExhausted:
            if tracked.exhausted is None:
                raise  # the harness's budget, not this trainer's: the harness keeps the best point
            stop = (f"stopped at the budget of {budget.max_evals} evaluations" if tracked.exhausted == "max_evals"
                    else "stopped at the time budget")
            return tracked.best(x0, False, -2, f"{self.name}: {stop}")
        except ConfigError:  # a bad option
            raise
        except SCIPY_FAILURES as exc:
            return tracked.best(x0, False, -3, f"{self.name} failed: {type(exc).__name__}: {exc}")
        if tracked.best_x is not None and result.fun != tracked.best_fun:
            result.x, result.fun = tracked.best_x.copy(), tracked.best_fun
        elif tracked.best_x is None and tracked.evals:
            result.fun = math.nan  # scipy may report a moderated cost (COBYLA maps NaN to 1e30)
        if not math.isfinite(result.fun):
            result.success = False
            result.message = f"{result.message}; the cost is not finite ({result.fun})".lstrip("; ")
        return result


def from_scipy(res: Any, fun: float | None = None) -> TrainResult:
    """:meth:`TrainResult.from_scipy` with a list message (basinhopping, dual_annealing) joined."""
    result = TrainResult.from_scipy(res, fun)
    if isinstance(res.message, (list, tuple)):
        result.message = "; ".join(map(str, res.message))
    return result


def declare(name: str, family: str, solve: Solve, summary: str, **declaration: Any) -> Trainer:
    """Build the :class:`~nnbench.trainer.Trainer` ``name`` and record it in :data:`DECLARED`."""
    trainer = Trainer(name=name, family=family, train=Train(name, solve), summary=summary, **declaration)
    DECLARED[name] = trainer
    return trainer


def rng_keyword(func: Callable[..., Any], rng: np.random.Generator) -> dict[str, Any]:
    """``{"rng": rng}`` where ``func`` accepts it (scipy >= 1.15), else ``{"seed": rng}``."""
    return {"rng": rng} if "rng" in inspect.signature(func).parameters else {"seed": rng}


def check_options(name: str, options: Mapping[str, Any], func: Callable[..., Any],
                  extra: tuple[str, ...] = ()) -> None:
    """Every key of ``options`` is a keyword of the scipy function ``func`` or in ``extra``.

    :raises ConfigError: an unknown option, naming the trainer and listing the valid ones.
    """
    valid = set(inspect.signature(func).parameters) | set(extra)
    valid -= {"func", "fun", "x0", "bounds", "args", "jac", "callback", "minimizer_kwargs", "method", "kwargs"}
    unknown = sorted(set(options) - valid)
    if unknown:
        raise ConfigError(f"trainer {name!r} has no option {unknown[0]!r}; options: {', '.join(sorted(valid))}")


def box(n: int, options: Mapping[str, Any]) -> list[tuple[float, float]]:
    """``[(-b, b)] * n`` with ``b = options.get("bound", DEFAULT_BOUND)``."""
    b = float(options.get("bound", DEFAULT_BOUND))
    return [(-b, b)] * n
