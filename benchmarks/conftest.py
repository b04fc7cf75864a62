"""The benchmarks' fixture: BLAS pinned to one thread (see README.md beside this file).

Every benchmark runs with BLAS pinned to one thread (:func:`one_blas_thread`): the matrix
products here are small, two BLAS threads on a 2-core machine only add synchronisation
(and noise from whatever else runs), and sklearn's reference fits are timed the same way.
The timing helpers are in ``_timing.py`` (a plain module, so that importing them never
depends on which ``conftest`` pytest loaded last).
"""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """Pin BLAS (OpenBLAS in numpy and scipy) to one thread for the whole session."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
