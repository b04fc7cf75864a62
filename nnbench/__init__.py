"""nnbench: compare optimizers on the job of training small neural networks.

The public names: the core (:class:`Network`, :class:`Objective`, :class:`Dataset`,
:func:`load`), the plugin contract (:data:`hookimpl`, :class:`Trainer`,
:class:`TrainResult`, :class:`Budget`), and the harness (:class:`Suite`,
:class:`DatasetSpec`, :class:`NetworkSpec`, :func:`run`, :class:`RunResult`).
"""

from importlib.metadata import PackageNotFoundError, version

from nnbench.api import RunResult, run
from nnbench.datasets import Dataset, load, load_csv
from nnbench.harness import DatasetSpec, NetworkSpec, Suite
from nnbench.hookspecs import hookimpl
from nnbench.network import Network
from nnbench.objective import Objective
from nnbench.trainer import Budget, Trainer, TrainResult

try:
    __version__ = version("nnbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["Budget", "Dataset", "DatasetSpec", "Network", "NetworkSpec", "Objective", "RunResult",
           "Suite", "Trainer", "TrainResult", "hookimpl", "load", "load_csv", "run", "__version__"]
