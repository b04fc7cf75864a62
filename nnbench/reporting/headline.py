"""The headline of a report: which trainer to use across every problem, and how sure that is.

The one score that ranks trainers *across* problems (:func:`headline`): AlgoPerf's benchmark
score (:func:`nnbench.reporting.measures.profile_score`; Dahl et al. 2023, Kasimbeg et al.
2024), the area under each trainer's Dolan & Moré (2002) performance profile for performance
ratios 1 to 4, divided by 3, where a problem's runtime is the trainer's ERT in evaluations to
the relative target of precision ``tau`` (:data:`nnbench.defaults.PROFILE_TAU`) over its
seeds (:func:`nnbench.reporting.measures.runtime_matrix` with ``by="problem"``). Failed runs
(the trainer raised) count as not solved, whatever they evaluated before: ERT counts their whole
spend, they reach nothing and their costs set no ``f_best``; a skipped trial spends nothing and
reaches nothing, and a trainer that skipped a problem has no runtime on it.

Beside the score: the problems each trainer solves (at least one run reached the target: the
profile's limit ``rho(inf)``), the problems it was fastest on (``rho(1)``), its trials that
reached the target, and per problem one sentence naming the fastest trainer that reached the
target and how sure that is: a one-sided exact sign test over the paired seeds that the
runner-up's evaluations to the target are higher (:func:`nnbench.reporting.measures.paired_worse`
with ``test="sign"``; a run that never reached the target has runtime ``inf``, higher than any).

This ranks across problems; :mod:`nnbench.reporting.ranking` ranks within one (median best
cost), and the two can disagree: the headline rewards reaching the target fast, the ranking
rule reaching a low cost within the budget. Rows are :func:`nnbench.reporting.ranking.row_label`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nnbench import defaults
from nnbench.reporting import measures as M
from nnbench.reporting.ranking import evaluation, row_label
from nnbench.results.record import TrialRecord, by_problem, problem_labels

__all__ = ["MEASURE", "HeadlineRow", "Fastest", "Headline", "headline", "TERMINAL_TOP"]

#: What the headline's runtimes count (the same on any machine).
MEASURE = "evaluations"

#: Rows of the headline that ``nnbench report`` prints in the terminal.
TERMINAL_TOP = 5


@dataclass(frozen=True)
class HeadlineRow:
    """One trainer (row label) across every problem.

    :param label: the row (:func:`~nnbench.reporting.ranking.row_label`); :param family: its family.
    :param score: AlgoPerf's score in [0, 1] (:func:`~nnbench.reporting.measures.profile_score`).
    :param solved: problems on which at least one of its runs reached the target.
    :param fastest: problems on which its ERT was the lowest (ties count for each).
    :param problems: problems in all; :param reached: its trials that reached the target;
        :param trials: its trials in all (failed and skipped included).
    """

    label: str
    family: str
    score: float
    solved: int
    fastest: int
    problems: int
    reached: int
    trials: int


@dataclass(frozen=True)
class Fastest:
    """The fastest trainer on one problem and how sure that is.

    :param name: the problem's display name (``"dataset | network"``).
    :param winner: the trainer with the lowest ERT to the target, or ``None`` if none reached it.
    :param ert: its ERT (evaluations); :param reached, runs: its runs that reached the target, and all.
    :param runner_up: the trainer with the next-lowest finite ERT, or ``None``.
    :param runner_ert, runner_reached, runner_runs: the same of the runner-up.
    :param test: the one-sided exact sign test that the runner-up's evaluations to the target
        are higher than the winner's on the paired seeds, or :class:`~nnbench.reporting.measures.NA`;
        ``None`` without a runner-up.
    :param wins: paired seeds on which the winner reached the target in fewer evaluations.
    """

    name: str
    winner: str | None
    ert: float = math.inf
    reached: int = 0
    runs: int = 0
    runner_up: str | None = None
    runner_ert: float = math.inf
    runner_reached: int = 0
    runner_runs: int = 0
    test: M.PairedTest | M.NA | None = None
    wins: int = 0

    @property
    def sure(self) -> bool:
        """Whether the test says the winner is faster at :data:`~nnbench.reporting.measures.SIGNIFICANCE`."""
        return isinstance(self.test, M.PairedTest) and self.test.p < M.SIGNIFICANCE

    def sentence(self, target: M.Target) -> str:
        """One sentence: who reached ``target`` fastest on this problem, ahead of whom, how sure."""
        if self.winner is None:
            return f"{self.name}: no trainer reached the target ({target.label})."
        head = (f"{self.name}: {self.winner} reached the target ({target.label}) fastest, in {self.ert:.4g} "
                f"evaluations (ERT; {self.reached} of {self.runs} runs reached it)")
        if self.runner_up is None:
            return head + "; no other trainer reached it."
        head += (f", ahead of {self.runner_up} ({self.runner_ert:.4g}; {self.runner_reached} of "
                 f"{self.runner_runs})")
        if not isinstance(self.test, M.PairedTest):
            return head + f"; no paired test ({self.test})."
        t = self.test
        ties = f", {t.ties} tied" if t.ties else ""
        differ = t.pairs - t.ties
        few = (f" (with {differ} seed{'s that differ' if differ != 1 else ' that differs'} no test can be sure)"
               if 2.0 ** -differ >= M.SIGNIFICANCE else "")
        verdict = f"sure at the {M.SIGNIFICANCE:.0%} level" if self.sure else "not sure: the order could be chance" + few
        return head + (f"; faster on {self.wins} of {t.pairs} paired seeds{ties} (one-sided exact sign test, "
                       f"p = {t.p:.2g}): {verdict}.")


@dataclass(frozen=True)
class Headline:
    """The headline of a set of records (:func:`headline`).

    :param target: the target the runtimes are to.
    :param rows: every trainer (row label), best score first.
    :param problems: per problem (first-seen order), its :class:`Fastest`.
    :param names: the problems' display names, in the order of ``matrix``'s rows.
    :param matrix: float64 ``(n_problems, n_rows)``: the ERT in evaluations of each row
        (columns in ``rows`` order) on each problem, ``inf`` where it never reached the target.
    """

    target: M.Target
    rows: list[HeadlineRow]
    problems: list[Fastest]
    names: list[str] = field(default_factory=list)
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)

    @property
    def lead(self) -> str:
        """The answer in one sentence: the best trainer by the score, and what its score means."""
        n = len(self.names)
        across = f"across the {n} problems" if n != 1 else "on the one problem"
        if not self.rows or self.rows[0].score == 0:
            return (f"No trainer reached the {self.target.label} target within {M.SCORE_MAX_RATIO:g} times the "
                    f"fastest's evaluations {across}, so the score ranks none.")
        b = self.rows[0]
        ahead = ""
        if len(self.rows) > 1:
            u = self.rows[1]
            ahead = f", ahead of {u.label} ({u.score:.3f})"
        return (f"The fastest to the {self.target.label} target {across} is {b.label}, score {b.score:.3f}{ahead}; "
                f"it solves {b.solved} of {b.problems} and is the fastest on {b.fastest}. A score of 1 is the "
                f"fastest on every problem, 0 never within {M.SCORE_MAX_RATIO:g} times the fastest's evaluations.")

    @property
    def explanation(self) -> str:
        """What the score is, in a paragraph (the report's)."""
        n = len(self.names)
        return (f"Across {n} problem{'s' if n != 1 else ''}, each trainer's score is AlgoPerf's (Dahl et al. "
                "2023; Kasimbeg et al. 2024): the area under its performance profile (Dolan & Moré 2002) of "
                f"evaluations to the {self.target.label} target for performance ratios 1 to "
                f"{M.SCORE_MAX_RATIO:g}, divided by {M.SCORE_MAX_RATIO - 1:g}. On each problem a trainer's runtime "
                "is its ERT over its seeds (the evaluations all its runs spent, until the target or in full, over "
                "the runs that reached it), and its ratio is that over the fastest trainer's. A score of 1 is the "
                f"fastest on every problem; a problem solved in more than {M.SCORE_MAX_RATIO:g} times the fastest's "
                "evaluations, or never, adds 0. Failed and skipped runs count as not solved. 'solves' counts the "
                "problems on which at least one of its runs reached the target. This score ranks across problems; "
                "each problem's own tables below rank within it by the ranking rule (median best cost, then "
                "evaluations), which rewards a low cost within the budget rather than reaching the target fast.")

    def table(self) -> tuple[list[str], list[list[str]]]:
        """``(headers, rows)`` of the headline table, cells as text, best first."""
        headers = ["rank", "trainer", "family", "score", "solves", "fastest on", "runs reached target"]
        rows = [[str(i), r.label, r.family, f"{r.score:.3f}", f"{r.solved}/{r.problems}",
                 f"{r.fastest}/{r.problems}", f"{r.reached}/{r.trials}"] for i, r in enumerate(self.rows, 1)]
        return headers, rows

    def text(self, top: int = TERMINAL_TOP) -> str:
        """The short form ``nnbench report`` prints: the ``top`` rows and one line per problem."""
        from tabulate import tabulate

        headers, rows = self.table()
        n = len(self.names)
        out = [f"Headline across {n} problem{'s' if n != 1 else ''}: AlgoPerf's score, the area under the "
               f"performance profile of evaluations to the {self.target.label} target for ratios 1 to "
               f"{M.SCORE_MAX_RATIO:g}, over {M.SCORE_MAX_RATIO - 1:g} (1: fastest on every problem; "
               "failed and skipped runs count as not solved)",
               tabulate(rows[:top], headers=headers, tablefmt="simple", disable_numparse=True)]
        if len(rows) > top:
            out.append(f"({top} of {len(rows)} trainers; the HTML report ranks all)")
        out += [p.sentence(self.target) for p in self.problems]
        out.append("This ranks across problems; the tables above rank within each problem by median best cost.")
        return "\n".join(out) + "\n"


def _runtimes(runs: Sequence[M.Run], instances: dict, target: M.Target) -> dict:
    """``{(seed, repeat): evaluations to the target, inf if never}`` of one trainer's runs."""
    out: dict = {}
    for r in runs:
        n = sum(1 for k in out if k[0] == r.seed)
        out[(r.seed, n)] = M.runtime(r, target.cost(instances[r.instance]), MEASURE)
    return out


def headline(records: Sequence[TrialRecord], tau: float = defaults.PROFILE_TAU,
             target_cost: float | None = None) -> Headline:
    """The headline of ``records`` (any number of problems): see the module docstring.

    :param tau: the relative target's precision (default :data:`nnbench.defaults.PROFILE_TAU`).
    :param target_cost: an absolute target cost instead of the relative one.
    :returns: a :class:`Headline`; without records, one without rows.
    :raises ConfigError: ``tau`` not in (0, 1].
    """
    target = M.Target(value=target_cost) if target_cost is not None else M.Target(tau=tau)
    records = evaluation(records)
    labels = problem_labels(records)
    rows_of = list(dict.fromkeys(row_label(r) for r in records))
    family: dict[str, str] = {}
    for r in records:
        family.setdefault(row_label(r), r.family)
    runs = M.failures_unsolved(M.runs_of(records))
    instances = M.instances_of(runs)
    keys, cols, t = M.runtime_matrix(runs, instances, target, MEASURE, trainers=rows_of, by="problem")
    present = {k: i for i, k in enumerate(keys)}
    full = np.full((len(labels), len(cols)), math.inf)  # a problem where nothing ran stays unsolved
    for i, p in enumerate(labels):
        if p in present:
            full[i] = t[present[p]]
    score = M.profile_score(full) if full.size else np.zeros(len(cols))
    ratios = M.performance_ratios(full)
    reached: dict[str, int] = dict.fromkeys(cols, 0)
    for run in runs:
        if M.hit(run, target.cost(instances[run.instance])) is not None:
            reached[run.trainer] += 1
    trials = {c: sum(1 for r in records if row_label(r) == c) for c in cols}
    rows = [HeadlineRow(c, family[c], float(score[j]), int(np.isfinite(full[:, j]).sum()),
                        int((ratios[:, j] == 1).sum()), len(labels), reached[c], trials[c])
            for j, c in enumerate(cols)]
    rows.sort(key=lambda h: (-h.score, -h.solved, -(h.reached / h.trials if h.trials else 0.0), h.label.lower()))
    order = [cols.index(h.label) for h in rows]

    problems = []
    groups = by_problem(runs)
    for i, (p, (ds, net)) in enumerate(labels.items()):
        name = f"{ds} | {net}"
        mine = groups.get(p, [])
        rank = {c: k for k, c in enumerate(M.trainer_order(mine))}
        finite = sorted((j for j in range(len(cols)) if math.isfinite(full[i, j])),
                        key=lambda j: (full[i, j], rank.get(cols[j], len(rank))))
        if not finite:
            problems.append(Fastest(name, None))
            continue

        def ert_of(j: int) -> M.ERT:
            return M.ert([r for r in mine if r.trainer == cols[j]], instances, target, MEASURE)

        w = ert_of(finite[0])
        if len(finite) == 1:
            problems.append(Fastest(name, cols[finite[0]], w.value, w.reached, w.runs))
            continue
        u = ert_of(finite[1])
        fast = _runtimes([r for r in mine if r.trainer == cols[finite[0]]], instances, target)
        slow = _runtimes([r for r in mine if r.trainer == cols[finite[1]]], instances, target)
        test = M.paired_worse(slow, fast, test="sign")
        wins = sum(1 for k in fast if k in slow and fast[k] < slow[k])
        problems.append(Fastest(name, cols[finite[0]], w.value, w.reached, w.runs, cols[finite[1]], u.value,
                                u.reached, u.runs, test, wins))
    return Headline(target, rows, problems, [f"{ds} | {net}" for ds, net in labels.values()], full[:, order])
