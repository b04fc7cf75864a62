"""The nevergrad trainers (plugins/nnbench_nevergrad): conformance, budget, seeding, and the
numpy 2.4 shim for nevergrad's metamodel."""

from __future__ import annotations

import numpy as np
import pytest

ng = pytest.importorskip("nevergrad", reason="nevergrad is not installed (pip install -e '.[nevergrad]')")

import nnbench_nevergrad  # noqa: E402
from nnbench.errors import ConfigError  # noqa: E402
from nnbench.contract.instrument import InstrumentedObjective  # noqa: E402
from nnbench.contract.options import check_option  # noqa: E402
from nnbench.testing import parametrize_with_checks, tutorial_problem  # noqa: E402
from nnbench.trainer import Budget  # noqa: E402

pytestmark = pytest.mark.entry_points  # plugins from entry points, as a user's run loads them

TRAINERS = {t.name: t for t in nnbench_nevergrad.TRAINERS}


def test_every_trainer_is_declared_with_nevergrads_own_name():
    assert list(TRAINERS) == ["ng-NGOpt", "ng-TwoPointsDE", "ng-PSO", "ng-OnePlusOne", "ng-TBPSA", "ng-DE",
                              "ng-RandomSearch"]
    assert all(name[3:] in ng.optimizers.registry for name in TRAINERS)
    assert all(t.family == "global" and t.stochastic and t.library == f"nevergrad {ng.__version__}"
               for t in TRAINERS.values())


@parametrize_with_checks(nnbench_nevergrad.TRAINERS)
def test_conformance(trainer, check):
    check(trainer)


def _run(name, budget=Budget(max_evals=300, max_seconds=None), seed=0, **options):
    objective, x0 = tutorial_problem(0)
    counted = InstrumentedObjective(objective)
    result = TRAINERS[name].train(counted, x0, budget, np.random.default_rng(seed), **options)
    return objective, x0, counted, result


@pytest.mark.parametrize("name", ["ng-NGOpt", "ng-OnePlusOne", "ng-PSO"])
def test_it_reduces_the_tutorial_cost_within_exactly_its_budget(name):
    objective, x0, counted, result = _run(name)
    assert counted.evaluations == counted.counts["fun"] == result.nfev == result.nit == 300
    assert (result.success, result.status, result.message) == (
        False, 1, f"{name}: spent its budget of 300 evaluations")
    assert result.fun < 0.1 * objective.fun(x0) and result.fun == objective.fun(result.x)


def test_seeds_come_from_the_trial_rng():
    a, b, c = (_run("ng-TwoPointsDE", Budget(max_evals=60), seed=s)[3] for s in (3, 3, 4))
    assert np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)


def test_sigma_is_the_arrays_mutation_scale():
    _, x0, _, near = _run("ng-RandomSearch", Budget(max_evals=30), sigma=1e-3)
    assert 0 < np.abs(near.x - x0).max() < 0.01
    with pytest.raises(ConfigError, match=r"^o: must be a positive number, got -1.0$"):
        check_option(TRAINERS["ng-PSO"], "sigma", -1.0, "o")  # checked before any trial runs


def test_the_metamodel_takes_a_one_element_array_under_numpy_2_4():
    """NGOpt on 6 weights and 100 evaluations runs nevergrad's MetaModel, whose surrogate
    search calls float() on a (1,) array: a TypeError under numpy >= 2.4 without the shim."""
    nnbench_nevergrad.prepare()
    import nevergrad.optimization.metamodel as metamodel

    assert metamodel.float(np.array([2.5])) == 2.5 and metamodel.float(3) == 3.0
    if np.lib.NumpyVersion(np.__version__) >= "2.4.0":
        assert metamodel.float is nnbench_nevergrad._float
    parametrization = ng.p.Array(init=np.zeros(6))
    assert type(ng.optimizers.NGOpt(parametrization, budget=100).optim).__name__ == "_MetaModel"
    *_, result = _run("ng-NGOpt", Budget(max_evals=100))
    assert result.nfev == 100
