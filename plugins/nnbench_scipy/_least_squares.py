"""``scipy.optimize.least_squares`` with methods trf, dogbox and lm on the residuals.

Given the analytic residual Jacobian (``jac=residual_jac``), for the squared-error losses
only (their cost is the sum of squares of the residuals). ``max_nfev = max_evals``. The
cost reported is the objective's own, ``sum(residuals**2)`` at the result, never scipy's
``res.cost`` (half of it). ``lm`` (MINPACK, Moré 1978) needs at least as many residuals as
weights. Options go to ``least_squares`` (e.g. ``ftol``, ``x_scale``).
Reference: https://docs.scipy.org/doc/scipy/reference/generated/scipy.optimize.least_squares.html
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import scipy.optimize

from nnbench.trainer import Budget, Trainer, TrainResult
from nnbench_scipy._common import Tracked, declare, from_scipy, signature_options


def solve_least_squares(method: Literal["trf", "dogbox", "lm"], tracked: Tracked, x0: np.ndarray, budget: Budget,
                        options: dict[str, Any]) -> TrainResult:
    """``least_squares(residuals, x0, jac=residual_jac, method=method)``."""
    kwargs: dict[str, Any] = {} if budget.max_evals is None else {"max_nfev": int(budget.max_evals)}
    kwargs.update(options)
    res = scipy.optimize.least_squares(tracked.residuals, x0, jac=tracked.residual_jac, method=method, **kwargs)
    return from_scipy(res, fun=float(res.fun @ res.fun))


def solve_trf(tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
              options: dict[str, Any]) -> TrainResult:
    """Trust Region Reflective (Branch, Coleman & Li 1999)."""
    return solve_least_squares("trf", tracked, x0, budget, options)


def solve_dogbox(tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
                 options: dict[str, Any]) -> TrainResult:
    """Dogleg in a rectangular trust region (Voglis & Lagaris 2004)."""
    return solve_least_squares("dogbox", tracked, x0, budget, options)


def solve_lm(tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
             options: dict[str, Any]) -> TrainResult:
    """Levenberg-Marquardt, MINPACK's lmder (Moré 1978)."""
    return solve_least_squares("lm", tracked, x0, budget, options)


#: What the three methods share: the residual Jacobian, squared-error losses only, and the
#: options of ``least_squares`` (``max_nfev`` set from the budget).
_USES = frozenset({"residual_jac"})
_OPTIONS = {**signature_options(scipy.optimize.least_squares), "max_nfev": None}
#: Copies of the residual Jacobian a method holds at once: the matrix and its SVD or QR factors
#: (measured: an 11.8 GB peak for the 4.2 GB Jacobian of 442 residuals x 1.2M weights).
_JACOBIAN_COPIES = 3.0

TRAINERS: list[Trainer] = [
    declare("least_squares-trf", "least-squares", solve_trf,
            "scipy least_squares trf: trust region reflective on the residuals", _OPTIONS,
            uses=_USES, needs_residuals=True, derivative_copies=_JACOBIAN_COPIES),
    declare("least_squares-dogbox", "least-squares", solve_dogbox,
            "scipy least_squares dogbox: rectangular trust-region dogleg", _OPTIONS,
            uses=_USES, needs_residuals=True, derivative_copies=_JACOBIAN_COPIES),
    declare("least_squares-lm", "least-squares", solve_lm,
            "scipy least_squares lm: MINPACK Levenberg-Marquardt (residuals >= weights)", _OPTIONS,
            uses=_USES, needs_residuals=True, min_residuals_per_param=1.0,
            derivative_copies=_JACOBIAN_COPIES),
]
