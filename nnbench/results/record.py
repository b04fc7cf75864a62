"""The trial record and the run metadata: the one place that names, writes and reads their fields.

A results file (:mod:`nnbench.results.store`) is JSON Lines: one :class:`RunMetadata` line, then one
:class:`TrialRecord` line per trial. These two dataclasses are the only code that knows the
field names: the harness builds records, the report, resume, plots, measures and the API
read their attributes, and :meth:`TrialRecord.to_json` / :meth:`TrialRecord.from_json` are
the only translation to and from JSON. Both allow read-only mapping access
(``record["best_cost"]``), and observers (``nnbench_trial_finished``) receive
:meth:`TrialRecord.to_json`'s dict.

Schema versions (:data:`SCHEMA_VERSION`):

* 1 -- nnbench 0.1: untyped records with ``network_spec``, ``options_pairs``, and a
  ``dataset`` without its delimiter. Still read: those fields are derived again.
* 2 -- typed, validated on reading; ``final_cost`` was the cost the trainer *claimed*.
* 3 -- ``final_cost`` is nnbench's own evaluation at the returned ``x`` and the
  trainer's claim is ``claimed["fun"]``; ``data_id`` (added). A schema-2 line is read with its
  ``final_cost`` moved to ``claimed["fun"]`` and ``final_cost`` unknown (``None``).
* 4 -- this layout: ``train``/``test`` ``accuracy`` is the *class* accuracy of a
  classification task (argmax, or one sigmoid output above 0.5), ``None`` on regression;
  ``task`` and ``classes`` (added). Before, it was the share of output values on the right
  side of 0.5 for a sigmoid output: an older line keeps it when the network has one output
  (where the two agree) and reads ``None`` otherwise; its ``task`` is decided by its loss
  (:func:`nnbench.contract.problems.task_of`), its ``classes`` unknown (``None``).

Reading checks every field it knows: a missing required field (:data:`REQUIRED`) or a field
of the wrong type is ``FILE, line N: ...`` (a :class:`~nnbench.errors.ResultsError`); fields
it does not know are ignored, so files written by a newer nnbench that only *added* fields
still load. A field that a later version adds is read with its default from files that
lack it; a field whose *meaning* changes bumps the schema.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, TypeVar

import numpy as np

from nnbench.datasets import DatasetSpec
from nnbench.errors import ConfigError
from nnbench.contract.instrument import CALL_KINDS, EVALUATION_KINDS
from nnbench.contract.problems import TARGET_METRICS, TASKS, task_of
from nnbench.core.fit import Fit
from nnbench.core.network import NetworkSpec
from nnbench.contract.trainer import Budget
from nnbench.validation import FieldMapping

__all__ = ["SCHEMA_VERSION", "STATUSES", "REQUIRED", "CALL_KINDS", "EVALUATION_KINDS", "TrialRecord",
           "RunMetadata", "FieldError", "PHASES", "trial_key", "spec_identity", "problem_labels", "by_problem",
           "LABEL_TAG_DIGITS", "jsonable"]

#: The layout version written in the metadata line.
SCHEMA_VERSION = 4

#: Trial statuses: it ran (its optimizer may still report failure), it raised, the trainer
#: declined the problem, or the per-trial time limit ended it.
STATUSES: tuple[str, ...] = ("ok", "failed", "skipped", "time limit")

#: The phases of a trial: ``"tuning"`` (a configuration tried on the tuning seeds, ``nnbench run
#: --tune``) or ``"evaluation"`` (a row of the comparison; every trial of a file without phases).
PHASES: tuple[str, ...] = ("tuning", "evaluation")

#: The fields a trial line must have.
REQUIRED: tuple[str, ...] = ("dataset", "network", "trainer", "seed", "status")


class FieldError(ValueError):
    """A field of a results line that is missing or of the wrong type (the message names it)."""


def jsonable(obj: Any) -> Any:
    """``obj`` with NumPy scalars and arrays, tuples and records made plain JSON values, and
    NaN/inf made ``None``."""
    t = type(obj)  # the plain types first: a record's history is thousands of floats
    if t is float:
        return obj if math.isfinite(obj) else None
    if t is int or t is str or t is bool or obj is None:
        return obj
    if t is list or t is tuple:
        return [jsonable(v) for v in obj]
    if t is dict:
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (TrialRecord, RunMetadata)):
        return obj.to_json()
    if isinstance(obj, Fit):
        return jsonable(obj.as_dict())
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    return obj


def trial_key(data_id: str, network: NetworkSpec, trainer: str, options: Mapping[str, Any],
              seed: int, variant: str | None = None, phase: str = "evaluation") -> str:
    """The identity of a trial, for ``--resume`` and the report's de-duplication: its data as
    prepared, network, trainer (case-insensitive), options (parsed values, keys sorted) and seed;
    and its variant (:func:`nnbench.contract.variants.variant_name`, or ``adam[tuned]``) and phase
    (:data:`PHASES`) when they are not the trainer itself and ``"evaluation"`` (so a file
    written before variants keeps the keys of its trials at their defaults).

    :param data_id: the data's identity (:meth:`nnbench.datasets.Catalog.identity`; for a
        record without one, :func:`spec_identity`), never its path: a trial keeps its key
        however the path is spelled and wherever the file moved.
    :returns: a string, equal for a planned trial and the record it produced, however the
        record was written and read back (tuples and lists compare equal).
    """
    key: list[Any] = [data_id, jsonable(network.identity()), trainer.lower(),
                      sorted(jsonable(dict(options)).items()), int(seed)]
    if (variant or trainer) != trainer or phase != "evaluation":
        key += [variant or trainer, phase]
    return json.dumps(key, sort_keys=True)


@functools.lru_cache(maxsize=1024)
def spec_identity(dataset: DatasetSpec) -> str:
    """The stand-in data identity of a record written before nnbench recorded ``data_id``:
    the SHA-256 (64 hex digits) of its :meth:`DatasetSpec.describe`, the path as it was
    spelled included (what identified a trial's data then)."""
    return hashlib.sha256(json.dumps(dataset.describe(), sort_keys=True).encode("utf-8")).hexdigest()


#: The fewest hex digits of a data identity that tag a dataset's label when two datasets
#: share one (``data#3f2a1c``); more are taken if needed to tell them apart.
LABEL_TAG_DIGITS = 6


def problem_labels(records: Iterable[TrialRecord]) -> dict[tuple[str, str], tuple[str, str]]:
    """The display labels of the problems of ``records``, distinct per problem: the one
    function that names problems in tables, reports and figures.

    A problem (:attr:`TrialRecord.problem`) is identified by its data (``data_id``) and its
    network, so two datasets never merge; its label is ``(dataset label, network label)``
    (:attr:`DatasetSpec.label`, of the problem's first record). When two problems of
    different data would share a label (``a/data.csv`` and ``b/data.csv`` with other
    bytes), each of those datasets is tagged with the first :data:`LABEL_TAG_DIGITS` (or
    more, until they differ) hex digits of its identity (:meth:`DatasetSpec.tagged_label`:
    ``data#3f2a1c``); other labels stay as they are.

    :param records: trial records, in any order.
    :returns: ``{problem: (dataset_label, network_label)}`` in plan order: by the lowest
        :attr:`TrialRecord.problem_index` of each problem's records (problems without one last), then
        in the order problems are first seen.
    """
    first: dict[tuple[str, str], TrialRecord] = {}
    lowest: dict[tuple[str, str], float] = {}
    for r in records:
        first.setdefault(r.problem, r)
        lowest[r.problem] = min(lowest.get(r.problem, math.inf), math.inf if r.problem_index is None else r.problem_index)
    first = dict(sorted(first.items(), key=lambda item: lowest[item[0]]))  # stable: first seen among equals
    by_label: dict[tuple[str, str], set[str]] = {}
    for (data, net), r in first.items():
        by_label.setdefault((r.dataset.label, net), set()).add(data)
    out = {}
    for (data, net), r in first.items():
        ids = by_label[(r.dataset.label, net)]
        if len(ids) == 1:
            out[(data, net)] = (r.dataset.label, net)
            continue
        digits = LABEL_TAG_DIGITS
        while len({i[:digits] for i in ids}) < len(ids):
            digits += 1
        out[(data, net)] = (r.dataset.tagged_label(data[:digits]), net)
    return out


class _OnProblem(Protocol):
    @property
    def problem(self) -> tuple[str, str]: ...


_P = TypeVar("_P", bound=_OnProblem)


def by_problem(items: Iterable[_P]) -> dict[tuple[str, str], list[_P]]:
    """``items`` grouped by problem in one pass (instead of filtering every item once per
    problem).

    :param items: trial records, or anything with their ``problem`` (``(data_key,
        network_label)``, :attr:`TrialRecord.problem`), such as the reports' runs.
    :returns: ``{problem: its items in the input order}``, the problems in the order they are
        first seen; empty for no items.
    """
    groups: dict[tuple[str, str], list[_P]] = {}
    for item in items:
        groups.setdefault(item.problem, []).append(item)
    return groups


# -- field decoders: JSON value -> typed value, or FieldError --------------------------------

def _number(v: Any) -> float | None:
    """A JSON number or null (NaN and inf are written as null)."""
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise FieldError(f"must be a number or null, got {v!r}")
    return float(v)


def _count(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise FieldError(f"must be a non-negative integer, got {v!r}")
    return v


def _opt_int(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise FieldError(f"must be an integer or null, got {v!r}")
    return v


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise FieldError(f"must be a string, got {v!r}")
    return v


def _opt_text(v: Any) -> str | None:
    return None if v is None else _text(v)


def _flag(v: Any) -> bool:
    if not isinstance(v, bool):
        raise FieldError(f"must be true or false, got {v!r}")
    return v


def _opt_flag(v: Any) -> bool | None:
    return None if v is None else _flag(v)


def _status(v: Any) -> str:
    if v not in STATUSES:
        raise FieldError(f"must be one of {', '.join(repr(s) for s in STATUSES)}, got {v!r}")
    return v


def _stop(v: Any) -> str | None:
    if v not in (None, "max_evals", "time_limit"):
        raise FieldError(f"must be null, 'max_evals' or 'time_limit', got {v!r}")
    return v


def _target_metric(v: Any) -> str:
    if v not in TARGET_METRICS:
        raise FieldError(f"must be one of {', '.join(map(repr, TARGET_METRICS))}, got {v!r}")
    return str(v)


def _phase(v: Any) -> str:
    if v not in PHASES:
        raise FieldError(f"must be one of {', '.join(map(repr, PHASES))}, got {v!r}")
    return str(v)


def _task(v: Any) -> str:
    if v not in TASKS:
        raise FieldError(f"must be one of {', '.join(map(repr, TASKS))}, got {v!r}")
    return str(v)


def _classes(v: Any) -> tuple[str, ...] | None:
    if v is None:
        return None
    return tuple(_lines(v))


def _table(v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise FieldError(f"must be an object, got {v!r}")
    return v


def _dataset(v: Any) -> DatasetSpec:
    try:
        return DatasetSpec.from_dict(_table(v))
    except ConfigError as exc:
        raise FieldError(str(exc).replace("DatasetSpec.", "")) from None


def _counts(v: Any) -> dict[str, int]:
    out = dict.fromkeys(CALL_KINDS, 0)
    for k, n in _table(v).items():
        out[str(k)] = _count(n)
    return out


def _claimed(v: Any) -> dict[str, float | int | None] | None:
    """The optimizer's own claims: numbers or null by name (counts stay integers)."""
    if v is None:
        return None
    out: dict[str, float | int | None] = {}
    for k, n in _table(v).items():
        out[str(k)] = n if isinstance(n, int) and not isinstance(n, bool) else _number(n)
    return out


def _fit(v: Any) -> Fit | None:
    if v is None:
        return None
    try:
        return Fit.from_dict(_table(v))
    except ValueError as exc:
        raise FieldError(str(exc)) from None


def _history(v: Any) -> list[tuple[int, float, float, float]]:
    """``[evaluations, seconds, cost, work]`` entries (``work`` absent in files before it was
    recorded, and ``null`` where unknown: both read as NaN)."""
    if not isinstance(v, list):
        raise FieldError(f"must be a list of [evaluations, seconds, cost, work], got {v!r}")
    # the common case, checked in bulk: every entry a list of 4 plain numbers (a record's history is
    # thousands of them; the loop below, which names the first bad entry, took half of reading a file)
    if set(map(type, v)) <= {list} and set(map(len, v)) <= {4} and \
            set(map(type, itertools.chain.from_iterable(v))) <= {int, float}:
        return [(int(e), float(s), float(c), float(w)) for e, s, c, w in v]
    out = []
    for i, h in enumerate(v):
        ok = isinstance(h, list) and len(h) in (3, 4) and all(
            not isinstance(x, bool) and isinstance(x, (int, float)) for x in h[:3]) and (
            len(h) == 3 or h[3] is None or (not isinstance(h[3], bool) and isinstance(h[3], (int, float))))
        if not ok:
            raise FieldError(f"entry {i} must be [evaluations, seconds, cost, work], got {h!r}")
        work = float(h[3]) if len(h) == 4 and h[3] is not None else math.nan
        out.append((int(h[0]), float(h[1]), float(h[2]), work))
    return out


def _weights(v: Any) -> np.ndarray | None:
    if v is None:
        return None
    if not isinstance(v, list) or any(x is not None and (isinstance(x, bool) or not isinstance(x, (int, float)))
                                      for x in v):
        raise FieldError("must be a list of numbers or null")
    return np.array([math.nan if x is None else x for x in v], dtype=np.float64)


def _lines(v: Any) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise FieldError(f"must be a list of strings, got {v!r}")
    return list(v)


def _budget(v: Any) -> Budget:
    d = _table(v)
    try:
        return Budget(d.get("max_evals"), d.get("max_seconds"))
    except ConfigError as exc:
        raise FieldError(str(exc).replace("Budget.", "")) from None


def _seed(v: Any) -> int:
    return _count(v)


# -- the trial record -------------------------------------------------------------------------

def _f(decode: Callable[[Any], Any], default: Any = None, factory: Callable[[], Any] | None = None) -> Any:
    """A record field with its JSON decoder in the field's metadata."""
    if factory is not None:
        return field(default_factory=factory, metadata={"decode": decode})
    return field(default=default, metadata={"decode": decode})


@dataclass(eq=False)
class TrialRecord(FieldMapping):
    """One trial: what ran, what happened, and what it reached.

    Identity: ``dataset`` (:class:`~nnbench.datasets.DatasetSpec`: its path is for display
    only), ``data_id`` (the identity of the data as prepared,
    :meth:`nnbench.datasets.Catalog.identity`: the SHA-256 of a CSV's bytes with its target,
    delimiter and preparation, or a registered dataset's name and data version; ``None``
    in files of nnbench before it was recorded), ``network``
    (:class:`~nnbench.core.network.NetworkSpec`) with ``sizes`` (the whole network's layer
    sizes) and ``n_params``, ``trainer``, ``plugin``, ``family``, ``options`` (parsed
    values), ``seed``, ``budget`` (:class:`~nnbench.contract.trainer.Budget`), ``target`` (the
    success target's level or ``None``) and ``target_metric`` (what it measures: ``"cost"``,
    reached at or below; ``"accuracy"`` or ``"r2"`` on the training data, reached at or above;
    :data:`nnbench.contract.problems.TARGET_METRICS`), ``problem_name`` (the named problem,
    :class:`~nnbench.contract.problems.ProblemSpec`, or ``None``), ``variant`` (the row it
    belongs to: the trainer and its non-default options, ``adam[learning_rate=0.1]``, by
    :func:`nnbench.contract.variants.variant_name`, or a tuned configuration ``adam[tuned]``;
    the trainer's name in files written before variants), ``phase`` (:data:`PHASES`:
    ``"tuning"`` or ``"evaluation"``, the latter in files written before tuning), ``task``
    (``"regression"`` or ``"classification"``, decided by the loss:
    :func:`nnbench.contract.problems.task_of`; it decides the measures), ``classes`` (the
    class names of a classification dataset, in the order of the outputs, or ``None``),
    ``problem_index`` (the problem's position in its run's plan, which orders problems in
    tables and reports whatever order the trials finished in; ``None`` in older files).

    Outcome: ``status`` (one of :data:`STATUSES`); the optimizer's own ``success``,
    ``optimizer_status``, ``message``, ``nit`` and ``claimed`` (what the optimizer said:
    ``fun``, its cost at its ``x``, and the counts ``nfev``, ``njev``, ``nhev``, none of them
    trusted); ``stop`` (``None``, ``"max_evals"`` or ``"time_limit"``: the budget ended
    it); ``initial_cost`` (at ``x0``), ``final_cost`` (the cost at the returned ``x``, evaluated
    by the harness once, outside the budget and the counts; ``None`` when that ``x`` is not
    finite),
    ``best_cost`` (the lowest cost evaluated) and ``best_x`` (its weights, float64
    ``(n_params,)``); ``counts`` (calls by kind, :data:`CALL_KINDS`) and ``evaluations``
    (:data:`EVALUATION_KINDS` calls); ``work`` (forward-pass equivalents of every call,
    :data:`nnbench.contract.instrument.WORK`; ``None`` when unknown); ``wall_time_s`` and ``cpu_time_s`` (seconds);
    ``train`` and ``test`` (:class:`~nnbench.core.fit.Fit` at ``best_x``: Pearson r, R^2 and
    MSE, and on a classification task the class accuracy; ``test`` is ``None`` without a
    split); ``reached_target``, ``evals_to_target``,
    ``time_to_target_s``; ``history`` (``(evaluations, seconds, best cost, work)`` at every
    improvement of the best-so-far cost); ``error`` and ``traceback`` (a failed trial's
    exception); ``warnings`` (distinct warnings raised during the trial, and exceptions that
    ended the trainer's own threads); ``stdout`` (what the trial printed, truncated);
    ``setup_s`` (seconds its process spent preparing it before its clock started: a
    library's import, the data, the objective; never part of ``wall_time_s``).

    Costs that were not finite are ``None``.
    """

    dataset: DatasetSpec = _f(_dataset)
    data_id: str | None = _f(_opt_text)
    network: NetworkSpec = _f(lambda v: v)  # decoded with sizes, see from_json
    trainer: str = _f(_text, "")
    seed: int = _f(_seed, 0)
    sizes: tuple[int, ...] = _f(lambda v: v, ())
    n_params: int = _f(_count, 0)
    plugin: str = _f(_text, "")
    family: str = _f(_text, "")
    options: dict[str, Any] = _f(_table, factory=dict)
    budget: Budget = _f(_budget, factory=Budget)
    target: float | None = _f(_number)
    target_metric: str = _f(_target_metric, "cost")
    problem_name: str | None = _f(_opt_text)
    variant: str = _f(_text, "")
    phase: str = _f(_phase, "evaluation")
    problem_index: int | None = _f(_opt_int)
    task: str = _f(_task, "regression")
    classes: tuple[str, ...] | None = _f(_classes)
    status: str = _f(_status, "ok")
    success: bool = _f(_flag, False)
    optimizer_status: int | None = _f(_opt_int)
    message: str = _f(_text, "")
    stop: str | None = _f(_stop)
    initial_cost: float | None = _f(_number)
    final_cost: float | None = _f(_number)
    best_cost: float | None = _f(_number)
    best_x: np.ndarray | None = _f(_weights)
    counts: dict[str, int] = _f(_counts, factory=lambda: dict.fromkeys(CALL_KINDS, 0))
    evaluations: int = _f(_count, 0)
    work: float | None = _f(_number)
    nit: int | None = _f(_opt_int)
    claimed: dict[str, float | int | None] | None = _f(_claimed)
    wall_time_s: float = _f(_number, 0.0)
    cpu_time_s: float = _f(_number, 0.0)
    train: Fit | None = _f(_fit)
    test: Fit | None = _f(_fit)
    reached_target: bool | None = _f(_opt_flag)
    evals_to_target: int | None = _f(_opt_int)
    time_to_target_s: float | None = _f(_number)
    history: list[tuple[int, float, float, float]] = _f(_history, factory=list)
    error: str | None = _f(_opt_text)
    traceback: str | None = _f(_opt_text)
    warnings: list[str] = _f(_lines, factory=list)
    stdout: str = _f(_text, "")
    setup_s: float = _f(_number, 0.0)

    def __post_init__(self) -> None:
        if not self.variant:  # a file written before variants: the row is the trainer
            self.variant = self.trainer

    # -- derived --------------------------------------------------------------------------
    @property
    def dataset_label(self) -> str:
        """The dataset's label (:attr:`DatasetSpec.label`)."""
        return self.dataset.label

    @property
    def network_label(self) -> str:
        """The network's label (:attr:`NetworkSpec.label`)."""
        return self.network.label

    @property
    def data_key(self) -> str:
        """The identity of this trial's data: ``data_id``, or :func:`spec_identity` of its
        dataset in files written before ``data_id`` was recorded."""
        return self.data_id if self.data_id is not None else spec_identity(self.dataset)

    @property
    def problem(self) -> tuple[str, str]:
        """The problem this trial is on: ``(data_key, network_label)``, its identity (two
        datasets of one name never merge); :func:`problem_labels` names it for display."""
        return self.data_key, self.network.label

    @property
    def ran(self) -> bool:
        """Whether the trainer ran (any status but ``skipped``)."""
        return self.status != "skipped"

    @property
    def key(self) -> str:
        """:func:`trial_key` of this trial (the ``--resume`` identity)."""
        return trial_key(self.data_key, self.network, self.trainer, self.options, self.seed, self.variant,
                         self.phase)

    # -- JSON -------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The JSON-ready dict written as one line (and given to ``nnbench_trial_finished``):
        every field, ``"kind": "trial"`` first, the labels for readers of the raw file,
        non-finite numbers as ``None``."""
        out: dict[str, Any] = {"kind": "trial"}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "dataset":
                out["dataset"] = value.describe()
                out["dataset_label"] = value.label
            elif f.name == "network":
                out["network"] = value.describe(self.sizes)
                out["network_label"] = value.label
            elif f.name == "sizes":
                continue  # inside "network"
            elif f.name == "budget":
                out["budget"] = {"max_evals": value.max_evals, "max_seconds": value.max_seconds}
            else:
                out[f.name] = value
        return jsonable(out)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any], schema: int = SCHEMA_VERSION) -> TrialRecord:
        """The record of one results line.

        :param schema: the file's :data:`SCHEMA_VERSION` (1, 2 or 3); before 3 the line's
            ``final_cost`` was the trainer's claim, which is read as ``claimed["fun"]``.
        :raises FieldError: a missing required field or a field of the wrong type, naming it
            (``field 'best_cost': must be a number or null, got 'abc'``).
        """
        for name in REQUIRED:
            if name not in obj:
                raise FieldError(f"trial record has no {name!r} field")
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in obj or f.name in ("network", "sizes"):
                continue
            try:
                values[f.name] = f.metadata["decode"](obj[f.name])
            except FieldError as exc:
                raise FieldError(f"field {f.name!r}: {exc}") from None
        try:
            values["network"], values["sizes"] = NetworkSpec.from_dict(_table(obj["network"]))
        except (ConfigError, FieldError) as exc:
            raise FieldError(f"field 'network': {str(exc).replace('NetworkSpec.', '')}") from None
        if schema < 3:  # its final_cost is what the trainer said, not a measurement
            claim = values.pop("final_cost", None)
            if claim is not None or values.get("claimed") is not None:
                values["claimed"] = {**(values.get("claimed") or {}), "fun": claim}
        if "task" not in obj:
            values["task"] = task_of(values["network"].loss)
        if schema < 4:  # its accuracy was per output value: the class accuracy only for one output
            for name in ("train", "test"):
                fit = values.get(name)
                if fit is not None and fit.accuracy is not None and (
                        values["task"] != "classification" or values["sizes"][-1] != 1):
                    values[name] = dataclasses.replace(fit, accuracy=None)
        return cls(**values)


# -- the run metadata -------------------------------------------------------------------------

def _plugin_list(v: Any) -> list[dict[str, str | None]]:
    """``[{"name", "distribution", "version"}, ...]``: ``name`` a string, the others strings or null."""
    if not isinstance(v, list):
        raise FieldError(f"must be a list of plugins, got {v!r}")
    out = []
    for i, p in enumerate(v):
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            raise FieldError(f"entry {i} must be an object with a 'name', got {p!r}")
        try:
            out.append({"name": p["name"], "distribution": _opt_text(p.get("distribution")),
                        "version": _opt_text(p.get("version"))})
        except FieldError as exc:
            raise FieldError(f"entry {i}: {exc}") from None
    return out


@dataclass(eq=False)
class RunMetadata(FieldMapping):
    """The first line of a results file: what ran where.

    :param schema: :data:`SCHEMA_VERSION` of the file.
    :param nnbench, numpy, scipy, pluggy, python: versions.
    :param platform: ``platform.platform()``; :param cpu: the CPU model; :param cpu_count: cores.
    :param blas: per BLAS library (threadpoolctl): ``internal_api``, ``version``,
        ``num_threads``, ``threading_layer``, ``architecture``, ``filepath``.
    :param blas_threads_per_trial: BLAS threads each trial was pinned to (``None``: not pinned).
    :param command: the command line as one string (or ``"nnbench.run"``); :param started: ISO-8601 UTC.
    :param executor: how the trials ran (``"process x2"``); :param suite_file: its path or ``None``.
    :param suite, suite_version: the named suite that ran (``nnbench run --suite uci``) and its
        version (:class:`~nnbench.contract.problems.SuiteSpec`), or ``None``.
    :param argv: the arguments of ``nnbench`` that describe the run, as a list (``["run",
        "--dataset", "tutorial", ...]``), what ``nnbench run --rerun`` parses again; for a rerun,
        those of the run it repeats (``command`` is what was typed). ``None`` for
        :func:`nnbench.run` and in files of nnbench before it was recorded.
    :param plugins: every registered plugin, in registration order, as ``{"name", "distribution",
        "version"}`` (:class:`~nnbench.contract.plugins.PluginInfo`: the built-ins are
        nnbench's; ``distribution`` ``None`` for a ``-p`` module no distribution installed,
        ``version`` ``None`` when unknown); empty in files before it was recorded.
    :param libraries: the optimizer libraries the run's planned trainers come from
        (:attr:`~nnbench.contract.trainer.Trainer.library`), distribution name to installed
        version (``None`` when unknown), sorted by name: ``{"scipy": "1.17.1", "torch":
        "2.13.0+cpu"}``. Only the selected trainers' libraries: one whose trainers did not run
        cannot change the results. Empty in files before it was recorded.
    :param suite_text: the suite file's content (UTF-8 text) when one was given, else ``None``
        (``--rerun`` reads this, not the file at ``suite_file``, which may have changed).
    :param rerun_of: for a run made by ``nnbench run --rerun FILE``, that file, else ``None``.
    :param simd: the highest SIMD target numpy dispatches to on this CPU (``"AVX512_SPR"``,
        ``"X86_V3"``: :func:`nnbench.core.kernels.simd_level`), or ``None`` (not recorded).
    :param kernels: each element-wise kernel choice measured on this CPU, in words
        (``{"sigmoid": "expit below 512 elements, tanh from 512"}``:
        :func:`nnbench.core.kernels.describe_choices`); every trial of the run used it.
    :param extra: fields this nnbench does not know (kept, not interpreted).
    """

    schema: int = SCHEMA_VERSION
    nnbench: str | None = None
    numpy: str | None = None
    scipy: str | None = None
    pluggy: str | None = None
    python: str | None = None
    platform: str | None = None
    cpu: str | None = None
    cpu_count: int | None = None
    blas: list[dict[str, Any]] = field(default_factory=list)
    blas_threads_per_trial: int | None = None
    command: str | None = None
    started: str | None = None
    executor: str | None = None
    suite_file: str | None = None
    suite: str | None = None
    suite_version: str | None = None
    argv: list[str] | None = None
    plugins: list[dict[str, str | None]] = field(default_factory=list)
    libraries: dict[str, str | None] = field(default_factory=dict)
    suite_text: str | None = None
    rerun_of: str | None = None
    simd: str | None = None
    kernels: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def machine(self) -> dict[str, Any] | None:
        """The machine fingerprint: what must be equal for two runs' seconds to be comparable
        (``nnbench compare``). The CPU model and its cores, the SIMD kernels each BLAS library
        chose (threadpoolctl's ``architecture``: ``Haswell``, ``SkylakeX``, ``Zen``...), the BLAS
        threads per trial and the executor (how many trials ran at once). Versions are not part
        of it: they are what a comparison of two runs measures.

        :returns: a JSON-ready dict, or ``None`` when the CPU was not recorded (then no two
            runs are known to share a machine).
        """
        if self.cpu is None:
            return None
        return {"cpu": self.cpu, "cpu_count": self.cpu_count,
                "simd": sorted({str(b.get("architecture")) for b in self.blas}),
                "blas_threads_per_trial": self.blas_threads_per_trial, "executor": self.executor}

    @property
    def plugin_names(self) -> list[str]:
        """The names of the recorded :attr:`plugins`, in registration order."""
        return [p["name"] or "" for p in self.plugins]

    def versions(self) -> dict[str, str | None]:
        """The recorded plugins and libraries with their versions, as ``nnbench run --rerun`` and
        ``nnbench compare`` name and compare them: ``{"plugin NAME": "DISTRIBUTION VERSION",
        "library NAME": "VERSION"}``, plugins in registration order, then libraries by name; an
        unknown part is left out of a plugin's text (``"(version unknown)"`` when both are), and a
        library that is not installed is ``None``."""
        out: dict[str, str | None] = {}
        for p in self.plugins:
            out[f"plugin {p['name']}"] = " ".join(x for x in (p["distribution"], p["version"]) if x) or "(version unknown)"
        for name, version in self.libraries.items():
            out[f"library {name}"] = version
        return out

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready metadata line, ``"kind": "metadata"`` first."""
        out: dict[str, Any] = {"kind": "metadata"}
        out.update({f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"})
        out.update(self.extra)
        return jsonable(out)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> RunMetadata:
        """The metadata of a results file's first line.

        :raises FieldError: a known field of the wrong type.
        """
        known = {f.name for f in fields(cls)} - {"extra"}
        values: dict[str, Any] = {}
        for name in known & set(obj):
            v = obj[name]
            try:
                if name == "schema":
                    values[name] = _count(v)
                elif name in ("cpu_count", "blas_threads_per_trial"):
                    values[name] = _opt_int(v)
                elif name == "blas":
                    if not isinstance(v, list) or not all(isinstance(b, dict) for b in v):
                        raise FieldError(f"must be a list of objects, got {v!r}")
                    values[name] = v
                elif name == "argv":
                    values[name] = None if v is None else _lines(v)
                elif name == "plugins":
                    values[name] = _plugin_list(v)
                elif name == "libraries":
                    values[name] = {str(k): _opt_text(x) for k, x in _table(v).items()}
                elif name == "kernels":
                    if not isinstance(v, dict) or not all(isinstance(k, str) and isinstance(c, str)
                                                          for k, c in v.items()):
                        raise FieldError(f"must be an object of texts, got {v!r}")
                    values[name] = dict(v)
                else:
                    values[name] = _opt_text(v)
            except FieldError as exc:
                raise FieldError(f"field {name!r}: {exc}") from None
        values["extra"] = {k: v for k, v in obj.items() if k not in known and k != "kind"}
        return cls(**values)
