"""The conformance kit for trainer plugins (``parametrize_with_checks``, ``check_trainer``): a public import path.

A thin re-export of :mod:`nnbench.contract.testing`, where the code lives, kept as the stable path plugin
authors import (``from nnbench.testing import ...``). Not deprecated: no warning is raised.
"""

from nnbench.contract.testing import (
    CHECKS,
    KIT_BUDGET,
    check_budget_honoured,
    check_declared_refusals,
    check_description,
    check_nan_objective,
    check_not_worse_than_x0,
    check_same_seed_same_result,
    check_search_space,
    check_trainer,
    check_trains_tutorial,
    check_x0_not_mutated,
    parametrize_with_checks,
    tutorial_objective,
    tutorial_problem,
)

__all__ = [
    "CHECKS", "KIT_BUDGET", "check_budget_honoured", "check_declared_refusals", "check_description",
    "check_nan_objective", "check_not_worse_than_x0", "check_same_seed_same_result", "check_search_space",
    "check_trainer", "check_trains_tutorial", "check_x0_not_mutated", "parametrize_with_checks",
    "tutorial_objective", "tutorial_problem",
]
