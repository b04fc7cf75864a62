"""nnbench: compare optimizers on the job of training small neural networks.

The public names: the core (:class:`Network`, :class:`Objective`, :class:`Dataset`,
:func:`load`), the plugin contract (:data:`hookimpl`, :class:`Trainer`,
:class:`TrainResult`, :class:`Budget`, :class:`ProblemSpec`, :class:`SuiteSpec`,
:class:`TargetSpec`), and the harness (:class:`Suite`,
:class:`DatasetSpec`, :class:`NetworkSpec`, :func:`run`, :class:`RunResult`).
They are imported on first use (PEP 562), so ``nnbench --version`` and ``nnbench list``
do not pay for scipy.stats and the harness; so is ``__version__`` (importlib.metadata).
"""

from importlib import import_module
from typing import Any

#: Where each public name lives.
_PUBLIC = {
    "RunResult": "nnbench.api", "run": "nnbench.api",
    "Dataset": "nnbench.datasets", "load": "nnbench.datasets", "load_csv": "nnbench.datasets",
    "DatasetSpec": "nnbench.datasets", "NetworkSpec": "nnbench.core.network", "Suite": "nnbench.running.suite",
    "hookimpl": "nnbench.contract.hookspecs",
    "Network": "nnbench.core.network",
    "Objective": "nnbench.core.objective",
    "Budget": "nnbench.contract.trainer", "Trainer": "nnbench.contract.trainer", "TrainResult": "nnbench.contract.trainer",
    "ProblemSpec": "nnbench.contract.problems", "SuiteSpec": "nnbench.contract.problems",
    "TargetSpec": "nnbench.contract.problems",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def _version() -> str:
    """The installed distribution's version; ``"0.0.0"`` from a source tree without one."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nnbench")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":  # on first use too: importlib.metadata is 25 ms of every start
        globals()["__version__"] = value = _version()
        return value
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'nnbench' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
