"""Executors: worker processes give the serial results, stream in finishing order, hold
hard time limits, and turn every kind of fault into a failed row while the suite goes on;
Dask on a LocalCluster gives the serial results trial by trial."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from _plugins import plugin_module

from nnbench.errors import ConfigError
from nnbench import Budget, DatasetSpec, NetworkSpec, Suite
from nnbench.running.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from nnbench.running.trial import build_objective
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.running.suite import make_plan, run

TUTORIAL = (DatasetSpec("tutorial"), NetworkSpec((2,), bias=False, loss="sse"))

#: A plugin of misbehaving trainers, written to a temporary folder and loaded with -p, so
#: that worker processes import it too.
FAULTS = textwrap.dedent('''
    import ctypes, itertools, os, time
    import numpy as np
    from nnbench.hookspecs import hookimpl
    from nnbench.trainer import Trainer, TrainResult

    def raiser(objective, x0, budget, rng):
        objective.fun(x0)
        raise RuntimeError("boom")

    def nan(objective, x0, budget, rng):
        objective.fun(np.full_like(x0, np.nan))
        objective.fun(x0 * 1e300)
        return TrainResult(x=x0, fun=float("nan"), success=True)

    def exits(objective, x0, budget, rng):
        objective.fun(x0)
        os._exit(3)

    def segfault(objective, x0, budget, rng):
        objective.fun(x0 * 0.5)
        ctypes.string_at(0)

    def wrong_shape(objective, x0, budget, rng):
        objective.fun(x0)
        return TrainResult(x=np.zeros(3), fun=0.0, success=True)

    def sleeper(objective, x0, budget, rng):
        objective.fun(x0)
        objective.fun(x0 * 0.5)
        time.sleep(600)

    def c_loop(objective, x0, budget, rng):
        objective.fun(x0 * 0.5)
        sum(itertools.repeat(1, 10**13))

    def slow(objective, x0, budget, rng):
        time.sleep(0.6)
        return TrainResult(x=x0, fun=objective.fun(x0), success=True)

    @hookimpl
    def nnbench_trainers():
        return [Trainer(name=f.__name__.replace("_", "-"), family="first-order", train=f, summary=f.__name__)
                for f in (raiser, nan, exits, segfault, wrong_shape, sleeper, c_loop, slow)]
''')


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    """``(registry, plugin module name)`` with the fault trainers importable in workers."""
    with plugin_module(tmp_path_factory.mktemp("plugins"), "nnbench_test_faults", FAULTS) as name:
        yield Registry(get_plugin_manager(extra=(name,))), name


@pytest.fixture(scope="module")
def registry():
    return Registry(get_plugin_manager(autoload=False))  # module-scoped: the built-ins, as every test here


def _by_trial(records):
    return {(*r.problem, r.trainer, r.seed): r for r in records}


def _trials(suite, registry):
    return list(make_plan(suite, registry).trials())


@pytest.mark.slow
def test_two_workers_give_the_serial_results_trial_by_trial(registry):
    suite = Suite(problems=[TUTORIAL], trainers="BFGS,Nelder-Mead,adam,least_squares-trf", seeds=range(3),
                  budget=Budget(300, 10.0))
    serial = _by_trial(run(suite, registry, executor=SerialExecutor()))
    parallel = run(suite, registry, executor=ProcessExecutor(jobs=2))
    assert len(parallel) == 12 and _by_trial(parallel).keys() == serial.keys()
    for key, rec in _by_trial(parallel).items():
        assert rec["status"] == "ok" and rec["best_cost"] == serial[key]["best_cost"], key
        np.testing.assert_array_equal(rec.best_x, serial[key].best_x)
        assert rec.evaluations == serial[key].evaluations


@pytest.mark.slow
def test_records_stream_in_finishing_order(faults):
    registry, module = faults
    # the slow trainer sleeps 0.6 s on seed 0 and 1; BFGS takes milliseconds: with two
    # workers the quick trials finish (and are yielded) while the slow ones still run
    suite = Suite(problems=[TUTORIAL], trainers="slow,BFGS", seeds=range(2), budget=Budget(200, 10.0),
                  plugins=(module,))
    specs = sorted(_trials(suite, registry), key=lambda s: (s.seed, s.trainer != "slow"))
    assert [s.trainer for s in specs] == ["slow", "BFGS", "slow", "BFGS"]
    order = [r.trainer for r in ProcessExecutor(jobs=2).map(specs, registry, 6)]
    assert order.index("BFGS") < order.index("slow") and sorted(order) == ["BFGS", "BFGS", "slow", "slow"]


@pytest.mark.slow
def test_every_fault_is_a_failed_row_and_the_suite_goes_on(faults):
    registry, module = faults
    suite = Suite(problems=[TUTORIAL], seeds=[0], budget=Budget(100, 0.5), plugins=(module,),
                  trainers="raiser,nan,exits,segfault,wrong-shape,sleeper,c-loop,BFGS")
    recs = {r.trainer: r for r in ProcessExecutor(jobs=2, grace=0.5).map(_trials(suite, registry), registry, 6)}
    assert len(recs) == 8
    initial = recs["BFGS"]["initial_cost"]
    assert recs["BFGS"]["status"] == "ok" and recs["BFGS"]["best_cost"] < 1e-3  # the suite went on

    assert recs["raiser"]["status"] == "failed" and recs["raiser"]["error"] == "RuntimeError: boom"
    assert recs["raiser"]["best_cost"] == initial

    nan = recs["nan"]
    assert nan["status"] == "failed" and nan["best_cost"] is None and nan["evaluations"] == 2
    assert nan["error"] == "no finite cost was evaluated: the objective returned NaN or inf at all 2 points"

    assert recs["exits"]["status"] == "failed"
    assert recs["exits"]["error"] == "the worker process died (exit code 3)"
    assert recs["exits"]["best_cost"] == initial and recs["exits"]["evaluations"] == 1

    seg = recs["segfault"]
    assert seg["status"] == "failed" and seg["error"] == "the worker process died (signal SIGSEGV)"
    assert seg["best_cost"] is not None and len(seg["best_x"]) == 6  # the point it reported before dying

    assert recs["wrong-shape"]["status"] == "failed"
    assert "returned x of shape (3,), expected (6,)" in recs["wrong-shape"]["error"]

    # hard limit: neither trainer calls the objective again; each worker is ended 0.5 s after
    # the limit, and the record holds the best point the trainer evaluated before
    objective = build_objective(*TUTORIAL, registry.catalog())[0]
    x0 = objective.x0(np.random.default_rng(0))
    costs = [objective.fun(x0), objective.fun(x0 * 0.5)]
    expected = {"sleeper": (int(np.argmin(costs)) + 1, min(costs), x0 * (0.5 if costs[1] < costs[0] else 1.0)),
                "c-loop": (1, costs[1], x0 * 0.5)}
    for name, (n_evals, cost, x) in expected.items():
        rec = recs[name]
        assert rec["status"] == "time limit" and rec["stop"] == "time_limit", name
        assert "worker process was ended" in rec["message"]
        assert 1.0 <= rec["wall_time_s"] < 5.0
        assert rec["evaluations"] == n_evals and rec["best_cost"] == cost
        np.testing.assert_array_equal(np.asarray(rec["best_x"]), x)
        assert rec["train"]["mse"] == pytest.approx(cost / 4)  # SSE over 4 rows, at best_x


def test_jobs_must_be_positive():
    with pytest.raises(ConfigError, match="^--jobs: must be a positive integer or None, got 0$"):
        ProcessExecutor(jobs=0)
    assert ProcessExecutor().jobs == os.cpu_count()


def test_empty_plan_starts_no_worker(registry):
    assert list(ProcessExecutor(jobs=2).map([], registry, 6)) == []


@pytest.mark.slow
def test_dask_local_cluster_gives_the_serial_results_trial_by_trial(registry):
    pytest.importorskip("distributed")
    suite = Suite(problems=[TUTORIAL, (DatasetSpec("xor"), NetworkSpec((2,)))], trainers="BFGS,Powell,adam",
                  seeds=range(2), budget=Budget(300, 20.0))
    serial = _by_trial(run(suite, registry, executor=SerialExecutor()))
    dask = _by_trial(run(suite, registry, executor=DaskExecutor(jobs=2)))
    assert dask.keys() == serial.keys() and len(dask) == 12
    for key, rec in dask.items():
        assert rec["status"] == "ok" and rec["seed"] == serial[key]["seed"]
        assert rec["best_cost"] == serial[key]["best_cost"] and math.isfinite(rec["best_cost"]), key


def test_dask_not_installed_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    with pytest.raises(ConfigError, match=r"^--executor dask needs dask.distributed: pip install 'nnbench\[dask\]'$"):
        DaskExecutor()


def test_unreachable_scheduler_is_a_clear_error_before_any_trial():
    pytest.importorskip("distributed")
    with pytest.raises(ConfigError, match=r"^--scheduler tcp://127.0.0.1:9: cannot connect: Timed out trying to "
                                          r"connect to tcp://127.0.0.1:9 after 0.5 s$"):
        with DaskExecutor("tcp://127.0.0.1:9", connect_timeout=0.5):
            pass


def test_blas_limited_pins_and_restores_and_reuses_its_controller(monkeypatch):
    """blas_limited(1) pins every BLAS to one thread inside and restores the count after;
    the threadpoolctl controller is made once per process, and again once modules were
    imported (a plugin's first trial may load another BLAS)."""
    import sys

    from threadpoolctl import threadpool_info

    from nnbench.running import executors as E

    def blas():
        return [(i["filepath"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):  # the tests run at 1 (conftest)
        before = blas()
        assert before and {n for _, n in before} == {2}  # numpy's OpenBLAS at least
        with E.blas_limited(1):
            assert {n for _, n in blas()} == {1}
        assert blas() == before
        with E.blas_limited(None):
            assert blas() == before
    first = E._blas_controller()
    assert E._blas_controller() is first
    monkeypatch.setitem(sys.modules, "nnbench_test_new_module", sys)  # as if a module were imported
    assert E._blas_controller() is not first


needs_sigmask = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")


@needs_sigmask
def test_ctrl_c_while_a_worker_starts_waits_until_the_worker_is_on_the_list(monkeypatch, capfd):
    """A SIGINT received by another thread (OpenBLAS's pool threads do not block it) between
    the worker's spawn and the write of its preparation data once left a worker that died with
    ``EOFError: Ran out of input`` and was on no list; it is now raised after the worker is
    on the executor's list, from where it is ended."""
    import multiprocessing.util
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()  # the signal then comes in the worker's own spawn
    spawnv = multiprocessing.util.spawnv_passfds

    def spawn_then_ctrl_c(*args, **kwargs):
        pid = spawnv(*args, **kwargs)
        sender = threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGINT))
        sender.start()
        sender.join()
        return pid

    monkeypatch.setattr(multiprocessing.util, "spawnv_passfds", spawn_then_ctrl_c)
    executor = ProcessExecutor(jobs=1)
    with pytest.raises(KeyboardInterrupt):
        executor.start()
    monkeypatch.undo()
    try:
        [worker] = executor._workers
        assert worker.process.is_alive()
        assert worker.conn.poll(30) and worker.conn.recv()[0] == "ready"  # it read its preparation data
    finally:
        executor.close()
    assert "Traceback" not in capfd.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


@needs_sigmask
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_first_worker_of_a_process_starts_with_sigint_blocked():
    """Starting multiprocessing's resource tracker unblocks SIGINT; the first worker of a fresh
    process must still inherit the block, so that Ctrl-C cannot interrupt its imports."""
    script = textwrap.dedent("""
        from nnbench.running.executors import ProcessExecutor
        executor = ProcessExecutor(jobs=1)
        executor.start()
        pid = executor._workers[0].process.pid
        status = open(f"/proc/{pid}/status").read()
        print(int(status.split("SigBlk:")[1].split()[0], 16))
        executor.close()
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert int(out.stdout) & (1 << (signal.SIGINT - 1))


#: A trainer that says how many threads OpenBLAS has inside its trial (importable by subprocesses).
PROBE = textwrap.dedent('''
    from threadpoolctl import threadpool_info
    from nnbench.hookspecs import hookimpl
    from nnbench.trainer import Trainer, TrainResult

    def probe(objective, x0, budget, rng):
        threads = sorted({i["num_threads"] for i in threadpool_info() if i["internal_api"] == "openblas"})
        return TrainResult(x=x0, fun=objective.fun(x0), success=True, message=f"openblas threads {threads}")

    @hookimpl
    def nnbench_trainers():
        return [Trainer(name="probe", family="first-order", train=probe, summary="reports BLAS threads")]
''')


@pytest.mark.parametrize("executor", ["serial", "process"])
@pytest.mark.parametrize("asked", [None, "2"])
def test_run_starts_openblas_with_one_thread_and_pins_each_trial_to_blas_threads(tmp_path, executor, asked):
    """``nnbench run`` sets OPENBLAS_NUM_THREADS=1 before numpy loads (no idle pool threads)
    unless the user set it; each trial still gets the suite's ``blas_threads``, also more than
    the pool started with."""
    from nnbench.results.store import read_results

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()  # OpenBLAS's cap
    (tmp_path / "nnbench_test_probe.py").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    if asked is not None:
        env["OPENBLAS_NUM_THREADS"] = asked
    for threads in ("1", "2"):
        out = tmp_path / f"r{threads}.jsonl"
        subprocess.run([sys.executable, "-m", "nnbench.cli", "run", "-p", "nnbench_test_probe", "--trainers", "probe", "--problem", "tutorial",
                        "--seeds", "1", "--quiet", "--executor", executor, "--blas-threads", threads, "--out", str(out)],
                       env=env, check=True, capture_output=True, timeout=120)
        meta, (rec,) = read_results(out)
        assert rec.message == f"openblas threads [{min(int(threads), cores)}]"
        assert meta.blas_threads_per_trial == int(threads)
        assert {b["num_threads"] for b in meta.blas if b["internal_api"] == "openblas"} == {min(int(asked or 1), cores)}


#: A plugin with a log file it never closes, held in a reference cycle (a class attribute),
#: written to by its trainer (in the workers), its observer hook (in the command's process)
#: and its atexit handler; and an object in a cycle whose ``__del__`` notes that the
#: shutdown collected it.
EXIT_PROBE = textwrap.dedent('''
    import atexit, os
    from nnbench.hookspecs import hookimpl
    from nnbench.trainer import Trainer, TrainResult

    DIR = os.environ["NNBENCH_TEST_EXIT_DIR"]

    class Log:
        f = open(os.path.join(DIR, f"log-{os.getpid()}"), "w")

    class Collected:
        def __init__(self):
            self.me = self

        def __del__(self):
            fd = os.open(os.path.join(DIR, f"collected-{os.getpid()}"), os.O_WRONLY | os.O_CREAT)
            os.close(fd)

    CYCLE = Collected()

    class Noisy:  # an object whose __class__ warns when read, as torch.distributed.reduce_op's does
        @property
        def __class__(self):
            import warnings
            warnings.warn("__class__ was read", FutureWarning)
            return Noisy

    NOISY = [Noisy()]  # in a list: pluggy reads the plugin module's own attributes at registration
    atexit.register(lambda: Log.f.write("atexit\\n"))

    def probe(objective, x0, budget, rng):
        Log.f.write("trial\\n")
        return TrainResult(x=x0, fun=objective.fun(x0), success=True)

    @hookimpl
    def nnbench_trainers():
        return [Trainer(name="exit-probe", family="first-order", train=probe, summary="writes a log")]

    @hookimpl
    def nnbench_trial_finished(result):
        Log.f.write("finished\\n")
''')


@pytest.mark.parametrize("executor", ["serial", "process"])
def test_the_command_and_its_workers_exit_without_collecting_every_object(tmp_path, executor):
    """``nnbench`` (``command``) and each worker end without the shutdown's collection of
    every object (an object in a reference cycle is not collected, so its ``__del__`` does
    not run), and the exit is otherwise the usual one: a plugin's file that it never closed,
    held in a cycle, is written out whole, its atexit handler still writes to it, the results
    file is whole, the status is main's; ``main`` called from Python freezes nothing."""
    import gc

    from nnbench.cli import main
    from nnbench.results.store import read_results

    (tmp_path / "nnbench_test_exit_probe.py").write_text(EXIT_PROBE)
    notes = tmp_path / "notes"
    notes.mkdir()
    env = dict(os.environ, NNBENCH_TEST_EXIT_DIR=str(notes),
               PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    out = tmp_path / "r.jsonl"
    done = subprocess.run([sys.executable, "-m", "nnbench.cli", "run", "-p", "nnbench_test_exit_probe", "--trainers",
                           "exit-probe", "--problem", "tutorial", "--seeds", "4", "--quiet", "--executor", executor,
                           "--out", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "__class__ was read" not in done.stderr  # the scan for open files reads no object's attributes
    assert len(read_results(out)[1]) == 4
    logs = [p.read_text().split() for p in notes.glob("log-*")]
    assert len(logs) == 1 if executor == "serial" else len(logs) >= 2  # the command and its worker(s)
    assert sum(log.count("trial") for log in logs) == 4 and sum(log.count("finished") for log in logs) == 4
    assert all(log[-1] == "atexit" for log in logs)
    assert not list(notes.glob("collected-*"))
    bad = subprocess.run([sys.executable, "-m", "nnbench.cli", "run", "--seeds", "0"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    before = gc.get_freeze_count()
    assert main(["list", "trainers"]) == 0
    assert gc.get_freeze_count() == before


#: A trainer that says which sigmoid threshold its process uses (importable by workers).
KERNEL_PROBE = textwrap.dedent('''
    from nnbench.core import kernels
    from nnbench.hookspecs import hookimpl
    from nnbench.trainer import Trainer, TrainResult

    def kernel_probe(objective, x0, budget, rng):
        return TrainResult(x=x0, fun=objective.fun(x0), success=True,
                           message=f"sigmoid threshold {kernels.CHOICES['sigmoid'].threshold}")

    @hookimpl
    def nnbench_trainers():
        return [Trainer(name="kernel-probe", family="first-order", train=kernel_probe, summary="reports kernels")]
''')


def test_every_trial_of_a_worker_uses_the_parents_kernel_choices(tmp_path):
    """The kernel choices go to a worker with its first trial (it may start before the parent
    loads them), and hold for its later trials; none is measured again in the worker."""
    from nnbench.core import kernels

    before = kernels.current_choices()
    with plugin_module(tmp_path, "nnbench_test_kernel_probe", KERNEL_PROBE) as name:
        registry = Registry(get_plugin_manager(extra=(name,)))
        suite = Suite(problems=[TUTORIAL], trainers="kernel-probe", seeds=range(3), plugins=(name,))
        executor = ProcessExecutor(jobs=1)
        executor.start()  # before the choices below exist in this process
        try:
            kernels.set_choices({"sigmoid": 777})
            with executor:
                recs = list(executor.map(_trials(suite, registry), registry, 6))
        finally:
            kernels.set_choices(before)
    assert [r.message for r in recs] == ["sigmoid threshold 777"] * 3
