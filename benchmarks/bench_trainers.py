"""Every built-in trainer on the tutorial's data and on the diabetes data, through the harness.

Each benchmark is one trial of :func:`nnbench.running.trial.run_trial` (seed 0, the harness's
instrumented objective, BLAS on one thread) and records in ``extra_info`` what the trial
record says: ``status``, ``best_cost``, ``pearson_r`` (training data, at the best weights),
``evaluations``, the calls by kind (``counts``), ``nit``, ``wall_time_s``, ``stop``.

Problems: the tutorial's four rows with its 2-2-1 network without biases and the SSE; the
diabetes data (442 x 10, features and target standardised) with 4 hidden units (49
weights) and the MSE. Budget per trial: 1000 evaluations and 2 seconds (0.5 seconds under
``--benchmark-disable``, so the CI run stays short). Only correctness is asserted: no trial
fails, the best cost is no worse than the start, the evaluation budget holds.
"""

from __future__ import annotations

import pytest
from _timing import run_benchmark

from nnbench import Budget, DatasetSpec, NetworkSpec
from nnbench.running.trial import TrialSpec, run_trial
from nnbench.plugins import Registry

REGISTRY = Registry()
PROBLEMS = {
    "tutorial": (DatasetSpec("tutorial"), NetworkSpec(hidden=(2,), bias=False, loss="sse")),
    "diabetes": (DatasetSpec("diabetes", standardize="all"), NetworkSpec(hidden=(4,), loss="mse")),
}
MAX_EVALS = 1000


@pytest.mark.parametrize("trainer", REGISTRY.names())
@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_trainer(benchmark, problem, trainer):
    dataset, network = PROBLEMS[problem]
    budget = Budget(max_evals=MAX_EVALS, max_seconds=0.5 if benchmark.disabled else 2.0)
    spec = TrialSpec(dataset=dataset, network=network, trainer=trainer, seed=0, budget=budget,
                     blas_threads=1)
    benchmark.group = f"trainers {problem}"
    rec = run_benchmark(benchmark, lambda: run_trial(spec, REGISTRY), rounds=3 if problem == "tutorial" else 1,
                        seconds=0.0)
    benchmark.extra_info.update(
        status=rec.status, best_cost=rec.best_cost, initial_cost=rec.initial_cost,
        pearson_r=rec.train.pearson_r if rec.train else None, evaluations=rec.evaluations,
        counts={k: v for k, v in rec.counts.items() if v}, nit=rec.nit,
        wall_time_s=rec.wall_time_s, stop=rec.stop, message=rec.message[:120])
    assert rec.status in ("ok", "time limit", "skipped"), rec.error
    if rec.status != "skipped":
        assert rec.evaluations <= MAX_EVALS
        assert rec.best_cost <= rec.initial_cost
