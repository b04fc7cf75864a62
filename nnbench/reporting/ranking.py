"""The one rule that orders trainers within a problem, for every table and plot.

Within one problem (a dataset and a network), trainers are ranked

1. those with a finite best cost before those without (a trainer whose every trial was
   skipped or evaluated nothing finite comes last);
2. by the median, over its trials that ran, of the lowest cost each evaluated, where every
   cost below the problem's *solved level* counts as the solved level itself:
   :data:`SOLVED_RELATIVE` times the median initial cost (the cost at the shared ``x0``).
   Below it the problem is solved to rounding noise: on the tutorial problem, whose minimum
   is 0, costs of 1e-25 and 1e-12 say nothing about the method;
3. ties (in particular among trainers that solved the problem) by the median number of
   evaluations of its trials that ran, fewer first;
4. then by name, case-insensitively.

Never by seconds, so two runs of one suite order their rows alike on any machine. The
summary table (:func:`nnbench.reporting.tables.summarize`), every measure table
(:mod:`nnbench.reporting.measures`) and every plot read :func:`standings` or :func:`rank`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nnbench.results.record import TrialRecord

__all__ = ["SOLVED_RELATIVE", "Standing", "standings", "rank", "solved_level", "median", "row_label", "evaluation"]

#: Costs below this fraction of the median initial cost count as solved, and tie.
SOLVED_RELATIVE = 1e-9


def row_label(record: TrialRecord) -> str:
    """What one row of every table, figure, headline and comparison stands for: the record's
    ``variant`` label when it has one (a trainer with given options, such as
    ``adam[learning_rate=0.1]``), else its trainer's name. The one function that says it:
    rankings, measures (:func:`nnbench.reporting.measures.runs_of`), tables, the headline and
    ``nnbench compare`` all group records by it.

    :returns: a string, never empty.
    """
    variant = getattr(record, "variant", None)
    return variant if isinstance(variant, str) and variant else record.trainer


def evaluation(records: Iterable[TrialRecord]) -> list[TrialRecord]:
    """The records that are rows of the comparison: those of phase ``"evaluation"`` (the
    variants and the tuned configurations on the evaluation seeds); the tuning trials
    (``nnbench run --tune``) are the report's tuning section's, not rows of its tables."""
    return [r for r in records if r.phase == "evaluation"]


def median(values: Iterable[float | None]) -> float | None:
    """The median of the finite values, or ``None`` if there is none."""
    vals = [float(v) for v in values if v is not None and math.isfinite(v)]
    return statistics.median(vals) if vals else None


def solved_level(records: Sequence[TrialRecord]) -> float:
    """:data:`SOLVED_RELATIVE` times the median initial cost of ``records`` (0 without one)."""
    start = median(r.initial_cost for r in records)
    return SOLVED_RELATIVE * start if start is not None and start > 0 else 0.0


@dataclass(frozen=True)
class Standing:
    """One trainer's place on one problem, and the medians it was ranked by.

    :param trainer: its name.
    :param records: all its trials on the problem.
    :param median_cost: median best cost of its trials that ran and evaluated a finite
        cost, or ``None``.
    :param median_evals: median evaluations of its trials that ran, or ``None``.
    :param rank_cost: ``max(median_cost, solved level)`` (``inf`` without a cost): the cost it
        is ranked by.
    """

    trainer: str
    records: tuple[TrialRecord, ...]
    median_cost: float | None
    median_evals: float | None
    rank_cost: float

    @property
    def key(self) -> tuple[bool, float, float, str]:
        """The sort key of the rule above."""
        evals = self.median_evals if self.median_evals is not None else math.inf
        return (self.median_cost is None, self.rank_cost, evals, self.trainer.lower())


def standings(records: Sequence[TrialRecord]) -> list[Standing]:
    """Every trainer of ``records`` (one problem's trials), best first by the rule above."""
    level = solved_level(records)
    by: dict[str, list[TrialRecord]] = {}
    for r in records:
        by.setdefault(row_label(r), []).append(r)
    out = []
    for trainer, recs in by.items():
        ran = [r for r in recs if r.ran]
        cost = median(r.best_cost for r in ran)
        out.append(Standing(trainer, tuple(recs), cost, median(r.evaluations for r in ran),
                            max(cost, level) if cost is not None else math.inf))
    return sorted(out, key=lambda s: s.key)


def rank(records: Sequence[TrialRecord]) -> list[str]:
    """The trainers of ``records`` (one problem's trials), best first."""
    return [s.trainer for s in standings(records)]
