"""The instrumentation: counts by kind, best-so-far history, budget enforcement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnbench.errors import BudgetExhausted, ConfigError
from nnbench.contract.instrument import InstrumentedObjective
from nnbench.trainer import Budget


class Quadratic:
    """f(x) = sum(x^2), residuals x; NaN when x[0] is NaN-flagged (x[0] == 99)."""

    n_params = 2
    n_residuals = 2
    has_residuals = True

    def fun(self, x):
        return math.nan if x[0] == 99 else float(x @ x)

    def fun_and_grad(self, x):
        return self.fun(x), 2 * x

    def grad(self, x):
        return 2 * x

    def hessp(self, x, v):
        return 2 * v

    def hess(self, x):
        return 2 * np.eye(2)

    def residuals(self, x):
        return x.copy()

    def residual_jac(self, x):
        return np.eye(2)


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_counts_history_and_best_point():
    clock = FakeClock()
    inst = InstrumentedObjective(Quadratic(), Budget(max_evals=10), clock=clock)
    x = np.array([3.0, 4.0])
    inst.fun(x)                      # 25, evaluation 1
    clock.t += 0.5
    inst.fun_and_grad(x / 5)         # 1, evaluation 2
    inst.fun(np.array([99.0, 0.0]))  # NaN, evaluation 3, never best
    inst.residuals(x)                # 25, evaluation 4
    inst.grad(x), inst.hessp(x, x), inst.hess(x), inst.residual_jac(x)
    assert inst.evaluations == 4
    assert inst.counts == {"fun": 2, "grad": 1, "fun_and_grad": 1, "hessp": 1, "hess": 1,
                           "residuals": 1, "residual_jac": 1}
    # work in forward-pass equivalents: fun 1, fun_and_grad 3 (history's last entry)
    assert inst.history == [(1, 0.0, 25.0, 1.0), (2, 0.5, 1.0, 4.0)]
    # fun 2x1 + grad 3 + fun_and_grad 3 + hessp 5 + hess 2 params x 5 + residuals 1
    # + residual_jac (1 + 2 x 1 output)
    assert inst.work == 2 + 3 + 3 + 5 + 10 + 1 + 3
    assert inst.best_cost == 1.0
    np.testing.assert_array_equal(inst.best_x, [0.6, 0.8])


def test_best_x_is_a_copy():
    inst = InstrumentedObjective(Quadratic(), Budget(max_evals=10))
    x = np.array([1.0, 1.0])
    inst.fun(x)
    x[:] = 0
    np.testing.assert_array_equal(inst.best_x, [1.0, 1.0])


def test_evaluation_budget_raises_on_the_call_after_the_last():
    inst = InstrumentedObjective(Quadratic(), Budget(max_evals=3))
    x = np.ones(2)
    for _ in range(3):
        inst.fun(x)
    inst.grad(x)  # not an evaluation: still allowed
    with pytest.raises(BudgetExhausted, match="budget of 3 evaluations spent") as info:
        inst.fun_and_grad(x)
    assert info.value.reason == "max_evals" and inst.exhausted == "max_evals"
    assert inst.evaluations == 3 and inst.counts["fun_and_grad"] == 0


def test_time_limit_raises_on_any_call():
    clock = FakeClock()
    inst = InstrumentedObjective(Quadratic(), Budget(max_evals=None, max_seconds=2.0), clock=clock)
    inst.fun(np.ones(2))
    clock.t += 2.5
    with pytest.raises(BudgetExhausted, match="time limit of 2 s reached"):
        inst.hessp(np.ones(2), np.ones(2))
    assert inst.exhausted == "time_limit"


def test_target_records_first_hit():
    clock = FakeClock()
    inst = InstrumentedObjective(Quadratic(), Budget(max_evals=None), target=2.0, clock=clock)
    inst.fun(np.array([3.0, 0.0]))
    clock.t += 1.25
    inst.fun(np.array([1.0, 0.0]))
    inst.fun(np.array([0.5, 0.0]))
    assert inst.evals_to_target == 2 and inst.seconds_to_target == 1.25


def test_budget_validates():
    with pytest.raises(ConfigError, match=r"^Budget.max_evals: must be a positive integer or None, got 0$"):
        Budget(max_evals=0)
    with pytest.raises(ConfigError, match=r"^Budget.max_seconds: must be a positive number of at most 1e\+06 or "
                                          r"None, got -1$"):
        Budget(max_seconds=-1)
    assert Budget() == Budget(1000, 60.0)  # nnbench.defaults: the same as the command line's


def test_a_target_predicate_is_asked_at_improvements_and_neither_counted_nor_timed():
    costs = iter([5.0, 4.0, 3.0, 2.0, 1.0, 0.5])
    objective = type("Falling", (), {"fun": lambda self, theta: next(costs)})()
    now = [0.0]
    asked = []

    def reached(theta):
        asked.append(theta.copy())
        now[0] += 100.0  # a slow predicate: 100 s that must not count
        return len(asked) == 3

    inst = InstrumentedObjective(objective, Budget(max_evals=10, max_seconds=5.0), clock=lambda: now[0],
                                 reached=reached)
    x = np.ones(3)
    for k in range(6):
        now[0] += 0.5
        inst.fun(x * (1 - 0.1 * k))  # each a new best
    assert len(asked) == 3  # asked until it first held
    assert (inst.evals_to_target, inst.seconds_to_target) == (3, 1.5)
    assert inst.evaluations == 6 and inst.counts["fun"] == 6 and inst.elapsed() == 3.0  # 300 s paused
    np.testing.assert_array_equal(asked[-1], x * 0.8)


@pytest.mark.parametrize("method", ["BFGS", "trust-krylov", "least_squares-trf", "trust-exact"])
def test_a_trials_work_is_its_calls_in_forward_pass_equivalents(method):
    """The tutorial net has 6 weights and 1 output: hess = 6 x 5, residual_jac = 1 + 2 x 1."""
    from nnbench import DatasetSpec, NetworkSpec
    from nnbench.running.trial import TrialSpec, run_trial

    rec = run_trial(TrialSpec(DatasetSpec("tutorial"), NetworkSpec((2,), bias=False), method, 0, Budget(200)))
    assert rec.n_params == 6 and rec.status == "ok", rec.error
    c = rec.counts
    expected = (c["fun"] + c["residuals"] + 3 * (c["grad"] + c["fun_and_grad"]) + 5 * c["hessp"]
                + 30 * c["hess"] + 3 * c["residual_jac"])
    assert rec.work == expected > 0
    assert rec.history[-1][3] <= rec.work
    assert [h[3] for h in rec.history] == sorted(h[3] for h in rec.history)
