"""nnbench: compare optimizers on the job of training small neural networks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nnbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
