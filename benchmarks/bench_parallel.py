"""Parallel speed-up of the process executor: one worker against two (issue 7).

The suite: 40 trials of Adam on the standardized diabetes data (a 10-3-1 sigmoid network
with biases, MSE), 300 evaluations each, about 50 ms of CPU per trial, seeds 0-39. Each
executor's worker processes are started and warmed (data loaded) before the clock starts,
so the figure is the trials' throughput, not Python's start-up (1-2 s per worker, paid
once per run); the two are timed in alternating repeats and each keeps its best (timeit's
advice: the minimum is the least disturbed). ``extra_info`` holds ``serial_s`` (1 job), ``parallel_s`` (2 jobs)
and ``speedup`` (their ratio). Goal: ``speedup >= 1.8`` on a 2-core machine; measured
1.96x (1 job 2.28 s, 2 jobs 1.17 s) on 2 cores. Another load on the machine takes a core
from the 2-job run first: at a load average of 2.5 the speed-up fell to 1.0-1.3x.

Run it with ``pytest benchmarks/bench_parallel.py`` (or ``python benchmarks/bench_parallel.py``
to print the figure); with ``--benchmark-disable`` (CI) the body runs once, small, and
checks that both executors give the same results.
"""

from __future__ import annotations

import os
import time

from nnbench import Budget, DatasetSpec, NetworkSpec, Suite
from nnbench.running.executors import ProcessExecutor, SerialExecutor
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.running.suite import make_plan

PROBLEM = (DatasetSpec("diabetes", standardize="all"), NetworkSpec((3,), loss="mse"))
CAPACITY = 37  # weights of the 10-3-1 network: the workers' shared best-so-far buffer


def specs(n_trials: int = 40, max_evals: int = 300):
    """``n_trials`` Adam trials (seeds 0..n-1) of ``max_evals`` evaluations each."""
    registry = Registry(get_plugin_manager())
    suite = Suite(problems=[PROBLEM], trainers="adam", seeds=range(n_trials), budget=Budget(max_evals, 60.0))
    return list(make_plan(suite, registry).trials()), registry


def time_both(n_trials: int = 40, repeat: int = 3) -> dict[str, float]:
    """Best-of-``repeat`` seconds for the suite with 1 and with 2 warmed workers.

    :returns: ``{"serial_s", "parallel_s", "speedup", "trial_cpu_s"}``; ``trial_cpu_s`` is
        the median CPU seconds of one trial.
    """
    todo, registry = specs(n_trials)
    warm, _ = specs(2)
    best = {1: float("inf"), 2: float("inf")}
    cpu: list[float] = []
    with ProcessExecutor(jobs=1) as one, ProcessExecutor(jobs=2) as two:
        for ex in (one, two):
            list(ex.map(warm, registry, CAPACITY))  # start and warm the workers
        for _ in range(repeat):
            for jobs, ex in ((1, one), (2, two)):
                t = time.perf_counter()
                recs = list(ex.map(todo, registry, CAPACITY))
                best[jobs] = min(best[jobs], time.perf_counter() - t)
                assert len(recs) == n_trials and all(r.status == "ok" for r in recs)
                cpu = sorted(r.cpu_time_s for r in recs)
    return {"serial_s": best[1], "parallel_s": best[2], "speedup": best[1] / best[2],
            "trial_cpu_s": cpu[len(cpu) // 2]}


def test_parallel_speedup(benchmark):
    if benchmark.disabled:  # CI: once, small; the two executors agree trial by trial
        todo, registry = specs(4, max_evals=50)
        one = {r.seed: r.best_cost for r in ProcessExecutor(jobs=1).map(todo, registry, CAPACITY)}
        two = {r.seed: r.best_cost for r in ProcessExecutor(jobs=2).map(todo, registry, CAPACITY)}
        assert one == two and len(one) == 4
        benchmark.pedantic(lambda: None)
        return
    result = benchmark.pedantic(time_both, rounds=1, iterations=1)
    benchmark.extra_info.update({k: round(v, 3) for k, v in result.items()})
    benchmark.extra_info["cpu_count"] = os.cpu_count()


if __name__ == "__main__":
    r = time_both()
    print(f"40 trials of ~{r['trial_cpu_s'] * 1e3:.0f} ms CPU: 1 job {r['serial_s']:.2f} s, "
          f"2 jobs {r['parallel_s']:.2f} s, speed-up {r['speedup']:.2f}x on {os.cpu_count()} cores")


def start_up(repeat: int = 3) -> dict[str, float]:
    """A fresh one-worker process executor running one BFGS trial on the tutorial problem:
    seconds until its record arrives, the trial's own ``wall_time_s``, its ``setup_s``, and
    the same trial's ``wall_time_s`` run serially, best of ``repeat``.

    :returns: ``{"total_s", "trial_s", "setup_s", "serial_trial_s", "start_up_s"}``;
        ``start_up_s = total_s - trial_s`` is the worker's start-up, none of it inside the trial.
    """
    registry = Registry(get_plugin_manager())
    suite = Suite(problems=[(DatasetSpec("tutorial"), NetworkSpec((2,), bias=False))], trainers="BFGS", seeds=[0],
                  budget=Budget(1000, 60.0))
    (spec,) = make_plan(suite, registry).trials()
    best: dict[str, float] = {}
    for _ in range(repeat):
        t = time.perf_counter()
        (rec,) = ProcessExecutor(jobs=1).map([spec], registry, 6)
        total = time.perf_counter() - t
        (serial,) = SerialExecutor().map([spec], registry, 6)
        now = {"total_s": total, "trial_s": rec.wall_time_s, "setup_s": rec.setup_s,
               "serial_trial_s": serial.wall_time_s}
        best = now if not best or total < best["total_s"] else best
    best["start_up_s"] = best["total_s"] - best["trial_s"]
    return best


def test_worker_start_up_is_outside_the_trial(benchmark):
    result = benchmark.pedantic(start_up, kwargs={"repeat": 1 if benchmark.disabled else 3}, rounds=1, iterations=1)
    benchmark.extra_info.update({k: round(v, 4) for k, v in result.items()})
    # the worker's start-up (about 1 s of imports) is not in the trial's clock: the trial takes
    # what it takes serially, within scheduling noise
    assert result["start_up_s"] > 0.3 and result["trial_s"] < 0.25 + 3 * result["serial_trial_s"]
