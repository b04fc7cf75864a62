"""The built-in trainers: results on the tutorial problem, derivatives, budgets, refusals."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nnbench.errors import ConfigError
from nnbench.contract.instrument import InstrumentedObjective
from nnbench.core.network import Network
from nnbench.core.objective import Objective
from nnbench.contract.options import check_option, probe
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.testing import tutorial_problem
from nnbench.trainer import Budget
from nnbench_firstorder import adam_step, gd_step, momentum_step
from nnbench_scipy._common import rng_keyword


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small problems: multithreaded BLAS only adds contention (20x slower on a busy 2-core host)."""
    with threadpool_limits(1):
        yield


REGISTRY = Registry(get_plugin_manager(autoload=False))
TRAINERS = {t.name: t for t in REGISTRY.trainers()}
LOCAL_GRADIENT = [t for t in REGISTRY.trainers() if t.family == "local-gradient"]

#: The local gradient methods that cannot reach SSE < 1e-4 from seed 0, and the reason
#: their result gives: the Hessian at x0 is indefinite and dogleg needs it positive definite.
CANNOT = {"dogleg": "A linalg error occurred, such as a non-psd Hessian."}


def train(name, objective, x0, budget=Budget(max_evals=5000), seed=0, **options):
    return TRAINERS[name].train(objective, x0, budget, np.random.default_rng(seed), **options)


@pytest.mark.parametrize("trainer", LOCAL_GRADIENT, ids=lambda t: t.name)
def test_local_gradient_methods_fit_the_tutorial_or_say_why(trainer):
    objective, x0 = tutorial_problem(0)
    result = trainer.train(objective, x0, Budget(max_evals=5000), np.random.default_rng(0))
    if trainer.name in CANNOT:
        assert not result.success and result.message.endswith(CANNOT[trainer.name])
        assert result.fun <= objective.fun(x0)
    else:
        assert result.fun < 1e-4, f"{trainer.name}: SSE {result.fun} ({result.message})"
        assert result.fun == pytest.approx(objective.fun(result.x), rel=1e-12)


def test_dogleg_hessian_at_x0_is_indefinite():
    objective, x0 = tutorial_problem(0)
    assert np.linalg.eigvalsh(objective.hess(x0)).min() < 0


def test_eleven_local_gradient_methods():
    assert sorted(t.name for t in LOCAL_GRADIENT) == sorted(
        ["CG", "BFGS", "Newton-CG", "L-BFGS-B", "TNC", "SLSQP", "trust-constr", "dogleg", "trust-ncg",
         "trust-exact", "trust-krylov"])


@pytest.mark.parametrize("name", [n for n, t in TRAINERS.items() if n != "least_squares-lm" and t.family in
                                  ("local-gradient", "local-derivative-free", "least-squares")])
def test_scipy_trainers_get_analytic_derivatives_and_never_finite_differences(name):
    """Counts by kind: gradient methods only call fun_and_grad (a finite difference would call
    fun), the Hessian methods call hessp or hess. lm is checked on a taller problem below."""
    objective, x0 = tutorial_problem(0)
    counted = InstrumentedObjective(objective, Budget(max_evals=None))
    uses = TRAINERS[name].uses
    train(name, counted, x0, Budget(max_evals=300 if uses else 60))
    c = counted.counts
    if "gradient" in uses:
        assert c["fun"] == 0 and c["fun_and_grad"] > 0, c
    elif "residual_jac" in uses:
        assert c["fun"] == c["fun_and_grad"] == 0 and c["residuals"] > 0 and c["residual_jac"] > 0, c
    else:
        assert c["fun_and_grad"] == c["grad"] == 0 and c["fun"] > 0, c
    assert (c["hessp"] > 0) == ("hessp" in uses) and (c["hess"] > 0) == ("hess" in uses), c


def tall_problem(loss="sse"):
    """20 samples, 3 inputs, a 3-2-1 network with biases: 11 weights, 20 residuals."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20, 3))
    return Objective.from_arrays(X, np.tanh(X @ [1.0, -2.0, 0.5]), hidden=(2,), loss=loss)


def test_least_squares_lm_refuses_fewer_residuals_than_weights_and_runs_otherwise():
    objective, x0 = tutorial_problem(0)
    result = train("least_squares-lm", objective, x0)
    assert result.skipped and not result.success
    assert result.message == ("least_squares-lm needs at least 1 residual(s) per weight; "
                              "this problem has 4 residuals and 6 weights")
    tall = InstrumentedObjective(tall_problem(), Budget(max_evals=None))
    x0 = tall.x0(np.random.default_rng(0))
    result = train("least_squares-lm", tall, x0, Budget(max_evals=500))
    assert not result.skipped and result.fun < tall.objective.fun(x0)
    assert tall.counts["residual_jac"] > 0 and tall.counts["fun"] == 0


@pytest.mark.parametrize("loss", ["sse", "mse", "half_mse"])
def test_least_squares_reports_the_objectives_own_cost(loss):
    objective = tall_problem(loss)
    x0 = objective.x0(np.random.default_rng(0))
    for name in ("least_squares-trf", "least_squares-dogbox", "least_squares-lm"):
        result = train(name, objective, x0, Budget(max_evals=200))
        assert result.fun == pytest.approx(objective.fun(result.x), rel=1e-10)


def test_least_squares_refuses_cross_entropy_with_the_reason():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    objective = Objective(Network((2, 2, 1), output_activation="sigmoid"),
                          type("D", (), {"X": X, "y": np.array([0.0, 1.0, 1.0, 0.0])})(), "bce")
    result = train("least_squares-trf", objective, objective.x0(np.random.default_rng(0)))
    assert result.skipped
    assert result.message == ("least_squares-trf minimises a sum of squared residuals; loss 'bce' is not a "
                              "squared error (use sse, mse or half_mse)")


def test_a_problem_larger_than_max_params_is_skipped_with_the_reason():
    objective = Objective.from_arrays(np.eye(4), np.arange(4.0), hidden=(3,))  # 4*3 + 3 + 3 + 1 = 19 weights
    assert objective.n_params == 19
    result = train("shgo", objective, objective.x0(np.random.default_rng(0)))
    assert result.skipped and result.message == (
        f"shgo handles at most {TRAINERS['shgo'].max_params} weights in reasonable time; this network has 19")


@pytest.mark.parametrize("name", ["Nelder-Mead", "Powell", "BFGS", "CG", "trust-ncg", "least_squares-trf",
                                  "differential_evolution", "dual_annealing", "basinhopping", "direct", "adam"])
def test_trainers_stop_at_their_own_budget(name):
    objective, x0 = tutorial_problem(0)
    counted = InstrumentedObjective(objective, Budget(max_evals=None))
    result = train(name, counted, x0, Budget(max_evals=40))
    assert counted.evaluations <= 40
    assert result.fun == counted.best_cost or result.fun <= counted.best_cost * (1 + 1e-12)


def test_scipy_trainers_stop_at_the_time_budget():
    objective, x0 = tutorial_problem(0)
    result = train("basinhopping", objective, x0, Budget(max_evals=None, max_seconds=0.2), niter=10**6)
    assert not result.success and result.message == "basinhopping: stopped at the time budget of 0.2 s"
    assert result.fun < objective.fun(x0)


def test_scipy_randomness_goes_through_the_keyword_scipy_accepts():
    import scipy.optimize

    g = np.random.default_rng(0)
    assert rng_keyword(scipy.optimize.differential_evolution, g) == {"rng": g}
    assert rng_keyword(lambda func, seed=None: None, g) == {"seed": g}


class Recorder:
    """Records every point the cost is evaluated at."""

    def __init__(self, objective):
        self.objective, self.points = objective, []
        self.n_params, self.n_residuals, self.has_residuals = objective.n_params, objective.n_residuals, True

    def fun(self, x):
        self.points.append(np.array(x))
        return self.objective.fun(x)

    def fun_and_grad(self, x):
        self.points.append(np.array(x))
        return self.objective.fun_and_grad(x)

    def grad(self, x):
        return self.objective.grad(x)


@pytest.mark.parametrize("name", ["basinhopping", "differential_evolution", "dual_annealing"])
def test_stochastic_trainers_search_differently_with_another_seed(name):
    objective, x0 = tutorial_problem(0)
    a, b, c = Recorder(objective), Recorder(objective), Recorder(objective)
    train(name, a, x0, Budget(max_evals=150), seed=1)
    train(name, b, x0, Budget(max_evals=150), seed=2)
    train(name, c, x0, Budget(max_evals=150), seed=1)
    assert TRAINERS[name].stochastic
    assert not np.array_equal(np.array(a.points), np.array(b.points))
    assert np.array_equal(np.array(a.points), np.array(c.points))


@pytest.mark.parametrize("name", ["differential_evolution", "dual_annealing", "shgo", "direct"])
def test_global_optimizers_search_the_documented_box(name):
    objective, x0 = tutorial_problem(0)
    assert TRAINERS[name].needs_bounds and TRAINERS[name].options["bound"] == 10.0
    result = train(name, objective, x0, Budget(max_evals=300), bound=1.5)
    assert np.all(np.abs(result.x) <= 1.5) or np.array_equal(result.x, np.clip(x0, -1.5, 1.5))


def test_scipy_trainer_options_are_passed_through_and_checked():
    objective, x0 = tutorial_problem(0)
    loose = train("least_squares-trf", objective, x0, gtol=1e-2, xtol=1e-2, ftol=1e-2)
    tight = train("least_squares-trf", objective, x0)
    assert tight.fun < loose.fun
    # the names are scipy's own keyword parameters: checked before a run, with the closest ones
    with pytest.raises(ConfigError, match=r"^o: basinhopping has no option 'bound'; its options: T, disp, interval, "
                                          r"niter, niter_success, stepsize, stepwise_factor, target_accept_rate$"):
        check_option(TRAINERS["basinhopping"], "bound", 3.0, "o")
    with pytest.raises(ConfigError, match=r"^o: least_squares-lm has no option 'xtoll' \(did you mean xtol, gtol or ftol\?\)$"):
        check_option(TRAINERS["least_squares-lm"], "xtoll", 1e-3, "o")
    # what only scipy knows is found by one dry call on a 2-weight quadratic
    with pytest.raises(ConfigError, match=r"^o: least_squares-trf refused 'nope' in a dry run on a 2-weight quadratic "
                                          r"\(ValueError: "):
        probe(TRAINERS["least_squares-trf"], {"x_scale": "nope"}, {"x_scale": "o"})
    probe(TRAINERS["least_squares-trf"], {"x_scale": "jac", "gtol": 1e-3}, {"x_scale": "o", "gtol": "p"})


def test_every_builtin_trainer_pickles_and_still_trains():
    objective, x0 = tutorial_problem(0)
    for trainer in TRAINERS.values():
        copy = pickle.loads(pickle.dumps(trainer))
        assert copy == trainer
    result = pickle.loads(pickle.dumps(TRAINERS["BFGS"])).train(objective, x0, Budget(100), np.random.default_rng(0))
    assert result.fun < 1e-4


# -- first-order --------------------------------------------------------------------------

def test_gradient_descent_and_momentum_steps_follow_their_formulas():
    g = np.array([1.0, -2.0])
    x = np.array([0.5, 0.5])
    gd_step(x, g, {}, 1, {"learning_rate": 0.1})
    assert np.allclose(x, [0.4, 0.7])
    x, state, o = np.zeros(2), {}, {"learning_rate": 0.1, "beta": 0.9}
    momentum_step(x, g, state, 1, o)  # v = -0.1 g
    momentum_step(x, g, state, 2, o)  # v = 0.9 * (-0.1 g) - 0.1 g = -0.19 g
    assert np.allclose(x, -0.29 * g)


def test_adam_first_steps_match_kingma_and_ba_algorithm_1():
    o = {"learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
    g1, g2 = np.array([3.0, -0.5]), np.array([1.0, 1.0])
    x, state = np.zeros(2), {}
    adam_step(x, g1, state, 1, o)  # bias-corrected m = g, v = g**2: a step of lr * sign(g)
    assert np.allclose(x, -0.01 * g1 / (np.abs(g1) + 1e-8))
    adam_step(x, g2, state, 2, o)
    m = (0.9 * 0.1 * g1 + 0.1 * g2) / (1 - 0.9**2)
    v = (0.999 * 0.001 * g1**2 + 0.001 * g2**2) / (1 - 0.999**2)
    assert np.allclose(x, -0.01 * g1 / np.abs(g1) - 0.01 * m / (np.sqrt(v) + 1e-8))


class Quadratic:
    """f = 0.5 |x|^2 in 3 dimensions."""

    n_params = 3
    n_residuals = 3
    has_residuals = True

    def __init__(self):
        self.calls = 0

    def fun_and_grad(self, x):
        self.calls += 1
        return 0.5 * float(x @ x), x.copy()


def test_first_order_stops_at_gtol_one_evaluation_per_step():
    q = Quadratic()
    result = TRAINERS["gradient-descent"].train(q, np.ones(3), Budget(max_evals=1000), np.random.default_rng(0),
                                                learning_rate=0.5)
    # x_k = 0.5**k: ||g|| = sqrt(3) * 0.5**k < 1e-6 first at k = 21
    assert result.success and result.message == "gradient-descent: gradient norm below gtol=1e-06"
    assert result.nit == 21 and result.nfev == q.calls == 22


def test_first_order_options_are_checked():
    objective, x0 = tutorial_problem(0)
    with pytest.raises(ConfigError, match=r"^o: adam has no option 'learning_rat' \(did you mean learning_rate\?\)$"):
        check_option(TRAINERS["adam"], "learning_rat", 0.1, "o")
    with pytest.raises(ConfigError, match=r"^o: must be a number in \[0, 1\), got 'fast'$"):
        check_option(TRAINERS["momentum"], "beta", "fast", "o")
    with pytest.raises(TypeError, match=r"^adam got unexpected options \['learning_rat'\]$"):
        train("adam", objective, x0, learning_rat=0.1)  # called directly, past the checks
    fast = train("adam", objective, x0, Budget(max_evals=2000), learning_rate=0.05)
    slow = train("adam", objective, x0, Budget(max_evals=2000))
    assert fast.fun < slow.fun


def test_first_order_honours_the_time_budget():
    objective, x0 = tutorial_problem(0)
    result = train("momentum", objective, x0, Budget(max_evals=None, max_seconds=0.05), max_steps=10**9)
    # the same words as every other trainer's stop at the time budget (Budget.stop_message)
    assert result.message == "momentum: stopped at the time budget of 0.05 s" and not result.success and result.nit > 0
    # no evaluation budget: the trainer's own step limit stopped it, and the message says so
    steps = train("momentum", objective, x0, Budget(max_evals=None, max_seconds=None), max_steps=7)
    assert steps.message == "momentum: stopped at max_steps=7" and steps.nfev == 8


def test_first_order_says_where_the_cost_stopped_being_finite():
    with np.errstate(over="ignore"):  # the quadratic's own overflow, which the test is about
        result = TRAINERS["gradient-descent"].train(Quadratic(), np.ones(3), Budget(max_evals=100),
                                                    np.random.default_rng(0), learning_rate=1e200)
    # x_1 = 1 - 1e200 per coordinate: its cost 0.5 * 3e400 overflows
    assert result.message == "gradient-descent: the cost or gradient is not finite (cost inf) after 1 steps"
    assert not result.success and result.nfev == 2 and result.fun == 1.5


def test_budget_stop_messages_are_one_wording():
    assert Budget(max_evals=300).stop_message("max_evals") == "stopped at the budget of 300 evaluations"
    with pytest.raises(ValueError, match="no 'max_evals' limit"):
        Budget(max_evals=None).stop_message("max_evals")
    assert Budget(max_seconds=2.5).stop_message("max_seconds") == "stopped at the time budget of 2.5 s"
    with pytest.raises(ValueError, match="no 'max_seconds' limit"):
        Budget(max_seconds=None).stop_message("max_seconds")
    with pytest.raises(ValueError, match="no 'max_iter' limit"):
        Budget().stop_message("max_iter")


def test_momentum_beats_gradient_descent_on_the_tutorial():
    objective, x0 = tutorial_problem(0)
    gd = train("gradient-descent", objective, x0)
    heavy = train("momentum", objective, x0)
    assert heavy.fun < gd.fun < objective.fun(x0) and math.isfinite(heavy.fun)
