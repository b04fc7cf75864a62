"""Executors: where the trials of a suite run.

An executor has ``map(specs, registry, capacity) -> iterator of records``: it takes the trials
(:class:`~nnbench.running.trial.TrialSpec`, an iterable consumed lazily, so that a plan is never
held whole in memory) and yields each trial's :class:`~nnbench.results.record.TrialRecord` (see
:func:`nnbench.running.trial.run_trial`) as it finishes, in finishing order. BLAS is
pinned to ``spec.blas_threads`` threads (threadpoolctl) while trials run: on a 2-core
machine numpy's and scipy's OpenBLAS pools otherwise fight, and small optimizations run
5-20x slower.

* :class:`SerialExecutor` runs the trials one after another in this process: no start-up
  cost, but no hard time limit and no protection from a trainer that kills its process.
* :class:`ProcessExecutor` runs them in ``jobs`` worker processes (``nnbench run --jobs N``).
  Each worker is started with the ``"spawn"`` method (no fork of a process that holds BLAS
  threads; no DeprecationWarning about forking a multi-threaded process on Python 3.12+),
  pins BLAS to one thread, and copies every improvement of its trial's best-so-far cost
  into a shared-memory array. A trial still running ``grace`` seconds after its time limit
  (a trainer stuck in a C loop or a sleep, which never calls the objective again) has its
  worker ended and replaced; it is recorded as ``"time limit"`` with the best point it
  reported. A worker that dies (``os._exit``, a segfault) gives a ``"failed"`` record that
  names the exit code or signal, with the best point it reported; a new worker takes its
  place and the suite goes on.
* :class:`DaskExecutor` runs them on a Dask distributed cluster (``--executor dask``; the
  optional extra ``nnbench[dask]``), each Dask worker thread through one child process of
  its own, as above: hard time limits and crash isolation hold there too.

In every executor a trial's set-up (its plugin's library, the data, the objective) happens
before its clock starts (:func:`~nnbench.running.trial.prepare_trial`): the process executor
starts a trial's deadline when its worker reports the trainer called, not when it sends the
trial; a set-up that fails is a failed row with the reason.

``nnbench run`` uses the process executor with ``os.cpu_count()`` workers unless told
otherwise (``--jobs``, ``--executor``, or the suite file's ``[executor]``). ``--jobs 1``
still runs the trials in one worker process, so the hard time limit and the crash
isolation hold; ``--executor serial`` runs them in the ``nnbench`` process itself (no
start-up cost, about 1-2 s per worker for importing numpy and scipy, but a trainer that
never returns or kills its process stops the run). The Python API
(:func:`nnbench.api.run`) is serial unless given an executor.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import wait
from numbers import Integral
from typing import TYPE_CHECKING, Any

from nnbench import defaults
from nnbench.errors import ConfigError
from nnbench.running.quick_exit import exit_quickly_at_the_end
from nnbench.validation import Constraint, Interval, check

# numpy, the trials and the plugins are imported where they are used, not here: ``nnbench
# run`` imports this module to start its first worker before anything else (0.3 s of
# imports: numpy, scipy, the problems), so that the worker's own start-up overlaps them
if TYPE_CHECKING:
    import numpy as np

    from nnbench.contract.plugins import Registry
    from nnbench.results.record import TrialRecord
    from nnbench.running.trial import TrialSpec

__all__ = ["SerialExecutor", "ProcessExecutor", "DaskExecutor", "blas_limited", "EXECUTORS", "JOBS_CONSTRAINTS"]

#: The executor kinds ``--executor`` and a suite file's ``[executor] kind`` may name.
EXECUTORS: tuple[str, ...] = ("serial", "process", "dask")

#: What ``jobs`` (``--jobs``, a suite file's ``[executor] jobs``) takes: worker processes,
#: ``None`` for one per core.
JOBS_CONSTRAINTS: tuple[Constraint | None, ...] = (Interval(Integral, 1, None, closed="left"), None)

# A worker's shared best-so-far array: [published slot, slot 0, slot 1], each slot
# [evaluations, seconds, cost, n_params (-1: none yet), x (capacity floats)]. The worker
# writes the slot not published, then publishes it with one aligned store: a worker
# killed in the middle of a write leaves the previous point intact (double buffering).
_HEAD = 4


def _slot(best: np.ndarray, k: int) -> np.ndarray:
    size = (best.size - 1) // 2
    return best[1 + k * size:1 + (k + 1) * size]


def blas_limited(threads: int | None) -> contextlib.AbstractContextManager:
    """A context that pins every BLAS library to ``threads`` threads (``None``: no change).

    :returns: a context manager (threadpoolctl's ``ThreadpoolController.limit`` of
        :func:`_blas_controller`, which restores the counts on exit; or a no-op).
    """
    if threads is None:
        return contextlib.nullcontext()
    return _blas_controller().limit(limits=threads, user_api="blas")


#: threadpoolctl's controller of the BLAS libraries loaded, and ``len(sys.modules)`` when it
#: was made (:func:`_blas_controller`).
_CONTROLLER: list[Any] = [None, -1]


def _blas_controller() -> Any:
    """One ``threadpoolctl.ThreadpoolController`` per process, made again when modules were
    imported since (a plugin's first trial may load another BLAS, such as torch's): making one
    inspects every loaded shared library, about 1 ms, which ``threadpool_limits`` pays per trial."""
    from threadpoolctl import ThreadpoolController

    if _CONTROLLER[0] is None or _CONTROLLER[1] != len(sys.modules):
        _CONTROLLER[0] = ThreadpoolController()
        _CONTROLLER[1] = len(sys.modules)
    return _CONTROLLER[0]


class SerialExecutor:
    """Run trials one after another in this process (``jobs`` is 1)."""

    jobs = 1

    def __enter__(self) -> "SerialExecutor":
        """Nothing to start (every executor is a context manager)."""
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map(self, specs: Iterable[TrialSpec], registry: Registry, capacity: int = 0) -> Iterator[TrialRecord]:
        """Yield the record of each of ``specs`` in order, BLAS pinned to each spec's ``blas_threads``.

        :param specs: the trials, consumed one at a time.
        :param registry: the :class:`nnbench.contract.plugins.Registry` that resolves trainer names.
        :param capacity: unused here (the process executor sizes its buffers with it).
        """
        from nnbench.running.trial import execute_trial, lost_trial_record, prepare_trial

        for spec in specs:
            try:
                prepared = prepare_trial(spec, registry)
            except Exception as exc:  # a set-up that fails (a plugin's library, the data) is a failed row
                yield lost_trial_record(spec, registry, "failed",
                                        f"the trial's set-up failed: {type(exc).__name__}: {exc}", 0.0)
                continue
            with blas_limited(spec.blas_threads):
                yield execute_trial(prepared)


# -- the process executor -------------------------------------------------------------------

def _die_with_parent(parent: int) -> None:
    """Have Linux kill this process with SIGKILL when its parent dies (``prctl
    PR_SET_PDEATHSIG``, prctl(2)), so that a ``kill -9`` of ``nnbench run`` leaves no worker
    spinning in a trainer that never returns. Elsewhere the worker stops at its next
    message instead."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call
        os._exit(1)


def _worker_main(conn: Any, shared: Any, parent: int, warm: tuple[str, ...] | None = None) -> None:
    """A worker process: for each ``(index, spec, kernels)`` received on ``conn``, prepare the trial
    (plugins, the trainer's set-up, data, objective: :func:`~nnbench.running.trial.prepare_trial`),
    send ``("start", index)`` just before the trainer is called (the parent starts the trial's
    deadline then), ``("returned", index)`` when it has returned (nnbench's own evaluation of
    its weights is not the trainer's time: the deadline ends there), and send
    ``("done", index, record)``; a set-up that raises sends
    ``("error", index, text)``. Stop on ``None`` or when the parent (pid ``parent``) is gone.

    Ctrl-C reaches the whole process group: the worker ignores it and lets the parent
    decide (the parent ends its workers when it is interrupted).

    ``warm``: plugin modules (``-p``) whose registry the worker builds before it reports
    ready (the built-ins' libraries, scipy.optimize and the rest, imported then, not in the
    first trial's set-up); ``None``: nothing before the first trial.

    ``kernels``: ``None``, or (with the first trial) the parent's element-wise kernel choices
    (:func:`nnbench.core.kernels.current_choices`), used here instead of measuring again, so
    that every trial of a run uses the kernels its metadata records. They come with the
    first trial, not at the start, because the parent may start a worker before it loads them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    # the parent waits for the worker's end (_Worker.stop): without the shutdown's pass over
    # every object (nnbench.running.quick_exit), 60-110 ms sooner
    exit_quickly_at_the_end()
    import numpy as np

    from nnbench.contract.plugins import registry_for
    from nnbench.core.kernels import set_choices
    from nnbench.running.trial import execute_trial, prepare_trial

    best = np.frombuffer(shared, dtype=np.float64)
    capacity = (best.size - 1) // 2 - _HEAD

    def report(inst: Any) -> None:
        x = inst.best_x
        if x is None or x.size > capacity:
            return
        k = 1 - int(best[0])
        slot = _slot(best, k)
        slot[:_HEAD] = inst.evaluations, inst.elapsed(), inst.best_cost, x.size
        slot[_HEAD:_HEAD + x.size] = x
        best[0] = k  # publish

    if warm is not None:
        try:
            registry_for(warm)
        except Exception:  # a plugin that fails to load fails its trials' set-up, with the reason
            pass
    try:
        conn.send(("ready", os.getpid()))
        while True:
            task = conn.recv()
            if task is None:
                return
            index, spec, kernels = task
            if kernels is not None:
                set_choices(kernels)
            try:
                prepared = prepare_trial(spec)
            except Exception as exc:  # a bad plugin or data in the worker: a failed row
                conn.send(("error", index, f"the trial's set-up failed: {type(exc).__name__}: {exc}"))
                continue
            with blas_limited(spec.blas_threads):
                record = execute_trial(prepared, on_improve=report, on_start=lambda: conn.send(("start", index)),
                                       on_return=lambda: conn.send(("returned", index)))
            conn.send(("done", index, record))
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        return  # the parent is gone or ended us


def _read_best(shared: Any) -> tuple[int, float, float, np.ndarray] | None:
    """The last best point a worker published, ``(evaluations, seconds, cost, x)``, or
    ``None``. Read only while the worker writes nothing (it is dead, ended, or done)."""
    import numpy as np

    best = np.frombuffer(shared, dtype=np.float64)
    slot = _slot(best, int(best[0]))
    n = int(slot[3])
    if n < 0:
        return None
    return int(slot[0]), float(slot[1]), float(slot[2]), slot[_HEAD:_HEAD + n].copy()


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "the worker process stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"the worker process died (signal {name})"
    return f"the worker process died (exit code {exitcode})"


@contextlib.contextmanager
def _may_have_children() -> Iterator[None]:
    """Let a daemonic process (a Dask worker under its nanny) start a worker process.

    multiprocessing refuses children to daemonic processes only so that they are not left
    behind when the daemon exits (``multiprocessing.process.BaseProcess.start``); nnbench's
    workers end with their parent by themselves (:func:`_die_with_parent`), so the flag it
    checks, ``current_process()._config["daemon"]`` (private, stable since Python 3.4), is
    cleared while the worker starts.
    """
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]  # private: see above
    daemon = config.get("daemon")
    if daemon:
        config["daemon"] = False
    try:
        yield
    finally:
        if daemon:
            config["daemon"] = daemon


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold back Ctrl-C while a worker process starts and is put on its executor's list;
    a SIGINT that arrives meanwhile is delivered when the block ends, not lost.

    Two things are needed, because a process-directed signal goes to any thread that does
    not block it (OpenBLAS's pool threads, made when numpy is imported, do not):

    - SIGINT blocked on this thread while the process starts: the worker inherits the blocked
      mask, so a Ctrl-C (sent by a terminal to the whole process group) never interrupts it,
      not even while it imports numpy. The multiprocessing resource tracker is started
      first, because starting it unblocks SIGINT (``resource_tracker.ensure_running``).
    - on the main thread, Python's SIGINT handler swapped for one that only notes the signal:
      CPython runs signal handlers on the main thread whichever thread received the signal,
      and a ``KeyboardInterrupt`` raised between the worker's spawn and the write of its
      preparation data left a worker that died with ``EOFError: Ran out of input`` and was on
      no list to be ended.

    The noted signal is raised again (``signal.raise_signal``) once the handler is restored.
    """
    main = threading.current_thread() is threading.main_thread()
    caught: list[int] = []
    if hasattr(signal, "pthread_sigmask"):
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    old = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum)) if main else None
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if hasattr(signal, "pthread_sigmask") else None
    try:
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a held SIGINT goes to `caught` now
        if main:  # None: a handler not set from Python, which cannot be set back; the default then
            signal.signal(signal.SIGINT, old if old is not None else signal.SIG_DFL)
    if caught:
        signal.raise_signal(signal.SIGINT)


class _Worker:
    """One worker process, its pipe, its shared best-so-far array and its current trial.
    Made by :meth:`ProcessExecutor._add_worker` only, under :func:`_sigint_deferred`."""

    def __init__(self, ctx: Any, capacity: int, warm: tuple[str, ...] | None = None) -> None:
        self.capacity = capacity
        self.shared = ctx.RawArray("d", 1 + 2 * (_HEAD + capacity))
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main,
                                   args=(child, self.shared, os.getpid(), warm),
                                   daemon=True, name="nnbench-worker")
        self.born = time.monotonic()
        #: seconds from the start of the process to its "ready" (``None`` before)
        self.startup: float | None = None
        with _may_have_children():
            self.process.start()
        child.close()
        self.ready = False
        self.task: tuple[int, TrialSpec] | None = None
        self.sent = 0.0
        self.started: float | None = None
        self.returned: float | None = None
        self.kernels_sent = False  # the kernel choices go with the first trial (_worker_main)

    def send(self, index: int, spec: TrialSpec) -> None:
        import numpy as np

        best = np.frombuffer(self.shared, dtype=np.float64)
        best[0], _slot(best, 0)[3] = 0.0, -1.0  # nothing reported yet for this trial (the worker is idle)
        self.task = (index, spec)
        self.sent, self.started, self.returned = time.monotonic(), None, None
        if self.kernels_sent:
            self.conn.send((index, spec, None))
        else:
            from nnbench.core.kernels import current_choices

            self.conn.send((index, spec, current_choices()))
            self.kernels_sent = True

    def deadline(self, grace: float) -> float:
        """When the worker is ended: the trial's time limit plus ``grace`` after its trainer
        was called, or :data:`~nnbench.defaults.SETUP_TIMEOUT_S` after the trial was sent
        while its set-up (plugins, data, objective) runs, or after the trainer returned while
        nnbench evaluates its weights (the final cost, the fit on the training and test data);
        ``inf`` when idle."""
        if self.task is None:
            return math.inf
        if self.started is None:
            return self.sent + defaults.SETUP_TIMEOUT_S
        if self.returned is not None:
            return self.returned + defaults.SETUP_TIMEOUT_S
        if self.task[1].budget.max_seconds is None:
            return math.inf
        return self.started + self.task[1].budget.max_seconds + grace

    def elapsed(self) -> float:
        """Seconds since the trial's trainer was called (0 before)."""
        return 0.0 if self.started is None else time.monotonic() - self.started

    def ask_to_stop(self) -> bool:
        """Ask an idle, ready worker to end (it returns from :func:`_worker_main`); whether it
        was asked. Asking every worker before waiting for any lets them end side by side."""
        if self.process.is_alive() and self.task is None and self.ready:
            with contextlib.suppress(OSError):
                self.conn.send(None)
                return True
        return False

    def stop(self, timeout: float = 1.0, asked: bool = False) -> None:
        """End the process: ask (unless ``asked``: :meth:`ask_to_stop` was), wait up to
        ``timeout`` seconds, then terminate, then kill."""
        if asked or self.ask_to_stop():
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout)
        self.conn.close()
        with contextlib.suppress(ValueError):
            self.process.close()


class ProcessExecutor:
    """Run trials in ``jobs`` worker processes, each pinned to one BLAS thread (the spec's
    ``blas_threads``), with hard time limits and crash isolation (see the module docstring).

    :param jobs: worker processes (default ``os.cpu_count()``).
    :param grace: seconds past a trial's ``budget.max_seconds`` before its worker is ended.
    :param start_method: a :mod:`multiprocessing` start method; ``"spawn"`` (default) or
        ``"forkserver"``.
    :param warm: plugin modules (``-p``) each worker loads, with the built-ins and their
        libraries, before it takes its first trial; ``None`` (default): nothing ahead.
    :param grow: start workers as the trials show they pay for themselves (``nnbench run``):
        one at first, then another while trials wait and the trials' seconds so far (finished
        and running) reach the start-up seconds of a worker, up to ``jobs``. A suite of small
        trials (the tutorial's 25 fits, 0.4 s of work) then runs in one worker instead of
        paying 0.5-1 s of CPU for each further one. ``False`` (default): ``jobs`` workers
        as soon as there are trials for them.
    :raises ConfigError: ``jobs`` below 1 or an unknown start method.
    """

    def __init__(self, jobs: int | None = None, grace: float = defaults.GRACE_S, start_method: str = "spawn",
                 warm: tuple[str, ...] | None = None, grow: bool = False) -> None:
        jobs = check(jobs, JOBS_CONSTRAINTS, "--jobs")
        self.jobs = int(os.cpu_count() or 1) if jobs is None else jobs
        if start_method not in ("spawn", "forkserver"):
            raise ConfigError(f"start method must be spawn or forkserver, not {start_method!r}")
        self.grace = float(grace)
        self._ctx = multiprocessing.get_context(start_method)
        self._workers: list[_Worker] = []
        self._keep = False
        self.warm = None if warm is None else tuple(warm)
        self.grow = bool(grow)
        self._work_s = 0.0  # seconds of the trials finished so far (for `grow`)

    def __enter__(self) -> "ProcessExecutor":
        """Keep the worker processes between calls of :meth:`map` until the ``with`` ends
        (a benchmark or a caller running several suites pays their start-up once)."""
        self._keep = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._keep = False
        self.close()

    def start(self, capacity: int = 0) -> None:
        """Start one worker now, before :meth:`map` is given its trials (``nnbench run``
        starts it first, before it loads numpy and the plugins and makes its plan, so that
        the worker's imports overlap the parent's); :meth:`map` uses it, or replaces it if its shared
        buffer is smaller than the trials' ``capacity``. Does nothing when a worker exists.

        :param capacity: the most weights of a trial it can report a best point for.
        """
        if not self._workers:
            self._add_worker(self._workers, capacity)

    def _add_worker(self, workers: list[_Worker], capacity: int) -> None:
        """Start one worker and put it on ``workers``, with Ctrl-C held back until it is
        there (:func:`_sigint_deferred`), so that an interrupted run ends every worker it
        started."""
        with _sigint_deferred():
            workers.append(_Worker(self._ctx, capacity, self.warm))

    def close(self) -> None:
        """End every worker process."""
        asked = [w.ask_to_stop() for w in self._workers]
        while self._workers:
            self._workers.pop().stop(asked=asked.pop())

    def map(self, specs: Iterable[TrialSpec], registry: Registry, capacity: int = 0) -> Iterator[TrialRecord]:
        """Yield each trial's record as it finishes (finishing order).

        :param specs: the trials, consumed as workers become free; the trainers must be
            importable in a fresh process (built-ins, entry points, or ``spec.plugins``
            modules on ``sys.path``/``PYTHONPATH``).
        :param registry: resolves trainer names for the records of trials whose worker
            died or was ended.
        :param capacity: the most weights of any trial's network (the size of each
            worker's shared best-so-far buffer).
        :raises ConfigError: a worker process could not start.
        :raises KeyboardInterrupt: re-raised after every worker was ended.
        """
        source = iter(enumerate(specs))
        pending: deque[tuple[int, TrialSpec]] = deque()  # a look-ahead of at most `jobs` trials
        workers = self._workers
        for w in [w for w in workers if w.capacity < capacity]:
            workers.remove(w)
            w.stop()
        try:
            while True:
                pending.extend(itertools.islice(source, self.jobs - len(pending)))
                if not pending and all(w.task is None for w in workers):
                    return
                idle = sum(1 for w in workers if w.task is None)
                while len(workers) < self.jobs and len(pending) > idle and self._worth_another(workers):
                    self._add_worker(workers, capacity)
                    idle += 1
                for w in workers:
                    if w.ready and w.task is None and pending:
                        w.send(*pending.popleft())
                timeout = min((w.deadline(self.grace) for w in workers), default=math.inf) - time.monotonic()
                if self.grow and pending and len(workers) < self.jobs:
                    timeout = min(timeout, 0.05)  # look again soon: another worker may pay by then
                ready = wait([w.conn for w in workers] + [w.process.sentinel for w in workers],
                             timeout=None if timeout == math.inf else max(timeout, 0.0))
                for w in list(workers):
                    record, dead = self._poll(w, ready, registry)
                    if dead:
                        w.stop()
                        workers.remove(w)
                    if record is not None:
                        yield record
        finally:
            for w in [w for w in workers if w.task is not None or not self._keep]:
                workers.remove(w)  # interrupted: a busy worker's trial is abandoned
                w.stop()

    def _worth_another(self, workers: list[_Worker]) -> bool:
        """Whether to start one more worker now (the caller knows trials are waiting): always
        without ``grow`` or with none; with ``grow`` once a worker is ready and the trials'
        seconds so far, finished and running, reach its start-up seconds."""
        if not self.grow or not workers:
            return True
        startups = [w.startup for w in workers if w.startup is not None]
        if not startups:
            return False  # the first is still starting: its start-up is the yardstick
        return self._work_s + sum(w.elapsed() for w in workers) >= max(startups)

    def _poll(self, w: _Worker, ready: list, registry: Registry) -> tuple[TrialRecord | None, bool]:
        """``(record or None, whether the worker is gone)`` after :func:`wait` returned ``ready``."""
        from nnbench.running.trial import lost_trial_record

        if w.conn in ready or w.process.sentinel in ready or w.conn.poll():  # poll: a record sent just now
            try:
                msg = w.conn.recv() if w.conn.poll() else None
            except (EOFError, OSError):
                msg = None
            if msg is not None and msg[0] == "ready":
                w.ready = True
                w.startup = time.monotonic() - w.born
                return None, False
            if msg is not None and msg[0] == "start":
                w.started = time.monotonic()  # the trial's clock: its set-up is done
                return None, False
            if msg is not None and msg[0] == "returned":
                w.returned = time.monotonic()  # the trainer is done: no time limit on nnbench's own evaluation
                return None, False
            if msg is not None and msg[0] in ("done", "error"):
                if w.task is None:  # a worker answers only the trial it was sent
                    raise RuntimeError(f"a worker sent {msg[0]!r} with no trial running")
                spec = w.task[1]
                self._work_s += w.elapsed()
                w.task = None
                if msg[0] == "error":
                    return lost_trial_record(spec, registry, "failed", msg[2], w.elapsed(), _read_best(w.shared)), False
                return msg[2], False
            # end of file or the process ended: it died
            w.process.join(1.0)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            if w.task is None:
                if not w.ready:
                    raise ConfigError(f"a worker process could not start: {_death(w.process.exitcode)}")
                return None, True
            spec = w.task[1]
            w.task = None
            died = _death(w.process.exitcode)
            return lost_trial_record(spec, registry, "failed", died if w.started is not None else
                                     f"{died} while preparing the trial", w.elapsed(), _read_best(w.shared)), True
        if w.task is not None and time.monotonic() >= w.deadline(self.grace):  # no task: no deadline
            spec = w.task[1]
            w.task = None
            w.process.kill()
            w.process.join()
            if w.started is None:  # the set-up hung: nothing ran, the trial failed
                return lost_trial_record(
                    spec, registry, "failed", f"the trial's set-up (plugins, data, objective) did not finish within "
                    f"{defaults.SETUP_TIMEOUT_S:g} s, so its worker process was ended", 0.0), True
            if w.returned is not None:  # the trainer returned in time; nnbench's evaluation of its weights hung
                return lost_trial_record(
                    spec, registry, "failed", f"the trainer returned, but evaluating its weights (final cost, fit) "
                    f"did not finish within {defaults.SETUP_TIMEOUT_S:g} s, so its worker process was ended",
                    w.returned - (w.started or w.returned), _read_best(w.shared)), True
            return lost_trial_record(
                spec, registry, "time limit",
                f"time limit of {spec.budget.max_seconds:g} s reached; the trainer did not return within "
                f"{self.grace:g} s more, so its worker process was ended",
                w.elapsed(), _read_best(w.shared)), True
        return None, False


# -- Dask -------------------------------------------------------------------------------------

#: In a Dask worker process, per worker thread, the one child process that runs its trials
#: (a :class:`ProcessExecutor` of one job, kept between tasks).
_CHILDREN: dict[int, ProcessExecutor] = {}


def _dask_trial(spec: TrialSpec, capacity: int, grace: float) -> TrialRecord | str:
    """Run one trial from a Dask worker thread in that thread's own child process (started
    once, kept between tasks, replaced only when a trial ends it), so that the hard time
    limit, the crash isolation and the set-up outside the clock hold on Dask as with the
    process executor. A failure outside the trial (the child cannot start) gives the error's
    text, which the parent records as a failed row."""
    from nnbench.contract.plugins import registry_for

    try:
        child = _CHILDREN.get(threading.get_ident())
        if child is None or child.grace != grace:
            child = _CHILDREN[threading.get_ident()] = ProcessExecutor(jobs=1, grace=grace).__enter__()
        return next(iter(child.map([spec], registry_for(spec.plugins), capacity)))
    except Exception as exc:  # reported by the parent as a failed row
        return f"{type(exc).__name__}: {exc}"


class DaskExecutor:
    """Run trials on a Dask distributed cluster (``pip install nnbench[dask]``).

    :param scheduler: the scheduler's address (``tcp://host:8786``), or ``None`` to start
        a :class:`distributed.LocalCluster` of ``jobs`` worker processes with one thread
        each, on 127.0.0.1, dashboard off, closed when the run ends.
    :param jobs: workers of that local cluster (default ``os.cpu_count()``).
    :param connect_timeout: seconds to wait for the scheduler.
    :param grace: seconds past a trial's time limit before its child process is ended.
    :raises ConfigError: dask.distributed is not installed.

    The workers must be able to import the trainers' plugins. Each Dask worker thread runs
    its trials in one child process of its own, as the process executor's workers do
    (:func:`_dask_trial`): the time limit is hard, a crash is a failed row, and a trial's
    set-up is outside its clock. A Dask worker that dies loses no trial: Dask runs its task
    again elsewhere, and the record comes back once. Trials are submitted a few per worker
    at a time, so a plan is never held whole.
    """

    def __init__(self, scheduler: str | None = None, jobs: int | None = None, connect_timeout: float = 10.0,
                 grace: float = defaults.GRACE_S) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ConfigError("--executor dask needs dask.distributed: pip install 'nnbench[dask]'") from None
        self.scheduler = scheduler
        self.jobs = int(jobs or os.cpu_count() or 1)
        self.connect_timeout = connect_timeout
        self.grace = float(grace)
        self._stack: contextlib.ExitStack | None = None
        self._open: Any = None

    def __enter__(self) -> "DaskExecutor":
        """Connect (or start the LocalCluster) now, and keep the client until the ``with``
        ends: a bad address is reported before anything is written.

        :raises ConfigError: the scheduler cannot be reached within 10 s.
        """
        self._stack = contextlib.ExitStack()
        self._open = self._stack.enter_context(self._client())
        return self

    def __exit__(self, *exc: object) -> None:
        stack, self._stack, self._open = self._stack, None, None
        if stack is not None:
            stack.close()

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        from distributed import Client, LocalCluster

        if self.scheduler:
            try:
                client = Client(self.scheduler, timeout=f"{self.connect_timeout}s")
            except (OSError, TimeoutError) as exc:
                raise ConfigError(f"--scheduler {self.scheduler}: cannot connect: {exc}") from None
            with client:
                yield client
            return
        with LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client

    def map(self, specs: Iterable[TrialSpec], registry: Registry, capacity: int = 0) -> Iterator[TrialRecord]:
        """Yield each trial's record as it finishes (finishing order).

        :param specs: the trials, submitted a few per worker thread at a time.
        :param registry: resolves trainer names for the records of trials that failed on
            the cluster.
        :param capacity: the most weights of any trial's network (the children's buffers).
        """
        from distributed import as_completed

        from nnbench.running.trial import lost_trial_record

        source = iter(specs)
        with contextlib.nullcontext(self._open) if self._open is not None else self._client() as client:
            threads = sum(client.nthreads().values()) or self.jobs
            window = 4 * threads
            outstanding: dict[str, tuple[TrialSpec, Any]] = {}

            def submit(n: int) -> list[Any]:
                futures = []
                for spec in itertools.islice(source, n):
                    fut = client.submit(_dask_trial, spec, capacity, self.grace, pure=False)
                    outstanding[fut.key] = (spec, fut)
                    futures.append(fut)
                return futures

            pending = as_completed(submit(window))
            try:
                for fut in pending:
                    spec, _ = outstanding.pop(fut.key)
                    try:
                        record = fut.result()
                    except Exception as exc:  # the task failed on every worker Dask tried (KilledWorker)
                        record = f"{type(exc).__name__}: {exc}"
                    fut.release()
                    if isinstance(record, str):
                        record = lost_trial_record(spec, registry, "failed", record, 0.0)
                    for new in submit(1):
                        pending.add(new)
                    yield record
            finally:  # interrupted: the trials not yet done are abandoned
                client.cancel([f for _, f in outstanding.values()])
