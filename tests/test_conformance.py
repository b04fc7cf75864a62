"""Every built-in trainer passes the conformance kit (nnbench.testing)."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from nnbench.plugins import Registry, get_plugin_manager
from nnbench.testing import CHECKS, check_trainer, parametrize_with_checks


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small problems: multithreaded BLAS only adds contention (20x slower on a busy 2-core host)."""
    with threadpool_limits(1):
        yield


BUILTINS = Registry(get_plugin_manager(autoload=False)).trainers()


def test_every_builtin_is_checked():
    assert len(BUILTINS) == 26
    assert len(CHECKS) == 7


@parametrize_with_checks(BUILTINS)
def test_builtin_trainer(trainer, check):
    check(trainer)
