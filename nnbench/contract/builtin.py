"""nnbench's own plugin: the bundled datasets (``tutorial``, ``xor``, ``diabetes``, ``iris``, ...)
and the generated ones (``two_spirals``, ``parity:N``, ``encoder:N``, ``friedman1:N``).

Registered first by :func:`nnbench.contract.plugins.get_plugin_manager`, like any other plugin.
"""

from __future__ import annotations

from collections.abc import Callable

from nnbench.datasets import BUILTIN_DATASETS, Dataset
from nnbench.contract.hookspecs import hookimpl


@hookimpl
def nnbench_datasets() -> dict[str, Callable[..., Dataset]]:
    """nnbench's own datasets, bundled and generated: :data:`nnbench.datasets.BUILTIN_DATASETS`
    (the generated ones that take a size are loaders of one parameter)."""
    return dict(BUILTIN_DATASETS)
