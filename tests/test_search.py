"""Search spaces: each distribution's quantile function, and the declarations the kit checks."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pytest

from nnbench.contract.search import Choice, IntUniform, LogUniform, Uniform
from nnbench.contract.testing import check_search_space
from nnbench.contract.trainer import Interval, Trainer, TrainResult


def test_each_distribution_maps_the_unit_interval_as_documented():
    lu = LogUniform(1e-4, 1.0)
    assert lu.value(0.0) == pytest.approx(1e-4) and lu.value(0.5) == pytest.approx(1e-2)
    assert lu.value(0.75) == pytest.approx(0.1)
    assert Uniform(0.5, 0.99).value(0.5) == pytest.approx(0.745)
    ints = IntUniform(2, 5)
    assert [ints.value(u) for u in (0.0, 0.24, 0.25, 0.5, 0.99, 1.0)] == [2, 2, 3, 4, 5, 5]
    # each integer equally likely: on a fine grid of u, a quarter each
    counts = np.bincount([ints.value(u) for u in np.arange(4000) / 4000])[2:]
    assert counts.tolist() == [1000, 1000, 1000, 1000]
    assert [Choice(("a", "b", "c")).value(u) for u in (0.0, 0.34, 0.67, 0.999)] == ["a", "b", "c", "c"]
    assert lu.describe() == "log-uniform on [0.0001, 1]" and Choice((1, 2)).describe() == "one of 1, 2"
    for bad in (lambda: LogUniform(0.0, 1.0), lambda: Uniform(1.0, 1.0), lambda: IntUniform(3, 2),
                lambda: Choice(()), lambda: LogUniform(1.0, math.inf)):
        with pytest.raises(ValueError):
            bad()


def _train(objective, x0, budget, rng, **options):
    return TrainResult(x=x0, fun=objective.fun(x0), success=True)


def test_a_search_space_must_name_declared_options_within_their_constraints():
    with pytest.raises(ValueError, match=r"^trainer 't': a search space for options it does not declare: \['lr'\]$"):
        Trainer(name="t", family="first-order", train=_train, summary="s", search_space={"lr": LogUniform(1e-3, 1)})
    t = Trainer(name="t", family="first-order", train=_train, summary="s", options={"lr": 0.1},
                constraints={"lr": [Interval(Real, 0, 0.5, closed="right")]},
                search_space={"lr": LogUniform(1e-3, 1.0)})
    with pytest.raises(AssertionError, match=r"^t: search space of 'lr' gives 0.999.*, which must be a positive "
                                             r"number of at most 0.5, got 0.999"):
        check_search_space(t)
