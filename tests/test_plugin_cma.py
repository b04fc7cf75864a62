"""The pycma trainer (plugins/nnbench_cma): conformance, budget, seeding, no files written."""

from __future__ import annotations

import os

import numpy as np
import pytest

cma = pytest.importorskip("cma", reason="pycma is not installed (pip install -e '.[cma]')")

import nnbench_cma  # noqa: E402
from nnbench.errors import ConfigError  # noqa: E402
from nnbench.contract.instrument import InstrumentedObjective  # noqa: E402
from nnbench.contract.options import check_option  # noqa: E402
from nnbench.testing import parametrize_with_checks, tutorial_problem  # noqa: E402
from nnbench.trainer import Budget  # noqa: E402

pytestmark = pytest.mark.entry_points  # plugins from entry points, as a user's run loads them

(CMA_ES,) = nnbench_cma.TRAINERS


def test_the_trainer_is_declared():
    assert (CMA_ES.name, CMA_ES.family, CMA_ES.stochastic, CMA_ES.uses) == ("cma-CMA-ES", "global", True, frozenset())
    assert CMA_ES.library == f"cma {cma.__version__.split()[0]}"
    assert dict(CMA_ES.options) == {"sigma0": 1.0, "popsize": None}


@parametrize_with_checks(nnbench_cma.TRAINERS)
def test_conformance(trainer, check):
    check(trainer)


def _run(budget=Budget(max_evals=300), seed=0, **options):
    objective, x0 = tutorial_problem(0)
    counted = InstrumentedObjective(objective)
    result = CMA_ES.train(counted, x0, budget, np.random.default_rng(seed), **options)
    return objective, x0, counted, result


def test_it_reduces_the_tutorial_cost_and_charges_every_population_member():
    objective, x0, counted, result = _run()
    # 4 + floor(3 ln 6) = 9 per generation: 33 full generations, then 3 of the 34th
    assert counted.evaluations == counted.counts["fun"] == result.nfev == 300
    assert result.nit == 33 and (result.success, result.status) == (False, -2)
    assert result.fun < 0.01 * objective.fun(x0) and result.fun == objective.fun(result.x)


def test_a_budget_that_ends_a_generation_is_pycmas_own_stop():
    *_, counted, result = _run(Budget(max_evals=90), popsize=10)
    assert counted.evaluations == 90 and result.nit == 9
    assert (result.success, result.status, result.message) == (False, 1, "cma-CMA-ES: maxfevals=89")


def test_seeds_come_from_the_trial_rng():
    a, b, c = (_run(seed=s)[3] for s in (3, 3, 4))
    assert np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)


def test_options_reach_pycma():
    *_, wide = _run(Budget(max_evals=20), popsize=20)
    assert wide.nit == 1
    # the declarations, checked before any trial runs (nnbench.contract.options)
    with pytest.raises(ConfigError, match=r"^o: must be an integer >= 2 or None, got 1$"):
        check_option(nnbench_cma.TRAINERS[0], "popsize", 1, "o")
    with pytest.raises(ConfigError, match=r"^o: must be a positive number, got 0.0$"):
        check_option(nnbench_cma.TRAINERS[0], "sigma0", 0.0, "o")


def test_nothing_is_written_to_the_working_directory(tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)
    _run(Budget(max_evals=200))
    assert os.listdir(tmp_path) == []
    assert capfd.readouterr() == ("", "")
