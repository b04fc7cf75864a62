"""iRprop+ and Quickprop (the first-order plugin): their update rules on hand-computed steps,
their declarations, and a solved xor and tutorial problem. The conformance kit covers them
with every built-in (tests/test_conformance.py)."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nnbench.contract.options import check_option
from nnbench.core.network import Network
from nnbench.core.objective import Objective
from nnbench.datasets import load
from nnbench.errors import ConfigError
from nnbench.testing import tutorial_problem
from nnbench.trainer import Budget
from nnbench_firstorder import TRAINERS, quickprop_step, rprop_step

BY_NAME = {t.name: t for t in TRAINERS}
RPROP = dict(BY_NAME["rprop"].options)
QUICKPROP = dict(BY_NAME["quickprop"].options)


@pytest.fixture(autouse=True)
def one_blas_thread():
    with threadpool_limits(1):
        yield


def _rprop(x, g, f, state, t, **changes):
    state["f"] = np.array(f)
    rprop_step(x, g, state, t, {**RPROP, **changes})


def test_rprop_follows_the_irprop_plus_rule():
    x, state = np.zeros(3), {}
    # step 1: no last gradient, so -sign(g) * delta0 (and nothing for a zero slope)
    _rprop(x, np.array([1.0, -2.0, 0.0]), 1.0, state, 1)
    np.testing.assert_allclose(x, [-0.1, 0.1, 0.0], rtol=0, atol=1e-15)
    # step 2, the cost went up (1 -> 2): weight 0 same sign, Delta = 0.1 * 1.2; weight 1 sign
    # change, Delta = 0.1 * 0.5 and its step of +0.1 taken back; weight 2 a first slope, -0.1
    _rprop(x, np.array([3.0, 1.0, 5.0]), 2.0, state, 2)
    np.testing.assert_allclose(x, [-0.22, 0.0, -0.1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(state["delta"], [0.12, 0.05, 0.1], rtol=1e-15)
    np.testing.assert_array_equal(state["g"], [3.0, 0.0, 5.0])  # the changed sign is stored as 0
    # step 3, the cost went down (2 -> 1.5): weight 0 grows again (0.144); weight 1, whose
    # stored slope was zeroed, steps -sign(1) * 0.05; weight 2 changes sign: Delta = 0.05, and
    # as the cost fell, no backtracking
    _rprop(x, np.array([1.0, 1.0, -1.0]), 1.5, state, 3)
    np.testing.assert_allclose(x, [-0.364, -0.05, -0.1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(state["delta"], [0.144, 0.05, 0.05], rtol=1e-15)


class Recorded:
    """f = x^2 in one dimension, recording every point evaluated."""

    n_params = 1

    def __init__(self):
        self.points = []

    def fun_and_grad(self, x):
        self.points.append(float(x[0]))
        return float(x[0] ** 2), 2.0 * x


def test_the_loop_hands_rprop_the_cost_so_it_backtracks():
    # from 0.03, -0.1 overshoots to -0.07 and the cost rises (0.0009 -> 0.0049) as the slope
    # changes sign: iRprop+ takes the step back (to 0.03) with Delta halved, then steps -0.05
    objective = Recorded()
    BY_NAME["rprop"].train(objective, np.array([0.03]), Budget(max_evals=4), np.random.default_rng(0))
    np.testing.assert_allclose(objective.points, [0.03, -0.07, 0.03, -0.02], rtol=0, atol=1e-15)


def test_rprop_step_sizes_stay_between_delta_min_and_delta_max():
    x, state = np.zeros(2), {}
    for t, (g, f) in enumerate([([1.0, 1.0], 3.0), ([1.0, -1.0], 2.0), ([1.0, 1.0], 1.0)], start=1):
        _rprop(x, np.array(g), f, state, t, delta0=45.0, delta_min=30.0)
    # weight 0: 45 -> min(54, 50) -> min(60, 50); weight 1: 45 -> max(22.5, 30), then a first slope
    np.testing.assert_array_equal(state["delta"], [50.0, 30.0])
    np.testing.assert_array_equal(x, [-145.0, -75.0])


def _quickprop(x, g, state, t, **changes):
    quickprop_step(x, g, state, t, {**QUICKPROP, **changes})


def test_quickprop_follows_fahlmans_rule():
    x, state = np.zeros(5), {}
    # step 1: every last step is zero, so the gradient step -epsilon * S (epsilon = 0.1)
    _quickprop(x, np.array([-1.0, -1.0, -1.0, 2.0, 1.0]), state, 1)
    np.testing.assert_allclose(x, [0.1, 0.1, 0.1, -0.2, -0.1], rtol=1e-15)
    # step 2 (mu = 1.75, mu / (1 + mu) = 7/11):
    # w0: S = -0.5, S' = -1, dx' = 0.1: quadratic -0.5 / (-1 + 0.5) * 0.1 = 0.1, plus the
    #     gradient term 0.05 (the slope still points the way of the last step): 0.15
    # w1: S = -0.9 has not shrunk below 7/11 of S': mu * dx' = 0.175, plus 0.09: 0.265
    # w2: S = 0.5, the sign changed: the quadratic step alone, 0.5 / (-1 - 0.5) * 0.1 = -1/30
    # w3: S = 1, S' = 2, dx' = -0.2: quadratic 1 / (2 - 1) * -0.2 = -0.2, plus -0.1: -0.3
    # w4: S = 0: a zero step
    _quickprop(x, np.array([-0.5, -0.9, 0.5, 1.0, 0.0]), state, 2)
    np.testing.assert_allclose(state["dx"], [0.15, 0.265, -1 / 30, -0.3, 0.0], rtol=1e-14)
    np.testing.assert_allclose(x, [0.25, 0.365, 0.1 - 1 / 30, -0.5, -0.1], rtol=1e-14)
    # step 3: w4's last step was zero, so a gradient step again: -0.1 * 2
    _quickprop(x, np.array([-0.5, -0.9, 0.5, 1.0, 2.0]), state, 3)
    assert state["dx"][4] == pytest.approx(-0.2, rel=1e-15)


def test_quickprop_jumps_to_the_minimum_of_a_parabola():
    # f = (x - 3)^2, S = 2 (x - 3): from x = 2.9 a gradient step of 0.02 to 2.92, then the
    # secant of the two slopes (-0.2, -0.16) points at x = 3 exactly: a quadratic step of
    # 0.08, 4 times the last one (mu = 5 allows it; the default 1.75 would cap it at 0.035)
    x, state = np.array([2.9]), {}
    for t in (1, 2):
        _quickprop(x, 2.0 * (x - 3.0), state, t, mu=5.0)
    assert x[0] == pytest.approx(3.0 + 0.1 * 2 * 0.08, rel=1e-12)  # the minimum, plus the gradient term


def test_rprop_and_quickprop_are_first_order_with_their_papers_defaults():
    assert BY_NAME["rprop"].family == BY_NAME["quickprop"].family == "first-order"
    assert BY_NAME["rprop"].uses == BY_NAME["quickprop"].uses == frozenset({"gradient"})
    assert RPROP == {"eta_plus": 1.2, "eta_minus": 0.5, "delta0": 0.1, "delta_max": 50.0, "delta_min": 1e-6,
                     "gtol": 1e-6, "max_steps": 10000}
    assert QUICKPROP == {"learning_rate": 0.1, "mu": 1.75, "gtol": 1e-6, "max_steps": 10000}


@pytest.mark.parametrize(("trainer", "option", "value", "message"), [
    ("rprop", "eta_plus", 1.0, "must be a number > 1, got 1.0"),
    ("rprop", "eta_minus", 1.0, "must be a number in (0, 1), got 1.0"),
    ("rprop", "delta0", 0.0, "must be a positive number, got 0.0"),
    ("rprop", "delta_min", -1e-6, "must be a non-negative number, got -1e-06"),
    ("quickprop", "mu", 0, "must be a positive number, got 0"),
    ("quickprop", "learning_rate", "fast", "must be a positive number, got 'fast'"),
])
def test_their_options_are_checked(trainer, option, value, message):
    with pytest.raises(ConfigError) as err:
        check_option(BY_NAME[trainer], option, value, "o")
    assert str(err.value) == f"o: {message}"


def _xor():
    return Objective(Network((2, 2, 1), output_activation="sigmoid"), load("xor"), "sse")


@pytest.mark.parametrize(("name", "seed", "evals"), [("rprop", 2, 60), ("quickprop", 2, 60)])
def test_they_solve_xor(name, seed, evals):
    """A 2-2-1 network with biases and a sigmoid output on xor (SSE): from seed 2 both stop at
    gtol with SSE < 1e-6 within 60 evaluations (iRprop+ 2.6e-7 in 40, Quickprop 7.7e-7 in 53).
    From seeds 0, 1, 3, 4 iRprop+ stops at a flat point of SSE 0.5 or 0.67 (one or two
    patterns wrong, saturated), as Quickprop does from seeds 0, 1, 4."""
    objective = _xor()
    x0 = objective.x0(np.random.default_rng(seed))
    result = BY_NAME[name].train(objective, x0, Budget(max_evals=3000), np.random.default_rng(seed))
    assert result.success and result.fun < 1e-6 and result.nfev <= evals, (result.fun, result.nfev)


@pytest.mark.parametrize(("name", "seed", "cost", "evals"), [("rprop", 1, 1e-10, 200), ("quickprop", 0, 1e-8, 50)])
def test_they_solve_the_tutorial(name, seed, cost, evals):
    objective, x0 = tutorial_problem(seed)
    result = BY_NAME[name].train(objective, x0, Budget(max_evals=3000), np.random.default_rng(seed))
    assert result.success and result.fun < cost and result.nfev <= evals, (result.fun, result.nfev)
    assert result.fun == pytest.approx(objective.fun(result.x), rel=1e-12)
