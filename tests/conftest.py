"""Test-session settings: BLAS pinned to one thread, as nnbench pins every trial.

On a 2-core machine numpy's and scipy's OpenBLAS pools fight over the cores and make the
small optimizations of these tests 5-20x slower; worker processes the tests start pin
themselves (see nnbench.running.executors).
"""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

#: The trainers nnbench's built-in plugins register (scipy's 23 and the first-order plugin's 5):
#: the one place the tests state it.
N_BUILTIN_TRAINERS = 28


@pytest.fixture
def n_builtin_trainers() -> int:
    """:data:`N_BUILTIN_TRAINERS`, for tests that count the built-in trainers."""
    return N_BUILTIN_TRAINERS


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(autouse=True)
def _builtin_plugins_only(request, monkeypatch):
    """Every test sees nnbench's built-in plugins only (``NNBENCH_DISABLE_PLUGIN_AUTOLOAD=1``,
    inherited by the worker processes it starts), so that names, counts and "did you mean"
    hints do not depend on which extras are installed; tests marked ``entry_points`` (the
    plugin loading and the library plugins) load entry points as a user's run does."""
    if request.node.get_closest_marker("entry_points") is None:
        monkeypatch.setenv("NNBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
