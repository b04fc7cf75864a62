"""The harness: plan trials, run each against an instrumented objective, record the result.

A :class:`Suite` is datasets x networks x trainers x seeds with one budget. :func:`plan`
expands it into :class:`TrialSpec` records; :func:`run_trial` runs one and returns its
record (a JSON-ready dict, the *TrialResult* of DESIGN.md); :func:`run` runs a whole suite
through an executor (:mod:`nnbench.executors`), writes each record to the results file as
it ends, and returns the records.

Fairness (DESIGN.md, "Budget and fairness"): for a given seed every trainer starts from
the same ``x0`` (drawn from ``numpy.random.default_rng(seed)`` alone); a stochastic
trainer's generator is seeded from the seed and the trainer's name through CRC-32 (stable
across runs and processes, unlike Python's ``hash``); the counts come from the
instrumentation; a trainer is judged on the best point it evaluated.
"""

from __future__ import annotations

import functools
import os
import time
import traceback
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnbench.errors import BudgetExhausted, ConfigError
from nnbench.instrument import CALL_KINDS, InstrumentedObjective
from nnbench.metrics import fit_metrics
from nnbench.network import Network
from nnbench.objective import Objective
from nnbench.trainer import Budget, Trainer, TrainResult

__all__ = ["DatasetSpec", "NetworkSpec", "Suite", "TrialSpec", "plan", "run_trial", "run",
           "trainer_seed", "lost_trial_record", "record_key", "STATUSES"]

#: Trial statuses: it ran (its optimizer may still report failure), it raised, the trainer
#: declined the problem, or the per-trial time limit ended it.
STATUSES: tuple[str, ...] = ("ok", "failed", "skipped", "time limit")


@dataclass(frozen=True)
class DatasetSpec:
    """Which data a trial trains on.

    :param source: a bundled name (``tutorial``, ``xor``, ``diabetes``) or a CSV path.
    :param target: target column name(s), default the last column.
    :param standardize: ``"none"``, ``"features"`` (z-score X) or ``"all"`` (X and y), with
        the training part's statistics.
    :param test_size: fraction (0, 1) held out as a test split, or ``None``.
    :param split_seed: the seed of that split.
    :param delimiter: the CSV delimiter.
    """

    source: str
    target: tuple[str, ...] | None = None
    standardize: str = "none"
    test_size: float | None = None
    split_seed: int = 0
    delimiter: str = ","

    def __post_init__(self) -> None:
        if self.standardize not in ("none", "features", "all"):
            raise ConfigError(f"standardize must be none, features or all, not {self.standardize!r}")
        if isinstance(self.target, str):
            object.__setattr__(self, "target", (self.target,))
        elif self.target is not None:
            object.__setattr__(self, "target", tuple(self.target))

    @property
    def label(self) -> str:
        """A short name for tables: the dataset's name, plus how it was prepared."""
        from pathlib import Path

        name = Path(self.source).stem if self.source.endswith(".csv") else self.source
        bits = [name]
        if self.standardize != "none":
            bits.append(f"std={self.standardize}")
        if self.test_size:
            bits.append(f"test={self.test_size:g}")
        return " ".join(bits)

    def describe(self) -> dict:
        """JSON-ready fields."""
        return {"source": self.source, "target": list(self.target) if self.target else None,
                "standardize": self.standardize, "test_size": self.test_size,
                "split_seed": self.split_seed}


@dataclass(frozen=True)
class NetworkSpec:
    """A network shape to train; the input and output sizes come from the data.

    :param hidden: hidden layer sizes, e.g. ``(4,)`` or ``(4, 3)``; ``()`` is a linear model.
    :param activation: hidden activation (``sigmoid``, ``tanh``, ``relu``).
    :param output_activation: ``identity`` or ``sigmoid``.
    :param bias: biases on every layer.
    :param loss: ``sse``, ``mse``, ``half_mse`` or ``bce``.
    """

    hidden: tuple[int, ...] = (2,)
    activation: str = "sigmoid"
    output_activation: str = "identity"
    bias: bool = True
    loss: str = "sse"

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        for name in ("activation", "output_activation", "loss"):  # one spelling for labels and --resume
            object.__setattr__(self, name, str(getattr(self, name)).lower())
        if any(h < 1 for h in self.hidden):
            raise ConfigError(f"hidden layer sizes must be positive integers, got {self.hidden}")

    def build(self, n_inputs: int, n_outputs: int) -> Network:
        """The :class:`~nnbench.network.Network` for data of this shape."""
        return Network((n_inputs, *self.hidden, n_outputs), self.activation, self.output_activation, self.bias)

    @property
    def label(self) -> str:
        """E.g. ``"h2 sigmoid nobias sse"``."""
        h = "x".join(map(str, self.hidden)) or "linear"
        out = "" if self.output_activation == "identity" else f" out={self.output_activation}"
        return f"h{h} {self.activation}{out}{'' if self.bias else ' nobias'} {self.loss}"


@dataclass(frozen=True)
class TrialSpec:
    """One trial: everything needed to run it in any process.

    :param options: the trainer's own options, as sorted ``(key, value)`` pairs.
    :param plugins: extra plugin modules (``-p``) the worker must load to find the trainer.
    :param blas_threads: BLAS threads to pin the trial to, or ``None`` to leave them.
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

    @property
    def key(self) -> str:
        """The identity of the trial for ``--resume``: dataset, network, trainer, options, seed."""
        import json

        return json.dumps([self.dataset.describe(), _net_dict(self.network),
                           self.trainer.lower(), [list(o) for o in self.options], self.seed],
                          sort_keys=True, default=str)


def _net_dict(n: NetworkSpec) -> dict:
    return {"hidden": list(n.hidden), "activation": n.activation, "output_activation": n.output_activation,
            "bias": n.bias, "loss": n.loss}


def record_key(record: Mapping[str, Any]) -> str:
    """The same identity as :attr:`TrialSpec.key`, read back from a trial record."""
    import json

    return json.dumps([record["dataset"], record["network_spec"], record["trainer"].lower(),
                       [list(o) for o in record.get("options_pairs", [])], record["seed"]],
                      sort_keys=True, default=str)


@dataclass
class Suite:
    """Datasets x networks x trainers x seeds, with one budget per trial.

    :param trainers: trainer names, family names, or ``"all"`` (see
        :meth:`nnbench.plugins.Registry.select`).
    :param exclude: names or families to leave out.
    :param options: per trainer name, its own options (``{"adam": {"learning_rate": 0.01}}``).
    :param seeds: the seeds; every trainer runs once per seed from that seed's ``x0``.
    :param budget: the per-trial :class:`~nnbench.trainer.Budget`.
    :param target: an absolute target cost, or ``None``.
    :param problems: explicit ``(DatasetSpec, NetworkSpec)`` pairs; when given they replace
        the cross product of ``datasets`` and ``networks``.
    :param plugins: extra plugin modules (``-p``).
    :param blas_threads: BLAS threads per trial (``None``: library default).
    """

    datasets: Sequence[DatasetSpec] = (DatasetSpec("tutorial"),)
    networks: Sequence[NetworkSpec] = (NetworkSpec(),)
    trainers: str | Sequence[str] = "all"
    exclude: Sequence[str] = ()
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    seeds: Sequence[int] = (0, 1, 2, 3, 4)
    budget: Budget = Budget(max_evals=2000, max_seconds=10.0)
    target: float | None = None
    plugins: Sequence[str] = ()
    blas_threads: int | None = 1
    problems: Sequence[tuple[DatasetSpec, NetworkSpec]] = ()

    def pairs(self) -> list[tuple[DatasetSpec, NetworkSpec]]:
        """The problems: :attr:`problems`, or every dataset with every network."""
        return list(self.problems) or [(d, n) for d in self.datasets for n in self.networks]


def plan(suite: Suite, registry: Any) -> list[TrialSpec]:
    """Expand ``suite`` into trials, ordered dataset, network, seed, trainer.

    :param registry: a :class:`nnbench.plugins.Registry` to resolve trainer names.
    :raises ConfigError: an unknown trainer or family, options for a trainer not in the
        suite, or an empty selection.
    """
    trainers = registry.select(suite.trainers, exclude=suite.exclude)
    if not trainers:
        raise ConfigError("no trainer selected (check --trainers and --exclude)")
    by_lower = {t.name.lower(): t for t in trainers}
    opts: dict[str, tuple] = {}
    for name, o in suite.options.items():
        t = by_lower.get(name.lower())
        if t is None:
            registry.trainer(name)  # raises with the closest names if it does not exist
            raise ConfigError(f"--option for {name!r}, which is not among the selected trainers")
        _check_options(t, o)
        opts[t.name] = tuple(sorted(o.items()))
    if not suite.seeds:
        raise ConfigError("no seeds: give --seeds a positive number")
    return [TrialSpec(d, n, t.name, int(s), suite.budget, opts.get(t.name, ()), suite.target,
                      tuple(suite.plugins), suite.blas_threads)
            for d, n in suite.pairs() for s in suite.seeds for t in trainers]


def _check_options(trainer: Trainer, options: Mapping[str, Any]) -> None:
    """Check ``options`` against the defaults ``trainer`` declares, before any trial runs.

    A trainer that declares options takes only those keys, and a value whose default is a
    number must be a finite number. (A trainer that declares none, like the
    ``scipy.optimize.minimize`` methods, passes its options to the optimizer unchecked.)

    :raises ConfigError: naming the trainer, the key and the value.
    """
    declared = trainer.options
    for key, value in options.items():
        if declared and key not in declared:
            raise ConfigError(f"--option {trainer.name}.{key}: {trainer.name} has no option {key!r}; "
                              f"its options: {', '.join(sorted(declared))}")
        default = declared.get(key)
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                raise ConfigError(f"--option {trainer.name}.{key}={value!r}: must be a finite number "
                                  f"(default {default!r})")


def trainer_seed(seed: int, trainer: str) -> np.random.Generator:
    """The generator of a (stochastic) trainer: ``default_rng([seed, crc32(name.lower())])``."""
    return np.random.default_rng([int(seed), zlib.crc32(trainer.lower().encode("utf-8"))])


@functools.lru_cache(maxsize=16)
def load_data(spec: DatasetSpec) -> tuple[Any, Any]:
    """``(train, test)`` datasets for ``spec`` (``test`` is ``None`` without a split); cached.

    :raises DatasetError: the data cannot be loaded.
    """
    from nnbench.datasets import load

    data = load(spec.source, target=list(spec.target) if spec.target else None, delimiter=spec.delimiter)
    train, test = (data.split(spec.test_size, spec.split_seed) if spec.test_size else (data, None))
    if spec.standardize != "none":
        ref = train
        train = train.standardized(target=spec.standardize == "all")
        if test is not None:
            test = test.standardized(reference=ref, target=spec.standardize == "all")
    return train, test


@functools.lru_cache(maxsize=8)
def _registry(plugins: tuple[str, ...]) -> Any:
    from nnbench.plugins import Registry, get_plugin_manager

    return Registry(get_plugin_manager(extra=plugins))


def _physical_memory() -> int:
    """Bytes of physical memory, or 0 where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 0


def build_objective(spec: TrialSpec) -> tuple[Objective, Any]:
    """``(objective on the training data, test dataset or None)`` for a trial.

    :raises ConfigError: a network whose weights and buffers (about ``8 (4 n_params +
        4 n_samples * sum(layer widths))`` bytes) would not fit in half the physical memory.
    """
    train, test = load_data(spec.dataset)
    sizes = (train.n_features, *spec.network.hidden, train.n_outputs)
    n_params = sum(a * b + (b if spec.network.bias else 0) for a, b in zip(sizes[:-1], sizes[1:]))
    need = 8 * (4 * n_params + 4 * train.n_samples * sum(sizes[1:]))
    have = _physical_memory()
    if have and need > have // 2:
        hidden = ",".join(map(str, spec.network.hidden))
        raise ConfigError(f"--hidden {hidden}: a network of {n_params} weights on {train.n_samples} samples needs "
                          f"about {need / 2**30:.1f} GiB per trial; this machine has {have / 2**30:.1f} GiB")
    net = spec.network.build(train.n_features, train.n_outputs)
    return Objective(net, train, spec.network.loss), test


def _fit(objective: Objective, x: np.ndarray | None, data: Any) -> dict | None:
    if x is None or data is None:
        return None
    pred = objective.predict(x, data.X)
    return fit_metrics(data.y, pred, classifier=objective.network.output_activation.name == "sigmoid").as_dict()


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


def _base_record(spec: TrialSpec, trainer: Trainer, objective: Objective, x0: np.ndarray) -> dict[str, Any]:
    """The fields of a trial record known before it runs (see :func:`run_trial`)."""
    return {
        "kind": "trial",
        "dataset": spec.dataset.describe(), "dataset_label": spec.dataset.label,
        "network": objective.describe(), "network_spec": _net_dict(spec.network),
        "network_label": spec.network.label, "n_params": objective.n_params,
        "trainer": trainer.name, "plugin": trainer.plugin, "family": trainer.family,
        "options": dict(spec.options), "options_pairs": [list(o) for o in spec.options], "seed": spec.seed,
        "budget": {"max_evals": spec.budget.max_evals, "max_seconds": spec.budget.max_seconds},
        "target": spec.target,
        "status": "ok", "success": False, "optimizer_status": None, "message": "", "stop": None,
        "initial_cost": objective.fun(x0), "final_cost": None, "best_cost": None, "best_x": None,
        "counts": dict.fromkeys(CALL_KINDS, 0), "evaluations": 0, "nit": None, "claimed": None,
        "wall_time_s": 0.0, "cpu_time_s": 0.0, "train": None, "test": None,
        "reached_target": None, "evals_to_target": None, "time_to_target_s": None,
        "history": [], "error": None, "warnings": [],
    }


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


def run_trial(spec: TrialSpec, registry: Any = None, clock: Callable[[], float] = time.perf_counter,
              on_improve: Callable[[InstrumentedObjective], None] | None = None) -> dict:
    """Run one trial and return its record (JSON-ready; non-finite numbers become ``null``
    when written).

    Fields: ``kind`` ("trial"), ``dataset`` (:meth:`DatasetSpec.describe`), ``dataset_label``,
    ``network`` (sizes, activations, bias, loss), ``network_spec``, ``network_label``,
    ``n_params``, ``trainer``, ``plugin``, ``family``, ``options`` (dict),
    ``options_pairs``, ``seed``, ``status`` (one of :data:`STATUSES`), ``success``,
    ``optimizer_status``, ``message``, ``stop`` (``None``, ``"max_evals"``,
    ``"time_limit"``), ``initial_cost``, ``final_cost`` (what the trainer returned),
    ``best_cost`` (lowest cost evaluated), ``best_x`` (list of ``n_params`` floats),
    ``counts`` (calls by kind), ``evaluations``, ``nit``, ``claimed`` (the optimizer's own
    nfev/njev/nhev), ``wall_time_s``, ``cpu_time_s`` (seconds), ``train`` and ``test``
    (:class:`~nnbench.metrics.Fit` at the best weights, ``test`` ``None`` without a split),
    ``target``, ``reached_target``, ``evals_to_target``, ``time_to_target_s``,
    ``history`` (``[evaluations, seconds, best cost]`` at every improvement),
    ``warnings`` (the distinct warnings the trainer raised, e.g. scipy's RuntimeWarnings),
    ``budget`` (``max_evals``, ``max_seconds``), ``error`` (``None`` or the exception).

    A trainer that raises gives status ``failed`` with the error, and the best point it
    evaluated before; a declined problem gives ``skipped`` with the reason.

    :param registry: a :class:`nnbench.plugins.Registry` (built from ``spec.plugins`` if ``None``).
    :param on_improve: called with the instrumented objective after every improvement of
        the best-so-far cost (its ``best_x``, ``best_cost``, ``evaluations``, ``elapsed()``).
    :raises ConfigError: the trainer does not exist; :class:`~nnbench.errors.DatasetError`:
        the data cannot be loaded.
    """
    with warnings.catch_warnings(record=True) as caught:
        # warnings outside the trainer too (the fit at weights that overflow) go to the record
        warnings.simplefilter("always")
        rec = _run_trial(spec, registry, clock, on_improve)
    if caught:
        rec["warnings"] = rec.get("warnings", []) + _warning_lines(caught)
    return rec


def _run_trial(spec: TrialSpec, registry: Any, clock: Callable[[], float],
               on_improve: Callable[[InstrumentedObjective], None] | None) -> dict:
    registry = registry if registry is not None else _registry(spec.plugins)
    trainer: Trainer = registry.trainer(spec.trainer)
    objective, test = build_objective(spec)
    x0 = objective.x0(np.random.default_rng(spec.seed))
    options = dict(spec.options)
    rec = _base_record(spec, trainer, objective, x0)
    refusal = trainer.refusal(objective)
    if refusal is not None:
        rec.update(status="skipped", message=refusal)
        return rec
    if on_improve is None:
        inst = InstrumentedObjective(objective, spec.budget, target=spec.target, clock=clock)
    else:
        inst = _ReportingObjective(objective, spec.budget, target=spec.target, clock=clock, on_improve=on_improve)
    x0_arg = x0.copy()
    result: TrainResult | None = None
    cpu0 = time.process_time()
    inst.restart()
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            # an optimizer's warnings belong to its trial's record, not to the terminal
            warnings.simplefilter("always")
            result = trainer.train(inst, x0_arg, spec.budget, trainer_seed(spec.seed, trainer.name), **options)
    except BudgetExhausted as exc:
        rec.update(stop=exc.reason, message=str(exc))
        if exc.reason == "time_limit":
            rec["status"] = "time limit"
    except Exception as exc:  # a faulty trainer is a result, not a crash of the suite
        rec.update(status="failed", error=f"{type(exc).__name__}: {exc}", message=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc(limit=-3))
    wall = inst.elapsed()
    rec["cpu_time_s"] = time.process_time() - cpu0
    rec["wall_time_s"] = wall
    if result is not None:
        if not isinstance(result, TrainResult):
            rec.update(status="failed", error=f"TypeError: train returned {type(result).__name__}, not TrainResult",
                       message="the trainer returned something other than a TrainResult")
        elif result.skipped:
            rec.update(status="skipped", message=result.message)
        else:
            x = np.asarray(result.x, dtype=np.float64)
            rec.update(success=bool(result.success), optimizer_status=result.status, message=result.message,
                       final_cost=result.fun, nit=result.nit,
                       claimed={"nfev": result.nfev, "njev": result.njev, "nhev": result.nhev})
            if x.shape != (objective.n_params,):
                rec.update(status="failed", success=False,
                           error=f"ValueError: the trainer returned x of shape {x.shape}, expected ({objective.n_params},)",
                           message=f"the trainer returned x of shape {x.shape}, expected ({objective.n_params},)")
    if rec["stop"] is None and inst.exhausted is not None:
        rec["stop"] = inst.exhausted  # the trainer caught the budget error and returned
    if rec["stop"] is None and rec["status"] == "ok":
        # a trainer that guards the budget itself stops before the instrumentation raises:
        # classify the trial by what it spent, whoever stopped it
        if spec.budget.max_seconds is not None and wall >= spec.budget.max_seconds:
            rec["stop"] = "time_limit"
        elif spec.budget.max_evals is not None and inst.evaluations >= spec.budget.max_evals:
            rec["stop"] = "max_evals"
    if rec["stop"] == "time_limit" and rec["status"] == "ok":
        rec["status"] = "time limit"
    rec.update(counts=dict(inst.counts), evaluations=inst.evaluations,
               history=[list(h) for h in inst.history], warnings=_warning_lines(caught))
    if rec["status"] != "skipped":
        best = inst.best_x
        rec["best_cost"] = inst.best_cost if best is not None else None
        rec["best_x"] = best.tolist() if best is not None else None
        rec["train"] = _fit(objective, best, objective.dataset)
        rec["test"] = _fit(objective, best, test)
        if spec.target is not None:
            rec.update(reached_target=inst.evals_to_target is not None, evals_to_target=inst.evals_to_target,
                       time_to_target_s=inst.seconds_to_target)
        if best is None and rec["status"] == "ok" and rec["evaluations"]:
            reason = (f"no finite cost was evaluated: the objective returned NaN or inf at all "
                      f"{rec['evaluations']} points")
            rec.update(status="failed", success=False, error=reason,
                       message=(rec["message"] + "; " if rec["message"] else "") + reason)
        elif best is None and rec["status"] == "ok":
            rec["message"] = (rec["message"] + "; " if rec["message"] else "") + "no finite cost was evaluated"
            rec["success"] = False
    return rec


def lost_trial_record(spec: TrialSpec, registry: Any, status: str, message: str, wall_time_s: float,
                      best: tuple[int, float, float, np.ndarray] | None = None) -> dict:
    """The record of a trial whose process was ended (hard time limit) or died (a crash).

    :param status: ``"time limit"`` or ``"failed"``.
    :param message: why, e.g. ``"the worker process died (signal SIGSEGV)"``; also the
        ``error`` of a failed trial.
    :param wall_time_s: seconds from the trial's start to its end, as the parent saw them.
    :param best: the last best-so-far point the trial reported, ``(evaluations, seconds,
        cost, x)`` with ``x`` float64 of shape ``(n_params,)``, or ``None`` if it reported none.
    :returns: a record with the fields of :func:`run_trial`; ``counts`` and ``nit`` are
        unknown (zeros and ``None``); ``evaluations`` is the count at the best point;
        ``history`` holds only that point.
    """
    registry = registry if registry is not None else _registry(spec.plugins)
    trainer = registry.trainer(spec.trainer)
    objective, test = build_objective(spec)
    rec = _base_record(spec, trainer, objective, objective.x0(np.random.default_rng(spec.seed)))
    rec.update(status=status, message=message, wall_time_s=wall_time_s,
               stop="time_limit" if status == "time limit" else None,
               error=message if status == "failed" else None)
    if best is not None:
        evals, seconds, cost, x = best
        x = np.asarray(x, dtype=np.float64)
        rec.update(best_cost=cost, best_x=x.tolist(), evaluations=int(evals), history=[[int(evals), seconds, cost]],
                   train=_fit(objective, x, objective.dataset), test=_fit(objective, x, test))
        if spec.target is not None:
            hit = cost <= spec.target
            rec.update(reached_target=hit, evals_to_target=int(evals) if hit else None,
                       time_to_target_s=seconds if hit else None)
    return rec


def run(suite: Suite, registry: Any = None, writer: Any = None, executor: Any = None,
        on_result: Callable[[dict], None] | None = None, skip_keys: Iterable[str] = (),
        keep: bool = True) -> list[dict]:
    """Run every trial of ``suite`` and return the records in the order they finished.

    :param registry: the :class:`nnbench.plugins.Registry` (default: built-ins, entry
        points and ``suite.plugins``).
    :param writer: a :class:`nnbench.results.ResultsWriter`; each record is written and
        flushed as its trial ends.
    :param executor: an executor from :mod:`nnbench.executors` (default: serial).
    :param on_result: called with each record as it arrives (progress bars).
    :param skip_keys: :attr:`TrialSpec.key` of trials already done (``--resume``).
    :param keep: return the records; ``False`` returns ``[]`` and holds no record longer
        than it takes to write it (large suites: read the results file afterwards).
    :raises ConfigError, DatasetError: before any trial runs, for a bad suite.
    :raises KeyboardInterrupt: after the trials finished so far were written.
    """
    from nnbench.executors import SerialExecutor

    registry = registry if registry is not None else _registry(tuple(suite.plugins))
    skip = set(skip_keys)
    specs = [s for s in plan(suite, registry) if s.key not in skip]
    for d in {s.dataset for s in specs}:  # fail fast on bad data, before any trial runs
        load_data(d)
    for s in {(s.dataset, s.network) for s in specs}:
        build_objective(TrialSpec(s[0], s[1], "", 0, suite.budget))
    executor = executor or SerialExecutor()
    records: list[dict] = []
    for rec in executor.map(specs, registry):
        if keep:
            records.append(rec)
        if writer is not None:
            writer.write(rec)
        registry.call_trial_finished(rec)
        if on_result is not None:
            on_result(rec)
    return records


def n_trials(suite: Suite, registry: Any) -> int:
    """How many trials :func:`plan` makes of ``suite``."""
    return len(plan(suite, registry))

