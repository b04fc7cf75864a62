"""The 15 methods of ``scipy.optimize.minimize``, each given every analytic derivative it uses.

Derivatives (https://docs.scipy.org/doc/scipy/reference/generated/scipy.optimize.minimize.html):
the gradient methods get ``jac=True`` with the objective's ``fun_and_grad`` (one combined
evaluation); Newton-CG, trust-ncg, trust-krylov and trust-constr also get the exact
``hessp`` (Pearlmutter's R-operator); trust-exact and dogleg the exact dense ``hess``.
Nelder-Mead, Powell, COBYLA and COBYQA use no derivatives. None falls back to finite
differences.

``max_params`` (the most weights each handles in reasonable time) was measured on a 2-core
host with one BLAS thread, on a one-hidden-layer network over 100 samples: the optimizer's
own time per evaluation, on top of the objective's (0.1-1 ms there), judged against
about 20-50 ms:

- COBYLA 100: 14 ms of its own per evaluation at 51 weights, 19 ms at 101;
- COBYQA 30: 6 ms at 9 weights, 14 ms at 21, 17 ms at 33;
- BFGS 500: its dense inverse-Hessian update costs O(n**3): 36 ms per evaluation at 501
  weights, 184 ms at 1001, 1 s at 2001;
- SLSQP 500: 11 ms at 501, 57 ms at 1001;
- trust-exact and dogleg 200: one dense Hessian takes 0.17 s at 201 weights, 0.67 s at 501
  (trust-exact: 0.11 s per evaluation at 201, 0.32 s at 501, 1.9 s at 1001);
- Nelder-Mead 2000 and Powell 4000: cheap per evaluation (0.5 ms at 1001, 2.7 ms at 4001
  with the objective) but they keep an ``(n+1, n)`` simplex / ``(n, n)`` direction set;
- CG, L-BFGS-B, Newton-CG, TNC, trust-ncg, trust-krylov, trust-constr: O(n) memory and work
  besides the objective, no limit.

Budget: ``max_evals`` goes to the method's own limit (the ``BUDGET_OPTIONS`` table), and
the run is stopped at the budget in any case. A method's options are its solver's keyword
parameters (:func:`method_options`); any given is passed to scipy's ``options=`` (e.g.
``--option BFGS.gtol=1e-8``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.optimize

from nnbench.trainer import Budget, Trainer, TrainResult
from nnbench_scipy._common import Tracked, declare, documented_options, from_scipy, signature_options

#: The function behind each method in ``scipy.optimize._minimize``, whose keyword parameters
#: are the method's options (what ``scipy.optimize.show_options`` documents).
SOLVERS: dict[str, str] = {
    "Nelder-Mead": "_minimize_neldermead", "Powell": "_minimize_powell", "CG": "_minimize_cg",
    "BFGS": "_minimize_bfgs", "Newton-CG": "_minimize_newtoncg", "L-BFGS-B": "_minimize_lbfgsb",
    "TNC": "_minimize_tnc", "COBYLA": "_minimize_cobyla", "COBYQA": "_minimize_cobyqa", "SLSQP": "_minimize_slsqp",
    "trust-constr": "_minimize_trustregion_constr", "dogleg": "_minimize_dogleg", "trust-ncg": "_minimize_trust_ncg",
    "trust-exact": "_minimize_trustregion_exact", "trust-krylov": "_minimize_trust_krylov",
}


def method_options(method: str) -> dict[str, Any]:
    """The options of ``minimize(method=method)`` with their defaults, the budget's (the
    :data:`BUDGET_OPTIONS`) as ``None``: from the solver's signature where scipy has the
    function :data:`SOLVERS` names, else the names ``show_options`` documents."""
    from scipy.optimize import _minimize

    solver = getattr(_minimize, SOLVERS[method], None)
    found = signature_options(solver) if callable(solver) else documented_options("minimize", method)
    return {**found, **dict.fromkeys(BUDGET_OPTIONS[method])}


#: Which of scipy's options each method reads as its evaluation or iteration limit (both
#: set to ``max_evals``: one iteration costs at least one evaluation).
BUDGET_OPTIONS: dict[str, tuple[str, ...]] = {
    "Nelder-Mead": ("maxfev", "maxiter"),
    "Powell": ("maxfev", "maxiter"),
    "CG": ("maxiter",),
    "BFGS": ("maxiter",),
    "Newton-CG": ("maxiter",),
    "L-BFGS-B": ("maxfun", "maxiter"),
    "TNC": ("maxfun",),
    "COBYLA": ("maxiter",),  # COBYLA's maxiter is its limit on function evaluations
    "COBYQA": ("maxfev", "maxiter"),
    "SLSQP": ("maxiter",),
    "trust-constr": ("maxiter",),
    "dogleg": ("maxiter",),
    "trust-ncg": ("maxiter",),
    "trust-exact": ("maxiter",),
    "trust-krylov": ("maxiter",),
}


def solve_minimize(method: str, uses: frozenset[str], tracked: Tracked, x0: np.ndarray,
                   budget: Budget, options: dict[str, Any]) -> TrainResult:
    """``scipy.optimize.minimize(method=method)`` with the derivatives in ``uses``."""
    opts: dict[str, Any] = {}
    if budget.max_evals is not None:
        # COBYLA and COBYQA warn and raise a limit below n + 2 (their initial simplex or
        # interpolation set); the budget still stops them at max_evals.
        limit = max(int(budget.max_evals), x0.size + 2) if method in ("COBYLA", "COBYQA") else int(budget.max_evals)
        opts.update(dict.fromkeys(BUDGET_OPTIONS[method], limit))
    opts.update(options)
    kwargs: dict[str, Any] = {}
    fun: Any = tracked.fun
    if "gradient" in uses:
        fun, kwargs["jac"] = tracked.fun_and_grad, True
    if "hessp" in uses:
        kwargs["hessp"] = tracked.hessp
    if "hess" in uses:
        kwargs["hess"] = tracked.hess
    res = scipy.optimize.minimize(fun, x0, method=method, options=opts, **kwargs)
    return from_scipy(res)


_METHODS: list[tuple[str, str, tuple[str, ...], int | None, str]] = [
    # name, family, derivatives, max_params, summary
    ("Nelder-Mead", "local-derivative-free", (), 2000, "downhill simplex (Nelder & Mead 1965)"),
    ("Powell", "local-derivative-free", (), 4000, "conjugate directions by line searches (Powell 1964)"),
    ("COBYLA", "local-derivative-free", (), 100, "linear approximations in a trust region (Powell 1994, PRIMA)"),
    ("COBYQA", "local-derivative-free", (), 30, "quadratic models in a trust region (Ragonneau 2022)"),
    ("CG", "local-gradient", ("gradient",), None, "nonlinear conjugate gradient (Polak-Ribiere)"),
    ("BFGS", "local-gradient", ("gradient",), 500, "quasi-Newton BFGS with a dense inverse Hessian"),
    ("Newton-CG", "local-gradient", ("gradient", "hessp"), None, "truncated Newton, CG on exact Hessian-vector products"),
    ("L-BFGS-B", "local-gradient", ("gradient",), None, "limited-memory BFGS with bounds (Byrd et al. 1995)"),
    ("TNC", "local-gradient", ("gradient",), None, "truncated Newton with finite-difference Hessian products of the gradient"),
    ("SLSQP", "local-gradient", ("gradient",), 500, "sequential least squares quadratic programming (Kraft 1988)"),
    ("trust-constr", "local-gradient", ("gradient", "hessp"), None, "trust-region interior point / SQP, exact Hessian-vector products"),
    ("dogleg", "local-gradient", ("gradient", "hess"), 200, "dogleg trust region; needs a positive definite Hessian"),
    ("trust-ncg", "local-gradient", ("gradient", "hessp"), None, "Newton conjugate gradient trust region (Steihaug)"),
    ("trust-exact", "local-gradient", ("gradient", "hess"), 200, "nearly exact trust-region subproblem (More & Sorensen)"),
    ("trust-krylov", "local-gradient", ("gradient", "hessp"), None, "trust region solved in a Krylov subspace (GLTR)"),
]


def _make(method: str, uses: tuple[str, ...]) -> Any:
    frozen = frozenset(uses)

    def solve(tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
              options: dict[str, Any]) -> TrainResult:
        return solve_minimize(method, frozen, tracked, x0, budget, options)

    solve.__name__ = solve.__qualname__ = f"_solve_{method.replace('-', '_')}"
    solve.__doc__ = f"``scipy.optimize.minimize(method={method!r})``; see :func:`solve_minimize`."
    globals()[solve.__name__] = solve
    return solve


#: ``n_params x n_params`` matrices a method keeps of its own, for the memory estimate: the dense
#: inverse Hessian of BFGS and the BFGS approximation of SLSQP, the simplex of Nelder-Mead and
#: COBYLA, Powell's direction set, COBYQA's quadratic models.
STATE_MATRICES: dict[str, float] = {"BFGS": 1, "SLSQP": 1, "Nelder-Mead": 1, "COBYLA": 1, "Powell": 1, "COBYQA": 2}

TRAINERS: list[Trainer] = [
    declare(name, family, _make(name, uses), f"scipy minimize {name}: {summary}", uses=frozenset(uses),
            max_params=max_params, options=method_options(name), state_matrices=STATE_MATRICES.get(name, 0.0),
            # trust-exact and dogleg factorise the Hessian (Cholesky, eigenvalues) beside it
            derivative_copies=3.0 if "hess" in uses else 1.0)
    for name, family, uses, max_params, summary in _METHODS
]
