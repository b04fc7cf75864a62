"""Test-session settings: BLAS pinned to one thread, as nnbench pins every trial.

On a 2-core machine numpy's and scipy's OpenBLAS pools fight over the cores and make the
small optimizations of these tests 5-20x slower; worker processes the tests start pin
themselves (see nnbench.executors).
"""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

#: The trainers nnbench's built-in plugins register (scipy's 23 and the first-order plugin's 3):
#: the one place the tests state it.
N_BUILTIN_TRAINERS = 26


@pytest.fixture
def n_builtin_trainers() -> int:
    """:data:`N_BUILTIN_TRAINERS`, for tests that count the built-in trainers."""
    return N_BUILTIN_TRAINERS


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield
