"""Problems and suites as named units: what an optimizer comparison is judged on.

A :class:`ProblemSpec` is a dataset with its preparation (one fixed train/test split shared by
every seed, as PROBEN1's fixed partitions are, Prechelt 1994), its network and loss, its
budget, and its success target; a :class:`SuiteSpec` is a versioned list of problem names
(DeepOBS's and AlgoPerf's shape: named problems, each with data, model, loss, budget and
target). nnbench bundles some (:data:`BUILTIN_PROBLEMS`, :data:`BUILTIN_SUITES`, contributed
by its own plugin); plugins contribute more through the ``nnbench_problems`` and
``nnbench_suites`` hooks, and ``nnbench run --problem NAME`` / ``--suite NAME`` run them.

A target (:class:`TargetSpec`) is a training cost to reach or go below, or a training class
accuracy or R^2 to reach or exceed, asked at each improvement of the best-so-far cost
outside the budget and the clock (:class:`~nnbench.contract.instrument.InstrumentedObjective`'s
``reached``); test metrics are reported, never targets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from numbers import Real
from typing import Any

import numpy as np

from nnbench import defaults
from nnbench.contract.trainer import Budget
from nnbench.core.fit import class_accuracy, r_squared
from nnbench.core.losses import LOSSES
from nnbench.core.network import NetworkSpec
from nnbench.datasets.preparation import DatasetSpec
from nnbench.errors import ConfigError
from nnbench.validation import Interval, OneOf, check

__all__ = ["TargetSpec", "ProblemSpec", "SuiteSpec", "TARGET_METRICS", "BUILTIN_PROBLEMS", "BUILTIN_SUITES",
           "DEFAULT_SUITE", "CLASSIFICATION_LOSSES", "TASKS", "task_of"]

#: What a target may be measured on, with the values it takes: a training cost (reached at
#: or below), a training class accuracy in (0, 1] or R^2 at most 1 (reached at or above).
TARGET_METRICS: Mapping[str, Interval] = {
    "cost": Interval(Real, None, None),
    "accuracy": Interval(Real, 0, 1, closed="right"),
    "r2": Interval(Real, None, 1, closed="right"),
}


@dataclass(frozen=True)
class TargetSpec:
    """A problem's success target: ``metric`` on the training data reaching ``value``.

    :param metric: ``"cost"`` (the objective at or below ``value``), ``"accuracy"`` (class
        accuracy, :func:`nnbench.core.fit.class_accuracy`, at or above) or ``"r2"``
        (:func:`nnbench.core.fit.r_squared` at or above), :data:`TARGET_METRICS`.
    :param value: the level, a finite float in the metric's range.
    :raises ConfigError: an unknown metric or a value outside its range, naming the field.
    """

    metric: str
    value: float

    def __post_init__(self) -> None:
        check(self.metric, [OneOf(*TARGET_METRICS)], "TargetSpec.metric")
        value = check(self.value, [TARGET_METRICS[self.metric]], "TargetSpec.value")
        object.__setattr__(self, "value", float(value))

    @property
    def label(self) -> str:
        """``"cost <= 0.01"``, ``"accuracy >= 1"``, ``"r2 >= 0.5"``."""
        return f"{self.metric} {'<=' if self.metric == 'cost' else '>='} {self.value:g}"

    def predicate(self, objective: Any) -> Callable[[np.ndarray], bool] | None:
        """For an accuracy or R^2 target, whether weights ``theta`` reach it on ``objective``'s
        training data (one forward pass, not an evaluation); ``None`` for a cost target, which
        the instrumentation compares with the cost it already has.

        :param objective: an :class:`~nnbench.core.objective.Objective` (``predict``, ``y``).
        :raises ConfigError: an accuracy target on targets that are not classes (from
            :func:`~nnbench.core.fit.class_accuracy`, at the first check).
        """
        if self.metric == "cost":
            return None
        y, level = objective.y, self.value
        if self.metric == "accuracy":
            return lambda theta: class_accuracy(y, objective.predict(theta)) >= level

        def r2_reached(theta: np.ndarray) -> bool:
            r2 = r_squared(y, objective.predict(theta))
            return r2 is not None and r2 >= level

        return r2_reached


@dataclass(frozen=True)
class ProblemSpec:
    """A named problem: data, preparation, network, loss, budget and success target.

    :param name: how runs name it (``--problem two_spirals``); letters, digits, ``_``, ``-``
        and ``:``.
    :param dataset: the data and its preparation (the split is fixed: ``split_seed``).
    :param network: the network and loss.
    :param budget: each trial's budget (``None``: :class:`~nnbench.contract.trainer.Budget`'s
        defaults).
    :param target: the success target, or ``None``.
    :param description: one line for listings.
    :param reference: published results to hold nnbench's counts against (one full-batch step
        is one epoch), or ``""``.
    :raises ConfigError: a field of the wrong type, naming it.
    """

    name: str
    dataset: DatasetSpec
    network: NetworkSpec
    budget: Budget | None = None
    target: TargetSpec | None = None
    description: str = ""
    reference: str = ""

    def __post_init__(self) -> None:
        where = f"problem {self.name!r}" if isinstance(self.name, str) else "ProblemSpec.name"
        if not isinstance(self.name, str) or not _good_name(self.name):
            raise ConfigError(f"{where}: a problem's name takes letters, digits, '_', '-' and ':', "
                              f"got {self.name!r}")
        for attr, kind in (("dataset", DatasetSpec), ("network", NetworkSpec)):
            if not isinstance(getattr(self, attr), kind):
                raise ConfigError(f"{where}: {attr} must be a {kind.__name__}, got {getattr(self, attr)!r}")
        if self.budget is not None and not isinstance(self.budget, Budget):
            raise ConfigError(f"{where}: budget must be a nnbench.Budget or None, got {self.budget!r}")
        if self.target is not None and not isinstance(self.target, TargetSpec):
            raise ConfigError(f"{where}: target must be a TargetSpec or None, got {self.target!r}")

    def overridden(self, budget: Mapping[str, Any] | None = None, target_cost: float | None = None) -> ProblemSpec:
        """This problem with some of its budget, or its target, replaced (what ``--max-evals``,
        ``--time-limit`` and ``--target-cost`` do to a named problem).

        :param budget: :class:`~nnbench.contract.trainer.Budget` fields to put over its own
            (``{"max_evals": 200}`` keeps its time limit).
        :param target_cost: a cost target in place of its own target, or ``None`` to keep it.
        :raises ConfigError: a bad budget value (from :class:`~nnbench.contract.trainer.Budget`).
        """
        own = self.budget or Budget()
        new_budget = Budget(**{"max_evals": own.max_evals, "max_seconds": own.max_seconds, **(budget or {})})
        new_target = self.target if target_cost is None else TargetSpec("cost", target_cost)
        return replace(self, budget=new_budget if budget else self.budget, target=new_target)

    @property
    def task(self) -> str:
        """``"classification"`` or ``"regression"``, decided by the loss (:func:`task_of`)."""
        return task_of(self.network.loss)


#: The losses of a classification task (the others are regression).
CLASSIFICATION_LOSSES: tuple[str, ...] = tuple(name for name, loss in LOSSES.items() if loss.task == "classification")

#: The tasks a problem (and a trial record) may be of.
TASKS: tuple[str, ...] = ("regression", "classification")


def task_of(loss: str) -> str:
    """The task a network trained with ``loss`` solves: the loss's own
    :attr:`~nnbench.core.losses.Loss.task` (``"classification"`` for the cross-entropies,
    :data:`CLASSIFICATION_LOSSES`; ``"regression"`` for the others, and for a name no loss
    has, as in an old results file). It decides the measures (class accuracy, or Pearson r,
    R^2 and MSE).

    :param loss: a loss name as :class:`~nnbench.core.network.NetworkSpec` stores it.
    :returns: one of :data:`TASKS`.
    """
    known = LOSSES.get(loss)
    return "regression" if known is None else known.task


def _good_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in "_-:" for c in name)


@dataclass(frozen=True)
class SuiteSpec:
    """A named, versioned list of problems (``nnbench run --suite uci``).

    :param name: how runs name it.
    :param version: changes whenever a problem of it changes (results record it).
    :param problems: problem names, in run order.
    :param description: one line for listings.
    :raises ConfigError: a field of the wrong type, or no problem.
    """

    name: str
    version: str
    problems: tuple[str, ...] = field(default=())
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _good_name(self.name):
            raise ConfigError(f"SuiteSpec.name: takes letters, digits, '_', '-' and ':', got {self.name!r}")
        if not isinstance(self.version, str) or not self.version:
            raise ConfigError(f"suite {self.name!r}: version must be a non-empty string, got {self.version!r}")
        problems = tuple(self.problems) if isinstance(self.problems, Sequence) and not isinstance(
            self.problems, str) else None
        if not problems or not all(isinstance(p, str) for p in problems):
            raise ConfigError(f"suite {self.name!r}: problems must be a non-empty list of problem names, "
                              f"got {self.problems!r}")
        object.__setattr__(self, "problems", problems)


def _budget(max_evals: int) -> Budget:
    return Budget(max_evals=max_evals, max_seconds=defaults.TIME_LIMIT_S)


_ALL_CORRECT = TargetSpec("accuracy", 1.0)

#: nnbench's own problems, by name (contributed by its plugin, ``nnbench_problems``).
BUILTIN_PROBLEMS: Mapping[str, ProblemSpec] = {p.name: p for p in (
    ProblemSpec("tutorial", DatasetSpec("tutorial"), NetworkSpec((2,), bias=False, loss="sse"), _budget(1000),
                TargetSpec("cost", 1e-3),
                "the scipy.optimize tutorial: 4 rows, 2-2-1 sigmoid without biases, sum of squares"),
    ProblemSpec("xor", DatasetSpec("xor"), NetworkSpec((2,), output_activation="sigmoid", loss="bce"),
                _budget(1000), _ALL_CORRECT,
                "XOR, 2-2-1 sigmoid with biases, binary cross-entropy; all 4 rows right",
                "Rumelhart, Hinton & Williams 1986 (local minima of 2-2-1 nets: Hamey 1998)"),
    ProblemSpec("parity:4", DatasetSpec("parity:4"), NetworkSpec((8,), activation="tanh",
                output_activation="softmax", loss="cross_entropy"), _budget(5000), _ALL_CORRECT,
                "4-bit parity, all 16 rows, 4-8-2 tanh, softmax cross-entropy; all rows right",
                "Tesauro & Janssens 1988: about 2000 epochs of backpropagation at N = 8 with 2N hidden units"),
    ProblemSpec("encoder:8", DatasetSpec("encoder:8"), NetworkSpec((3,), activation="sigmoid",
                output_activation="softmax", loss="cross_entropy"), _budget(5000), _ALL_CORRECT,
                "the 8-3-8 encoder: 8 one-hot rows through 3 sigmoid units, softmax cross-entropy; all right",
                "Rumelhart, Hinton & Williams 1986; Fahlman 1988 (Quickprop)"),
    ProblemSpec("two_spirals", DatasetSpec("two_spirals"), NetworkSpec((20, 20), activation="tanh",
                output_activation="softmax", loss="cross_entropy"), _budget(30000), _ALL_CORRECT,
                "Lang & Witbrock's two spirals, 194 points, 2-20-20-2 tanh, softmax cross-entropy; all right",
                "Lang & Witbrock 1988; Fahlman & Lebiere 1990: about 20000 epochs of backpropagation and 8000 "
                "of Quickprop for a 2-5-5-5-1 network with shortcuts"),
    ProblemSpec("iris", DatasetSpec("iris", standardize="features", test_size=0.25),
                NetworkSpec((5,), activation="tanh", output_activation="softmax", loss="cross_entropy"),
                _budget(1000), TargetSpec("accuracy", 0.97),
                "Fisher's iris, 150 x 4, 3 classes, 4-5-3 tanh, softmax cross-entropy; 25% held out"),
    ProblemSpec("wine", DatasetSpec("wine", standardize="features", test_size=0.25),
                NetworkSpec((5,), activation="tanh", output_activation="softmax", loss="cross_entropy"),
                _budget(1000), _ALL_CORRECT,
                "wine cultivars, 178 x 13, 3 classes, 13-5-3 tanh, softmax cross-entropy; 25% held out"),
    ProblemSpec("breast_cancer", DatasetSpec("breast_cancer", standardize="features", test_size=0.25),
                NetworkSpec((5,), activation="tanh", output_activation="softmax", loss="cross_entropy"),
                _budget(1000), TargetSpec("accuracy", 0.99),
                "Wisconsin diagnostic breast cancer, 569 x 30, 2 classes, 30-5-2 tanh, softmax "
                "cross-entropy; 25% held out"),
    ProblemSpec("diabetes", DatasetSpec("diabetes", standardize="all", test_size=0.25),
                NetworkSpec((3,), activation="tanh", loss="mse"), _budget(1000), TargetSpec("r2", 0.5),
                "Efron et al.'s diabetes progression, 442 x 10, regression, 10-3-1 tanh, mean squared error; "
                "25% held out"),
    ProblemSpec("digits", DatasetSpec("digits", standardize="features", test_size=0.25),
                NetworkSpec((16,), activation="tanh", output_activation="softmax", loss="cross_entropy"),
                _budget(1000), TargetSpec("accuracy", 0.99),
                "handwritten digits, 1797 x 64, 10 classes, 64-16-10 tanh, softmax cross-entropy; 25% held out"),
)}

#: nnbench's own suites, by name (contributed by its plugin, ``nnbench_suites``).
BUILTIN_SUITES: Mapping[str, SuiteSpec] = {s.name: s for s in (
    SuiteSpec("default", "1", ("tutorial", "diabetes", "iris"),
              "what a bare `nnbench run` runs: the tutorial, one regression, one classification"),
    SuiteSpec("classic", "1", ("xor", "parity:4", "encoder:8", "two_spirals"),
              "the classic small-network benchmarks"),
    SuiteSpec("uci", "1", ("iris", "wine", "breast_cancer", "diabetes", "digits"),
              "five UCI data sets, classification and regression"),
)}

#: The suite a bare ``nnbench run`` runs.
DEFAULT_SUITE: str = "default"

