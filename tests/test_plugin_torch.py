"""The torch.optim trainers (plugins/nnbench_torch): conformance, the same maths as nnbench's
own first-order trainers, LBFGS against scipy's L-BFGS-B, budgets and options."""

from __future__ import annotations

import inspect

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install -e '.[torch]')")

import nnbench_firstorder  # noqa: E402
import nnbench_scipy  # noqa: E402
import nnbench_torch  # noqa: E402
from nnbench.errors import ConfigError  # noqa: E402
from nnbench.contract.instrument import InstrumentedObjective  # noqa: E402
from nnbench.contract.options import check_option, probe  # noqa: E402
from nnbench.testing import parametrize_with_checks, tutorial_problem  # noqa: E402
from nnbench.trainer import Budget  # noqa: E402

pytestmark = pytest.mark.entry_points  # plugins from entry points, as a user's run loads them

TRAINERS = {t.name: t for t in nnbench_torch.TRAINERS}
NNBENCH = {t.name: t for t in nnbench_firstorder.TRAINERS}
SCIPY = {t.name: t for t in nnbench_scipy.TRAINERS}


def test_every_trainer_is_declared():
    assert list(TRAINERS) == ["torch-SGD", "torch-SGD-momentum", "torch-SGD-nesterov", "torch-Adam", "torch-AdamW",
                              "torch-RMSprop", "torch-Adagrad", "torch-LBFGS", "torch-LBFGS-wolfe"]
    assert all(t.library == f"torch {torch.__version__}" and t.uses == {"gradient"} for t in TRAINERS.values())
    assert {n for n, t in TRAINERS.items() if t.family == "local-gradient"} == {"torch-LBFGS", "torch-LBFGS-wolfe"}


@parametrize_with_checks(nnbench_torch.TRAINERS)
def test_conformance(trainer, check):
    check(trainer)


def test_declared_defaults_are_torchs_own():
    """Every declared default is torch's, except momentum (torch's default 0 turns it off) and
    beta1/beta2, which are torch's betas tuple."""
    for name, (class_name, fixed, _, defaults, _) in nnbench_torch.METHODS.items():
        params = inspect.signature(getattr(torch.optim, class_name)).parameters
        for key, value in defaults.items():
            if key == "momentum" and name.startswith("SGD-"):
                assert params[key].default == 0 and value == 0.9
            elif key in ("beta1", "beta2"):
                assert value == params["betas"].default[key == "beta2"], (name, key)
            else:
                assert value == params[key].default, (name, key)
        assert set(fixed) <= set(params)


class Recorder:
    """The objective, recording every point at which the cost and gradient are evaluated."""

    def __init__(self, objective):
        self.objective, self.points = objective, []
        for name in ("n_params", "n_residuals", "has_residuals", "loss"):
            setattr(self, name, getattr(objective, name))

    def fun_and_grad(self, theta):
        self.points.append(np.array(theta))
        return self.objective.fun_and_grad(theta)


def _trajectory(trainer, seed, options):
    objective, x0 = tutorial_problem(seed)
    recorder = Recorder(objective)
    trainer.train(recorder, x0, Budget(max_evals=101), np.random.default_rng(0), **options)
    return np.array(recorder.points)


# torch name, its options, nnbench name, its options: the same update rule and hyperparameters.
# torch Adam adds eps to sqrt(v) / sqrt(1 - beta2**t), i.e. to sqrt(v_hat), as Algorithm 1 of
# Kingma & Ba and nnbench's adam do; torch's SGD momentum buffer b = momentum b + g with
# x -= lr b is nnbench's heavy ball v = beta v - lr g with v = -lr b.
SAME_MATHS = [
    ("torch-Adam", {}, "adam", {}),
    ("torch-Adam", {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
     "adam", {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}),
    ("torch-SGD", {"lr": 0.1}, "gradient-descent", {"learning_rate": 0.1}),
    ("torch-SGD-momentum", {"lr": 0.05}, "momentum", {"learning_rate": 0.05, "beta": 0.9}),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("ours, ours_options, theirs, their_options", SAME_MATHS)
def test_torch_and_nnbench_take_the_same_100_steps(ours, ours_options, theirs, their_options, seed):
    a = _trajectory(TRAINERS[ours], seed, ours_options)
    b = _trajectory(NNBENCH[theirs], seed, {**their_options, "gtol": 1e-300})
    assert a.shape == b.shape == (101, 6)  # x0 and the points after 1..100 steps
    assert np.abs(a[-1] - a[0]).max() > 0.05  # they moved
    assert np.abs(a - b).max() < 1e-10


@pytest.mark.parametrize("name", ["torch-LBFGS", "torch-LBFGS-wolfe", "L-BFGS-B"])
def test_lbfgs_solves_the_tutorial_problem(name):
    trainer = TRAINERS.get(name) or SCIPY[name]
    objective, x0 = tutorial_problem(0)
    counted = InstrumentedObjective(objective)
    result = trainer.train(counted, x0, Budget(max_evals=1000), np.random.default_rng(0))
    assert result.fun < 1e-8 and result.success and counted.evaluations <= 1000
    assert result.fun == objective.fun(result.x)


def test_first_order_spends_exactly_its_budget():
    objective, x0 = tutorial_problem(0)
    counted = InstrumentedObjective(objective)
    result = TRAINERS["torch-Adam"].train(counted, x0, Budget(max_evals=40), np.random.default_rng(0))
    assert counted.evaluations == result.nfev == result.njev == 40 and result.nit == 40
    assert (result.success, result.status, result.message) == (
        False, -2, "torch-Adam: stopped at the budget of 40 evaluations")


@pytest.mark.parametrize("name", ["torch-LBFGS", "torch-LBFGS-wolfe"])
def test_lbfgs_stops_by_itself_at_max_eval(name):
    objective, x0 = tutorial_problem(1)
    counted = InstrumentedObjective(objective)
    result = TRAINERS[name].train(counted, x0, Budget(max_evals=7), np.random.default_rng(0))
    assert counted.evaluations <= 7 and not result.success and result.status in (1, -2)


def test_a_nan_cost_stops_the_run():
    objective, x0 = tutorial_problem(0)

    class Exploding(Recorder):
        def fun_and_grad(self, theta):
            cost, grad = super().fun_and_grad(theta)
            return (cost, grad) if len(self.points) < 5 else (float("nan"), grad)

    result = TRAINERS["torch-SGD"].train(Exploding(objective), x0, Budget(max_evals=100), np.random.default_rng(0))
    assert (result.success, result.status, result.nfev) == (False, 3, 5)
    assert result.message == "torch-SGD: the cost or gradient is not finite (cost nan) after 4 steps"
    assert result.fun < objective.fun(x0)


def test_options_reach_torch():
    objective, x0 = tutorial_problem(0)
    slow = TRAINERS["torch-SGD"].train(objective, x0, Budget(max_evals=20), np.random.default_rng(0), lr=1e-6)
    fast = TRAINERS["torch-SGD"].train(objective, x0, Budget(max_evals=20), np.random.default_rng(0), lr=0.5)
    assert abs(slow.fun - objective.fun(x0)) < 1e-4 < objective.fun(x0) - fast.fun
    with pytest.raises(ConfigError, match=r"^o: torch-Adam has no option 'betas' \(did you mean beta2, beta1 or eps\?\)$"):
        check_option(TRAINERS["torch-Adam"], "betas", (0.9, 0.99), "o")
    # what torch itself refuses is found by one dry call before the run
    with pytest.raises(ConfigError, match=r"^o: torch-Adam refused -1 in a dry run on a 2-weight quadratic "
                                          r"\(ValueError: Invalid learning rate: -1\)$"):
        probe(TRAINERS["torch-Adam"], {"lr": -1}, {"lr": "o"})


def test_prepare_does_torchs_first_use_work_outside_the_trials():
    # torch's first optimizer imports torch._dynamo (about 1 s); the set-up, outside every
    # trial's clock, builds one of each class so that no trial pays for it
    code = ("import sys, nnbench_torch; assert 'torch._dynamo' not in sys.modules; nnbench_torch.prepare(); "
            "import torch; print('torch._dynamo' in sys.modules, torch.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "1"]
