"""The plugin contract"s hook specifications and the ``hookimpl`` marker: a public import path.

A thin re-export of :mod:`nnbench.contract.hookspecs`, where the code lives, kept as the stable path plugin
authors import (``from nnbench.hookspecs import ...``). Not deprecated: no warning is raised.
"""

from nnbench.contract.hookspecs import (
    PROJECT_NAME,
    hookspec,
    hookimpl,
    nnbench_trainers,
    nnbench_datasets,
    nnbench_trial_finished,
)

__all__ = [
    "PROJECT_NAME", "hookspec", "hookimpl", "nnbench_trainers", "nnbench_datasets", "nnbench_trial_finished",
]
