"""The Python API: run a suite and get its records and tables.

>>> import nnbench
>>> suite = nnbench.Suite(problems=[(nnbench.DatasetSpec("tutorial"),
...                                  nnbench.NetworkSpec((2,), bias=False))],
...                       trainers="BFGS,L-BFGS-B", seeds=range(2), budget=nnbench.Budget(500))
>>> result = nnbench.run(suite)                      # doctest: +SKIP
>>> print(result.table())                            # doctest: +SKIP
>>> best = result.best()                             # doctest: +SKIP
>>> result.predict(best, [[1.0, 0.0]])               # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnbench.core.network import Network, NetworkSpec
from nnbench.contract.plugins import Registry, registry_for
from nnbench.results.record import TrialRecord
from nnbench.running.suite import Plan, Suite, run as _run

__all__ = ["RunResult", "run"]


@dataclass
class RunResult:
    """The records of a run, and the results file they were written to (or ``None``).

    :param records: one :class:`~nnbench.results.record.TrialRecord` per trial, in finishing order.
    :param path: the results file, if one was written.
    """

    records: list[TrialRecord]
    path: Path | None = None

    def table(self, fmt: str = "plain", per_trial: bool = False) -> str:
        """The comparison table (:func:`nnbench.reporting.tables.render`)."""
        from nnbench.reporting.tables import render

        return render(self.records, fmt, per_trial)

    def best(self, trainer: str | None = None) -> TrialRecord:
        """The evaluation-phase record with the lowest best cost (of ``trainer`` only, if
        given: a trainer's name, any case, or a row's label such as ``adam[tuned]``,
        :func:`nnbench.reporting.ranking.row_label`).

        :raises ValueError: no trial with a finite best cost.
        """
        from nnbench.reporting.ranking import evaluation, row_label

        costs = [(r.best_cost, r) for r in evaluation(self.records) if r.best_cost is not None
                 and (trainer is None or trainer.lower() in (r.trainer.lower(), row_label(r).lower()))]
        if not costs:
            raise ValueError(f"no trial{' of ' + trainer if trainer else ''} evaluated a finite cost")
        return min(costs, key=lambda c: c[0])[1]

    @staticmethod
    def network(record: TrialRecord) -> Network:
        """The :class:`~nnbench.core.network.Network` a record trained."""
        return record.network.build(record.sizes[0], record.sizes[-1])

    def predict(self, record: TrialRecord, X: Any) -> np.ndarray:
        """Predictions ``(n_samples, n_outputs)`` of ``record``'s best weights for inputs ``X``
        (``(n_samples, n_features)``, prepared like the data it trained on).

        :raises ValueError: the record has no best weights.
        """
        if record.best_x is None:
            raise ValueError(f"the trial ({record.trainer}, seed {record.seed}) has no best weights")
        return self.network(record).predict(record.best_x, np.atleast_2d(np.asarray(X, dtype=np.float64)))


def run(suite: Suite | Plan | None = None, out: str | os.PathLike | None = None, force: bool = False,
        registry: Registry | None = None, executor: Any = None) -> RunResult:
    """Run ``suite`` (default: the tutorial problem with its 2-2-1 network without biases,
    every trainer, the default seeds and budget of :mod:`nnbench.defaults`).

    :param out: a results file to write (JSON Lines), or ``None`` for none.
    :param force: overwrite ``out`` if it exists.
    :param registry: a :class:`nnbench.contract.plugins.Registry` (default: built-ins, entry points
        and the suite's plugins).
    :param executor: an executor from :mod:`nnbench.running.executors` (default: serial, in this
        process: a script needs no ``if __name__ == "__main__"`` guard).
    :raises ConfigError, DatasetError, ResultsError: a bad suite, data, an existing ``out``,
        an ``out`` that is one of the CSV files the suite reads (``force`` or not), or one
        that another process is writing.
    """
    from nnbench.results.store import ResultsWriter, check_output, run_metadata
    from nnbench.running.suite import make_plan

    suite = suite if suite is not None else Suite(networks=(NetworkSpec((2,), bias=False),))
    plan = suite if isinstance(suite, Plan) else make_plan(suite, registry)
    if out is None:
        return RunResult(_run(plan, registry, executor=executor))
    check_output(out, {f: f"the dataset {f}" for f in plan.data_files}, option="out")
    plugins = registry if registry is not None else registry_for(tuple(plan.suite.plugins))
    meta = run_metadata("nnbench.run", blas_threads=plan.suite.blas_threads, registry=plugins, trainers=plan.trainers)
    with ResultsWriter(out, meta, mode="force" if force else "new") as w:
        return RunResult(_run(plan, registry, writer=w, executor=executor), Path(out))
