"""A conformance kit for trainer plugins, like scikit-learn's ``parametrize_with_checks``.

Run every check on your trainers in pytest::

    from nnbench.contract.testing import parametrize_with_checks
    from my_plugin import TRAINERS

    @parametrize_with_checks(TRAINERS)
    def test_conformance(trainer, check):
        check(trainer)

or all at once with :func:`check_trainer`. Each check raises ``AssertionError`` naming the
trainer and what went wrong. The checks (:data:`CHECKS`) follow scipy.optimize's own tests:

- :func:`check_description`: a valid :class:`~nnbench.contract.trainer.Trainer` declaration;
- :func:`check_trains_tutorial`: it trains the tutorial problem (2-2-1 sigmoid, no biases,
  SSE, 6 weights, 4 residuals), returning the objective's own cost at its ``x``, or
  refuses it with exactly the reason its declaration gives (``Trainer.refusal``);
- :func:`check_not_worse_than_x0`: the final cost is never above the cost at ``x0``;
- :func:`check_x0_not_mutated`: the caller's ``x0`` is left as it was;
- :func:`check_same_seed_same_result`: the same seed gives the same ``x`` and cost;
- :func:`check_declared_refusals`: called on a problem its declaration refuses (more
  weights than ``max_params``; a cross-entropy loss when it ``needs_residuals``), ``train``
  returns a skipped result with exactly that reason instead of running;
- :func:`check_nan_objective`: an objective whose cost is NaN gives ``success=False``, not
  an exception;
- :func:`check_search_space`: a declared search space names declared options and gives
  values their constraints accept;
- :func:`check_budget_honoured`: :class:`~nnbench.errors.BudgetExhausted` raised by the
  harness's objective propagates (swallowing it fails), and the trainer's own stopping
  keeps within twice ``max_evals`` of a budget it is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from nnbench.contract.instrument import InstrumentedObjective
from nnbench.contract.trainer import DERIVATIVES, FAMILIES, Budget, Trainer, TrainResult
from nnbench.core.network import Network
from nnbench.core.objective import Objective
from nnbench.datasets import load
from nnbench.errors import BudgetExhausted
from nnbench.validation import violation

__all__ = [
    "CHECKS",
    "KIT_BUDGET",
    "check_budget_honoured",
    "check_declared_refusals",
    "check_description",
    "check_nan_objective",
    "check_not_worse_than_x0",
    "check_same_seed_same_result",
    "check_search_space",
    "check_trainer",
    "check_trains_tutorial",
    "check_x0_not_mutated",
    "parametrize_with_checks",
    "tutorial_objective",
    "tutorial_problem",
]

#: The budget the checks give a trainer on the tutorial problem (evaluations).
KIT_BUDGET = Budget(max_evals=100)

#: ``max_evals`` for :func:`check_budget_honoured`.
SMALL_EVALS = 25


def tutorial_objective() -> Objective:
    """The tutorial's problem: its four rows, a 2-2-1 sigmoid network without biases, SSE
    (6 weights, 4 residuals; see ``nnbench tutorial``)."""
    return Objective(Network((2, 2, 1), bias=False), load("tutorial"), "sse")


def tutorial_problem(seed: int = 0) -> tuple[Objective, np.ndarray]:
    """The tutorial objective and ``x0 = objective.x0(np.random.default_rng(seed))`` (6 weights)."""
    objective = tutorial_objective()
    return objective, objective.x0(np.random.default_rng(seed))


def _run(trainer: Trainer, objective: Any, x0: np.ndarray, budget: Budget = KIT_BUDGET,
         seed: int = 0) -> TrainResult:
    if trainer.setup is not None:  # as the harness does, before the trial's clock starts
        trainer.setup()
    result = trainer.train(objective, x0, budget, np.random.default_rng(seed))
    assert isinstance(result, TrainResult), (
        f"{trainer.name}: train returned {type(result).__name__}, not nnbench.contract.trainer.TrainResult")
    return result


def check_description(trainer: Trainer) -> None:
    """The declaration is valid: a Trainer with a name without spaces, a known family,
    known derivatives, a one-line summary (at most 120 characters), a positive
    ``max_params`` or none, a callable ``train`` and a mapping of option defaults."""
    assert isinstance(trainer, Trainer), f"{trainer!r} is not a nnbench.contract.trainer.Trainer"
    assert trainer.name.strip() == trainer.name and " " not in trainer.name, (
        f"trainer name {trainer.name!r} must have no spaces (it is typed on the command line)")
    assert trainer.family in FAMILIES, f"{trainer.name}: family {trainer.family!r} not in {FAMILIES}"
    assert trainer.uses <= set(DERIVATIVES), f"{trainer.name}: unknown derivatives in {sorted(trainer.uses)}"
    assert "\n" not in trainer.summary and len(trainer.summary) <= 120, (
        f"{trainer.name}: the summary must be one line of at most 120 characters")
    assert trainer.max_params is None or (isinstance(trainer.max_params, int) and trainer.max_params > 0), (
        f"{trainer.name}: max_params must be a positive int or None, got {trainer.max_params!r}")
    assert callable(trainer.train), f"{trainer.name}: train is not callable"
    assert isinstance(dict(trainer.options), dict), f"{trainer.name}: options must be a mapping"
    assert trainer.min_residuals_per_param >= 0, f"{trainer.name}: min_residuals_per_param < 0"


def check_trains_tutorial(trainer: Trainer) -> None:
    """It trains the tutorial problem (or refuses it with its declared reason), returning
    a float64 ``x`` of shape ``(6,)`` whose cost is the ``fun`` it reports (relative
    tolerance 1e-9: the objective's own cost, not a rescaled one)."""
    objective, x0 = tutorial_problem()
    reason = trainer.refusal(objective)
    result = _run(trainer, objective, x0)
    if reason is not None:
        assert result.skipped and not result.success, (
            f"{trainer.name} declares it refuses the tutorial problem ({reason}) but ran it")
        assert result.message == reason, (
            f"{trainer.name}: skipped with {result.message!r}, but its declaration says {reason!r}")
        return
    assert not result.skipped, (
        f"{trainer.name} skipped the tutorial problem ({result.message}) without declaring why "
        f"(max_params, needs_residuals, min_residuals_per_param)")
    x = result.x
    assert isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == x0.shape, (
        f"{trainer.name}: x must be float64 of shape {x0.shape}, got {getattr(x, 'dtype', type(x))} "
        f"{getattr(x, 'shape', '')}")
    assert np.isfinite(x).all() and math.isfinite(result.fun), f"{trainer.name}: non-finite result {result.fun}"
    true = objective.fun(x)
    assert math.isclose(result.fun, true, rel_tol=1e-9, abs_tol=1e-12), (
        f"{trainer.name}: reports cost {result.fun!r} but the objective's cost at its x is {true!r}")


def check_not_worse_than_x0(trainer: Trainer) -> None:
    """The final cost is never above the cost at ``x0`` (for several starting points)."""
    for seed in (0, 1):
        objective, x0 = tutorial_problem(seed)
        if trainer.refusal(objective) is not None:
            return
        start = objective.fun(x0)
        result = _run(trainer, objective, x0, seed=seed)
        assert result.fun <= start, (
            f"{trainer.name}: final cost {result.fun!r} is above the cost at x0 {start!r} (seed {seed})")


def check_x0_not_mutated(trainer: Trainer) -> None:
    """The caller's ``x0`` holds the same values after training."""
    objective, x0 = tutorial_problem()
    kept = x0.copy()
    _run(trainer, objective, x0)
    assert np.array_equal(x0, kept), f"{trainer.name}: train modified the caller's x0"


def check_same_seed_same_result(trainer: Trainer) -> None:
    """Two runs with the same seed give identical ``x``, ``fun`` and ``success``."""
    objective, x0 = tutorial_problem()
    a = _run(trainer, objective, x0.copy(), seed=7)
    b = _run(trainer, objective, x0.copy(), seed=7)
    assert np.array_equal(a.x, b.x) and (a.fun == b.fun or (math.isnan(a.fun) and math.isnan(b.fun))), (
        f"{trainer.name}: the same seed gave different results ({a.fun!r} vs {b.fun!r})")
    assert a.success == b.success, f"{trainer.name}: the same seed gave different success flags"


def _refused_problems(trainer: Trainer) -> list[Objective]:
    """Problems ``trainer``'s declaration refuses: too many weights, a non-squared loss."""
    problems = []
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    if trainer.max_params is not None:
        hidden = trainer.max_params // 4 + 1  # 2 inputs, biases: 4 * hidden + 1 weights
        problems.append(Objective.from_arrays(X, np.array([0.0, 1.0, 1.0, 0.0]), hidden=(hidden,)))
    if trainer.needs_residuals:
        data = type("Data", (), {"X": X, "y": np.array([0.0, 1.0, 1.0, 0.0]), "name": "xor"})()
        problems.append(Objective(Network((2, 2, 1), output_activation="sigmoid"), data, "bce"))
    return problems


def check_declared_refusals(trainer: Trainer) -> None:
    """On each problem its declaration refuses, ``train`` returns ``TrainResult.skip`` with
    the reason :meth:`Trainer.refusal <nnbench.contract.trainer.Trainer.refusal>` gives."""
    for objective in _refused_problems(trainer):
        reason = trainer.refusal(objective)
        assert reason is not None, f"{trainer.name}: refusal() accepts {objective!r} against its declaration"
        x0 = objective.x0(np.random.default_rng(0))
        result = _run(trainer, objective, x0, Budget(max_evals=10))
        assert result.skipped and result.message == reason, (
            f"{trainer.name}: train ran a problem it declares it refuses ({reason}); got {result.message!r}")


class _NaNObjective:
    """The tutorial objective with every cost and derivative replaced by NaN."""

    def __init__(self, objective: Objective) -> None:
        self._objective = objective
        self.n_params, self.n_residuals = objective.n_params, objective.n_residuals
        self.has_residuals, self.loss = objective.has_residuals, objective.loss
        self.network, self.dataset, self.X, self.y = objective.network, objective.dataset, objective.X, objective.y

    def _nan(self, *shape: int) -> np.ndarray:
        return np.full(shape, np.nan)

    def fun(self, theta: np.ndarray) -> float:
        return math.nan

    def fun_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return math.nan, self._nan(self.n_params)

    def grad(self, theta: np.ndarray) -> np.ndarray:
        return self._nan(self.n_params)

    def hessp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self._nan(self.n_params)

    def hess(self, theta: np.ndarray) -> np.ndarray:
        return self._nan(self.n_params, self.n_params)

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        return self._nan(self.n_residuals)

    def residual_jac(self, theta: np.ndarray) -> np.ndarray:
        return self._nan(self.n_residuals, self.n_params)

    def x0(self, rng: np.random.Generator) -> np.ndarray:
        return self._objective.x0(rng)


def check_nan_objective(trainer: Trainer) -> None:
    """An objective whose cost (and derivatives) are NaN gives ``success=False`` (or the
    declared refusal), never an exception."""
    objective, x0 = tutorial_problem()
    nan_objective = _NaNObjective(objective)
    try:
        result = _run(trainer, nan_objective, x0, Budget(max_evals=100))
    except Exception as exc:  # the check's whole point: report any crash as a failure
        raise AssertionError(f"{trainer.name} raised {type(exc).__name__} on a NaN cost: {exc}") from exc
    assert not result.success, f"{trainer.name}: success=True on an objective whose cost is always NaN"


class _Watched:
    """Passes calls to an :class:`InstrumentedObjective`, noting any BudgetExhausted."""

    def __init__(self, inner: InstrumentedObjective) -> None:
        self.inner = inner
        self.raised = False
        for name in ("n_params", "n_residuals", "has_residuals", "loss"):
            setattr(self, name, getattr(inner, name))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.inner, name)

        def call(*args: Any) -> Any:
            try:
                return method(*args)
            except BudgetExhausted:
                self.raised = True
                raise

        return call


def check_budget_honoured(trainer: Trainer) -> None:
    """The harness's :class:`~nnbench.errors.BudgetExhausted` propagates out of ``train``
    (a trainer given 1000 evaluations on an objective allowing 25), and a trainer given
    ``Budget(max_evals=25)`` on an unlimited objective spends at most 50 evaluations."""
    objective, x0 = tutorial_problem()
    if trainer.refusal(objective) is not None:
        return
    watched = _Watched(InstrumentedObjective(objective, Budget(max_evals=SMALL_EVALS)))
    try:
        result = _run(trainer, watched, x0, Budget(max_evals=1000))
    except BudgetExhausted:
        pass
    else:
        assert not watched.raised, (
            f"{trainer.name} swallowed BudgetExhausted (it must propagate to the harness); "
            f"returned {result.message!r}")
    counted = InstrumentedObjective(objective, Budget(max_evals=None, max_seconds=None))
    _run(trainer, counted, x0, Budget(max_evals=SMALL_EVALS))
    assert counted.evaluations <= 2 * SMALL_EVALS, (
        f"{trainer.name}: given a budget of {SMALL_EVALS} evaluations it spent {counted.evaluations}")


def check_search_space(trainer: Trainer) -> None:
    """Its search space (if any) names only options it declares, and every value a distribution
    gives (at coordinates 0, 0.25, 0.5, 0.75 and just below 1) satisfies that option's declared
    constraints; and the trainer trains the tutorial problem at the space's middle point."""
    for key, dist in trainer.search_space.items():
        assert key in trainer.options, f"{trainer.name}: search space for undeclared option {key!r}"
        for u in (0.0, 0.25, 0.5, 0.75, 1.0 - 1e-12):
            value = dist.value(u)
            why = violation(value, trainer.option_constraints(key))
            assert why is None, f"{trainer.name}: search space of {key!r} gives {value!r}, which {why}"
    if trainer.search_space:
        middle = {k: d.value(0.5) for k, d in trainer.search_space.items()}
        objective, x0 = tutorial_problem()
        result = trainer.train(objective, x0, KIT_BUDGET, np.random.default_rng(0), **middle)
        assert isinstance(result, TrainResult) and not result.fun > objective.fun(x0), (
            f"{trainer.name}: at the middle of its search space {middle} it ended above its start")


#: Every check, in the order :func:`check_trainer` runs them.
CHECKS: tuple[Callable[[Trainer], None], ...] = (
    check_description,
    check_trains_tutorial,
    check_not_worse_than_x0,
    check_x0_not_mutated,
    check_same_seed_same_result,
    check_declared_refusals,
    check_nan_objective,
    check_budget_honoured,
    check_search_space,
)


def check_trainer(trainer: Trainer) -> None:
    """Run every check in :data:`CHECKS` on ``trainer``.

    :raises AssertionError: the first check that fails, naming the trainer.
    """
    for check in CHECKS:
        check(trainer)


def parametrize_with_checks(trainers: Iterable[Trainer]) -> Any:
    """A ``pytest.mark.parametrize`` decorator over ``(trainer, check)`` for every trainer
    and every check in :data:`CHECKS`, with ids ``"<trainer>-<check>"``.

    The decorated test takes the arguments ``trainer, check`` and calls ``check(trainer)``.
    """
    import pytest

    params = [pytest.param(t, check, id=f"{t.name}-{check.__name__}") for t in trainers for check in CHECKS]
    return pytest.mark.parametrize("trainer, check", params)
