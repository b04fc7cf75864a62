"""One trial: run a trainer against an instrumented objective and build its record.

A :class:`TrialSpec` is everything a trial needs, in any process: the data and network,
the trainer and its (checked) options, the seed, the budget. :func:`run_trial` runs it and
returns its :class:`~nnbench.results.record.TrialRecord`; :func:`lost_trial_record` builds the
record of a trial whose worker process was ended or died. Planning a whole suite is
:mod:`nnbench.running.suite`'s; running many trials is the executors' (:mod:`nnbench.running.executors`).

Fairness (DESIGN.md, "Budget and fairness"): for a given seed every trainer starts from
the same ``x0`` (drawn from ``numpy.random.default_rng(seed)`` alone); a stochastic
trainer's generator is seeded from the seed and the trainer's name through CRC-32 (stable
across runs and processes, unlike Python's ``hash``); the counts come from the
instrumentation; a trainer is judged on the best point it evaluated.
"""

from __future__ import annotations

import math
import os
import time
import traceback
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbench.datasets import Catalog, Dataset, DatasetSpec
from nnbench.errors import BudgetExhausted, ConfigError, DatasetError
from nnbench.core.losses import LOSSES, get_loss
from nnbench.contract.instrument import CALL_KINDS, InstrumentedObjective
from nnbench.core.fit import Fit, fit_metrics
from nnbench.core.network import NetworkSpec
from nnbench.core.objective import Objective
from nnbench.contract.plugins import Registry, registry_for
from nnbench.results.record import TrialRecord, spec_identity, trial_key
from nnbench.running.capture import captured_stdout, quiet_threads
from nnbench.contract.problems import TargetSpec, task_of
from nnbench.contract.trainer import Budget, Trainer, TrainResult

__all__ = ["TrialSpec", "PreparedTrial", "prepare_trial", "execute_trial", "run_trial", "lost_trial_record",
           "trainer_seed", "build_objective", "memory_limit", "MEMORY_SHARE"]


@dataclass(frozen=True)
class TrialSpec:
    """One trial: everything needed to run it in any process.

    :param dataset: the data and its preparation.
    :param network: the network shape.
    :param trainer: the trainer's name (as registered).
    :param seed: the seed of ``x0`` (and of a stochastic trainer).
    :param budget: the per-trial :class:`~nnbench.contract.trainer.Budget`.
    :param options: the trainer's own options, checked, as sorted ``(key, value)`` pairs.
    :param target: the success target's level (a cost, an accuracy or an R^2, as
        ``target_metric`` says), or ``None``.
    :param plugins: extra plugin modules (``-p``) the worker must load to find the trainer.
    :param blas_threads: BLAS threads to pin the trial to, or ``None`` to leave them.
    :param workers: trials that run at once beside this one (itself included), for the
        memory estimate.
    :param data_id: the identity of the data as prepared
        (:meth:`nnbench.datasets.Catalog.identity`); the plan sets it, so that the key is
        computed without reading the data again. ``None``: the trial computes it, and
        :attr:`key` is that of a record without one (:func:`~nnbench.results.record.spec_identity`).
    :param target_metric: what ``target`` measures (:data:`nnbench.contract.problems.TARGET_METRICS`).
    :param problem: the named problem the trial belongs to, or ``None``.
    :param variant: the row it belongs to (:func:`nnbench.contract.variants.variant_name` of the
        trainer and its options, or ``adam[tuned]``); ``None``: the trainer's name.
    :param phase: ``"evaluation"`` or ``"tuning"`` (:data:`nnbench.results.record.PHASES`).
    :param problem_index: the problem's position in its plan (:attr:`nnbench.running.suite.Plan.problems`),
        recorded so that tables order problems as planned; not part of :attr:`key`.
    """

    dataset: DatasetSpec
    network: NetworkSpec
    trainer: str
    seed: int
    budget: Budget
    options: tuple[tuple[str, Any], ...] = ()
    target: float | None = None
    plugins: tuple[str, ...] = ()
    blas_threads: int | None = 1
    workers: int = 1
    data_id: str | None = None
    target_metric: str = "cost"
    problem: str | None = None
    variant: str | None = None
    phase: str = "evaluation"
    problem_index: int | None = None

    def reached(self, objective: Objective) -> tuple[float | None, Callable[[np.ndarray], bool] | None]:
        """The target as the instrumentation takes it: ``(cost target, predicate of the
        weights)``, from ``target`` and ``target_metric``
        (:meth:`nnbench.contract.problems.TargetSpec.predicate`)."""
        if self.target is None or self.target_metric == "cost":
            return self.target, None
        return None, TargetSpec(self.target_metric, self.target).predicate(objective)

    @property
    def key(self) -> str:
        """The identity of the trial for ``--resume`` (:func:`nnbench.results.record.trial_key`)."""
        data = self.data_id if self.data_id is not None else spec_identity(self.dataset)
        return trial_key(data, self.network, self.trainer, dict(self.options), self.seed, self.variant, self.phase)


def trainer_seed(seed: int, trainer: str) -> np.random.Generator:
    """The generator of a (stochastic) trainer: ``default_rng([seed, crc32(name.lower())])``."""
    return np.random.default_rng([int(seed), zlib.crc32(trainer.lower().encode("utf-8"))])


def _physical_memory() -> int:
    """Bytes of physical memory, or 0 where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 0


def build_objective(dataset: DatasetSpec, network: NetworkSpec, catalog: Catalog) -> tuple[Objective, Dataset | None]:
    """``(objective on the training data, test dataset or None)`` for a problem.

    :raises DatasetError: the data cannot be loaded (a non-number in a CSV's target column,
        under a loss that does not read class labels, says which loss does).
    :raises ConfigError: a network whose weights and buffers (about ``8 (4 n_params +
        4 n_samples * sum(layer widths))`` bytes) would not fit in half the physical memory.
    """
    try:
        train, test = catalog.prepare(dataset)
    except DatasetError as exc:
        if not exc.target_not_number or get_loss(network.loss).labels:
            raise
        labelled = ", ".join(name for name, loss in LOSSES.items() if loss.labels)
        raise DatasetError(f"{exc} (class labels in the target column are read with the loss {labelled})") from None
    sizes = network.sizes(train.n_features, train.n_outputs)
    n_params = sum(a * b + (b if network.bias else 0) for a, b in zip(sizes[:-1], sizes[1:]))
    need = 8 * (4 * n_params + 4 * train.n_samples * sum(sizes[1:]))
    have = _physical_memory()
    if have and need > have // 2:
        hidden = ",".join(map(str, network.hidden))
        raise ConfigError(f"--hidden {hidden}: a network of {n_params} weights on {train.n_samples} samples needs "
                          f"about {need / 2**30:.1f} GiB per trial; this machine has {have / 2**30:.1f} GiB")
    return Objective(network.build(train.n_features, train.n_outputs), train, network.loss, network.l2), test


def _fit(objective: Objective, x: np.ndarray | None, data: Dataset | None) -> Fit | None:
    """The fit at ``x`` on ``data``: class accuracy besides r, R^2 and MSE on a classification task."""
    if x is None or data is None:
        return None
    pred = objective.predict(x, data.X)
    return fit_metrics(data.y, pred, classifier=task_of(objective.loss.name) == "classification")


class _ReportingObjective(InstrumentedObjective):
    """An :class:`InstrumentedObjective` that calls ``on_improve(self)`` after each
    improvement of the best-so-far cost (the process executor copies the best point to
    shared memory there, so a worker killed at its hard time limit still has a result)."""

    def __init__(self, *args: Any, on_improve: Callable[[InstrumentedObjective], None], **kw: Any) -> None:
        self._on_improve = on_improve
        super().__init__(*args, **kw)

    def _after(self, cost: float, theta: np.ndarray) -> None:
        n = len(self.history)
        super()._after(cost, theta)
        if len(self.history) != n:
            self._on_improve(self)


def _base_record(spec: TrialSpec, trainer: Trainer, objective: Objective, x0: np.ndarray,
                 catalog: Catalog) -> TrialRecord:
    """The record of a trial as it starts: what runs, and the cost at ``x0``."""
    return TrialRecord(
        dataset=spec.dataset, data_id=spec.data_id if spec.data_id is not None else catalog.identity(spec.dataset),
        network=spec.network, sizes=objective.network.sizes, n_params=objective.n_params,
        trainer=trainer.name, plugin=trainer.plugin, family=trainer.family, options=dict(spec.options),
        seed=spec.seed, budget=spec.budget, target=spec.target, target_metric=spec.target_metric,
        problem_name=spec.problem, problem_index=spec.problem_index, variant=spec.variant or trainer.name,
        phase=spec.phase,
        task=task_of(spec.network.loss), classes=getattr(objective.dataset, "classes", None),
        initial_cost=objective.fun(x0), counts=dict.fromkeys(CALL_KINDS, 0))


def _warning_lines(caught: Sequence[warnings.WarningMessage], most: int = 5) -> list[str]:
    """Distinct ``"Category: message (file:line)"`` lines of the warnings a trial raised, at
    most ``most`` of them, with a count of the rest."""
    lines: dict[str, int] = {}
    for w in caught:
        text = f"{w.category.__name__}: {w.message} ({w.filename.rsplit('/', 1)[-1]}:{w.lineno})"
        lines[text] = lines.get(text, 0) + 1
    out = [f"{t} x{n}" if n > 1 else t for t, n in list(lines.items())[:most]]
    if len(lines) > most:
        out.append(f"... and {len(lines) - most} more distinct warnings")
    return out


def _note(rec: TrialRecord, text: str) -> None:
    rec.message = f"{rec.message}; {text}" if rec.message else text


#: Trainers made ready in this process (their :attr:`Trainer.setup` ran), by plugin and name.
_READY: set[tuple[str, str]] = set()


def memory_limit() -> int:
    """The most bytes the trials running at once may need: :data:`MEMORY_SHARE` of the physical
    memory (0 where the system does not say, meaning no limit)."""
    return int(MEMORY_SHARE * _physical_memory())


#: The share of physical memory the trials running at once may need; a trial estimated above
#: its part is skipped, with the estimate in its message.
MEMORY_SHARE = 0.75


@dataclass
class PreparedTrial:
    """A trial with everything it needs built, before its clock starts.

    :param spec: the trial; :param trainer: its trainer (made ready in this process);
    :param objective: the objective on the training data; :param test: the test split or ``None``;
    :param x0: the seed's initial weights; :param record: the record so far (status
        ``skipped`` when the trainer declined, or the memory estimate was too large);
    :param setup_s: seconds the preparation took.
    """

    spec: TrialSpec
    trainer: Trainer
    objective: Objective
    test: Dataset | None
    x0: np.ndarray
    record: TrialRecord
    setup_s: float


def prepare_trial(spec: TrialSpec, registry: Registry | None = None) -> PreparedTrial:
    """Everything a trial needs before its clock starts: the plugins (``spec.plugins``), the
    trainer's own set-up once per process (:attr:`Trainer.setup`: a library's import), the
    data (loaded once per process), the objective, ``x0`` and the cost there.

    Declines (status ``skipped``, with the reason) a problem the trainer's declaration
    refuses, and a trial whose memory estimate (:meth:`Trainer.memory_bytes`, times
    ``spec.workers`` trials at once) is above :data:`MEMORY_SHARE` of the physical memory.

    :raises Exception: whatever the set-up raised (a plugin that does not import, data that
        does not load); the executors record it as a failed trial.
    """
    t0 = time.perf_counter()
    registry = registry if registry is not None else registry_for(spec.plugins)
    trainer = registry.trainer(spec.trainer)
    if trainer.setup is not None and (trainer.plugin, trainer.name) not in _READY:
        trainer.setup()
        _READY.add((trainer.plugin, trainer.name))
    objective, test = build_objective(spec.dataset, spec.network, registry.catalog())
    x0 = objective.x0(np.random.default_rng(spec.seed))
    rec = _base_record(spec, trainer, objective, x0, registry.catalog())
    refusal = trainer.refusal(objective)
    if refusal is None:
        need, have = trainer.memory_bytes(objective) * spec.workers, memory_limit()
        if have and need > have:
            each = f" ({spec.workers} trials at once)" if spec.workers > 1 else ""
            refusal = (f"{trainer.name} would need about {need / 2**30:.1f} GiB for this network of "
                       f"{objective.n_params} weights{each}; over {MEMORY_SHARE:.0%} of this machine's "
                       f"{_physical_memory() / 2**30:.1f} GiB")
    if refusal is not None:
        rec.status, rec.message = "skipped", refusal
    rec.setup_s = time.perf_counter() - t0
    return PreparedTrial(spec, trainer, objective, test, x0, rec, rec.setup_s)


def run_trial(spec: TrialSpec, registry: Registry | None = None, clock: Callable[[], float] = time.perf_counter,
              on_improve: Callable[[InstrumentedObjective], None] | None = None,
              on_start: Callable[[], None] | None = None,
              on_return: Callable[[], None] | None = None) -> TrialRecord:
    """Run one trial and return its :class:`~nnbench.results.record.TrialRecord`:
    :func:`prepare_trial`, then :func:`execute_trial`.

    :raises ConfigError: the trainer does not exist; :class:`~nnbench.errors.DatasetError`:
        the data cannot be loaded (from :func:`prepare_trial`).
    """
    return execute_trial(prepare_trial(spec, registry), clock, on_improve, on_start, on_return)


def execute_trial(prepared: PreparedTrial, clock: Callable[[], float] = time.perf_counter,
                  on_improve: Callable[[InstrumentedObjective], None] | None = None,
                  on_start: Callable[[], None] | None = None,
                  on_return: Callable[[], None] | None = None) -> TrialRecord:
    """Run a prepared trial: its clock starts here, just before the trainer is called.

    A trainer that raises (``SystemExit`` included) gives status ``failed`` with the error,
    and the best point it evaluated before; a declined problem gives ``skipped`` with the
    reason; the per-trial time limit gives ``time limit``, whoever stopped it. Everything the
    trial prints (file descriptor 1) goes to the record's ``stdout``; every warning it raises
    to its ``warnings``; a budget stopping the trainer's own threads prints nothing.

    :param clock: seconds as a float (the trial's clock).
    :param on_improve: called with the instrumented objective after every improvement of
        the best-so-far cost (its ``best_x``, ``best_cost``, ``evaluations``, ``elapsed()``).
    :param on_start: called just before the trainer is (the process executor starts the
        trial's hard deadline there).
    :param on_return: called as soon as the trainer has returned or raised, before nnbench
        evaluates the weights (the process executor ends the trial's deadline there).
    """
    with warnings.catch_warnings(record=True) as caught:
        # warnings outside the trainer too (the fit at weights that overflow) go to the record
        warnings.simplefilter("always")
        rec = _execute(prepared, clock, on_improve, on_start, on_return)
    if caught:
        rec.warnings = rec.warnings + _warning_lines(caught)
    return rec


def _execute(prepared: PreparedTrial, clock: Callable[[], float],
             on_improve: Callable[[InstrumentedObjective], None] | None,
             on_start: Callable[[], None] | None,
             on_return: Callable[[], None] | None) -> TrialRecord:
    spec, trainer, objective, test, x0, rec = (prepared.spec, prepared.trainer, prepared.objective, prepared.test,
                                               prepared.x0, prepared.record)
    if rec.status == "skipped":
        return rec
    target, reached = spec.reached(objective)
    if on_improve is None:
        inst = InstrumentedObjective(objective, spec.budget, target=target, clock=clock, reached=reached)
    else:
        inst = _ReportingObjective(objective, spec.budget, target=target, clock=clock, on_improve=on_improve,
                                   reached=reached)
    result: Any = None
    thread_errors: list[str] = []
    caught: list[warnings.WarningMessage] = []
    if on_start is not None:
        on_start()
    cpu0 = time.process_time()
    inst.restart()
    try:
        with captured_stdout() as printed, quiet_threads(thread_errors), \
                warnings.catch_warnings(record=True) as caught:
            # an optimizer's warnings belong to its trial's record, not to the terminal
            warnings.simplefilter("always")
            result = trainer.train(inst, x0.copy(), spec.budget, trainer_seed(spec.seed, trainer.name),
                                   **dict(spec.options))
    except BudgetExhausted as exc:
        rec.stop, rec.message = exc.reason, str(exc)
        if exc.reason == "time_limit":
            rec.status = "time limit"
    except (Exception, SystemExit) as exc:  # a faulty trainer is a result, not a crash of the suite
        rec.status = "failed"
        rec.error = rec.message = f"{type(exc).__name__}: {exc}"
        rec.traceback = traceback.format_exc(limit=-3)
    rec.wall_time_s = inst.elapsed()
    rec.cpu_time_s = time.process_time() - cpu0
    if on_return is not None:
        on_return()
    rec.stdout = printed.text
    if result is not None:
        _take_result(rec, result, objective)
    if rec.stop is None and inst.exhausted is not None:
        rec.stop = inst.exhausted  # the trainer caught the budget error and returned
    if rec.stop is None and rec.status == "ok":
        # a trainer that guards the budget itself stops before the instrumentation raises:
        # classify the trial by what it spent, whoever stopped it
        if spec.budget.max_seconds is not None and rec.wall_time_s >= spec.budget.max_seconds:
            rec.stop = "time_limit"
        elif spec.budget.max_evals is not None and inst.evaluations >= spec.budget.max_evals:
            rec.stop = "max_evals"
    if rec.stop == "time_limit" and rec.status == "ok":
        rec.status = "time limit"
    rec.counts, rec.evaluations, rec.history = dict(inst.counts), inst.evaluations, list(inst.history)
    rec.work = inst.work
    rec.warnings = _warning_lines(caught) + thread_errors
    if rec.status != "skipped":
        best = inst.best_x
        rec.best_cost = inst.best_cost if best is not None else None
        rec.best_x = best
        rec.train = _fit(objective, best, objective.dataset)
        rec.test = _fit(objective, best, test)
        if spec.target is not None:
            rec.reached_target = inst.evals_to_target is not None
            rec.evals_to_target, rec.time_to_target_s = inst.evals_to_target, inst.seconds_to_target
        if best is None and rec.status == "ok":
            if rec.evaluations:
                reason = (f"no finite cost was evaluated: the objective returned NaN or inf at all "
                          f"{rec.evaluations} points")
                rec.status, rec.error = "failed", reason
                _note(rec, reason)
            else:
                _note(rec, "no finite cost was evaluated")
            rec.success = False
    return rec


def _take_result(rec: TrialRecord, result: Any, objective: Objective) -> None:
    """Put what the trainer returned into ``rec`` (or fail it if that is not a TrainResult).

    What the trainer claims is kept in ``rec.claimed`` (``fun``, ``nfev``, ``njev``,
    ``nhev``), never taken as a measurement: ``final_cost`` is ``objective.fun`` at the
    returned ``x``, one evaluation of the bare objective (outside the budget, the counts
    and the trial's time), and an ``x`` with a NaN or an infinite weight makes ``success``
    false, whatever the trainer said, with a note in ``message``.
    """
    n_params = objective.n_params
    if not isinstance(result, TrainResult):
        rec.status = "failed"
        rec.error = f"TypeError: train returned {type(result).__name__}, not TrainResult"
        rec.message = "the trainer returned something other than a TrainResult"
        return
    if result.skipped:
        rec.status, rec.message = "skipped", result.message
        return
    x = np.asarray(result.x, dtype=np.float64)
    rec.success, rec.optimizer_status, rec.message = bool(result.success), result.status, result.message
    rec.nit = result.nit
    rec.claimed = {"fun": result.fun, "nfev": result.nfev, "njev": result.njev, "nhev": result.nhev}
    if result.error is not None and rec.error is None:
        rec.error = result.error
    if x.shape != (n_params,):
        rec.status, rec.success = "failed", False
        rec.error = f"ValueError: the trainer returned x of shape {x.shape}, expected ({n_params},)"
        rec.message = f"the trainer returned x of shape {x.shape}, expected ({n_params},)"
        return
    bad = int(np.count_nonzero(~np.isfinite(x)))
    if bad:
        rec.success = False
        _note(rec, f"the returned x has {bad} non-finite weight{'s' if bad != 1 else ''} (NaN or inf): "
                   "not a success")
        return
    rec.final_cost = objective.fun(x)


def lost_trial_record(spec: TrialSpec, registry: Registry | None, status: str, message: str, wall_time_s: float,
                      best: tuple[int, float, float, np.ndarray] | None = None) -> TrialRecord:
    """The record of a trial whose process was ended (hard time limit) or died (a crash).

    :param status: ``"time limit"`` or ``"failed"``.
    :param message: why, e.g. ``"the worker process died (signal SIGSEGV)"``; also the
        ``error`` of a failed trial.
    :param wall_time_s: seconds from the trial's start to its end, as the parent saw them.
    :param best: the last best-so-far point the trial reported, ``(evaluations, seconds,
        cost, x)`` with ``x`` float64 of shape ``(n_params,)``, or ``None`` if it reported none.
    :returns: a record like :func:`run_trial`'s; ``counts`` and ``nit`` are unknown (zeros
        and ``None``); ``evaluations`` is the count at the best point; ``history`` holds
        only that point.
    """
    registry = registry if registry is not None else registry_for(spec.plugins)
    trainer = registry.trainer(spec.trainer)
    objective, test = build_objective(spec.dataset, spec.network, registry.catalog())
    rec = _base_record(spec, trainer, objective, objective.x0(np.random.default_rng(spec.seed)), registry.catalog())
    rec.status, rec.message, rec.wall_time_s = status, message, wall_time_s
    rec.stop = "time_limit" if status == "time limit" else None
    rec.error = message if status == "failed" else None
    if best is not None:
        evals, seconds, cost, x = best
        x = np.asarray(x, dtype=np.float64)
        rec.best_cost, rec.best_x, rec.evaluations = cost, x, int(evals)
        rec.history = [(int(evals), seconds, cost, math.nan)]  # the work of a lost trial is unknown
        rec.train, rec.test = _fit(objective, x, objective.dataset), _fit(objective, x, test)
        if spec.target is not None:
            target, reached = spec.reached(objective)
            hit = (target is None or cost <= target) and (reached is None or reached(x))
            rec.reached_target = hit
            rec.evals_to_target = int(evals) if hit else None
            rec.time_to_target_s = seconds if hit else None
    return rec
