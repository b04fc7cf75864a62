"""Full-batch first-order trainers in numpy: gradient descent, momentum, Adam.

This plugin is the worked example of ``plugins/README.md``: one module, one hook, three
:class:`~nnbench.trainer.Trainer` declarations.

Every step makes exactly one ``fun_and_grad`` call (one evaluation) on all the data. A run
stops when ``budget.max_evals`` steps are done, when ``budget.max_seconds`` have passed,
when the gradient norm falls below ``gtol``, or when the cost stops being finite (then
``success=False``). The result is the best point seen, so it is never worse than ``x0``.

Hyperparameters (options, overridable as ``--option adam.learning_rate=0.01``):

- ``gradient-descent``: ``x <- x - learning_rate * g`` (Cauchy 1847); ``learning_rate=0.1``.
- ``momentum``: heavy ball (Polyak 1964, "Some methods of speeding up the convergence of
  iteration methods", USSR Comput. Math. Math. Phys. 4(5)):
  ``v <- beta * v - learning_rate * g; x <- x + v``; ``learning_rate=0.05, beta=0.9``.
- ``adam``: Kingma & Ba 2015, "Adam: a method for stochastic optimization", ICLR, Algorithm 1,
  with the paper's defaults ``learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8``.
- all: ``gtol=1e-6`` (stop when ``||g||_2 < gtol``), ``max_steps=10000`` (used when the
  budget has no evaluation limit).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from nnbench.hookspecs import hookimpl
from nnbench.trainer import Budget, Distribution, Interval, LogUniform, Trainer, TrainResult, Uniform

__all__ = ["TRAINERS", "CONSTRAINTS", "nnbench_trainers", "gd_step", "momentum_step", "adam_step"]

#: A step: ``step(x, g, state, t, options) -> None`` updates ``x`` (and ``state``) in place;
#: ``t`` counts steps from 1.
Step = Callable[[np.ndarray, np.ndarray, dict[str, np.ndarray], int, dict[str, float]], None]

_COMMON = {"gtol": 1e-6, "max_steps": 10000}

_POSITIVE = [Interval(Real, 0, None, closed="neither")]
_FRACTION = [Interval(Real, 0, 1, closed="left")]

#: What each option takes (checked before any trial runs).
CONSTRAINTS: dict[str, list] = {
    "learning_rate": _POSITIVE, "epsilon": _POSITIVE, "beta": _FRACTION, "beta1": _FRACTION, "beta2": _FRACTION,
    "gtol": [Interval(Real, 0, None, closed="left")], "max_steps": [Interval(Integral, 1, None, closed="left")],
}


def gd_step(x: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], t: int, o: dict[str, float]) -> None:
    """Gradient descent: ``x -= learning_rate * g``."""
    x -= o["learning_rate"] * g


def momentum_step(x: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], t: int, o: dict[str, float]) -> None:
    """Heavy ball (Polyak 1964): ``v = beta * v - learning_rate * g; x += v``."""
    v = state.setdefault("v", np.zeros_like(x))
    v *= o["beta"]
    v -= o["learning_rate"] * g
    x += v


def adam_step(x: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], t: int, o: dict[str, float]) -> None:
    """Adam (Kingma & Ba 2015, Algorithm 1): bias-corrected first and second moments."""
    m = state.setdefault("m", np.zeros_like(x))
    v = state.setdefault("v", np.zeros_like(x))
    m *= o["beta1"]
    m += (1.0 - o["beta1"]) * g
    v *= o["beta2"]
    v += (1.0 - o["beta2"]) * g * g
    m_hat = m / (1.0 - o["beta1"] ** t)
    v_hat = v / (1.0 - o["beta2"] ** t)
    x -= o["learning_rate"] * m_hat / (np.sqrt(v_hat) + o["epsilon"])


@dataclass(frozen=True)
class FirstOrder:
    """The ``train`` callable shared by the three trainers (picklable).

    :param name: the trainer's name (for messages).
    :param step: the update rule.
    :param defaults: the option defaults, including ``gtol`` and ``max_steps``.
    """

    name: str
    step: Step
    defaults: tuple[tuple[str, float], ...]

    def __call__(self, objective: Any, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
                 **options: Any) -> TrainResult:
        """Run full-batch steps from ``x0``; see :class:`nnbench.trainer.TrainFunction`.

        The options' values are checked before a run against the trainer's declaration
        (:data:`CONSTRAINTS`); here they are only used.

        :returns: the best point seen; ``nit`` steps taken, ``nfev == njev == nit + 1``
            evaluations (``fun_and_grad`` calls).
        :raises TypeError: an option this trainer does not have.
        :raises BudgetExhausted: from the harness's objective, untouched.
        """
        o = dict(self.defaults)
        unknown = set(options) - set(o)
        if unknown:
            raise TypeError(f"{self.name} got unexpected options {sorted(unknown)}")
        o.update(options)
        limit = budget.evals_or(int(o["max_steps"]) + 1)
        deadline = math.inf if budget.max_seconds is None else time.perf_counter() + budget.max_seconds
        x = np.array(x0, dtype=np.float64)
        best_x, best_f = x.copy(), math.inf
        state: dict[str, np.ndarray] = {}
        evals, success, status, message = 0, False, 1, f"stopped at the budget of {limit} evaluations"
        while evals < limit:
            if time.perf_counter() > deadline:
                status, message = 2, "stopped at the time budget"
                break
            f, g = objective.fun_and_grad(x)
            evals += 1
            if not (math.isfinite(f) and np.isfinite(g).all()):
                status, message = 3, f"the cost or gradient is not finite (cost {f}) after {evals - 1} steps"
                break
            if f < best_f:
                best_f, best_x = float(f), x.copy()
            if float(np.linalg.norm(g)) < o["gtol"]:
                success, status, message = True, 0, f"gradient norm below gtol={o['gtol']:g}"
                break
            if evals < limit:
                self.step(x, g, state, evals, o)
        return TrainResult(x=best_x, fun=best_f if best_f < math.inf else math.nan, success=success,
                           status=status, message=message, nit=max(evals - 1, 0), nfev=evals, njev=evals)


#: Where tuning searches (``nnbench run --tune N``): the step sizes on a log scale over four
#: decades around the defaults, momentum's beta over [0.5, 0.99).
SEARCH_SPACES: dict[str, dict[str, Distribution]] = {
    "gradient-descent": {"learning_rate": LogUniform(1e-3, 10.0)},
    "momentum": {"learning_rate": LogUniform(1e-4, 1.0), "beta": Uniform(0.5, 0.99)},
    "adam": {"learning_rate": LogUniform(1e-4, 1.0)},
}


def _trainer(name: str, step: Step, summary: str, **hyper: float) -> Trainer:
    defaults = {**hyper, **_COMMON}
    return Trainer(name=name, family="first-order", train=FirstOrder(name, step, tuple(defaults.items())),
                   summary=summary, uses=frozenset({"gradient"}), options=defaults,
                   constraints={k: CONSTRAINTS[k] for k in defaults}, search_space=SEARCH_SPACES[name])


#: The three trainers, in listing order.
TRAINERS: tuple[Trainer, ...] = (
    _trainer("gradient-descent", gd_step, "full-batch gradient descent, fixed learning rate (Cauchy 1847)",
             learning_rate=0.1),
    _trainer("momentum", momentum_step, "full-batch heavy-ball momentum (Polyak 1964)",
             learning_rate=0.05, beta=0.9),
    _trainer("adam", adam_step, "full-batch Adam (Kingma & Ba 2015), the paper's defaults",
             learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8),
)


@hookimpl
def nnbench_trainers() -> list[Trainer]:
    """gradient-descent, momentum and adam."""
    return list(TRAINERS)
