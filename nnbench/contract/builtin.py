"""nnbench's own plugin: the bundled datasets (``tutorial``, ``xor``, ``diabetes``, ...).

Registered first by :func:`nnbench.contract.plugins.get_plugin_manager`, like any other plugin.
"""

from __future__ import annotations

from collections.abc import Callable

from nnbench.datasets import DATASET_LOADERS, Dataset
from nnbench.contract.hookspecs import hookimpl


@hookimpl
def nnbench_datasets() -> dict[str, Callable[[], Dataset]]:
    """The bundled datasets: :data:`nnbench.datasets.DATASET_LOADERS`."""
    return dict(DATASET_LOADERS)
