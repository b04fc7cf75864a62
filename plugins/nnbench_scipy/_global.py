"""scipy's global optimizers: basinhopping, differential_evolution, dual_annealing, shgo, direct.

The methods that need bounds search the box ``[-bound, bound]`` per weight, ``bound = 10``
by default (option ``bound``; :data:`~nnbench_scipy._common.DEFAULT_BOUND`); ``x0`` is
clipped into it. Every local search they run calls the same objective, so its evaluations
are counted and budgeted like any other, and gets the analytic gradient (L-BFGS-B), never
finite differences. shgo and direct take no starting point, so they evaluate ``x0`` first:
every trainer is judged from the same start. Other options go to the scipy function; the
options are the function's own keyword parameters (:func:`~nnbench_scipy._common.signature_options`).
References: https://docs.scipy.org/doc/scipy/reference/optimize.html#global-optimization

``max_params``, measured as in :mod:`nnbench_scipy._minimize`: shgo 10 (its simplicial
sampling triangulates the ``2**n`` corners of the box: 3.8 ms per evaluation at 9 weights,
no first evaluation within 5 minutes at 13); differential_evolution 1000 (a population of
``15 n`` points of ``n`` weights, 120 MB at 1000; 0.7 ms per evaluation at 1001); direct
1000 (0.9 ms per evaluation at 1001, memory grows with evaluations times weights);
basinhopping and dual_annealing none (0.2-0.4 ms per evaluation at 1001).
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
import scipy.optimize

from nnbench.trainer import Budget, Interval, Trainer, TrainResult
from nnbench_scipy._common import DEFAULT_BOUND, Tracked, box, declare, from_scipy, rng_keyword, signature_options


def _clip(x0: np.ndarray, bounds: list[tuple[float, float]]) -> np.ndarray:
    return np.clip(x0, bounds[0][0], bounds[0][1])


def solve_basinhopping(tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
                       options: dict[str, Any]) -> TrainResult:
    """``basinhopping`` (Wales & Doye 1997): random hops of ``stepsize`` (0.5), each followed
    by L-BFGS-B with the analytic gradient; ``niter`` (100) hops, stopped at the budget."""
    kwargs = {"niter": 100, **options}
    res = scipy.optimize.basinhopping(
        tracked.fun_and_grad, x0, minimizer_kwargs={"method": "L-BFGS-B", "jac": True},
        **rng_keyword(scipy.optimize.basinhopping, rng), **kwargs)
    return from_scipy(res)


def solve_differential_evolution(tracked: Tracked, x0: np.ndarray, budget: Budget,
                                 rng: np.random.Generator, options: dict[str, Any]) -> TrainResult:
    """``differential_evolution`` (Storn & Price 1997) in the box, ``x0`` in the population,
    with ``maxiter`` set so the generations take 80% of ``max_evals``; then L-BFGS-B with
    the analytic gradient in the box on the rest (instead of scipy's finite-difference polish)."""
    options = dict(options)
    bounds = box(x0.size, options)
    options.pop("bound", None)
    popsize = int(options.pop("popsize", 15))
    kwargs: dict[str, Any] = {"polish": False}
    if budget.max_evals is not None:
        kwargs["maxiter"] = max(1, int(0.8 * budget.max_evals) // (popsize * x0.size) - 1)
    kwargs.update(options)
    res = scipy.optimize.differential_evolution(
        tracked.fun, bounds, x0=_clip(x0, bounds), popsize=popsize,
        **rng_keyword(scipy.optimize.differential_evolution, rng), **kwargs)
    local_opts = {} if budget.max_evals is None else {"maxfun": max(1, budget.max_evals - tracked.evaluations)}
    local = scipy.optimize.minimize(tracked.fun_and_grad, res.x, jac=True, method="L-BFGS-B",
                                    bounds=bounds, options=local_opts)
    best = local if local.fun <= res.fun else res
    return TrainResult(x=np.array(best.x, dtype=np.float64), fun=float(best.fun), success=bool(res.success),
                       status=int(res.get("status", 0)), message=f"{res.message}; polished by L-BFGS-B: {local.message}",
                       nit=int(res.nit), nfev=tracked.evaluations)


def solve_dual_annealing(tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
                         options: dict[str, Any]) -> TrainResult:
    """``dual_annealing`` (Xiang et al. 1997) in the box from ``x0``, ``maxfun = max_evals``,
    local searches by L-BFGS-B with the analytic gradient in the box, at most
    ``min(max(6 n, 100), 1000)`` iterations each (scipy's own default for its local search)."""
    options = dict(options)
    bounds = box(x0.size, options)
    options.pop("bound", None)
    kwargs: dict[str, Any] = {} if budget.max_evals is None else {"maxfun": int(budget.max_evals)}
    kwargs.update(options)
    res = scipy.optimize.dual_annealing(
        tracked.fun, bounds, x0=_clip(x0, bounds),
        minimizer_kwargs={"method": "L-BFGS-B", "jac": tracked.grad, "bounds": bounds,
                          "options": {"maxiter": min(max(6 * x0.size, 100), 1000)}},
        **rng_keyword(scipy.optimize.dual_annealing, rng), **kwargs)
    return from_scipy(res)


def solve_shgo(tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
               options: dict[str, Any]) -> TrainResult:
    """``shgo`` (Endres et al. 2018), simplicial sampling of the box (``2**n`` vertices: it
    grows exponentially with the weights), local searches by L-BFGS-B with the analytic
    gradient, ``maxfev = max_evals``. Evaluates ``x0`` first."""
    options = dict(options)
    bounds = box(x0.size, options)
    options.pop("bound", None)
    tracked.fun(_clip(x0, bounds))
    shgo_options = {} if budget.max_evals is None else {"maxfev": int(budget.max_evals)}
    res = scipy.optimize.shgo(tracked.fun, bounds, options=shgo_options,
                              minimizer_kwargs={"method": "L-BFGS-B", "jac": tracked.grad}, **options)
    return from_scipy(res)


def solve_direct(tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
                 options: dict[str, Any]) -> TrainResult:
    """``direct`` (Jones et al. 1993; locally biased, Gablonsky & Kelley 2001) in the box,
    ``maxfun = max_evals - 1`` after evaluating ``x0``."""
    options = dict(options)
    bounds = box(x0.size, options)
    options.pop("bound", None)
    tracked.fun(_clip(x0, bounds))
    # vol_tol=0: scipy's default 1e-16 stops at once above ~34 weights, where the first
    # trisection alone makes a box of relative volume 3**-n.
    kwargs: dict[str, Any] = {"maxiter": 10**6, "vol_tol": 0.0}
    if budget.max_evals is not None:
        kwargs["maxfun"] = max(1, int(budget.max_evals) - 1)
    kwargs.update(options)
    res = scipy.optimize.direct(tracked.fun, bounds, **kwargs)
    return from_scipy(res)


#: The ``bound`` option of the methods that search a box: its half-width, positive.
_BOUND = {"bound": [Interval(Real, 0, None, closed="neither")]}


def _options(func: Any, **nnbench: Any) -> dict[str, Any]:
    """``func``'s options with the defaults this plugin uses where they differ from scipy's
    (``None``: set from the budget)."""
    return {**signature_options(func), **nnbench}


TRAINERS: list[Trainer] = [
    declare("basinhopping", "global", solve_basinhopping,
            "scipy basinhopping: random hops + L-BFGS-B local minimisation", uses=frozenset({"gradient"}),
            stochastic=True, options=_options(scipy.optimize.basinhopping)),
    declare("differential_evolution", "global", solve_differential_evolution,
            "scipy differential_evolution in [-10, 10]^n, then L-BFGS-B", uses=frozenset({"gradient"}),
            needs_bounds=True, stochastic=True, max_params=1000, state_matrices=30.0,  # popsize 15: 2 x 15 n x n
            options=_options(scipy.optimize.differential_evolution, bound=DEFAULT_BOUND, maxiter=None, polish=False),
            constraints=_BOUND),
    declare("dual_annealing", "global", solve_dual_annealing,
            "scipy dual_annealing in [-10, 10]^n with L-BFGS-B local searches", uses=frozenset({"gradient"}),
            needs_bounds=True, stochastic=True,
            options=_options(scipy.optimize.dual_annealing, bound=DEFAULT_BOUND, maxfun=None), constraints=_BOUND),
    declare("shgo", "global", solve_shgo,
            "scipy shgo (simplicial homology) in [-10, 10]^n with L-BFGS-B", uses=frozenset({"gradient"}),
            needs_bounds=True, max_params=10, options=_options(scipy.optimize.shgo, bound=DEFAULT_BOUND),
            constraints=_BOUND),
    declare("direct", "global", solve_direct,
            "scipy direct (DIviding RECTangles, locally biased) in [-10, 10]^n", needs_bounds=True,
            max_params=1000, options=_options(scipy.optimize.direct, bound=DEFAULT_BOUND, maxfun=None,
                                              maxiter=10**6, vol_tol=0.0),
            constraints=_BOUND),
]
