"""Tuning as part of a run (``nnbench run --tune N``): the configurations, their seeds, the pick.

For each selected trainer with a search space (:attr:`nnbench.contract.trainer.Trainer.search_space`)
a run with ``tune=N`` tries ``N`` configurations (:func:`configurations`: a scrambled Sobol
design, :func:`nnbench.contract.search.design`, seeded from the trainer's name) on every problem,
each on the tuning seeds (:func:`tuning_seeds`: ``TUNING_SEED_BASE .. TUNING_SEED_BASE + K - 1``,
never an evaluation seed), as trials of phase ``"tuning"``. Per problem it picks the
configuration with the lowest median best cost over those seeds (:func:`pick`, ties to the
lower design index) and runs it on the evaluation seeds as the variant ``adam[tuned]``
(:func:`nnbench.contract.variants.tuned_name`), beside the trainer at its defaults. The protocol is
that of DeepOBS (Schneider et al. 2019) and Schmidt et al. 2021 ("Descending through a Crowded
Valley"): every trainer tuned under a stated budget, judged on other seeds.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from nnbench import defaults
from nnbench.contract.search import design
from nnbench.contract.trainer import Trainer

__all__ = ["tuning_seeds", "configurations", "tuning_median", "pick"]


def tuning_seeds(k: int) -> tuple[int, ...]:
    """The ``k`` tuning seeds: ``TUNING_SEED_BASE .. TUNING_SEED_BASE + k - 1``
    (:data:`nnbench.defaults.TUNING_SEED_BASE`)."""
    return tuple(range(defaults.TUNING_SEED_BASE, defaults.TUNING_SEED_BASE + int(k)))


def configurations(trainer: Trainer, n: int, fixed: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The ``n`` configurations tuning tries for ``trainer``: its search space without the
    options ``fixed`` sets (``--option``), designed by :func:`nnbench.contract.search.design`
    under the trainer's name, each with ``fixed`` beside it.

    :returns: ``n`` option dicts in design order; ``[]`` when nothing is left to search.
    """
    fixed = dict(fixed or {})
    space = {k: d for k, d in trainer.search_space.items() if k not in fixed}
    if not space or n < 1:
        return []
    return [{**fixed, **point} for point in design(space, n, trainer.name)]


def tuning_median(costs: Sequence[float | None]) -> float:
    """The median best cost of one configuration over its tuning seeds; a trial without a
    finite best cost (failed, or no evaluation) counts as ``inf``. ``inf`` without trials."""
    vals = [c if c is not None and math.isfinite(c) else math.inf for c in costs]
    return float(statistics.median(vals)) if vals else math.inf


def pick(medians: Sequence[float]) -> int:
    """The index of the lowest of ``medians`` (:func:`tuning_median` of each configuration),
    ties to the lower index.

    :raises ValueError: no configuration.
    """
    if not medians:
        raise ValueError("no configuration to pick from")
    return min(range(len(medians)), key=lambda i: (medians[i], i))
