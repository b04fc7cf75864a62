"""What a trainer plugin provides (``Trainer``) and returns (``TrainResult``), its ``Budget``, and the option constraints: a public import path.

A thin re-export of :mod:`nnbench.contract.trainer`, where the code lives, kept as the stable path plugin
authors import (``from nnbench.trainer import ...``). Not deprecated: no warning is raised.
"""

from nnbench.contract.trainer import (
    FAMILIES,
    DERIVATIVES,
    Budget,
    TrainResult,
    Trainer,
    TrainFunction,
    MAX_SECONDS,
    BUDGET_CONSTRAINTS,
    Constraint,
    Interval,
    OneOf,
    InstanceOf,
    Distribution,
    LogUniform,
    Uniform,
    IntUniform,
    Choice,
    closest_names,
)

__all__ = [
    "FAMILIES", "DERIVATIVES", "Budget", "TrainResult", "Trainer", "TrainFunction", "MAX_SECONDS",
    "BUDGET_CONSTRAINTS", "Constraint", "Interval", "OneOf", "InstanceOf", "Distribution", "LogUniform",
    "Uniform", "IntUniform", "Choice", "closest_names",
]
