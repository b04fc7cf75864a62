"""Full-batch first-order trainers in numpy: gradient descent, momentum, Adam, iRprop+, Quickprop.

This plugin is the worked example of ``plugins/README.md``: one module, one hook, five
:class:`~nnbench.trainer.Trainer` declarations.

Every step makes exactly one ``fun_and_grad`` call (one evaluation, one epoch) on all the
data. A run stops when ``budget.max_evals`` steps are done, when ``budget.max_seconds`` have
passed, when the gradient norm falls below ``gtol``, or when the cost stops being finite
(then ``success=False``). The result is the best point seen, so it is never worse than ``x0``.

Hyperparameters (options, overridable as ``--option adam.learning_rate=0.01``):

- ``gradient-descent``: ``x <- x - learning_rate * g`` (Cauchy 1847); ``learning_rate=0.1``.
- ``momentum``: heavy ball (Polyak 1964, "Some methods of speeding up the convergence of
  iteration methods", USSR Comput. Math. Math. Phys. 4(5)):
  ``v <- beta * v - learning_rate * g; x <- x + v``; ``learning_rate=0.05, beta=0.9``.
- ``adam``: Kingma & Ba 2015, "Adam: a method for stochastic optimization", ICLR, Algorithm 1,
  with the paper's defaults ``learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8``.
- ``rprop``: iRprop+ (Igel & Hüsken 2000, "Improving the Rprop learning algorithm", Proc.
  2nd Int. ICSC Symposium on Neural Computation, pp. 115-121: Rprop with the weight
  backtracking of Riedmiller & Braun's Rprop+ done only when the cost went up), see
  :func:`rprop_step`; Riedmiller & Braun's (1993) constants, which iRprop+ keeps:
  ``eta_plus=1.2, eta_minus=0.5, delta0=0.1, delta_max=50, delta_min=1e-6`` (Igel &
  Hüsken's experiments are quoted as starting from ``delta0=0.0125`` with ``delta_min=0``,
  which nnbench could not check against the paper: ``--option rprop.delta0=0.0125`` runs that).
- ``quickprop``: Fahlman 1988, "An empirical study of learning speed in back-propagation
  networks", CMU-CS-88-162, see :func:`quickprop_step`; his maximum growth factor
  ``mu=1.75``, and ``learning_rate=0.1`` (his epsilon, which he tuned per problem: nnbench's
  choice, the same as gradient descent's).
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

__all__ = ["TRAINERS", "CONSTRAINTS", "nnbench_trainers", "gd_step", "momentum_step", "adam_step", "rprop_step",
           "quickprop_step"]

#: A step: ``step(x, g, state, t, options) -> None`` updates ``x`` (and ``state``) in place;
#: ``t`` counts steps from 1. The loop puts the cost at ``x`` in ``state["f"]`` (a 0-d
#: float64 array) before each call, for rules that look at it (iRprop+'s backtracking).
Step = Callable[[np.ndarray, np.ndarray, dict[str, np.ndarray], int, dict[str, float]], None]

_COMMON = {"gtol": 1e-6, "max_steps": 10000}

_POSITIVE = [Interval(Real, 0, None, closed="neither")]
_FRACTION = [Interval(Real, 0, 1, closed="left")]

_NON_NEGATIVE = [Interval(Real, 0, None, closed="left")]

#: What each option takes (checked before any trial runs).
CONSTRAINTS: dict[str, list] = {
    "learning_rate": _POSITIVE, "epsilon": _POSITIVE, "beta": _FRACTION, "beta1": _FRACTION, "beta2": _FRACTION,
    "eta_plus": [Interval(Real, 1, None, closed="neither")], "eta_minus": [Interval(Real, 0, 1, closed="neither")],
    "delta0": _POSITIVE, "delta_max": _POSITIVE, "delta_min": _NON_NEGATIVE, "mu": _POSITIVE,
    "gtol": _NON_NEGATIVE, "max_steps": [Interval(Integral, 1, None, closed="left")],
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


def rprop_step(x: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], t: int, o: dict[str, float]) -> None:
    """iRprop+ (Igel & Hüsken 2000, "Improving the Rprop learning algorithm", the iRprop+
    pseudo-code): one step size ``Delta_i`` per weight, started at ``delta0``, and only the
    sign of the partial derivative ``g_i``. With ``g'`` the (possibly zeroed) gradient of the
    last step and ``E`` the cost (``state["f"]``; ``E'`` the last one):

    - ``g'_i g_i > 0``: ``Delta_i = min(eta_plus Delta_i, delta_max)``, ``dx_i = -sign(g_i) Delta_i``;
    - ``g'_i g_i < 0``: ``Delta_i = max(eta_minus Delta_i, delta_min)``; if ``E > E'`` the last
      step of that weight is taken back (``dx_i = -dx'_i``, the backtracking), else it stays
      (``dx_i = 0``); and ``g_i`` is stored as 0, so the next step of that weight is the third case;
    - ``g'_i g_i = 0``: ``dx_i = -sign(g_i) Delta_i``;

    then ``x += dx``. The first step (``g' = 0``) is ``-sign(g) delta0``. Riedmiller & Braun
    (1993, "A direct adaptive method for faster backpropagation learning: the RPROP
    algorithm", Proc. IEEE ICNN, pp. 586-591) give the step-size rule and the constants.
    """
    if "delta" not in state:
        state["delta"] = np.full_like(x, o["delta0"])
        state["g"] = np.zeros_like(x)
        state["dx"] = np.zeros_like(x)
        state["f_last"] = np.array(np.inf)
    delta, g_last, dx = state["delta"], state["g"], state["dx"]
    product = g_last * g
    grow, shrink = product > 0, product < 0
    delta[grow] = np.minimum(delta[grow] * o["eta_plus"], o["delta_max"])
    delta[shrink] = np.maximum(delta[shrink] * o["eta_minus"], o["delta_min"])
    went_up = bool(state["f"] > state["f_last"])
    dx[shrink] = -dx[shrink] if went_up else 0.0
    move = ~shrink
    dx[move] = -np.sign(g[move]) * delta[move]
    x += dx
    g_last[:] = np.where(shrink, 0.0, g)
    state["f_last"] = np.array(state["f"])


def quickprop_step(x: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], t: int, o: dict[str, float]) -> None:
    """Quickprop (Fahlman 1988, "An empirical study of learning speed in back-propagation
    networks", CMU-CS-88-162): each weight's cost treated as a parabola through its last two
    slopes. With ``S = g_i`` the slope ``dE/dw_i``, ``S'`` the last one, ``dx'`` the last step,
    ``epsilon = learning_rate`` and ``mu`` the maximum growth factor:

    - ``dx' = 0`` (the first step, or after a zero step): the gradient step ``dx = -epsilon S``;
    - else the quadratic step ``dx = S / (S' - S) * dx'`` (to the parabola's minimum), replaced
      by ``mu dx'`` where it would be larger than ``mu |dx'|``, infinite or uphill: where
      ``S`` has not shrunk below ``mu / (1 + mu)`` of ``S'`` in the direction of ``dx'``
      (``sign(dx') S < mu / (1 + mu) sign(dx') S'``);
    - plus the gradient term ``-epsilon S`` where the slope still points the way of the last
      step (``sign(dx') S < 0``); where the slope changed sign (the minimum was crossed) the
      quadratic step alone.

    This is Fahlman's rule as his Cascade-Correlation code and FANN
    (``fann_update_weights_quickprop``) apply it, without their weight decay (nnbench's
    objective has its own L2 penalty) or weight clipping.
    """
    if "dx" not in state:
        state["dx"] = np.zeros_like(x)
        state["g"] = np.zeros_like(x)
    dx_last, g_last = state["dx"], state["g"]
    eps, mu = o["learning_rate"], o["mu"]
    direction = np.sign(dx_last)
    grown = direction * g < (mu / (1.0 + mu)) * direction * g_last
    denominator = g_last - g
    quadratic = np.divide(g, denominator, out=np.zeros_like(g), where=denominator != 0.0) * dx_last
    step = np.where(grown, mu * dx_last, quadratic)
    step += np.where(direction * g < 0.0, -eps * g, 0.0)
    step = np.where(direction == 0.0, -eps * g, step)
    x += step
    dx_last[:] = step
    g_last[:] = g


@dataclass(frozen=True)
class FirstOrder:
    """The ``train`` callable shared by the five trainers (picklable).

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
        stop = (budget.stop_message("max_evals") if budget.max_evals is not None
                else f"stopped at max_steps={o['max_steps']}")
        evals, success, status, message = 0, False, 1, f"{self.name}: {stop}"
        while evals < limit:
            if time.perf_counter() > deadline:
                status, message = 2, f"{self.name}: {budget.stop_message('max_seconds')}"
                break
            f, g = objective.fun_and_grad(x)
            evals += 1
            if not (math.isfinite(f) and np.isfinite(g).all()):
                status, message = 3, (f"{self.name}: the cost or gradient is not finite (cost {f}) "
                                      f"after {evals - 1} steps")
                break
            if f < best_f:
                best_f, best_x = float(f), x.copy()
            if float(np.linalg.norm(g)) < o["gtol"]:
                success, status, message = True, 0, f"{self.name}: gradient norm below gtol={o['gtol']:g}"
                break
            if evals < limit:
                state["f"] = np.array(f, dtype=np.float64)
                self.step(x, g, state, evals, o)
        return TrainResult(x=best_x, fun=best_f if best_f < math.inf else math.nan, success=success,
                           status=status, message=message, nit=max(evals - 1, 0), nfev=evals, njev=evals)


#: Where tuning searches (``nnbench run --tune N``): the step sizes on a log scale over four
#: decades around the defaults, momentum's beta over [0.5, 0.99); Rprop's initial and largest
#: step sizes (its factors are Riedmiller & Braun's, which Igel & Huesken keep); Quickprop's
#: learning rate and its growth limit mu over [1.1, 2.5] around Fahlman's 1.75.
SEARCH_SPACES: dict[str, dict[str, Distribution]] = {
    "gradient-descent": {"learning_rate": LogUniform(1e-3, 10.0)},
    "momentum": {"learning_rate": LogUniform(1e-4, 1.0), "beta": Uniform(0.5, 0.99)},
    "adam": {"learning_rate": LogUniform(1e-4, 1.0)},
    "rprop": {"delta0": LogUniform(1e-4, 1.0), "delta_max": LogUniform(1.0, 100.0)},
    "quickprop": {"learning_rate": LogUniform(1e-3, 10.0), "mu": Uniform(1.1, 2.5)},
}


def _trainer(name: str, step: Step, summary: str, **hyper: float) -> Trainer:
    defaults = {**hyper, **_COMMON}
    return Trainer(name=name, family="first-order", train=FirstOrder(name, step, tuple(defaults.items())),
                   summary=summary, uses=frozenset({"gradient"}), options=defaults,
                   constraints={k: CONSTRAINTS[k] for k in defaults}, search_space=SEARCH_SPACES[name])


#: The five trainers, in listing order.
TRAINERS: tuple[Trainer, ...] = (
    _trainer("gradient-descent", gd_step, "full-batch gradient descent, fixed learning rate (Cauchy 1847)",
             learning_rate=0.1),
    _trainer("momentum", momentum_step, "full-batch heavy-ball momentum (Polyak 1964)",
             learning_rate=0.05, beta=0.9),
    _trainer("adam", adam_step, "full-batch Adam (Kingma & Ba 2015), the paper's defaults",
             learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8),
    _trainer("rprop", rprop_step, "full-batch iRprop+, Rprop with backtracking when the cost rises "
             "(Igel & Huesken 2000)", eta_plus=1.2, eta_minus=0.5, delta0=0.1, delta_max=50.0, delta_min=1e-6),
    _trainer("quickprop", quickprop_step, "full-batch Quickprop, a parabola per weight (Fahlman 1988)",
             learning_rate=0.1, mu=1.75),
)


@hookimpl
def nnbench_trainers() -> list[Trainer]:
    """gradient-descent, momentum, adam, rprop and quickprop."""
    return list(TRAINERS)
