"""Executors: where the trials of a suite run.

An executor has ``map(specs, registry) -> iterator of records``, yielding each trial's
record (see :func:`nnbench.harness.run_trial`) as it finishes. BLAS is pinned to
``spec.blas_threads`` threads (threadpoolctl) while trials run: on a 2-core machine
numpy's and scipy's OpenBLAS pools otherwise fight, and small optimizations run 5-20x
slower.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["SerialExecutor", "blas_limited"]


def blas_limited(threads: int | None) -> contextlib.AbstractContextManager:
    """A context that pins every BLAS library to ``threads`` threads (``None``: no change)."""
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")


class SerialExecutor:
    """Run trials one after another in this process."""

    def map(self, specs: Sequence[Any], registry: Any) -> Iterator[dict]:
        """Yield the record of each of ``specs`` in order.

        :param specs: :class:`nnbench.harness.TrialSpec` records.
        :param registry: the :class:`nnbench.plugins.Registry` that resolves trainer names.
        """
        from nnbench.harness import run_trial

        threads = specs[0].blas_threads if specs else None
        with blas_limited(threads):
            for spec in specs:
                yield run_trial(spec, registry)
