"""nnbench's own plugin: the bundled datasets (``tutorial``, ``xor``, ``diabetes``, ``iris``, ...)
and the generated ones (``two_spirals``, ``parity:N``, ``encoder:N``, ``friedman1:N``); the
bundled problems and suites (:data:`nnbench.contract.problems.BUILTIN_PROBLEMS`,
:data:`~nnbench.contract.problems.BUILTIN_SUITES`).

Registered first by :func:`nnbench.contract.plugins.get_plugin_manager`, like any other plugin.
"""

from __future__ import annotations

from collections.abc import Callable

from nnbench.datasets import BUILTIN_DATASETS, Dataset
from nnbench.contract.hookspecs import hookimpl
from nnbench.contract.problems import BUILTIN_PROBLEMS, BUILTIN_SUITES, ProblemSpec, SuiteSpec


@hookimpl
def nnbench_datasets() -> dict[str, Callable[..., Dataset]]:
    """nnbench's own datasets, bundled and generated: :data:`nnbench.datasets.BUILTIN_DATASETS`
    (the generated ones that take a size are loaders of one parameter)."""
    return dict(BUILTIN_DATASETS)


@hookimpl
def nnbench_problems() -> list[ProblemSpec]:
    """nnbench's own problems (:data:`nnbench.contract.problems.BUILTIN_PROBLEMS`)."""
    return list(BUILTIN_PROBLEMS.values())


@hookimpl
def nnbench_suites() -> list[SuiteSpec]:
    """nnbench's own suites (:data:`nnbench.contract.problems.BUILTIN_SUITES`)."""
    return list(BUILTIN_SUITES.values())
