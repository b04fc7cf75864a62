"""nnbench's built-in scipy trainers: a plugin like any other.

- every ``scipy.optimize.minimize`` method (:mod:`nnbench_scipy._minimize`);
- the global optimizers basinhopping, differential_evolution, dual_annealing, shgo, direct
  (:mod:`nnbench_scipy._global`);
- ``least_squares`` trf, dogbox, lm (:mod:`nnbench_scipy._least_squares`).

Registered by import path (:data:`nnbench.plugins.BUILTIN_PLUGINS`), never as an entry point.
"""

from __future__ import annotations

from nnbench.hookspecs import hookimpl
from nnbench.trainer import Trainer
from nnbench_scipy import _global, _least_squares, _minimize
from nnbench_scipy._common import DEFAULT_BOUND

__all__ = ["DEFAULT_BOUND", "TRAINERS", "nnbench_trainers"]

#: Every trainer of this plugin, in listing order.
TRAINERS: tuple[Trainer, ...] = (*_minimize.TRAINERS, *_global.TRAINERS, *_least_squares.TRAINERS)


@hookimpl
def nnbench_trainers() -> list[Trainer]:
    """The 15 minimize methods, 5 global optimizers and 3 least_squares methods."""
    return list(TRAINERS)
