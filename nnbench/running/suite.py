"""A suite, its one validated plan, and running it.

:class:`Suite` describes a comparison: problems (datasets x networks), trainers, their
options, seeds, a budget. It is what ``nnbench.run`` takes, what a suite file
(:mod:`nnbench.running.suitefile`) is read into, and what ``nnbench run``'s options are put over:
three sources, one description, whose defaults are :mod:`nnbench.defaults`'. A
:class:`Suite` checks its own fields when it is made (``Suite(seeds=[1.5])`` is a
:class:`~nnbench.errors.ConfigError` naming ``Suite.seeds[0]``).

:func:`make_plan` turns a suite into the one :class:`Plan` a run executes, once, before any
trial: trainer names resolved, options merged and checked (:func:`nnbench.contract.options.resolve`),
datasets found in the registry, data prepared and one objective built per problem (its
size known, its memory checked), and each trainer's variants (:mod:`nnbench.contract.variants`:
its options, or one per point of its sweep) and tuning configurations
(:mod:`nnbench.running.tuning`). The plan's trials are generated lazily: the tuning trials,
then problem, seed, variant; the tuned configurations after their tuning trials. :func:`run` executes a plan through an executor
(:mod:`nnbench.running.executors`), writing each record as it arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from numbers import Integral, Real
from typing import Any

from nnbench import defaults
from nnbench.datasets import DatasetSpec
from nnbench.errors import ConfigError, did_you_mean
from nnbench.running.executors import SerialExecutor
from nnbench.running.trial import TrialSpec, build_objective
from nnbench.core.losses import get_loss
from nnbench.core.network import NetworkSpec
from nnbench.contract.options import OptionSetting, resolve, settings_from_mapping
from nnbench.contract.variants import SweepSetting, Variant, resolve_sweeps, settings_from_sweeps, tuned_name, \
    variants_of
from nnbench.running.tuning import configurations, pick, tuning_median, tuning_seeds
from nnbench.contract.problems import ProblemSpec, TargetSpec
from nnbench.contract.plugins import Registry, registry_for
from nnbench.results.record import TrialRecord
from nnbench.results.store import ResultsWriter
from nnbench.contract.trainer import Budget, Trainer
from nnbench.validation import Constraint, Interval, check, strings

__all__ = ["Suite", "Problem", "Plan", "make_plan", "run", "check_seeds", "put_over", "read_as_labels",
           "SUITE_CONSTRAINTS", "MAX_SEEDS"]

#: The most seeds a suite may have (a plan of more is a mistake, not a benchmark).
MAX_SEEDS = 10**6

#: What the scalar fields of a :class:`Suite` take (a suite file and the command line check
#: the same).
SUITE_CONSTRAINTS: Mapping[str, Sequence[Constraint | None]] = {
    "target": [Interval(Real, 0, None), None],  # every loss is >= 0: a lower cost is never reached
    "blas_threads": [Interval(Integral, 1, None, closed="left"), None],
    "tune": [Interval(Integral, 0, None, closed="left")],
    "tune_seeds": [Interval(Integral, 1, 1000, closed="both")],
}


def check_seeds(value: Any, where: str) -> range | tuple[int, ...]:
    """The seeds a suite runs: ``n`` means seeds ``0 .. n-1``; a list is taken as given.

    :param value: a positive integer, or a sequence of distinct non-negative integers.
    :param where: the error's prefix (``--seeds``, ``Suite.seeds``, ``suite.toml, line 3: seeds``).
    :returns: a ``range`` (lazy, for a count) or a tuple of ints.
    :raises ConfigError: ``0``, a negative or fractional seed, a repeated seed, an empty
        list, or more than :data:`MAX_SEEDS` seeds.
    """
    if isinstance(value, range) and len(value) and value.start >= 0 and value.step > 0:
        if len(value) > MAX_SEEDS:
            raise ConfigError(f"{where}: {len(value)} seeds; at most {MAX_SEEDS} are allowed")
        return value
    if isinstance(value, Integral) and not isinstance(value, bool):
        n = check(value, [Interval(Integral, 1, MAX_SEEDS)], where)
        return range(n)
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigError(f"{where}: must be a positive integer (that many seeds, from 0) or a list of seeds, "
                          f"got {value!r}")
    seeds = list(value)
    if len(seeds) > MAX_SEEDS:
        raise ConfigError(f"{where}: {len(seeds)} seeds; at most {MAX_SEEDS} are allowed")
    if not seeds:
        raise ConfigError(f"{where}: is an empty list; give at least one seed")
    for i, s in enumerate(seeds):
        check(s, [Interval(Integral, 0, None, closed="left")], f"{where}[{i}]")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"{where}: repeats a seed: {list(seeds)}")
    return tuple(int(s) for s in seeds)


def _dataset(value: Any, where: str) -> DatasetSpec:
    if isinstance(value, DatasetSpec):
        return value
    if isinstance(value, str) and value:
        return DatasetSpec(value)
    raise ConfigError(f"{where}: must be a DatasetSpec or a dataset name, got {value!r}")


def _network(value: Any, where: str) -> NetworkSpec:
    if isinstance(value, NetworkSpec):
        return value
    raise ConfigError(f"{where}: must be a NetworkSpec, got {value!r}")


@dataclass(frozen=True)
class Suite:
    """Datasets x networks x trainers x seeds, with one budget per trial.

    :param datasets: :class:`~nnbench.datasets.DatasetSpec` (or dataset names) to train on.
    :param networks: :class:`~nnbench.core.network.NetworkSpec` to train; every dataset with every network.
    :param problems: explicit problems: ``(dataset, network)`` pairs, named problems
        (:class:`~nnbench.contract.problems.ProblemSpec`, or a registered problem's name such as
        ``"iris"``, looked up by :func:`make_plan`); when given they replace the cross product
        of ``datasets`` and ``networks``. A named problem brings its budget and target.
    :param trainers: trainer names, family names, or ``"all"``, as a list or one
        comma-separated string (see :meth:`nnbench.contract.plugins.Registry.select`).
    :param exclude: names or families to leave out.
    :param options: per trainer name (any case), its own options
        (``{"adam": {"learning_rate": 0.01}}``), checked against the trainer's declaration.
    :param sweeps: per trainer name, options to sweep: ``{"adam": {"learning_rate": [1e-3,
        1e-2]}}`` runs one variant per value (the grid of several keys) in place of the
        trainer's one (:mod:`nnbench.contract.variants`); a key may not be both swept and in
        ``options``.
    :param tune: tune every trainer with a search space on ``tune`` configurations
        (:mod:`nnbench.running.tuning`) and run the best as ``TRAINER[tuned]`` beside it; 0: no
        tuning.
    :param tune_seeds: the tuning seeds per configuration (default
        :data:`~nnbench.defaults.TUNE_SEEDS`).
    :param seeds: a count ``n`` (seeds ``0 .. n-1``) or a list of seeds; every trainer runs
        once per seed from that seed's ``x0``.
    :param budget: the per-trial :class:`~nnbench.contract.trainer.Budget` of every problem
        without one of its own (a named problem brings its own: put another over it with
        :meth:`~nnbench.contract.problems.ProblemSpec.overridden`, as ``--max-evals`` does).
    :param target: an absolute target cost for every problem without a target of its own, or
        ``None``.
    :param plugins: extra plugin modules (``-p``).
    :param blas_threads: BLAS threads per trial (``None``: library default).
    :raises ConfigError: a field of the wrong type or value, naming it (``Suite.target:
        must be a finite number or None, got 'x'``).

    Defaults: the tutorial data with a 2-hidden-unit sigmoid network,
    :data:`nnbench.defaults.TRAINERS`, :data:`~nnbench.defaults.SEEDS` seeds,
    ``Budget()`` (:data:`~nnbench.defaults.MAX_EVALS` evaluations,
    :data:`~nnbench.defaults.TIME_LIMIT_S` seconds) unless a named problem brings its own,
    :data:`~nnbench.defaults.BLAS_THREADS`.
    A suite is immutable: derive another with :func:`dataclasses.replace`, which checks again.
    """

    datasets: Sequence[DatasetSpec] = (DatasetSpec("tutorial"),)
    networks: Sequence[NetworkSpec] = (NetworkSpec(),)
    trainers: str | Sequence[str] = defaults.TRAINERS
    exclude: str | Sequence[str] = ()
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    seeds: int | Sequence[int] = defaults.SEEDS
    budget: Budget = field(default_factory=Budget)
    target: float | None = None
    plugins: Sequence[str] = ()
    blas_threads: int | None = defaults.BLAS_THREADS
    problems: Sequence[tuple[DatasetSpec, NetworkSpec] | ProblemSpec | str] = ()
    sweeps: Mapping[str, Mapping[str, Sequence[Any]]] = field(default_factory=dict)
    tune: int = 0
    tune_seeds: int = defaults.TUNE_SEEDS

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "datasets", tuple(_dataset(d, f"Suite.datasets[{i}]")
                                    for i, d in enumerate(_seq(self.datasets, "Suite.datasets"))))
        put(self, "networks", tuple(_network(n, f"Suite.networks[{i}]")
                                    for i, n in enumerate(_seq(self.networks, "Suite.networks"))))
        problems: list[tuple[DatasetSpec, NetworkSpec] | ProblemSpec | str] = []
        for i, p in enumerate(_seq(self.problems, "Suite.problems")):
            if isinstance(p, (ProblemSpec, str)) and p:
                problems.append(p)
                continue
            if not isinstance(p, (tuple, list)) or len(p) != 2:
                raise ConfigError(f"Suite.problems[{i}]: must be a (dataset, network) pair, a ProblemSpec or "
                                  f"a problem's name, got {p!r}")
            problems.append((_dataset(p[0], f"Suite.problems[{i}][0]"), _network(p[1], f"Suite.problems[{i}][1]")))
        put(self, "problems", tuple(problems))
        put(self, "trainers", self.trainers if isinstance(self.trainers, str)
            else tuple(strings(self.trainers, "Suite.trainers")))
        put(self, "exclude", tuple(strings(self.exclude, "Suite.exclude")) if self.exclude else ())
        settings_from_mapping(self.options, "Suite.options")  # its shape; values are checked in make_plan
        put(self, "options", {t: dict(o) for t, o in self.options.items()})
        settings_from_sweeps(self.sweeps, "Suite.sweeps")  # its shape; values are checked in make_plan
        put(self, "sweeps", {t: {k: tuple(v) for k, v in o.items()} for t, o in self.sweeps.items()})
        put(self, "seeds", check_seeds(self.seeds, "Suite.seeds"))
        if not isinstance(self.budget, Budget):
            raise ConfigError(f"Suite.budget: must be a nnbench.Budget, got {self.budget!r}")
        for name, constraints in SUITE_CONSTRAINTS.items():
            put(self, name, check(getattr(self, name), constraints, f"Suite.{name}", name))
        put(self, "plugins", tuple(strings(self.plugins, "Suite.plugins")) if self.plugins else ())

    def pairs(self) -> list[tuple[DatasetSpec, NetworkSpec]]:
        """The ``(dataset, network)`` of each problem: :attr:`problems` (a named problem's
        own; a name is looked up among nnbench's own problems), or every dataset with every
        network.

        :raises ConfigError: a problem name nnbench does not bundle (a plugin's problems are
            known only to :func:`make_plan`, through the registry).
        """
        return [(p.dataset, p.network) for p in self.resolved()]

    def resolved(self, lookup: Callable[[str], ProblemSpec] | None = None) -> list[ProblemSpec | _Pair]:
        """Each problem, in order: a :class:`~nnbench.contract.problems.ProblemSpec` for a named
        one (a name looked up), a :class:`_Pair` (no name, budget or target) for the others.

        :param lookup: finds a problem by name (:meth:`nnbench.contract.plugins.Registry.problem`);
            default: nnbench's own problems.
        :raises ConfigError: an unknown problem name.
        """
        if lookup is None:
            from nnbench.contract.problems import BUILTIN_PROBLEMS

            def lookup(name: str) -> ProblemSpec:
                if name not in BUILTIN_PROBLEMS:
                    raise ConfigError(f"Suite.problems: unknown problem {name!r}{did_you_mean(name, BUILTIN_PROBLEMS)}")
                return BUILTIN_PROBLEMS[name]
        out: list[ProblemSpec | _Pair] = []
        for p in self.problems or [(d, n) for d in self.datasets for n in self.networks]:
            if isinstance(p, str):
                out.append(lookup(p))
            elif isinstance(p, ProblemSpec):
                out.append(p)
            else:
                out.append(_Pair(*p))
        return out


def read_as_labels(dataset: DatasetSpec, network: NetworkSpec, catalog: Any) -> DatasetSpec:
    """``dataset`` as ``network`` reads it: a CSV's one target column as class labels
    (:attr:`DatasetSpec.labels`) when the loss takes labels (``cross_entropy``,
    :attr:`nnbench.core.losses.Loss.labels`); otherwise, and for a registered dataset (its own
    classes) or several target columns (one-hot already), unchanged.

    :param catalog: the :class:`~nnbench.datasets.Catalog` that tells a CSV path from a name.
    """
    if (dataset.labels or not get_loss(network.loss).labels or catalog.parse(dataset.source).name is not None
            or (dataset.target is not None and len(dataset.target) != 1)):
        return dataset
    return replace(dataset, labels=True)


def put_over(problems: Iterable[Any], budget: Mapping[str, Any], target: float | None = None) -> list[Any]:
    """``problems`` with the budget fields and cost target a suite file or the command line
    gave put over each named problem's own (:meth:`~nnbench.contract.problems.ProblemSpec.overridden`);
    pairs and names are left as they are (a name is resolved later, and then keeps its own).

    :param budget: :class:`~nnbench.contract.trainer.Budget` fields (``{"max_evals": 200}``).
    :param target: a cost target in place of each named problem's own, or ``None``.
    """
    if not budget and target is None:
        return list(problems)
    return [p.overridden(budget, target) if isinstance(p, ProblemSpec) else p for p in problems]


@dataclass(frozen=True)
class _Pair:
    """A problem given as a ``(dataset, network)`` pair: no name, budget or target of its own."""

    dataset: DatasetSpec
    network: NetworkSpec
    name: str | None = None
    budget: Budget | None = None
    target: TargetSpec | None = None


def _seq(value: Any, where: str) -> Sequence[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigError(f"{where}: must be a list, got {value!r}")
    return list(value)


@dataclass(frozen=True)
class Problem:
    """One problem of a plan: its data and network, with what building it told.

    :param dataset: the data; :param network: the network shape.
    :param n_params: the network's number of weights on this data.
    :param n_samples: training samples.
    :param data_id: the identity of the data as prepared
        (:meth:`nnbench.datasets.Catalog.identity`), the data part of every trial's key.
    :param file: the CSV file the data is read from, or ``None`` for a registered dataset
        (a run never writes over it, :func:`nnbench.results.store.check_output`).
    :param name: the named problem's name, or ``None``.
    :param budget: each trial's budget (the problem's own, else the suite's).
    :param target: the success target (the problem's own, else the suite's cost target), or ``None``.
    """

    dataset: DatasetSpec
    network: NetworkSpec
    n_params: int
    n_samples: int
    data_id: str
    file: str | None = None
    name: str | None = None
    budget: Budget = field(default_factory=Budget)
    target: TargetSpec | None = None


@dataclass(frozen=True)
class Plan:
    """A suite made ready to run: every name resolved and every value checked.

    :param suite: the suite it was made from.
    :param trainers: the selected trainers, in listing order.
    :param options: per trainer name, its checked options.
    :param problems: the :class:`Problem` of each (dataset, network) pair, in suite order.
    :param variants: the rows run on the evaluation seeds (:class:`~nnbench.contract.variants.Variant`:
        each trainer with its options, or one per point of its sweep), in trainer order; by
        default one per trainer with its options.
    :param tuning: per tuned trainer's name, the configurations it tries
        (:func:`nnbench.running.tuning.configurations`); empty without ``--tune``.
    :param tune_seeds: the tuning seeds (:func:`nnbench.running.tuning.tuning_seeds`).
    """

    suite: Suite
    trainers: tuple[Trainer, ...]
    options: Mapping[str, Mapping[str, Any]]
    problems: tuple[Problem, ...]
    variants: tuple[Variant, ...] = ()
    tuning: Mapping[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    tune_seeds: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.variants:
            object.__setattr__(self, "variants", tuple(Variant(t, self.options.get(t.name, {}))
                                                       for t in self.trainers))

    def __len__(self) -> int:
        """The number of trials: the variants' and the tuned configurations' on the
        evaluation seeds, and the tuning trials."""
        rows = len(self.variants) + len(self.tuning)
        tuning = len(self.tune_seeds) * sum(len(c) for c in self.tuning.values())
        return len(self.problems) * (len(self.seeds) * rows + tuning)

    @property
    def seeds(self) -> Sequence[int]:
        """The suite's seeds: a ``range`` for a count, else a tuple of ints (:func:`check_seeds`).

        :raises TypeError: the suite's seeds are still a count (only possible by going
            around :class:`Suite`'s own checks, which always replace one).
        """
        seeds = self.suite.seeds
        if isinstance(seeds, int):
            raise TypeError(f"Suite.seeds is the count {seeds}, not checked by check_seeds")
        return seeds

    @property
    def data_files(self) -> tuple[str, ...]:
        """The CSV files the problems read, each once, in problem order (a run's inputs, which
        its results never overwrite: :func:`nnbench.results.store.check_output`)."""
        return tuple(dict.fromkeys(p.file for p in self.problems if p.file is not None))

    @property
    def max_params(self) -> int:
        """The most weights of any problem's network (sizes the workers' shared buffers)."""
        return max(p.n_params for p in self.problems)

    def spec(self, problem: Problem, trainer: str, seed: int, options: Mapping[str, Any], variant: str,
             phase: str = "evaluation", workers: int = 1) -> TrialSpec:
        """The :class:`~nnbench.running.trial.TrialSpec` of one trial of this plan."""
        s, p = self.suite, problem
        return TrialSpec(p.dataset, p.network, trainer, int(seed), p.budget, tuple(sorted(options.items())),
                         None if p.target is None else p.target.value, tuple(s.plugins), s.blas_threads, workers,
                         p.data_id, "cost" if p.target is None else p.target.metric, p.name, variant, phase,
                         problem_index=next(i for i, q in enumerate(self.problems) if q is p))

    def trials(self, skip: Container[str] = (), workers: int = 1) -> Iterator[TrialSpec]:
        """The trials known before any ran, generated one at a time: the tuning trials first
        (problem, trainer, configuration, tuning seed), then every variant on the evaluation
        seeds (problem, seed, variant). The tuned configurations follow from the tuning
        trials' results (:meth:`tuned_trials`).

        :param skip: :attr:`TrialSpec.key` of trials already done (``--resume``).
        :param workers: trials that run at once (for each trial's memory estimate).
        """
        for _, spec in self.tuning_trials(workers):
            if spec.key not in skip:
                yield spec
        for p in self.problems:
            for seed in self.seeds:
                for v in self.variants:
                    spec = self.spec(p, v.trainer.name, seed, v.options, v.label, "evaluation", workers)
                    if spec.key not in skip:
                        yield spec

    def tuning_trials(self, workers: int = 1) -> Iterator[tuple[tuple[int, str, int], TrialSpec]]:
        """Every tuning trial with ``(problem index, trainer name, configuration index)``."""
        from nnbench.contract.variants import variant_name

        by_name = {t.name: t for t in self.trainers}
        for pi, p in enumerate(self.problems):
            for name, configs in self.tuning.items():
                for ci, options in enumerate(configs):
                    label = variant_name(by_name[name], options)
                    for seed in self.tune_seeds:
                        yield (pi, name, ci), self.spec(p, name, seed, options, label, "tuning", workers)

    def tuned_trials(self, chosen: Mapping[tuple[int, str], Mapping[str, Any]], skip: Container[str] = (),
                     workers: int = 1) -> Iterator[TrialSpec]:
        """The tuned configurations on the evaluation seeds, as the variants ``TRAINER[tuned]``.

        :param chosen: per ``(problem index, trainer name)``, the options tuning picked.
        """
        for pi, p in enumerate(self.problems):
            for seed in self.seeds:
                for name in self.tuning:
                    if (pi, name) in chosen:
                        spec = self.spec(p, name, seed, chosen[(pi, name)], tuned_name(name), "evaluation", workers)
                        if spec.key not in skip:
                            yield spec

    def pick_tuned(self, records: Iterable[TrialRecord]) -> dict[tuple[int, str], dict[str, Any]]:
        """Per problem and tuned trainer, the configuration with the lowest median best cost
        over the tuning seeds (:func:`nnbench.running.tuning.pick`), from the tuning trials
        among ``records`` (this run's and a resumed file's).

        :returns: ``{(problem index, trainer name): options}`` for every pair whose tuning
            trials all finished.
        """
        index = {spec.key: where for where, spec in self.tuning_trials()}
        costs: dict[tuple[int, str, int], list[float | None]] = {}
        for r in records:
            where = index.get(r.key)
            if where is not None:
                costs.setdefault(where, []).append(r.best_cost)
        out = {}
        for pi in range(len(self.problems)):
            for name, configs in self.tuning.items():
                got = [costs.get((pi, name, ci)) for ci in range(len(configs))]
                if all(g is not None for g in got):
                    out[(pi, name)] = dict(configs[pick([tuning_median(g or []) for g in got])])
        return out


def make_plan(suite: Suite, registry: Registry | None = None,
              option_layers: Sequence[Iterable[OptionSetting]] | None = None,
              where: Mapping[str, str] | None = None,
              sweep_layers: Sequence[Iterable[SweepSetting]] | None = None) -> Plan:
    """Check ``suite`` against the registry and make its :class:`Plan`, before any trial runs.

    :param registry: the plugin registry (default: built-ins, entry points and ``suite.plugins``).
    :param option_layers: the options as their sources gave them (a suite file's, then the
        command line's, each :class:`~nnbench.contract.options.OptionSetting` with its origin), in
        place of ``suite.options``: errors then name the option where it was typed.
    :param where: per field (``"trainers"``, ``"exclude"``, ``"datasets"``), the name of the
        option it came from, for errors (default ``Suite.<field>``).
    :param sweep_layers: the swept options as their sources gave them (a suite file's
        ``[sweep.TRAINER]``, then ``--sweep``), in place of ``suite.sweeps``.
    :raises ConfigError: an unknown trainer or family, an empty selection, an unknown,
        ill-typed or conflicting option, options for a trainer not selected, a key both swept
        and set, a network too large for this machine, evaluation seeds that reach the tuning
        seeds when tuning.
    :raises DatasetError: a dataset that is neither registered nor a readable, valid CSV.
    """
    where = dict(where or {})
    registry = registry if registry is not None else registry_for(tuple(suite.plugins))
    trainers = registry.select(suite.trainers, suite.exclude, where=where.get("trainers", "Suite.trainers"))
    layers = option_layers if option_layers is not None else [settings_from_mapping(suite.options)]
    options = resolve(layers, registry, trainers)
    origins = {(registry.trainer(o.trainer).name, o.key): o.origin for layer in layers for o in layer}
    sweeps = resolve_sweeps(sweep_layers if sweep_layers is not None else [settings_from_sweeps(suite.sweeps)],
                            registry, trainers, options, origins)
    variants = tuple(v for t in trainers for v in variants_of(t, options.get(t.name, {}), sweeps.get(t.name)))
    tuning: dict[str, tuple[dict[str, Any], ...]] = {}
    if suite.tune:
        for t in trainers:
            configs = configurations(t, suite.tune, options.get(t.name, {}))
            if configs:
                tuning[t.name] = tuple(configs)
        clash = [s for s in check_seeds(suite.seeds, "Suite.seeds") if s >= defaults.TUNING_SEED_BASE]
        if clash:
            raise ConfigError(f"{where.get('seeds', 'Suite.seeds')}: seed {clash[0]} is at or above "
                              f"{defaults.TUNING_SEED_BASE}, where the tuning seeds are; evaluation seeds must stay "
                              "below them")
    catalog = registry.catalog()
    problems = []
    for given in suite.resolved(lambda name: registry.problem(name, where.get("problems", "Suite.problems"))):
        d, n = given.dataset, given.network
        catalog.check_source(d.source, where.get("datasets", "dataset"))
        d = read_as_labels(d, n, catalog)
        objective, _ = build_objective(d, n, catalog)
        target = given.target or (None if suite.target is None else TargetSpec("cost", suite.target))
        problems.append(Problem(d, n, objective.n_params, objective.X.shape[0], catalog.identity(d),
                                None if catalog.parse(d.source).name is not None else d.source, given.name,
                                given.budget or suite.budget, target))
    if not problems:
        raise ConfigError("the suite has no problem: give a dataset and a network")
    return Plan(suite, tuple(trainers), options, tuple(problems), variants, tuning,
                tuning_seeds(suite.tune_seeds) if tuning else ())


def run(plan: Plan | Suite, registry: Registry | None = None, writer: ResultsWriter | None = None,
        executor: Any = None, on_result: Callable[[TrialRecord], None] | None = None,
        skip_keys: Container[str] = (), keep: bool = True, prior: Iterable[TrialRecord] = ()) -> list[TrialRecord]:
    """Run every trial of ``plan`` and return the records in the order they finished.

    With tuning (:attr:`Plan.tuning`), the tuning trials run first (with the variants'), then
    the configuration each tuned trainer picked on each problem (:meth:`Plan.pick_tuned`) on
    the evaluation seeds.

    :param plan: a :class:`Plan`, or a :class:`Suite` to plan first (:func:`make_plan`).
    :param registry: the :class:`nnbench.contract.plugins.Registry` (default: built-ins, entry
        points and the suite's plugins).
    :param writer: a :class:`nnbench.results.store.ResultsWriter`; each record is written and
        flushed as its trial ends.
    :param executor: an executor from :mod:`nnbench.running.executors` (default: serial).
    :param on_result: called with each record as it arrives (progress bars).
    :param skip_keys: :attr:`TrialSpec.key` of trials already done (``--resume``).
    :param keep: return the records; ``False`` returns ``[]`` and holds no record longer
        than it takes to write it (large suites: read the results file afterwards).
    :param prior: the records of the file being resumed (their tuning trials count in the pick).
    :raises ConfigError, DatasetError: before any trial runs, for a bad suite.
    :raises KeyboardInterrupt: after the trials finished so far were written.
    """
    if isinstance(plan, Suite):
        registry = registry if registry is not None else registry_for(tuple(plan.plugins))
        plan = make_plan(plan, registry)
    registry = registry if registry is not None else registry_for(tuple(plan.suite.plugins))
    executor = executor or SerialExecutor()
    workers = max(1, min(int(getattr(executor, "jobs", 1)), len(plan)))
    records: list[TrialRecord] = []
    tuned: list[TrialRecord] = [r for r in prior if r.phase == "tuning"] if plan.tuning else []

    def consume(specs: Iterable[TrialSpec]) -> None:
        for rec in executor.map(specs, registry, plan.max_params):
            if keep:
                records.append(rec)
            if rec.phase == "tuning":
                tuned.append(rec)
            data = rec.to_json()  # once: the line written, then what the observers are given
            if writer is not None:
                writer.write(rec, data)
            registry.call_trial_finished(data)
            if on_result is not None:
                on_result(rec)

    consume(plan.trials(skip_keys, workers))
    if plan.tuning:
        consume(plan.tuned_trials(plan.pick_tuned(tuned), skip_keys, workers))
    return records
