"""The NLopt trainers (plugins/nnbench_nlopt): conformance, solving the tutorial problem,
budgets, result codes, and an exception raised in NLopt's callback."""

from __future__ import annotations

import numpy as np
import pytest

nlopt = pytest.importorskip("nlopt", reason="nlopt is not installed (pip install -e '.[nlopt]')")

import nnbench_nlopt  # noqa: E402
from nnbench.errors import BudgetExhausted, ConfigError  # noqa: E402
from nnbench.contract.instrument import InstrumentedObjective  # noqa: E402
from nnbench.contract.options import check_option  # noqa: E402
from nnbench.testing import parametrize_with_checks, tutorial_problem  # noqa: E402
from nnbench.trainer import Budget  # noqa: E402

pytestmark = pytest.mark.entry_points  # plugins from entry points, as a user's run loads them

TRAINERS = {t.name: t for t in nnbench_nlopt.TRAINERS}


def test_every_trainer_is_declared_with_nlopts_own_name():
    assert list(TRAINERS) == ["nlopt-LD_LBFGS", "nlopt-LD_MMA", "nlopt-LD_CCSAQ", "nlopt-LD_SLSQP",
                              "nlopt-LD_TNEWTON", "nlopt-LN_BOBYQA", "nlopt-LN_NEWUOA", "nlopt-LN_SBPLX",
                              "nlopt-LN_NELDERMEAD"]
    for name, t in TRAINERS.items():
        gradient = name.startswith("nlopt-LD_")
        assert t.family == ("local-gradient" if gradient else "local-derivative-free")
        assert t.uses == ({"gradient"} if gradient else set()) and not t.stochastic
        assert t.library == f"nlopt {nlopt.__version__}"
        assert hasattr(nlopt, name[6:])
    assert sorted(getattr(nlopt, name) for name in nnbench_nlopt.RESULTS) == [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6]


@parametrize_with_checks(nnbench_nlopt.TRAINERS)
def test_conformance(trainer, check):
    check(trainer)


def _run(name, objective=None, budget=Budget(max_evals=1000), seed=0, **options):
    problem, x0 = tutorial_problem(seed)
    counted = InstrumentedObjective(problem if objective is None else objective)
    return problem, x0, counted, TRAINERS[name].train(counted, x0, budget, np.random.default_rng(0), **options)


@pytest.mark.parametrize("name", ["nlopt-LD_LBFGS", "nlopt-LN_BOBYQA", "nlopt-LN_SBPLX"])
def test_it_solves_the_tutorial_problem(name):
    objective, x0, counted, result = _run(name)
    assert result.fun < 1e-8 and result.fun == objective.fun(result.x) and counted.evaluations <= 1000
    kind = "fun_and_grad" if "LD_" in name else "fun"
    assert counted.counts[kind] == counted.evaluations == result.nfev


def test_result_codes_become_success_status_and_message():
    *_, converged = _run("nlopt-LD_LBFGS")
    assert (converged.success, converged.status, converged.message) == (True, 1, "nlopt-LD_LBFGS: SUCCESS")
    _, _, counted, spent = _run("nlopt-LN_NELDERMEAD", budget=Budget(max_evals=50))
    assert counted.evaluations == 50
    assert (spent.success, spent.status, spent.message) == (False, 5, "nlopt-LN_NELDERMEAD: MAXEVAL_REACHED")
    _, _, counted, ftol = _run("nlopt-LN_NELDERMEAD", ftol_abs=1e-6)
    assert (ftol.success, ftol.status, ftol.message) == (True, 3, "nlopt-LN_NELDERMEAD: FTOL_REACHED")
    assert counted.evaluations < 1000
    # LD_LBFGS, not LD_MMA: NLopt 2.11.0's MMA spends all 1000 evaluations here at xtol_rel=1e-4
    *_, xtol = _run("nlopt-LD_LBFGS", xtol_rel=1e-4)
    assert (xtol.success, xtol.status, xtol.message) == (True, 4, "nlopt-LD_LBFGS: XTOL_REACHED")


def test_a_failure_code_raised_by_the_bindings_is_a_result():
    problem, x0 = tutorial_problem(0)

    class NaN:
        n_params, n_residuals, has_residuals, loss = problem.n_params, problem.n_residuals, True, problem.loss

        def fun_and_grad(self, theta):
            return float("nan"), np.full(theta.size, np.nan)

    *_, result = _run("nlopt-LD_LBFGS", NaN())
    assert (result.success, result.status) == (False, -1) and result.message.startswith("nlopt-LD_LBFGS: FAILURE")
    assert np.isnan(result.fun) and np.array_equal(result.x, x0)


@pytest.mark.parametrize("name", ["nlopt-LD_MMA", "nlopt-LN_BOBYQA"])
def test_an_exception_in_the_callback_reaches_the_caller_unchanged(name):
    problem, x0 = tutorial_problem(0)
    harness = InstrumentedObjective(problem, Budget(max_evals=12))
    with pytest.raises(BudgetExhausted, match=r"^budget of 12 evaluations spent$") as exc:
        TRAINERS[name].train(harness, x0, Budget(max_evals=1000), np.random.default_rng(0))
    assert exc.value.reason == "max_evals" and harness.evaluations == 12


def test_options_reach_nlopt():
    *_, coarse = _run("nlopt-LN_SBPLX", budget=Budget(max_evals=40), initial_step=1e-6)
    *_, default = _run("nlopt-LN_SBPLX", budget=Budget(max_evals=40))
    assert coarse.fun > default.fun
    # the declarations, checked before any trial runs (nnbench.contract.options)
    with pytest.raises(ConfigError, match=r"^o: must be a positive number or None, got 0$"):
        check_option(TRAINERS["nlopt-LN_BOBYQA"], "initial_step", 0, "o")
    with pytest.raises(ConfigError, match=r"^o: must be a non-negative number, got -1.0$"):
        check_option(TRAINERS["nlopt-LD_MMA"], "xtol_rel", -1.0, "o")
    with pytest.raises(ConfigError, match=r"^o: nlopt-LD_MMA has no option 'vector_storage'; its options: "):
        check_option(TRAINERS["nlopt-LD_MMA"], "vector_storage", 5, "o")
