"""Benchmarking measures computed after a run from the recorded best-so-far histories.

Vocabulary (after COCO, Hansen et al. 2021, and Moré & Wild 2009):

* a *problem* is a dataset (its identity, ``data_id``) with a network, ``(data_key,
  network_label)`` (:attr:`~nnbench.results.record.TrialRecord.problem`), named for display by
  :func:`~nnbench.results.record.problem_labels`;
* an *instance* is a problem with a seed, ``(data_key, network_label, seed)``: every
  trainer starts from the same ``x0`` on it, so ``f(x0)`` (the record's ``initial_cost``) is
  shared, and ``f_best``, the lowest cost any trainer reached on it, is well defined;
* a *run* is one trial that ran (status ``ok``, ``failed`` or ``time limit``; ``skipped``
  trials spent nothing and are left out of every measure);
* a *target* is a cost to reach: absolute (one value for every instance) or relative,
  ``f_target = f_best + tau (f(x0) - f_best)`` (Moré & Wild 2009, eq. 2.2, their
  "convergence test" with ``f_L = f_best``);
* a run *reaches* a target at the first entry of its history ``[evaluations, seconds,
  best cost]`` whose best cost is ``<= f_target``. Success is never the optimizer's own
  flag (``record["success"]``), which tables show beside it.

Runtimes are in *evaluations* (calls that compute the cost, counted by the harness) or in
*seconds* (wall-clock, from the trial's start). A run that never reaches the target has
runtime ``inf`` in profiles and ECDFs and contributes its whole cost (its ``evaluations``
or ``wall_time_s``) to the ERT.

Everything here is plain NumPy/SciPy and needs no plotting library.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from nnbench.reporting.ranking import rank, row_label, solved_level
from nnbench.results.record import TrialRecord, problem_labels
from nnbench.running.tuning import tuning_median
from nnbench.validation import Interval, check

__all__ = [
    "TAUS", "TAU_CONSTRAINTS", "MEASURES", "MEASURE_COLUMN", "MEASURE_LABEL", "check_measure", "spent", "Run", "Instance", "Target", "NA", "runs_of", "failures_unsolved", "instances_of", "relative_target",
    "hit", "runtime", "ERT", "ert", "ert_table", "runtime_ecdf", "runtime_matrix", "performance_ratios",
    "performance_profile", "SCORE_MAX_RATIO", "profile_score", "data_profile",
    "budgets_125", "best_at", "fixed_budget", "median_iqr", "bootstrap_ci", "holm", "paired_worse", "PairedTest", "sign_test_p",
    "seeds_needed", "SIGNIFICANCE", "PAIRED_TESTS", "MATRIX_ROWS",
    "compare_to_best", "win_rate", "final_quality", "trainer_order", "expected_best", "Tuning", "tuning_summary",
]

#: The relative-target precisions of Moré & Wild (2009), 1e-1 ... 1e-7.
TAUS: tuple[float, ...] = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7)

#: What a relative target precision tau takes (:class:`Target`, ``nnbench report --tau``).
TAU_CONSTRAINTS = (Interval(Real, 0, 1, closed="right"),)

#: Runtime measures: ``"evaluations"`` (count) or ``"seconds"`` (wall-clock).
MEASURES: tuple[str, ...] = ("evaluations", "seconds", "work")

#: The column of each measure in a run's history ``[evaluations, seconds, cost, work]``.
MEASURE_COLUMN: Mapping[str, int] = {"evaluations": 0, "seconds": 1, "work": 3}

#: Each measure's axis label.
MEASURE_LABEL: Mapping[str, str] = {
    "evaluations": "evaluations (calls computing the cost)",
    "seconds": "wall-clock time since the trial started (seconds)",
    "work": "work (forward-pass equivalents of every call, the same on any machine; the optimizer's own linear "
            "algebra is not counted)",
}

Problem = tuple[str, str]
InstanceKey = tuple[str, str, int]


@dataclass(frozen=True)
class NA:
    """A statistic that could not be computed, with the reason (shown as ``n/a (reason)``)."""

    reason: str

    def __str__(self) -> str:
        return f"n/a ({self.reason})"


@dataclass(frozen=True)
class Run:
    """One trial that ran, in the form the measures use.

    :param trainer: the row it belongs to (:func:`nnbench.reporting.ranking.row_label`: the
        trainer's name, or its variant's label); :param family: the trainer's family.
    :param problem: the problem's identity, ``(data_key, network_label)``; :param seed: the seed.
    :param n_params: number of weights (the dimension n of Moré & Wild).
    :param f0: ``f(x0)``, the cost at the shared start, or ``None`` if not finite.
    :param best_cost: lowest cost evaluated, or ``None`` (no finite cost).
    :param evaluations: evaluations spent (int); :param seconds: wall seconds spent.
    :param work: forward-pass equivalents spent (NaN when unknown).
    :param history: float64 array ``(k, 4)``: evaluations, seconds, best cost, work at each
        improvement (``k`` may be 0; work NaN where unknown).
    :param record: the :class:`~nnbench.results.record.TrialRecord` it came from.
    :param label: the problem's display name, ``(dataset_label, network_label)``
        (:func:`~nnbench.results.record.problem_labels` over the records the runs came from).
    """

    trainer: str
    family: str
    problem: Problem
    seed: int
    n_params: int
    f0: float | None
    best_cost: float | None
    evaluations: int
    seconds: float
    work: float
    history: np.ndarray = field(repr=False)
    record: TrialRecord = field(repr=False, compare=False)
    label: Problem = field(default=("", ""), compare=False)

    @property
    def instance(self) -> InstanceKey:
        """``(data_key, network_label, seed)``."""
        return (*self.problem, self.seed)


@dataclass(frozen=True)
class Instance:
    """What the runs on one instance share.

    :param f0: ``f(x0)`` (float or ``None``); :param f_best: the lowest cost any trainer
        reached (float or ``None`` if no run evaluated a finite cost); :param n_params: weights.
    """

    f0: float | None
    f_best: float | None
    n_params: int


@dataclass(frozen=True)
class Target:
    """A target cost: relative (``tau``) or absolute (``value``); exactly one is given.

    :raises ValueError: neither or both are given.
    :raises ConfigError: ``tau`` is not in (0, 1] (:data:`TAU_CONSTRAINTS`).
    """

    tau: float | None = None
    value: float | None = None

    def __post_init__(self) -> None:
        if (self.tau is None) == (self.value is None):
            raise ValueError("a Target has either a relative tau or an absolute value")
        if self.tau is not None:
            check(self.tau, TAU_CONSTRAINTS, "tau")

    @property
    def label(self) -> str:
        """``"tau=1e-03"`` or ``"cost<=0.01"``."""
        return f"tau={self.tau:.0e}" if self.tau is not None else f"cost<={self.value:g}"

    def cost(self, inst: Instance) -> float | None:
        """The target cost on ``inst`` (``None`` if relative and ``f0`` or ``f_best`` is unknown)."""
        if self.value is not None:
            return float(self.value)
        if self.tau is None or inst.f0 is None or inst.f_best is None:  # tau is set: __post_init__
            return None
        return relative_target(inst.f0, inst.f_best, self.tau)


def relative_target(f0: float, f_best: float, tau: float) -> float:
    """Moré & Wild (2009), eq. 2.2: ``f_best + tau * (f0 - f_best)``.

    :param f0: cost at the starting point; :param f_best: the lowest cost any solver
        reached on the problem; :param tau: the precision in (0, 1].
    :returns: the target cost (float).
    """
    return f_best + tau * (f0 - f_best)


def _finite(v: float | None) -> float | None:
    if v is None:
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def runs_of(records: Iterable[TrialRecord]) -> list[Run]:
    """The :class:`Run` of every record that ran (skipped trials are left out), in order,
    each with its problem's label among ``records``."""
    records = list(records)
    labels = problem_labels(records)
    out = []
    for r in records:
        if not r.ran:
            continue
        h = np.asarray(r.history, dtype=np.float64).reshape(-1, 4)
        out.append(Run(row_label(r), r.family, r.problem, r.seed, r.n_params, _finite(r.initial_cost),
                       _finite(r.best_cost), r.evaluations, r.wall_time_s,
                       math.nan if r.work is None else float(r.work), h, r, labels[r.problem]))
    return out


def failures_unsolved(runs: Iterable[Run]) -> list[Run]:
    """``runs`` with every failed one (status ``failed``: the trainer raised, or its process
    died) made a run that reached nothing: no history and no best cost, its spend kept. The
    headline and ``nnbench compare`` count a failure as not solved, whatever it evaluated
    before it failed; its costs then set no ``f_best`` either."""
    empty = np.zeros((0, 4))
    return [dataclasses.replace(r, history=empty, best_cost=None) if r.record.status == "failed" else r
            for r in runs]


def instances_of(runs: Iterable[Run]) -> dict[InstanceKey, Instance]:
    """Per instance, ``f(x0)`` and ``f_best`` = min over every run's best cost."""
    acc: dict[InstanceKey, list] = {}
    for run in runs:
        a = acc.setdefault(run.instance, [run.f0, None, run.n_params])
        if a[0] is None:
            a[0] = run.f0
        if run.best_cost is not None and (a[1] is None or run.best_cost < a[1]):
            a[1] = run.best_cost
    return {k: Instance(*v) for k, v in acc.items()}


def hit(run: Run, target_cost: float | None) -> tuple[int, float] | None:
    """``(evaluations, seconds)`` at which ``run`` first reached ``target_cost``, or ``None``.

    The history holds every improvement of the best-so-far cost, so its first entry at or
    below the target is the exact first hit (COCO's "runtime to reach the target").
    """
    row = _hit_row(run, target_cost)
    return None if row is None else (int(row[0]), float(row[1]))


def _hit_row(run: Run, target_cost: float | None) -> np.ndarray | None:
    if target_cost is None or run.history.shape[0] == 0:
        return None
    idx = np.flatnonzero(run.history[:, 2] <= target_cost)
    return run.history[idx[0]] if idx.size else None


def spent(run: Run, measure: str) -> float:
    """What ``run`` spent in all, in ``measure`` units (:data:`MEASURES`)."""
    return {"evaluations": float(run.evaluations), "seconds": run.seconds, "work": run.work}[measure]


def check_measure(measure: str) -> None:
    """:raises ValueError: ``measure`` is not one of :data:`MEASURES`."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")


def runtime(run: Run, target_cost: float | None, measure: str = "evaluations") -> float:
    """Runtime of ``run`` to ``target_cost`` in ``measure`` units, ``inf`` if not reached."""
    row = _hit_row(run, target_cost)
    return math.inf if row is None else float(row[MEASURE_COLUMN[measure]])


@dataclass(frozen=True)
class ERT:
    """An expected running time: ``value`` (float, ``inf`` if no run reached the target),
    ``reached`` and ``runs`` (ints), in ``measure`` units."""

    value: float
    reached: int
    runs: int
    measure: str


def ert(runs: Sequence[Run], instances: Mapping[InstanceKey, Instance], target: Target,
        measure: str = "evaluations") -> ERT:
    """Expected running time (COCO's aRT, Hansen et al. 2021, "Anytime performance
    assessment", Sec. 4; Auger & Hansen 2005):

        ERT = (sum over runs of runtime_i) / (number of runs that reached the target),

    where ``runtime_i`` is the evaluations (or seconds) run i spent until it first reached
    the target, or its whole spend if it never did. ``inf`` if no run reached it.

    :param runs: the runs of one trainer (usually on one problem, over its seeds).
    :param instances: from :func:`instances_of` over *all* trainers' runs.
    :param measure: ``"evaluations"`` or ``"seconds"``.
    :raises ValueError: an unknown measure.
    """
    check_measure(measure)
    total, reached = 0.0, 0
    for run in runs:
        row = _hit_row(run, target.cost(instances[run.instance]))
        if row is None:
            total += spent(run, measure)
        else:
            reached += 1
            total += float(row[MEASURE_COLUMN[measure]])
    return ERT(total / reached if reached else math.inf, reached, len(runs), measure)


def trainer_order(runs: Sequence[Run]) -> list[str]:
    """The trainers of ``runs`` best first, by the one ranking rule (:func:`nnbench.reporting.ranking.rank`)."""
    return rank([r.record for r in runs])


def ert_table(runs: Sequence[Run], instances: Mapping[InstanceKey, Instance],
              targets: Sequence[Target], measure: str = "evaluations") -> list[dict]:
    """One row per trainer (best first): ``trainer`` and, per target label, its :class:`ERT`."""
    rows = []
    for t in trainer_order(runs):
        mine = [r for r in runs if r.trainer == t]
        rows.append({"trainer": t, **{g.label: ert(mine, instances, g, measure) for g in targets}})
    return rows


def runtime_ecdf(runs: Sequence[Run], instances: Mapping[InstanceKey, Instance], targets: Sequence[Target],
                 budgets: Sequence[float] | np.ndarray, measure: str = "evaluations",
                 per_param: bool = False) -> np.ndarray:
    """Runtime ECDF over (run, target) pairs (COCO; Hansen et al. 2021, Sec. 5): for each
    budget b, the share of pairs whose run reached the target within b.

        F(b) = |{(i, t) : runtime_i(t) <= b}| / (n_runs * n_targets)

    :param per_param: divide evaluation runtimes by the run's ``n_params`` (COCO plots
        evaluations / dimension when problems differ in size).
    :returns: float64 array of shape ``(len(budgets),)`` in [0, 1]; zeros without runs.
    """
    check_measure(measure)
    b = np.asarray(budgets, dtype=np.float64)
    rts = []
    for run in runs:
        scale = max(run.n_params, 1) if per_param and measure == "evaluations" else 1
        for g in targets:
            rts.append(runtime(run, g.cost(instances[run.instance]), measure) / scale)
    if not rts:
        return np.zeros(b.shape)
    rt = np.sort(np.asarray(rts))
    return np.searchsorted(rt, b, side="right") / rt.size


#: What a row of :func:`runtime_matrix` is: an instance (problem x seed) or a problem.
MATRIX_ROWS: tuple[str, ...] = ("instance", "problem")


def runtime_matrix(runs: Sequence[Run], instances: Mapping[InstanceKey, Instance], target: Target,
                   measure: str = "evaluations", trainers: Sequence[str] | None = None,
                   by: str = "instance") -> tuple[list[Any], list[str], np.ndarray]:
    """The performance measure ``t[p, s]`` of Dolan & Moré (2002): for each instance p and
    trainer s, the runtime to ``target`` (its ERT over s's runs on p, which is simply the
    runtime when there is one run), ``inf`` when s never reached it or did not run on p.

    :param by: ``"instance"`` (a row per problem x seed) or ``"problem"`` (a row per problem:
        the ERT over all of s's runs on the problem's seeds, each run judged against its own
        instance's target; COCO aggregates restarts on one function this way).
    :returns: ``(row keys, trainers, t)`` with ``t`` float64 of shape ``(n_rows, n_trainers)``;
        the keys are instance keys ``(data_key, network_label, seed)`` or problems
        ``(data_key, network_label)``, sorted.
    :raises ValueError: ``by`` is not one of :data:`MATRIX_ROWS`.
    """
    if by not in MATRIX_ROWS:
        raise ValueError(f"by must be one of {MATRIX_ROWS}, got {by!r}")
    trainers = list(trainers) if trainers is not None else trainer_order(runs)

    def key(r: Run) -> tuple:
        return r.instance if by == "instance" else r.problem

    keys = sorted({key(r) for r in runs})
    col = {t: j for j, t in enumerate(trainers)}
    row = {k: i for i, k in enumerate(keys)}
    groups: dict[tuple[tuple, str], list[Run]] = {}
    for r in runs:
        if r.trainer in col:
            groups.setdefault((key(r), r.trainer), []).append(r)
    t = np.full((len(keys), len(trainers)), math.inf)
    for (k, tr), rs in groups.items():
        t[row[k], col[tr]] = ert(rs, instances, target, measure).value
    return keys, trainers, t


def performance_ratios(t: np.ndarray) -> np.ndarray:
    """The performance ratios of Dolan & Moré (2002), eq. 1: ``r[p, s] = t[p, s] / min_s t[p, s]``,
    ``inf`` where s failed (``t`` infinite) and for every s on a problem no solver solved.
    A zero runtime (solved at the start) over a zero minimum counts as ratio 1.

    :param t: float64 ``(n_problems, n_solvers)`` runtimes, ``inf`` for a failure.
    :returns: float64 of the same shape, each entry ``>= 1`` or ``inf``.
    """
    t = np.asarray(t, dtype=np.float64)
    if t.size == 0:
        return t.copy()
    best = t.min(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(np.isfinite(t), t / best, math.inf)
    return np.where(np.isfinite(t) & (t == best), 1.0, r)  # 0/0 and the best itself


def performance_profile(t: np.ndarray, alphas: Sequence[float] | np.ndarray) -> np.ndarray:
    """Dolan & Moré (2002) performance profiles.

    With ``t[p, s]`` the runtime of solver s on problem p (``inf`` for a failure) and the
    performance ratios ``r[p, s]`` (:func:`performance_ratios`), the profile is

        rho_s(alpha) = |{p : r[p, s] <= alpha}| / n_p.

    :param t: float64 ``(n_problems, n_solvers)``; :param alphas: ratios >= 1.
    :returns: float64 ``(len(alphas), n_solvers)``; zeros if there is no problem.
    """
    t = np.asarray(t, dtype=np.float64)
    a = np.asarray(alphas, dtype=np.float64)
    if t.size == 0:
        return np.zeros((a.size, t.shape[1] if t.ndim == 2 else 0))
    r = performance_ratios(t)
    return (r[None, :, :] <= a[:, None, None]).mean(axis=1)


#: The upper limit ``r_max`` of the ratios the AlgoPerf score integrates the profile over.
SCORE_MAX_RATIO = 4.0


def profile_score(t: np.ndarray, max_ratio: float = SCORE_MAX_RATIO) -> np.ndarray:
    """AlgoPerf's benchmark score of each solver: the area under its performance profile
    (:func:`performance_profile`) for ratios 1 to ``r_max``, divided by ``r_max - 1``,

        B_s = 1 / (r_max - 1) * integral from 1 to r_max of rho_s(alpha) d alpha,

    with ``r_max = 4`` (Dahl et al. 2023, "Benchmarking Neural Network Training Algorithms",
    arXiv:2306.07179, and the AlgoPerf rules, section "Integrating performance profiles for
    the benchmark score"; used to score the AlgoPerf competition by Kasimbeg et al. 2024,
    "Accelerating neural network training: an analysis of the AlgoPerf competition",
    arXiv:2502.15015). ``rho_s`` is a step function, so the integral is computed exactly, not
    on a grid: a problem solved at ratio ``r <= r_max`` adds ``r_max - r``, so

        B_s = sum over p of max(0, r_max - r[p, s]) / (n_p (r_max - 1)).

    1 is the fastest solver on every problem; 0 never within ``r_max`` of the fastest (or
    never solving). A failure (``inf``) counts as not solved.

    :param t: float64 ``(n_problems, n_solvers)`` runtimes, ``inf`` for a failure.
    :param max_ratio: ``r_max`` (> 1).
    :returns: float64 ``(n_solvers,)`` in [0, 1]; zeros if there is no problem.
    :raises ValueError: ``max_ratio <= 1``.
    """
    if not max_ratio > 1:
        raise ValueError(f"max_ratio must be > 1, got {max_ratio!r}")
    t = np.asarray(t, dtype=np.float64)
    if t.size == 0:
        return np.zeros(t.shape[1] if t.ndim == 2 else 0)
    r = performance_ratios(t)
    with np.errstate(invalid="ignore"):
        gain = np.where(r <= max_ratio, max_ratio - r, 0.0)
    return gain.sum(axis=0) / (t.shape[0] * (max_ratio - 1))


def data_profile(t_evals: np.ndarray, n_params: Sequence[int], kappas: Sequence[float] | np.ndarray) -> np.ndarray:
    """Moré & Wild (2009) data profiles, eq. 2.6:

        d_s(kappa) = |{p : t[p, s] / (n_p + 1) <= kappa}| / n_p_total,

    the share of problems solver s solves within ``kappa`` budgets of ``n_p + 1``
    evaluations ("simplex gradients", the cost of one forward-difference gradient).

    :param t_evals: evaluations to the target, float64 ``(n_problems, n_solvers)``, ``inf``
        for a failure; :param n_params: ``n_p`` per problem; :param kappas: budgets.
    :returns: float64 ``(len(kappas), n_solvers)``.
    """
    t = np.asarray(t_evals, dtype=np.float64)
    k = np.asarray(kappas, dtype=np.float64)
    if t.size == 0:
        return np.zeros((k.size, t.shape[1] if t.ndim == 2 else 0))
    units = t / (np.asarray(n_params, dtype=np.float64)[:, None] + 1.0)
    return (units[None, :, :] <= k[:, None, None]).mean(axis=1)


def budgets_125(max_budget: float) -> list[int]:
    """The budgets 1, 2, 5, 10, 20, 50, ... (1, 2, 5 x 10^k) up to ``max_budget`` (int list)."""
    out: list[int] = []
    k = 0
    while True:
        for m in (1, 2, 5):
            b = m * 10 ** k
            if b > max_budget:
                return out
            out.append(b)
        k += 1


def best_at(run: Run, budget: float, measure: str = "evaluations") -> float | None:
    """Best-so-far cost of ``run`` after ``budget`` evaluations (or seconds): the last
    history entry within the budget; ``None`` before the first evaluation. A run that
    stopped before the budget keeps its final best (it spends no more)."""
    col = MEASURE_COLUMN[measure]
    idx = np.flatnonzero(run.history[:, col] <= budget)
    return float(run.history[idx[-1], 2]) if idx.size else None


def fixed_budget(runs: Sequence[Run], budgets: Sequence[float]) -> list[dict]:
    """The fixed-budget view (COCO, Hansen et al. 2021, Sec. 3): per trainer (best first)
    the median over its runs of the best-so-far cost at each budget (evaluations).

    :returns: rows ``{"trainer": name, b: median cost or None, ...}`` with one key per
        budget (int). A run with no evaluation yet at b is left out of that median.
    """
    rows = []
    for t in trainer_order(runs):
        mine = [r for r in runs if r.trainer == t]
        row: dict = {"trainer": t}
        for b in budgets:
            vals = [v for v in (best_at(r, b) for r in mine) if v is not None]
            row[b] = float(np.median(vals)) if vals else None
        rows.append(row)
    return rows


def median_iqr(values: Iterable[float | None]) -> tuple[float, float, float] | NA:
    """``(median, first quartile, third quartile)`` of the finite values (NumPy's linear
    quantiles), or :class:`NA` if there is none."""
    v = np.array([x for x in values if x is not None and math.isfinite(x)], dtype=np.float64)
    if v.size == 0:
        return NA("no finite value")
    q1, med, q3 = np.quantile(v, [0.25, 0.5, 0.75])
    return float(med), float(q1), float(q3)


def bootstrap_ci(values: Iterable[float | None], confidence: float = 0.95, seed: int = 0,
                 n_resamples: int = 2000) -> tuple[float, float] | NA:
    """Bootstrap confidence interval of the median (``scipy.stats.bootstrap``, percentile
    method, ``rng=numpy.random.default_rng(seed)`` so reports are reproducible).

    The percentile method is used because BCa is undefined (and warns) when resamples
    are degenerate, as they are for a handful of seeds with equal costs.

    :returns: ``(low, high)``, or :class:`NA` with fewer than 2 finite values.
    """
    v = np.array([x for x in values if x is not None and math.isfinite(x)], dtype=np.float64)
    if v.size < 2:
        return NA(f"{v.size} finite value{'s' if v.size != 1 else ''}, a bootstrap needs 2")
    if np.ptp(v) == 0:
        return float(v[0]), float(v[0])
    from scipy import stats  # on first use: importing scipy.stats costs 0.3-0.8 s of start-up

    res = stats.bootstrap((v,), np.median, confidence_level=confidence, n_resamples=n_resamples,
                          method="percentile", rng=np.random.default_rng(seed))
    ci = res.confidence_interval
    return float(ci.low), float(ci.high)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm (1979) step-down adjusted p-values, in the input order.

    Sort the m p-values ascending, p_(1) <= ... <= p_(m); the adjusted value of p_(i) is
    ``max_{j <= i} min(1, (m - j + 1) p_(j))``. Rejecting where adjusted <= alpha controls
    the family-wise error rate at alpha (the procedure of ``statsmodels``'
    ``multipletests(method="holm")``).
    """
    p = np.asarray(pvalues, dtype=np.float64)
    m = p.size
    order = np.argsort(p, kind="stable")
    adj = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adj = np.maximum.accumulate(adj)
    out = np.empty(m)
    out[order] = adj
    return out.tolist()


#: The significance level of every paired test (after Holm's correction).
SIGNIFICANCE = 0.05


def seeds_needed(comparisons: int, alpha: float = SIGNIFICANCE) -> int:
    """The fewest paired seeds with which a trainer worse than the best on every seed can be
    reported worse after Holm's correction over ``comparisons`` tests: the smallest ``n``
    with ``2^-n * comparisons < alpha`` (the one-sided exact tests' smallest p-value is
    ``2^-n``; Holm multiplies the smallest by ``comparisons``), i.e. about
    ``ceil(log2(comparisons / alpha))``: 10 seeds for up to 51 comparisons at 5 %.

    :param comparisons: trainers compared with the best (at least 1).
    :returns: seeds (int).
    """
    return int(math.floor(math.log2(max(comparisons, 1) / alpha))) + 1


@dataclass(frozen=True)
class PairedTest:
    """A one-sided paired comparison of a trainer with the reference on the same seeds.

    :param p: the exact p-value that the trainer's costs are higher (it is worse).
    :param test: ``"wilcoxon"`` (signed-rank, exact) or ``"sign"``.
    :param pairs: paired seeds; :param ties: those with equal (floored) costs.
    :param ratio: the effect size: the median over paired seeds of the trainer's cost over
        the reference's, both floored at the solved level.
    """

    p: float
    test: str
    pairs: int
    ties: int
    ratio: float


#: The tests :func:`paired_worse` takes: Wilcoxon unless costs tie (``"auto"``), or always the sign test.
PAIRED_TESTS: tuple[str, ...] = ("auto", "sign")


def paired_worse(a: Mapping, b: Mapping, floor: float = 0.0, test: str = "auto") -> PairedTest | NA:
    """Whether ``a`` (a trainer's cost by seed) is worse than ``b`` (the reference's): a
    one-sided exact test over the seeds both have, costs floored at ``floor`` (the solved
    level, :func:`nnbench.reporting.ranking.solved_level`: below it costs are equal).

    ``test="auto"``: with no tie, the exact Wilcoxon signed-rank test (``scipy.stats.wilcoxon``,
    ``alternative="greater"``, ``method="exact"``; Wilcoxon 1945); with ties (two trainers
    that both solved a seed), the exact sign test on the untied seeds (:func:`sign_test_p`, which is
    ``scipy.stats.binomtest`` of the seeds where ``a`` is higher, ``p = 1/2``, ``alternative="greater"``; Conover 1999,
    sec. 3.4). A trainer worse on every one of ``n`` seeds gets ``p = 2^-n`` from either.
    Seeds where either cost is ``None`` or not finite are left out.

    ``test="sign"``: always the exact sign test, which reads only which cost is higher, so
    an infinite cost (``math.inf``: a run that evaluated no finite cost) is higher than every
    finite one and ties another infinite one; ``None`` and NaN are still left out. The
    effect size's ratio is ``inf`` where only ``a`` is infinite, 0 where only ``b`` is, 1
    where both are.

    :raises ValueError: ``test`` is not one of :data:`PAIRED_TESTS`.
    :returns: a :class:`PairedTest`, or :class:`NA` without a paired seed.
    """
    if test not in PAIRED_TESTS:
        raise ValueError(f"test must be one of {PAIRED_TESTS}, got {test!r}")

    def usable(v: float | None) -> bool:
        return v is not None and (math.isfinite(v) or (test == "sign" and not math.isnan(v)))

    keys = [k for k in a if k in b and usable(a[k]) and usable(b[k])]
    if not keys:
        return NA("no paired seed")
    fa = np.maximum(np.array([a[k] for k in keys], dtype=np.float64), floor)
    fb = np.maximum(np.array([b[k] for k in keys], dtype=np.float64), floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(fb > 0, fa / np.where(fb > 0, fb, 1.0), np.where(fa > 0, math.inf, 1.0))
    ratios = np.where(np.isinf(fa) & np.isinf(fb), 1.0, ratios)  # inf / inf: a tie
    # the sign test reads only which is higher (so inf - inf is never a NaN)
    d = (fa > fb).astype(np.float64) - (fa < fb) if test == "sign" else fa - fb
    nz = d[d != 0]
    ratio = float(np.median(ratios))
    if nz.size == 0:
        return PairedTest(1.0, "sign", d.size, d.size, ratio)
    if test == "auto" and nz.size == d.size and np.unique(np.abs(nz)).size == nz.size:
        from scipy import stats  # on first use (see bootstrap_ci)

        p = float(stats.wilcoxon(nz, alternative="greater", method="exact").pvalue)
        return PairedTest(p, "wilcoxon", d.size, 0, ratio)
    k = int((nz > 0).sum())
    p = sign_test_p(k, int(nz.size))
    return PairedTest(p, "sign", d.size, d.size - nz.size, ratio)


def sign_test_p(k: int, n: int) -> float:
    """The one-sided exact sign test's p-value: ``P(K >= k)`` for ``K ~ Binomial(n, 1/2)``,
    ``sum_{i >= k} C(n, i) / 2^n`` in exact integers (what ``scipy.stats.binomtest(k, n, 0.5,
    alternative="greater").pvalue`` gives, without importing scipy.stats).

    :raises ValueError: ``n < 1`` or ``k`` outside ``[0, n]``.
    """
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"the sign test needs 0 <= k <= n and n >= 1, got k={k}, n={n}")
    return min(1.0, sum(math.comb(n, i) for i in range(k, n + 1)) / 2 ** n)


def _cost_by_seed(runs: Sequence[Run], trainer: str) -> dict:
    out: dict = {}
    for r in runs:
        if r.trainer == trainer and r.best_cost is not None:
            n = sum(1 for k in out if k[0] == r.seed)
            out[(r.seed, n)] = r.best_cost
    return out


def compare_to_best(runs: Sequence[Run], confidence: float = 0.95, seed: int = 0) -> list[dict]:
    """Statistics of the best cost per trainer on one problem, best first (the ranking rule).

    Rows: ``trainer``, ``n`` (runs with a finite cost), ``median``, ``q1``, ``q3``,
    ``ci`` (bootstrap CI of the median, :func:`bootstrap_ci`, or :class:`NA`), ``p`` (the
    one-sided exact paired test that the trainer is worse than the best on the same seeds,
    :func:`paired_worse`, or :class:`NA`), ``ratio`` (its effect size: median paired cost
    ratio, trainer over best, floored at the solved level), ``test``, ``p_holm``
    (Holm-adjusted over the trainers compared), ``verdict`` (``"best"``; ``"worse"`` when
    ``p_holm < SIGNIFICANCE``; ``"not shown worse"`` (the test cannot tell the two apart: not a claim that they are equal); ``""`` without a test).
    """
    order = trainer_order(runs)
    if not order:
        return []
    best = order[0]
    floor = solved_level([r.record for r in runs])
    ref = _cost_by_seed(runs, best)
    rows: list[dict] = []
    ps: list[int] = []  # the rows with a p-value
    for t in order:
        costs = _cost_by_seed(runs, t)
        mi = median_iqr(costs.values())
        row: dict = {"trainer": t, "n": len(costs),
                     "median": None if isinstance(mi, NA) else mi[0],
                     "q1": None if isinstance(mi, NA) else mi[1], "q3": None if isinstance(mi, NA) else mi[2],
                     "ci": bootstrap_ci(costs.values(), confidence, seed)}
        if t == best:
            row.update(p=NA("the reference"), p_holm=NA("the reference"), ratio=1.0, test="", verdict="best")
        else:
            test = paired_worse(costs, ref, floor)
            if isinstance(test, NA):
                row.update(p=test, ratio=None, test="")
            else:
                row.update(p=test.p, ratio=test.ratio, test=test.test)
                ps.append(len(rows))
        rows.append(row)
    adj = holm([rows[i]["p"] for i in ps])
    for i, p in zip(ps, adj):
        rows[i]["p_holm"] = p
        rows[i]["verdict"] = "worse" if p < SIGNIFICANCE else "not shown worse"
    for row in rows:
        row.setdefault("p_holm", row["p"])
        row.setdefault("verdict", "")
    return rows


def win_rate(runs: Sequence[Run], trainers: Sequence[str] | None = None,
             rel_tol: float = 1e-9) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The win-rate matrix: ``W[i, j]`` = share of instances run by both trainers i and j
    on which i's best cost is lower than j's; a tie (``math.isclose`` with ``rel_tol``)
    counts one half. ``W[i, j] + W[j, i] = 1`` where both ran.

    :returns: ``(trainers, W, n)``: ``W`` float64 ``(m, m)`` (NaN where no instance is
        shared, and on the diagonal), ``n`` int ``(m, m)`` the number of shared instances.
    """
    trainers = list(trainers) if trainers is not None else trainer_order(runs)
    cost: dict[str, dict] = {}
    for t in trainers:
        cost[t] = {}
        for r in runs:
            if r.trainer == t and r.best_cost is not None:
                rep = sum(1 for k in cost[t] if k[:3] == r.instance)
                cost[t][(*r.instance, rep)] = r.best_cost
    m = len(trainers)
    w = np.full((m, m), np.nan)
    n = np.zeros((m, m), dtype=int)
    for i, a in enumerate(trainers):
        for j, b in enumerate(trainers):
            if i == j:
                continue
            shared = [k for k in cost[a] if k in cost[b]]
            n[i, j] = len(shared)
            if shared:
                score = 0.0
                for k in shared:
                    x, y = cost[a][k], cost[b][k]
                    score += 0.5 if math.isclose(x, y, rel_tol=rel_tol) else float(x < y)
                w[i, j] = score / len(shared)
    return trainers, w, n


_QUALITY = (("best_cost", None), ("train", "pearson_r"), ("train", "r2"), ("train", "mse"), ("train", "accuracy"),
            ("test", "pearson_r"), ("test", "r2"), ("test", "mse"), ("test", "accuracy"))


def final_quality(runs: Sequence[Run]) -> list[dict]:
    """Final quality per trainer (best first): median and IQR over its runs of the best cost
    and, at the best weights, Pearson r, R^2, MSE and accuracy on the training and test data
    (:mod:`nnbench.core.fit`).

    :returns: rows ``{"trainer": ..., "best_cost": (median, q1, q3) | NA, "train_pearson_r":
        ..., "train_r2", "train_mse", "train_accuracy", "test_pearson_r", "test_r2", "test_mse",
        "test_accuracy"}``; test columns are :class:`NA` without a test split, accuracy
        :class:`NA` ("no finite value") where the fit has none (a regression problem).
    """
    rows = []
    for t in trainer_order(runs):
        mine = [r for r in runs if r.trainer == t]
        row: dict = {"trainer": t}
        for part, key in _QUALITY:
            if key is None:
                row[part] = median_iqr(r.best_cost for r in mine)
            else:
                fits = [getattr(r.record, part) for r in mine]
                vals = [f[key] if f is not None else None for f in fits]
                name = f"{part}_{key}"
                if all(f is None for f in fits):
                    row[name] = NA("no test split" if part == "test" else "no fit")
                else:
                    row[name] = median_iqr(vals)
        rows.append(row)
    return rows


def expected_best(costs: Sequence[float]) -> np.ndarray:
    """The expected best of ``k`` configurations drawn with replacement from ``costs``, for
    every ``k = 1 .. N`` (Dodge et al. 2019, "Show Your Work: Improved Reporting of
    Experimental Results", EMNLP, Section 3, for the minimum instead of the maximum):
    with the costs sorted, ``v_(1) <= ... <= v_(N)``,

        E_k = sum_i v_(i) [((N - i + 1) / N)^k - ((N - i) / N)^k],

    the bracket being the probability that the lowest of ``k`` draws is ``v_(i)``. ``E_1`` is
    the mean of the costs, ``E_k`` falls with ``k`` towards ``v_(1)``. An ``inf`` cost (a
    configuration that never evaluated a finite cost) keeps ``E_k`` infinite only while it has
    a positive probability of being the best.

    :param costs: the N configurations' costs (each the median best cost over its tuning
        seeds), any order; ``inf`` allowed.
    :returns: float64 ``(N,)``: ``E_1 .. E_N`` (empty for no costs).
    """
    v = np.sort(np.asarray(list(costs), dtype=np.float64))
    n = v.size
    if n == 0:
        return np.zeros(0)
    i = np.arange(1, n + 1, dtype=np.float64)
    k = np.arange(1, n + 1, dtype=np.float64)[:, None]
    w = ((n - i + 1) / n) ** k - ((n - i) / n) ** k
    with np.errstate(invalid="ignore"):
        return np.where(w > 0, w * v, 0.0).sum(axis=1)


@dataclass(frozen=True)
class Tuning:
    """What tuning one trainer on one problem did and cost (``nnbench run --tune``).

    :param problem: the problem's identity; :param label: its display name.
    :param trainer: the trainer's name.
    :param configurations: the configurations tried, each ``(variant label, median best cost
        over its tuning seeds, tuning seeds it ran)``, in the order first seen.
    :param trials: tuning trials; :param evaluations: their evaluations (the tuning cost);
        :param seconds: their wall-clock seconds.
    :param expected: :func:`expected_best` of the configurations' medians (``E_1 .. E_N``).
    """

    problem: Problem
    label: Problem
    trainer: str
    configurations: tuple[tuple[str, float, int], ...]
    trials: int
    evaluations: int
    seconds: float
    expected: np.ndarray = field(repr=False)


def tuning_summary(records: Iterable[TrialRecord]) -> list[Tuning]:
    """One :class:`Tuning` per problem and tuned trainer, from the tuning-phase records
    (phase ``"tuning"``; each configuration is a variant, its median best cost over its
    seeds by :func:`nnbench.running.tuning.tuning_median`, as the run's pick takes it).

    :returns: in problem order (first seen), trainers by name.
    """
    records = list(records)
    labels = problem_labels(records)
    groups: dict[tuple[Problem, str], dict[str, list[TrialRecord]]] = {}
    for r in records:
        if r.phase == "tuning":
            groups.setdefault((r.problem, r.trainer), {}).setdefault(row_label(r), []).append(r)
    out = []
    order = {p: i for i, p in enumerate(labels)}
    for (problem, trainer), configs in sorted(groups.items(), key=lambda g: (order[g[0][0]], g[0][1].lower())):
        rows = []
        for label, recs in configs.items():
            rows.append((label, tuning_median([r.best_cost for r in recs]), len(recs)))
        mine = [r for recs in configs.values() for r in recs]
        out.append(Tuning(problem, labels[problem], trainer, tuple(rows), len(mine),
                          sum(r.evaluations for r in mine), float(sum(r.wall_time_s for r in mine)),
                          expected_best([c for _, c, _ in rows])))
    return out
