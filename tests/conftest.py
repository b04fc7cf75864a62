"""Test-session settings: BLAS pinned to one thread, as nnbench pins every trial.

On a 2-core machine numpy's and scipy's OpenBLAS pools fight over the cores and make the
small optimizations of these tests 5-20x slower; worker processes the tests start pin
themselves (see nnbench.executors).
"""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield
