"""Every built-in trainer passes the conformance kit (nnbench.testing)."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nnbench.plugins import Registry, get_plugin_manager
from nnbench.errors import BudgetExhausted
from nnbench.testing import (CHECKS, check_budget_honoured, check_declared_refusals, check_description,
                             check_nan_objective, check_not_worse_than_x0, check_same_seed_same_result,
                             check_trains_tutorial, check_x0_not_mutated, parametrize_with_checks)
from nnbench.trainer import Trainer, TrainResult


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small problems: multithreaded BLAS only adds contention (20x slower on a busy 2-core host)."""
    with threadpool_limits(1):
        yield


BUILTINS = Registry(get_plugin_manager(autoload=False)).trainers()


def test_every_builtin_is_checked(n_builtin_trainers):
    assert len(BUILTINS) == n_builtin_trainers
    assert len(CHECKS) == 9


@parametrize_with_checks(BUILTINS)
def test_builtin_trainer(trainer, check):
    check(trainer)


# -- the kit catches what it claims to catch ------------------------------------------------

def _good(objective, x0, budget, rng, **options):
    return TrainResult(x=x0.copy(), fun=objective.fun(x0), success=True)


def _mutates(objective, x0, budget, rng, **options):
    x0 += 0.0 * x0 + 1e-3
    return TrainResult(x=x0.copy(), fun=objective.fun(x0), success=True)


def _half_cost(objective, x0, budget, rng, **options):
    return TrainResult(x=x0.copy(), fun=objective.fun(x0) / 2, success=True)


def _worse(objective, x0, budget, rng, **options):
    x = x0 + 5.0
    return TrainResult(x=x, fun=objective.fun(x), success=True)


def _unseeded(objective, x0, budget, rng, **options):
    x = x0 + np.random.default_rng().normal(0, 1e-9, x0.size)  # ignores rng
    return TrainResult(x=x, fun=objective.fun(x), success=True)


def _swallows(objective, x0, budget, rng, **options):
    f = objective.fun(x0)
    try:
        for _ in range(budget.max_evals):
            objective.fun(x0)
    except BudgetExhausted:
        pass
    return TrainResult(x=x0.copy(), fun=f, success=True)


def _ignores_budget(objective, x0, budget, rng, **options):
    for _ in range(200):
        f = objective.fun(x0)
    return TrainResult(x=x0.copy(), fun=f, success=True)


def _crashes_on_nan(objective, x0, budget, rng, **options):
    f = objective.fun(x0)
    if f != f:
        raise FloatingPointError("nan cost")
    return TrainResult(x=x0.copy(), fun=f, success=True)


def _never_refuses(objective, x0, budget, rng, **options):
    return _good(objective, x0, budget, rng)


@pytest.mark.parametrize("train, check, message", [
    (_mutates, check_x0_not_mutated, "bad: train modified the caller's x0"),
    (_half_cost, check_trains_tutorial, "bad: reports cost"),
    (_worse, check_not_worse_than_x0, "bad: final cost"),
    (_unseeded, check_same_seed_same_result, "bad: the same seed gave different results"),
    (_swallows, check_budget_honoured, "bad swallowed BudgetExhausted"),
    (_ignores_budget, check_budget_honoured, "bad: given a budget of 25 evaluations it spent 200"),
    (_crashes_on_nan, check_nan_objective, "bad raised FloatingPointError on a NaN cost: nan cost"),
    (_good, check_nan_objective, "bad: success=True on an objective whose cost is always NaN"),
])
def test_the_kit_fails_a_trainer_that_breaks_its_rule(train, check, message):
    trainer = Trainer(name="bad", family="local-derivative-free", train=train, summary="breaks a rule")
    check_description(trainer)
    with pytest.raises(AssertionError) as exc:
        check(trainer)
    assert str(exc.value).startswith(message)


def test_the_kit_fails_a_trainer_that_runs_what_it_declares_it_refuses():
    trainer = Trainer(name="bad", family="local-derivative-free", train=_never_refuses, summary="x",
                      max_params=3)
    with pytest.raises(AssertionError, match=r"^bad: train ran a problem it declares it refuses \(bad handles at most 3"):
        check_declared_refusals(trainer)
    with pytest.raises(AssertionError, match=r"^trainer name 'bad one' must have no spaces"):
        check_description(Trainer(name="bad one", family="global", train=_good, summary="x"))
